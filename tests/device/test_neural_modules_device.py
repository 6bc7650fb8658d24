"""The neural modules (device/Makefile): microlearn.load() imports the one
whose kernels a model's ops need, named by the file header's flags, and no
other (_neural float32, _neural_rnn float32 + recurrent, _neural_int8_cnn an
int8 CNN's ops, _neural_int8 every int8 op, _neural_all a mix, and files
written before the flags); the outputs are the
host's; a Pipeline's preprocessing comes from microlearn._preprocess,
imported for such models only; a model whose module the package lacks gets
an ImportError naming it; flags that contradict the ops are refused. Compiled-in firmware has one
module with every kernel, filed under the five names."""
import shutil
import warnings

import numpy as np
import pytest
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import microlearn
from device_rig import EXPECT, TARGETS, lib_for, refresh_crc, run
from microlearn.converters.neural import int8_params, ir, writer
from microlearn.rig import run as rig_run

T = ir.Tensor
rng = np.random.default_rng(3)


def q8(name, shape):
    return T(name, shape, "int8", scale=np.float32(0.05), zero_point=np.int32(-3))


def graph(kind):
    """A tiny network of each kernel set: float32, int8 (a CNN's ops: RESHAPE; int8_lut: a LOGISTIC
    table too), int8 with an ADD (an op outside a CNN's set), recurrent, int8 then float32."""
    if kind == "float":
        t = {"x": T("x", (4,)), "y": T("y", (4,))}
        return ir.Graph(t, [ir.Op("TANH", ["x"], ["y"])], ["x"], ["y"])
    if kind == "rnn":
        t = {"x": T("x", (1, 2, 2)), "w": T("w", (2, 3), data=rng.normal(size=(2, 3))),
             "u": T("u", (3, 3), data=rng.normal(size=(3, 3))), "b": T("b", (3,), data=rng.normal(size=3)),
             "s": T("s", (3,), persistent=True), "y": T("y", (3,))}
        return ir.Graph(t, [ir.Op("SIMPLE_RNN", ["x", "w", "u", "b", "s"], ["y"],
                                  {"units": 3, "activation": "tanh", "return_sequences": False,
                                   "stateful": False})], ["x"], ["y"])
    t = {"x": T("x", (4,)), "q": q8("q", (4,)), "r": q8("r", (2, 2)), "y": T("y", (2, 2)), "z": T("z", (2, 2))}
    ops = [ir.Op("QUANTIZE", ["x"], ["q"]), ir.Op("RESHAPE", ["q"], ["r"]), ir.Op("DEQUANTIZE", ["r"], ["y"])]
    if kind == "int8_add":  # r + r, into a tensor of its own quantization
        t["a"] = T("a", (2, 2), "int8", scale=np.float32(0.1), zero_point=np.int32(5))
        q = dict(int8_params.add_params(0.05, -3, 0.05, -3, 0.1, 5), act_min=-128, act_max=127)
        ops[2:] = [ir.Op("ADD", ["r", "r"], ["a"], {"activation": "none", "int8": q}), ir.Op("DEQUANTIZE", ["a"], ["y"])]
    if kind == "int8_lut":  # a sigmoid output, as binary classifiers end
        t["a"] = T("a", (2, 2), "int8", scale=np.float32(1 / 256), zero_point=np.int32(-128))
        q = {"table": int8_params.lut_logistic(0.05, -3, 1 / 256, -128)}
        ops[2:] = [ir.Op("LOGISTIC", ["r"], ["a"], {"int8": q}), ir.Op("DEQUANTIZE", ["a"], ["y"])]
    if kind == "mixed":
        ops.append(ir.Op("TANH", ["y"], ["z"]))
    return ir.Graph(t, ops, ["x"], ["z" if kind == "mixed" else "y"])


def with_flags(data, flags):
    data = bytearray(data)
    data[8:12] = int(flags).to_bytes(4, "little")
    return refresh_crc(data)


MODELS = {kind: writer.encode(graph(kind)) for kind in ("float", "rnn", "int8", "int8_lut", "int8_add", "mixed")}
MODELS["old"] = with_flags(MODELS["float"], 0)  # a file written before the flags


