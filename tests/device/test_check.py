"""`microlearn check`: real measurements of a model on MicroPython targets."""
import numpy as np
import pytest
from sklearn.datasets import load_iris, make_regression
from sklearn.ensemble import GradientBoostingRegressor, RandomForestClassifier

import microlearn
from microlearn.check import check, format_reports, main


def test_check_classifier_on_unix_and_cortex_m3(tmp_path):
    X, y = load_iris(return_X_y=True)
    model = microlearn.convert(RandomForestClassifier(5, random_state=0).fit(X, y))
    reports = check(model, ["unix", "cortex-m3"], X)
    for r in reports:
        assert r.agreement == 1.0
        assert r.model_bytes == model.size and r.module_bytes > 1000
        assert 0 < r.instructions_per_predict < 20000
        assert r.load_ram >= model.size  # the file is read into RAM
    assert reports[1].import_ram > 1000  # native code is loaded into RAM on the board
    assert "cortex-m3" in format_reports(reports)


def test_check_regressor_and_the_command(tmp_path, capsys):
    X, y = make_regression(100, 5, random_state=0)
    model = microlearn.convert(GradientBoostingRegressor(n_estimators=10, random_state=0).fit(X, y))
    model.save(tmp_path / "m.mlm")
    np.save(tmp_path / "X.npy", X)
    assert main([str(tmp_path / "m.mlm"), "--target", "cortex-m0", "--data", str(tmp_path / "X.npy")]) == 0
    out = capsys.readouterr().out
    assert "cortex-m0" in out and "100.00 %" in out
    assert main([str(tmp_path / "missing.mlm")]) == 1


def test_check_string_labels_int16_range_and_part(tmp_path, capsys):
    X, y = load_iris(return_X_y=True)
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    model = microlearn.convert(RandomForestClassifier(5, random_state=0).fit(X, names))
    reports = check(model, ["unix", "cortex-m0"], X, part="stm32f411")
    assert all(r.agreement == 1.0 for r in reports)
    q = microlearn.convert(RandomForestClassifier(5, random_state=0).fit(X, y), feature_dtype="int16",
                           feature_scale=1000)
    with pytest.raises(ValueError, match="outside int16"):
        check(q, ["unix"], (X * 10000).astype(np.int64))
    assert check(q, ["unix"], X)[0].agreement == 1.0  # float rows: quantized as on the device
    model.save(tmp_path / "m.mlm")
    assert main([str(tmp_path / "m.mlm"), "--target", "unix", "--part", "1:512"]) == 0
    out = capsys.readouterr().out
    assert "warning: RAM: needs" in out and "more than the 1,024 a 1:512 typically has" in out


def test_check_refuses_a_model_too_big_for_the_board():
    from sklearn.tree import DecisionTreeRegressor
    rng = np.random.default_rng(0)
    X = rng.normal(size=(150_000, 1))
    model = microlearn.convert(DecisionTreeRegressor().fit(X, rng.normal(size=len(X))))
    assert model.size > 2_000_000
    with pytest.raises(ValueError, match="does not fit in the emulated board's MicroPython heap"):
        check(model, ["cortex-m3"], X[:10])


def test_check_measures_the_module_of_the_models_layout():
    """A refs-layout tree model imports microlearn._trees_refs, a packed
    forest _trees_forest (_trees_i16 for int16 inputs): check reports that module's bytes,
    and flash = model + .mpy."""
    from microlearn.rig import build
    X, y = load_iris(return_X_y=True)
    est = RandomForestClassifier(3, max_depth=4, random_state=0).fit(X, y)
    lib = build.build_natmods("x64") / "microlearn"
    for options, module in (({"layout": "packed"}, "_trees_forest"), ({"layout": "refs"}, "_trees_refs"),
                            ({"feature_dtype": "int16", "feature_scale": 10.0}, "_trees_i16")):
        model = microlearn.convert(est, **options)
        (r,) = check(model, ["unix"], X)
        assert r.module_bytes == (lib / f"{module}.mpy").stat().st_size, options
        assert r.agreement == 1.0
        assert f"{model.size + r.module_bytes:,}" in format_reports([r])


def test_check_measures_the_neural_module_the_model_imports():
    """A float32 network imports microlearn._neural, an int8 one of a CNN's ops _neural_int8_cnn
    (the header's op-part flags): check reports that module's bytes."""
    from microlearn.converters.neural import ir, writer
    from microlearn.rig import build
    T = ir.Tensor
    q = {"scale": np.float32(0.05), "zero_point": np.int32(-3)}
    float_net = ir.Graph({"x": T("x", (4,)), "y": T("y", (4,))}, [ir.Op("TANH", ["x"], ["y"])], ["x"], ["y"])
    int8_net = ir.Graph({"x": T("x", (4,)), "q": T("q", (4,), "int8", **q), "r": T("r", (2, 2), "int8", **q),
                         "y": T("y", (2, 2))},
                        [ir.Op("QUANTIZE", ["x"], ["q"]), ir.Op("RESHAPE", ["q"], ["r"]),
                         ir.Op("DEQUANTIZE", ["r"], ["y"])], ["x"], ["y"])
    lib = build.build_natmods("x64") / "microlearn"
    X = np.random.default_rng(0).normal(size=(5, 4)).astype(np.float32)
    for g, module in ((float_net, "_neural"), (int8_net, "_neural_int8_cnn")):
        (r,) = check(microlearn.Model(writer.encode(g)), ["unix"], X)
        assert r.module_bytes == (lib / f"{module}.mpy").stat().st_size, module
        assert r.agreement == 1.0


def test_check_counts_preprocess_for_a_pipeline():
    """A Pipeline's model imports microlearn._preprocess at load: check
    counts its .mpy under flash and its code under RAM: import (not RAM:
    load); a plain model's figures leave it out."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from microlearn.rig import build
    X, y = load_iris(return_X_y=True)
    plain = microlearn.convert(RandomForestClassifier(3, max_depth=4, random_state=0).fit(X, y))
    pipe = microlearn.convert(make_pipeline(StandardScaler(), RandomForestClassifier(3, max_depth=4, random_state=0))
                              .fit(X, y))
    lib = build.build_natmods("armv7m") / "microlearn"
    trees, pre = ((lib / f"{m}.mpy").stat().st_size for m in ("_trees_forest", "_preprocess"))
    (p,), (q,) = check(plain, ["cortex-m3"], X), check(pipe, ["cortex-m3"], X)
    assert p.agreement == q.agreement == 1.0
    assert p.module_bytes == trees and q.module_bytes == trees + pre
    assert q.import_ram - p.import_ram >= pre  # the module's code is copied into RAM at import
    assert q.load_ram - p.load_ram < pre // 2  # load: the model's bytes and the chain's scratch only
    assert f"{pipe.size + trees + pre:,}" in format_reports([q])
