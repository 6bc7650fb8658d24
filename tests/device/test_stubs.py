"""The type stubs of the device API (device/microlearn/*.pyi, shipped in the
wheel for editors) name every public function, class and method the device
objects have, and nothing they lack: compared with dir() on the unix port
(dir() is the same on every port; the modules are the same files).

Model objects come from the soak registry (families.py): every entry of a
model family is set up on the device and its object's methods compared with
the stub class of the same name, so a new family or method fails here until
its stub exists."""
import ast
import json
import os
import subprocess
import sys
from pathlib import Path

from families import ENTRIES, files

from microlearn.rig import run as rig_run
from microlearn.rig.paths import repo_root

STUBS = repo_root() / "device" / "microlearn"
MODULES = ["microlearn", "microlearn.dsp", "microlearn.arrays", "microlearn.npyfile", "microlearn.npzfile",
           "microlearn.wave", "microlearn.recorder", "microlearn.png", "microlearn.jpeg"]
# Names the device modules import from MicroPython's own library (not part of our API).
IMPORTED = {"array", "struct", "sys", "os", "namedtuple"}
# Objects made by the factory functions of microlearn.dsp: expression -> the stub class it returns.
DSP_OBJECTS = {
    "dsp.FFT(8)": "FFT", "dsp.RFFT(8)": "RFFT", "dsp.FFTQ15(8)": "FFTQ15", "dsp.RFFTQ15(8)": "RFFTQ15",
    "dsp.SOS([[1, 0, 0, 1, 0, 0]])": "_SOS", "dsp.SOS([[1, 0, 0, 1, 0, 0]], q15=True)": "_SOS",
    "dsp.FIR([1, 1])": "_FIR", "dsp.FIR([0.5, 0.25], q15=True)": "_FIR", "dsp.DCT(8)": "_DCT",
    "dsp.Spectrogram(64, output='mfcc', n_mels=8, n_mfcc=4)": "_Spectrogram",
    "dsp.Features(8, 1, ['mean'])": "_Features",
}


def stub_tree():
    """module -> {name: set of member names (classes) or None (other)}, from the .pyi files."""
    out = {}
    for path in STUBS.glob("*.pyi"):
        module = "microlearn" if path.stem == "__init__" else "microlearn." + path.stem
        names = {}
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.ClassDef):   # its members and those of its bases in the same stub
                inherited = set().union(*(names.get(b.id) or set() for b in node.bases if isinstance(b, ast.Name)))
                names[node.name] = inherited | {n.name for n in node.body if isinstance(n, ast.FunctionDef)} | \
                    {n.target.id for n in node.body if isinstance(n, ast.AnnAssign)}
            elif isinstance(node, ast.FunctionDef):
                names[node.name] = None
            elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Subscript):
                pass  # a type alias (Model = Union[...]): for annotations, not on the device
            elif isinstance(node, (ast.AnnAssign, ast.Assign)):
                for t in ([node.target] if isinstance(node, ast.AnnAssign) else node.targets):
                    names[t.id] = None
            elif isinstance(node, ast.ImportFrom):
                for a in node.names:
                    if a.asname == a.name:  # "import x as x": a re-export
                        names[a.name] = None
        out[module] = names
    return out


def public(names):
    return sorted(n for n in names if not n.startswith("_"))


DEVICE_SCRIPT = """
import json, array, microlearn
from microlearn import dsp, arrays, npyfile, npzfile, wave, recorder, png, jpeg
def names(o):
    return sorted(n for n in dir(o) if not n.startswith('_'))
report = {'modules': {}, 'classes': {}, 'objects': {}, 'version': microlearn.__version__}
for mod in (microlearn, dsp, arrays, npyfile, npzfile, wave, recorder, png, jpeg):
    report['modules'][mod.__name__] = names(mod)
    for n in names(mod):
        v = getattr(mod, n)
        if isinstance(v, type) and not issubclass(v, Exception):
            report['classes'][mod.__name__ + '.' + n] = names(v)
for expr in EXPRS:
    report['objects'][expr] = [type(eval(expr)).__name__, names(eval(expr))]
MODELS
print('REPORT', json.dumps(report))
"""


import functools