def pipeline():
    X = rng.normal(size=(60, 4)) * [1, 10, 100, 0.1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = make_pipeline(StandardScaler(), MLPRegressor(hidden_layer_sizes=(5,), max_iter=50, random_state=0))
        return microlearn.convert(est.fit(X, X @ [1, 0.1, 0.01, 10])).to_bytes()


MODELS["pipeline"] = pipeline()
# name: the module load() must import
WANT = {"float": "_neural", "rnn": "_neural_rnn", "int8": "_neural_int8_cnn", "int8_lut": "_neural_int8_cnn",
        "int8_add": "_neural_int8",
        "mixed": "_neural_all", "old": "_neural_all", "pipeline": "_neural"}
X = np.array([0.3, -1.2, 2.5, 0.04], np.float32)

SCRIPT = """
import sys, array, microlearn
NAMES = ("_neural", "_neural_rnn", "_neural_int8_cnn", "_neural_int8", "_neural_all")
for name in ("float", "rnn", "int8", "int8_lut", "int8_add", "mixed", "old", "pipeline"):
    if not BUILTIN:  # a fresh start: only what this load imports
        for n in NAMES + ("_preprocess",):
            sys.modules.pop("microlearn." + n, None)
    m = microlearn.load(name + ".mlm")
    out = array.array("f", bytes(4 * m.info()["n_outputs"]))
    m.predict(array.array("f", X), out)
    print("RESULT", name, [n for n in NAMES + ("_preprocess",) if "microlearn." + n in sys.modules], list(out))
"""


@pytest.mark.parametrize("target", TARGETS + ["unix-builtin"])
def test_load_imports_the_module_with_the_models_kernels(target):
    builtin = target.endswith("builtin")
    files = {f"{k}.mlm": v for k, v in MODELS.items()}
    script = SCRIPT.replace("BUILTIN", str(builtin)).replace("X", repr(X.tolist()))
    res = run(target, script, files=files)
    assert res.returncode == 0, res.output
    got = {line.split(" ", 2)[1]: line.split(" ", 2)[2] for line in res.output.splitlines()
           if line.startswith("RESULT")}
    assert set(got) == set(WANT), res.output
    for name, module in WANT.items():
        modules, values = got[name].split("] ")
        modules = eval(modules + "]")
        # compiled in: one module with every kernel, filed under each name at import
        want = [module] + (["_preprocess"] if name == "pipeline" else [])
        assert modules == (["_neural", "_neural_rnn", "_neural_int8_cnn", "_neural_int8", "_neural_all"] if builtin
                           else want), \
            (name, res.output)
        host = microlearn.Model(MODELS[name]).predict(X[None])
        np.testing.assert_allclose(eval(values), np.ravel(host), rtol=1e-6, atol=1e-7, err_msg=name)


def test_a_module_the_package_lacks_and_flags_that_contradict_the_ops(tmp_path):
    lib = tmp_path / "lib"
    shutil.copytree(lib_for("unix"), lib)
    (lib / "microlearn" / "_neural_int8.mpy").unlink()
    files = {"int8_add.mlm": MODELS["int8_add"], "float.mlm": MODELS["float"],
             "lies.mlm": with_flags(MODELS["float"], 2),  # a float model flagged int8: _neural_int8_cnn refuses it
             "more.mlm": with_flags(MODELS["float"], 5),  # _neural_rnn's kernels, not what its ops need
             # an int8 ADD flagged as a CNN's ops only (as files written before _neural_int8_cnn were):
             # _neural_int8_cnn has no ADD kernel
             "cnn.mlm": with_flags(MODELS["int8_add"], 2)}
    script = EXPECT + """
import microlearn
expect(ImportError, microlearn.load, "int8_add.mlm")
microlearn.load("float.mlm")
print("float loads")
"""
    res = rig_run("unix", script, files=files, lib_dir=lib)
    assert res.returncode == 0, res.output
    assert "ok ImportError this model needs microlearn._neural_int8, which this microlearn package" in res.output
    assert "float loads" in res.output
    res = run("unix", EXPECT + """
import microlearn
expect(ValueError, microlearn.load, "lies.mlm")
expect(ValueError, microlearn.load, "more.mlm")
expect(ValueError, microlearn.load, "cnn.mlm")
""", files=files)
    lines = [l for l in res.output.splitlines() if l.startswith(("ok", "WRONG"))]
    assert len(lines) == 3 and lines[0].endswith("unsupported_kind") and lines[1].endswith("bad_parameter"), \
        res.output
    assert lines[2].endswith("unsupported_kind"), res.output


def test_an_int8_cnn_module_is_smaller_than_the_one_with_every_int8_kernel():
    """_neural_int8_cnn leaves out ADD, MUL, CONCATENATION and PAD (their kernels and checks): on the
    Cortex-M3 its .mpy and the RAM its import takes are at least 1 kB below _neural_int8's (measured
    at 22702ed: 18,756 against 20,288 B; 19,024 against 20,560 B of RAM). docs/neural.md has the table."""
    lib = lib_for("cortex-m3") / "microlearn"
    mpy = {n: (lib / f"{n}.mpy").stat().st_size for n in ("_neural_int8_cnn", "_neural_int8")}
    assert mpy["_neural_int8_cnn"] <= mpy["_neural_int8"] - 1000, mpy
    ram = {}
    for name in mpy:  # a fresh interpreter each: the import alone
        res = run("cortex-m3", f"import gc, microlearn\ngc.collect(); a = gc.mem_alloc()\nimport microlearn.{name}\n"
                               "gc.collect(); print('RAM', gc.mem_alloc() - a)")
        assert res.returncode == 0, res.output
        ram[name] = int(res.output.split("RAM")[1].split()[0])
    assert ram["_neural_int8_cnn"] <= ram["_neural_int8"] - 1000, ram
    assert ram["_neural_int8_cnn"] >= mpy["_neural_int8_cnn"] * 0.9, ram  # the code is copied into RAM
