"""The compiled-in targets (python/microlearn/rig/firmware.py): unix-builtin,
cortex-m3-builtin and wasm (the webassembly port under node), and the pieces
that make the webassembly build work with Debian's emscripten 3.1.6."""
import subprocess
import sys
from pathlib import Path

import pytest
from rig_helpers import ROOT

from microlearn.rig import RigError, firmware, playground, run

COMPILED_IN = ["unix-builtin", "cortex-m3-builtin", "wasm"]


@pytest.fixture(scope="module", autouse=True)
def built():
    for name in COMPILED_IN:
        firmware.build_for(firmware.TARGETS[name])


def test_wasm_runs_a_script_like_the_unix_port():
    res = run("wasm", "import sys\nprint(sys.implementation._machine)\n"
                      "print(open('in.txt').read())\nopen('out.bin', 'wb').write(b'\\x00\\x01')\nsys.exit(3)\n",
              files={"in.txt": "given"}, fetch=["out.bin"])
    assert (res.returncode, res.output) == (3, "JS with Emscripten\ngiven\n")
    assert res.files == {"out.bin": b"\x00\x01"}


def test_wasm_traceback_without_the_harness_and_status_1():
    rc, out = run("wasm", "def f():\n    raise ValueError('boom')\nprint('before')\nf()\n")
    assert rc == 1
    assert out == ("before\nTraceback (most recent call last):\n"
                   '  File "script.py", line 4, in <module>\n  File "script.py", line 2, in f\n'
                   "ValueError: boom\n")


def test_wasm_survives_garbage_collection_deep_in_calls_and_says_when_the_stack_ends():
    # A collection unwinds the C stack through Asyncify: 4 KiB (emscripten's
    # default) crashed with "unreachable" a few calls deep.
    rc, out = run("wasm", "import gc\ndef f(n):\n    if n:\n        return f(n - 1)\n    gc.collect()\n"
                          "    return [bytearray(100) for _ in range(2000)]\nprint(len(f(30)))\n")
    assert (rc, out) == (0, "2000\n")
    rc, out = run("wasm", "def f(n):\n    return f(n + 1)\nf(0)\n", timeout=60)
    assert rc != 0
    assert "RecursionError" in out or "[rig] the webassembly port crashed: RangeError" in out, out


@pytest.mark.parametrize("target", COMPILED_IN)
def test_the_package_is_frozen_and_the_modules_are_built_in(target):
    rc, out = run(target, "import sys, microlearn\nfrom microlearn import dsp, _trees\n"
                          "print(microlearn.__file__)\n"
                          "print(sorted(set(sys.modules[k].__name__ for k in sys.modules if k.startswith('microlearn._'))))\n")
    assert rc == 0, out
    path, modules = out.splitlines()
    assert path == "microlearn/__init__.py"  # frozen: no lib folder was given
    assert eval(modules) == ["microlearn_arrays", "microlearn_dsp", "microlearn_gaussian", "microlearn_jpeg",
                             "microlearn_linear", "microlearn_neighbors", "microlearn_neural", "microlearn_svm",
                             "microlearn_trees"]


@pytest.mark.parametrize("target", ["unix-builtin", "wasm"])
def test_a_built_in_family_is_read_only_like_other_built_in_modules(target):
    # Its globals table is static, not on the GC heap: a stored object would not be
    # kept alive, so storing is refused (as for MicroPython's own built-ins).
    rc, out = run(target, "from microlearn import _trees\ntry:\n    _trees.cache = bytearray(64)\n"
                          "except AttributeError:\n    print('refused')\nprint(callable(_trees.load))\n")
    assert (rc, out) == (0, "refused\nTrue\n")


def test_device_run_command_on_wasm(tmp_path):
    (tmp_path / "s.py").write_text("import microlearn\nprint(microlearn.MLM_FORMAT > 0)\n")
    proc = subprocess.run([sys.executable, "-m", "microlearn", "device", "run", "--target", "wasm",
                           str(tmp_path / "s.py")], capture_output=True, text=True, cwd=ROOT)
    assert (proc.returncode, proc.stdout) == (0, "True\n"), proc.stderr


def test_library_js_patch(tmp_path):
    src = tmp_path / "mp"
    lib = src / "ports" / "webassembly" / "library.js"
    lib.parent.mkdir(parents=True)
    original = "mergeInto(LibraryManager.library, {\n" + "".join(f"    {old}\n" for old, _ in firmware.LIBRARY_JS_PATCH) + "});\n"
    lib.write_text(original)
    firmware.patch_library_js(src)
    patched = lib.read_text()
    assert "=>" not in patched and patched.count("function ()") == 4
    firmware.patch_library_js(src)  # idempotent
    assert lib.read_text() == patched
    lib.write_text(original.replace("mp_js_hook: () => {", "mp_js_hook: async () => {"))
    with pytest.raises(RigError, match="cannot patch it"):
        firmware.patch_library_js(src)


def test_playground_runtime_is_one_classic_script(tmp_path, monkeypatch):
    out = playground.write_runtime(tmp_path)
    text = out.read_text()
    assert "import.meta" not in text and "export " not in text.split("MICROLEARN_PLAYGROUND_PY")[0][-200:]
    assert subprocess.run(["node", "--check", str(out)], capture_output=True).returncode == 0
    # Another MicroPython's output is refused, not transformed half-way.
    other = tmp_path / "other" / "micropython.mjs"
    other.parent.mkdir()
    other.write_text("var _scriptDir = import.meta.url;\n")
    (other.parent / "micropython.wasm").write_bytes(b"\0asm")
    monkeypatch.setattr(firmware, "build_wasm", lambda: other)
    with pytest.raises(RigError, match="is this MicroPython 1.25"):
        playground.runtime_script()


def test_microlearn_check_on_compiled_in_firmware():
    """`microlearn check`'s held-out comparison and measurements on compiled-in
    firmware: the same predictions as the host, no .mpy, little RAM at import."""
    import numpy as np
    from sklearn.datasets import load_iris
    from sklearn.ensemble import RandomForestClassifier

    import microlearn
    from microlearn.check import check

    X, y = load_iris(return_X_y=True)
    model = microlearn.convert(RandomForestClassifier(5, random_state=0).fit(X[::2], y[::2]))
    for r in check(model, ["unix-builtin", "cortex-m3-builtin"], X[1::2]):
        assert r.agreement == 1.0 and r.module_bytes == 0, r
        assert 0 < r.instructions_per_predict < 20000
    natmod, builtin = check(model, ["cortex-m3", "cortex-m3-builtin"], X[1::2])
    assert builtin.import_ram < natmod.import_ram - 5000  # the natmod's code is in the heap
    with pytest.raises(RigError, match="no instruction counts on the webassembly port"):
        check(model, ["wasm"], X[:3])
