"""The browser playground's MicroPython: one classic script, no server needed.

    python -m microlearn.rig.playground [DIR]     (default: docs/playground/)

writes DIR/micropython-runtime.js: the webassembly port with microlearn compiled in
(firmware.build_wasm()) as a plain <script> that defines loadMicroPython(), with
micropython.wasm inside it (base64), and the page's Python program
(docs/playground/playground.py) as MICROLEARN_PLAYGROUND_PY, and microlearnExec()
(mp_exec.js: how to run code on this port with emscripten 3.1.6). Browsers refuse ES modules and fetch() for pages
opened from file://; a classic script with the binary inside loads from a folder on
disk as well as from the docs site.

The transformation of the port's micropython.mjs is checked, not guessed: each
replacement must match exactly once (another MicroPython version fails loudly).
"""

import base64
import json
import sys
from pathlib import Path

from . import firmware, paths
from .paths import RigError

RUNTIME = "micropython-runtime.js"

# micropython.mjs (emscripten 3.1.6 output + the port's api.js) -> a classic script.
REPLACEMENTS = [
    # The module's own URL: only used to find micropython.wasm, which is inside.
    ("var _scriptDir = import.meta.url;", "var _scriptDir = globalThis.location ? location.href : '';"),
    ("  // Use bundler-friendly `new URL(..., import.meta.url)` pattern; works in browsers too.\n"
     "  wasmBinaryFile = new URL('micropython.wasm', import.meta.url).toString();",
     "  wasmBinaryFile = 'micropython.wasm';"),
    ("export default _createMicroPythonModule;", ""),
    ("export async function loadMicroPython(options) {", "async function loadMicroPython(options) {"),
    # The binary comes with the script, not from a fetch.
    ("    let Module = {};\n", "    let Module = { wasmBinary: MICROPYTHON_WASM };\n"),
]
NODE_CLI_START = "// Check if Node is running (equivalent to ENVIRONMENT_IS_NODE)."
NODE_CLI_END = "            runCLI();\n        }\n    }\n}\n"


def runtime_script() -> str:
    """The text of micropython-runtime.js (builds the webassembly port if needed)."""
    mjs = firmware.build_wasm()
    text = mjs.read_text()
    for old, new in REPLACEMENTS:
        if text.count(old) != 1:
            raise RigError(f"{mjs}: expected exactly one {old!r}; is this MicroPython 1.25?")
        text = text.replace(old, new)
    # The port's "run as `node micropython.mjs`" check: a top-level await of
    # import.meta, which a classic script cannot hold (and a page never needs).
    start = text.find(NODE_CLI_START)
    end = text.find(NODE_CLI_END, start)
    if start < 0 or end < 0:
        raise RigError(f"{mjs}: the node command-line block is not where MicroPython 1.25 has it")
    text = text[:start] + text[end + len(NODE_CLI_END):]
    if "import.meta" in text:
        raise RigError(f"{mjs}: module syntax left after the transformation")
    program = (paths.repo_root() / "docs" / "playground" / "playground.py").read_text()
    wasm = base64.b64encode((mjs.parent / "micropython.wasm").read_bytes()).decode("ascii")
    return ("// MicroPython 1.25 (webassembly port) with microlearn compiled in: built by\n"
            "// `python -m microlearn.rig.playground` from MicroPython's source (MIT licence).\n"
            "(function () {\n"
            f'const MICROPYTHON_WASM = Uint8Array.from(atob("{wasm}"), (c) => c.charCodeAt(0));\n'
            f"{text}\n"
            f"{(paths.rig_dir() / 'mp_exec.js').read_text()}\n"
            "globalThis.loadMicroPython = loadMicroPython;\n"
            "globalThis.microlearnExec = microlearnExec;\n"
            f"globalThis.MICROLEARN_PLAYGROUND_PY = {json.dumps(program)};\n"
            "})();\n")


def write_runtime(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / RUNTIME
    out.write_text(runtime_script())
    return out


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    folder = Path(argv[0]) if argv else paths.repo_root() / "docs" / "playground"
    try:
        out = write_runtime(folder)
    except RigError as e:
        print(f"microlearn: error: {e}", file=sys.stderr)
        return 1
    print(f"wrote {out} ({out.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