@functools.lru_cache(maxsize=None)
def device_report():
    models = []
    for i, e in enumerate(e for e in ENTRIES if e.family):
        body = "\n".join("    " + line for line in e.setup.splitlines())
        models.append(f"def model_{i}():\n{body}\n    return m\n"
                      f"m = model_{i}()\nreport['objects'][{e.name!r}] = [type(m).__name__, names(m)]\n")
    script = DEVICE_SCRIPT.replace("EXPRS", repr(list(DSP_OBJECTS))).replace("MODELS", "\n".join(models))
    res = rig_run("unix", script, files=files([e for e in ENTRIES if e.family]), timeout=300)
    assert res.returncode == 0, res.output
    return json.loads(res.output.split("REPORT ", 1)[1])


def test_stubs_name_what_the_device_has():
    stubs = stub_tree()
    report = device_report()
    problems = []
    for module, names in report["modules"].items():
        have = set(public(stubs.get(module, {})))
        want = set(names) - IMPORTED
        if want - have:
            problems.append(f"{module}: not in its stub: {sorted(want - have)}")
        if have - want:
            problems.append(f"{module}: in the stub, not on the device: {sorted(have - want)}")
    classes = {n: m for mod in stubs.values() for n, m in mod.items() if m is not None}
    for cls, members in report["classes"].items():
        module, name = cls.rsplit(".", 1)
        if name in IMPORTED:
            continue
        stub = stubs[module].get(name) or classes.get(name)  # or re-exported from another stub
        missing = set(members) - (stub or set())
        if missing:
            problems.append(f"{cls}: methods not in its stub: {sorted(missing)}")
    for expr, (type_name, members) in report["objects"].items():
        stub_name = DSP_OBJECTS.get(expr, type_name)
        if stub_name not in classes:
            problems.append(f"{expr}: its type {type_name} has no stub class {stub_name}")
            continue
        stub = set(public(classes[stub_name]))
        if set(members) != stub:
            problems.append(f"{expr} ({type_name}): device has {sorted(set(members) - stub)} the stub lacks, "
                            f"the stub has {sorted(stub - set(members))} the device lacks")
    assert not problems, "\n".join(problems)
    init = (STUBS / "__init__.pyi").read_text()
    assert "__version__: str" in init and report["version"]


def test_every_model_type_is_in_what_load_returns():
    """load()'s return type (Model) names every model class the families have."""
    init = ast.parse((STUBS / "__init__.pyi").read_text())
    model = next(n for n in init.body if isinstance(n, ast.Assign) and n.targets[0].id == "Model")
    named = {e.id for e in ast.walk(model.value) if isinstance(e, ast.Name)} - {"Union"}
    report = device_report()
    loaded = {t for expr, (t, _) in report["objects"].items() if expr not in DSP_OBJECTS}
    assert loaded <= named, f"Model lacks {sorted(loaded - named)}"


PROGRAM = """
import array
import microlearn
from microlearn import arrays, dsp, npyfile, npzfile, recorder, wave

m = microlearn.load("model.mlm")
x = array.array("f", [0.0] * 4)
out = array.array("f", bytes(16))
label = m.predict(x)
m.predict_proba(x, out)
info: dict = m.info()
spec = dsp.Spectrogram(512, output="mfcc")
frames: int = spec.process(x, out)
shape, a = npyfile.load("x.npy")
crc = arrays.crc32(b"abc")
rec = recorder.Recorder("/rec", window=128, channels=3)
rec.append((1, 2, 3))
with npzfile.NpzFile("d.npz") as z:
    names = z.files
"""


def test_a_type_checker_reads_the_stubs(tmp_path):
    """What an editor does with the stubs: mypy resolves a device program's
    calls through them, and reports a misspelt method."""
    good, bad = tmp_path / "good.py", tmp_path / "bad.py"
    good.write_text(PROGRAM)
    bad.write_text(PROGRAM + "m.predcit(x)\n")
    cmd = [sys.executable, "-m", "mypy", "--no-site-packages", "--no-incremental", "--python-version", "3.11"]
    env = dict(os.environ, MYPYPATH=str(STUBS.parent))
    ok = subprocess.run(cmd + [str(good)], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    wrong = subprocess.run(cmd + [str(bad)], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert wrong.returncode == 1 and 'has no attribute "predcit"' in wrong.stdout, wrong.stdout
