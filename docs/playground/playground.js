// The playground page (index.html): loads MicroPython with microlearn compiled in
// (micropython-runtime.js, which also holds playground.py), writes the chosen
// files into its filesystem, runs playground.py and shows /result.json.
"use strict";

const SHOWN_ROWS = 1000; // rows listed in the table (all rows are predicted)
const $ = (id) => document.getElementById(id);

function setStatus(text, isError) {
    $("status").textContent = text;
    $("status").className = isError ? "error" : "";
}

async function fileBytes(input) {
    return new Uint8Array(await input.files[0].arrayBuffer());
}

function show(result) {
    $("model-bytes").textContent = result.model_bytes.toLocaleString("en");
    const info = result.info;
    $("model-info").textContent = Object.keys(info)
        .sort()
        .map((k) => `${k}: ${JSON.stringify(info[k])}`)
        .join(", ");
    $("n-rows").textContent = result.predictions.length.toLocaleString("en");
    $("timing").textContent = `${result.us_per_predict.toFixed(1)} µs (${result.platform})`;
    const expected = result.expected;
    $("agreement").textContent =
        expected === undefined ? "no labels given" : `${(100 * result.agreement).toFixed(2)} %`;
    const body = $("predictions").tBodies[0];
    body.replaceChildren();
    result.predictions.slice(0, SHOWN_ROWS).forEach((p, i) => {
        const tr = body.insertRow();
        const e = expected === undefined ? "" : expected[i];
        [i, p, e].forEach((v) => (tr.insertCell().textContent = typeof v === "string" ? v : JSON.stringify(v)));
        if (expected !== undefined && String(p) !== String(e) && Number(p) !== Number(e)) tr.className = "miss";
    });
    const more = result.predictions.length - SHOWN_ROWS;
    $("truncated").hidden = more <= 0;
    $("truncated").textContent = more > 0 ? `… and ${more.toLocaleString("en")} more rows` : "";
    $("results").hidden = false;
}

async function run(mp, exec) {
    if (!$("model").files.length || !$("rows").files.length) {
        setStatus("Pick a model and a file of rows first.", true);
        return;
    }
    $("run").disabled = true;
    setStatus("Running…");
    try {
        const FS = mp.FS;
        const rowsName = $("rows").files[0].name.toLowerCase().endsWith(".npy") ? "/rows.npy" : "/rows.csv";
        const config = { rows: rowsName, label_column: $("label-column").checked, labels: null };
        FS.writeFile("/model.mlm", await fileBytes($("model")));
        FS.writeFile(rowsName, await fileBytes($("rows")));
        if ($("labels").files.length) {
            FS.writeFile("/labels.npy", await fileBytes($("labels")));
            config.labels = "/labels.npy";
        }
        FS.writeFile("/config.json", JSON.stringify(config));
        if (FS.analyzePath("/result.json").exists) FS.unlink("/result.json");
        await exec(MICROLEARN_PLAYGROUND_PY);
        const result = JSON.parse(FS.readFile("/result.json", { encoding: "utf8" }));
        if (result.error) {
            $("results").hidden = true;
            setStatus(result.error, true);
        } else {
            show(result);
            setStatus("Done.");
        }
    } catch (e) {
        setStatus(`MicroPython failed: ${e}`, true);
    } finally {
        $("run").disabled = false;
    }
}

async function main() {
    if (typeof loadMicroPython !== "function") {
        setStatus("micropython-runtime.js is missing: build it with `python -m microlearn.rig.playground`.", true);
        return;
    }
    // The port's memory is 16 MiB, fixed: half of it for the Python heap (the
    // model's bytes, the rows and the results live there).
    const mp = await loadMicroPython({ heapsize: 8 * 1024 * 1024, linebuffer: true, stdout: console.log });
    const exec = microlearnExec(mp); // mp_exec.js, inside micropython-runtime.js
    $("run").addEventListener("click", () => run(mp, exec));
    $("run").disabled = false;
    setStatus("Ready: pick a model and rows.");
}

main().catch((e) => setStatus(`MicroPython did not start: ${e}`, true));
