// Runs a MicroPython script on the webassembly port under node, the way the unix
// port's `micropython SCRIPT` would (the rig's wasm target, firmware.py):
//
//   MICROPYPATH=.frozen:/path/lib node wasm_run.mjs build-microlearn/micropython.mjs script.py
//
// The current folder is copied into the port's in-memory filesystem (/work, the
// script's current folder), each MICROPYPATH folder to /lib<N>; the script runs
// through the rig's on-device harness (on_device/harness.py: exit status, tracebacks
// without the harness's frame); files it wrote are copied back. The exit status is
// the script's, as on unix.
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const HEAP_BYTES = 2 * 1024 * 1024; // as the rig's QEMU firmware (targets.QEMU_HEAP_SIZE)
const [mjs, script] = process.argv.slice(2);
if (!mjs || !script) {
    process.stderr.write("usage: node wasm_run.mjs micropython.mjs script.py\n");
    process.exit(2);
}

// Emscripten 3.1.6's loader, in an ES module under node, calls require() and
// reads __dirname (both absent from ES modules), and would fetch() the .wasm by
// URL (which fails for a file): give it require, the module's folder and no
// fetch, so it reads micropython.wasm next to micropython.mjs with fs.
globalThis.require = createRequire(import.meta.url);
globalThis.__dirname = path.dirname(path.resolve(mjs));
delete globalThis.fetch;

// Output, line by line so that the harness's own traceback frame can be dropped.
const HARNESS_FRAME = /^\s*File "<[a-z]+>", line \d+, in _rig_run\s*$/;
let pending = [];
function emit(bytes) {
    for (const b of bytes) {
        pending.push(b);
        if (b === 10) flush();
    }
}
function flush() {
    const line = Buffer.from(pending);
    pending = [];
    if (!HARNESS_FRAME.test(line.toString("utf8"))) process.stdout.write(line);
}

const { loadMicroPython } = await import(pathToFileURL(path.resolve(mjs)).href);
const mp = await loadMicroPython({
    heapsize: HEAP_BYTES,
    linebuffer: false,
    stdout: emit,
    stderr: emit,
});
const FS = mp.FS;

function copyIn(hostDir, memDir) {
    FS.mkdirTree(memDir);
    for (const entry of fs.readdirSync(hostDir, { withFileTypes: true })) {
        const host = path.join(hostDir, entry.name);
        const mem = memDir + "/" + entry.name;
        if (entry.isDirectory()) copyIn(host, mem);
        else if (entry.isFile() && !FS.analyzePath(mem).exists) FS.writeFile(mem, fs.readFileSync(host));
    }
}

function copyOut(memDir, hostDir) {
    for (const name of FS.readdir(memDir)) {
        if (name === "." || name === "..") continue;
        const mem = memDir + "/" + name;
        const host = path.join(hostDir, name);
        if (FS.isDir(FS.stat(mem).mode)) {
            fs.mkdirSync(host, { recursive: true });
            copyOut(mem, host);
        } else {
            const data = FS.readFile(mem);
            if (!fs.existsSync(host) || !Buffer.from(data).equals(fs.readFileSync(host))) {
                fs.writeFileSync(host, data);
            }
        }
    }
}

const sysPath = [""];
(process.env.MICROPYPATH || ".frozen").split(":").forEach((dir, i) => {
    if (dir === ".frozen" || dir === "") {
        sysPath.push(dir);
    } else if (fs.existsSync(dir)) {
        copyIn(dir, "/lib" + i);
        sysPath.push("/lib" + i);
    }
});
copyIn(process.cwd(), "/work");
FS.chdir("/work");

// mp_exec.js (a classic script, shared with the playground) defines microlearnExec.
const rigDir = path.dirname(fileURLToPath(import.meta.url));
const exec = new Function(`${fs.readFileSync(path.join(rigDir, "mp_exec.js"), "utf8")}\nreturn microlearnExec;`)()(mp);

const harness = fs.readFileSync(path.join(rigDir, "on_device", "harness.py"), "utf8");
const STATUS = "/.rig_status";
let status = 1;
try {
    await exec(
        `${harness}\nsys.path[:] = ${JSON.stringify(sysPath)}\n_rig_run(${JSON.stringify(script)})\n` +
            `with open("${STATUS}", "w") as f:\n    f.write(str(_rig_status))\n`,
    );
    status = parseInt(FS.readFile(STATUS, { encoding: "utf8" }), 10);
    copyOut("/work", process.cwd());
} catch (e) {
    // E.g. "RangeError: Maximum call stack size exceeded": the JS engine's stack
    // ends before MicroPython's own recursion check (about 50 Python calls deep).
    if (pending.length) flush();
    process.stdout.write(`[rig] the webassembly port crashed: ${e}\n`);
    status = 134;
}
if (pending.length) flush();
process.exit(status);
