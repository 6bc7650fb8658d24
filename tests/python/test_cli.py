"""The command line: one line and a non-zero exit for every error, never a
traceback; int16 conversion with scale and offset; --version."""
import pickle
import subprocess
import sys

import joblib
import numpy as np
import pytest
from sklearn import ensemble as E
from sklearn.datasets import load_iris

import microlearn
from microlearn.cli import main


def run_cli(*args, stdin=None):
    """The installed entry point in a subprocess: what a user's shell sees."""
    return subprocess.run([sys.executable, "-m", "microlearn", *map(str, args)], capture_output=True,
                          text=True, input=stdin)


@pytest.fixture(scope="module")
def iris_forest():
    X, y = load_iris(return_X_y=True)
    return E.RandomForestClassifier(10, random_state=0).fit(X, y), X, y


def assert_one_line_error(res, *fragments):
    assert res.returncode != 0
    assert "Traceback" not in res.stderr, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    for f in fragments:
        assert f in lines[0], lines[0]


def test_joblib_and_pickle_files_convert_whatever_their_suffix(tmp_path, iris_forest):
    est, X, _ = iris_forest
    joblib.dump(est, tmp_path / "by_joblib.pkl")
    with open(tmp_path / "by_pickle.joblib", "wb") as f:
        pickle.dump(est, f)
    for name in ("by_joblib.pkl", "by_pickle.joblib"):
        assert main(["convert", str(tmp_path / name), "-o", str(tmp_path / "m.mlm")]) == 0
        np.testing.assert_array_equal(microlearn.load(tmp_path / "m.mlm").predict(X), est.predict(X))


def test_errors_are_one_line(tmp_path, iris_forest):
    (tmp_path / "text.pkl").write_text("not a pickle")
    assert_one_line_error(run_cli("convert", tmp_path / "text.pkl"), "not a pickle or joblib file")
    assert_one_line_error(run_cli("convert", tmp_path / "missing.pkl"), "no such file")
    joblib.dump({"not": "an estimator"}, tmp_path / "dict.pkl")
    assert_one_line_error(run_cli("convert", tmp_path / "dict.pkl"), "dict is not supported")
    assert_one_line_error(run_cli("info", tmp_path / "text.pkl"), "not a microlearn model file")
    est, X, _ = iris_forest
    microlearn.convert(est).save(tmp_path / "m.mlm")
    assert_one_line_error(run_cli("check", tmp_path / "m.mlm", "--target", "esp32"), "unknown target 'esp32'")
    assert_one_line_error(run_cli("check", tmp_path / "m.mlm", "--part", "z80"), "unknown part 'z80'")
    np.save(tmp_path / "bad.npy", X[:, :2])
    assert_one_line_error(run_cli("check", tmp_path / "m.mlm", "--target", "unix", "--data", tmp_path / "bad.npy"),
                          "rows of 4 features")
    assert_one_line_error(run_cli("dataset", tmp_path, "-o", tmp_path / "no" / "such" / "dir.npz"))


def test_output_into_a_closed_pipe_is_quiet(tmp_path, iris_forest):
    est, _, _ = iris_forest
    microlearn.convert(est).save(tmp_path / "m.mlm")
    shell = f"{sys.executable} -m microlearn info {tmp_path / 'm.mlm'} | head -c 1"
    res = subprocess.run(["bash", "-c", shell], capture_output=True, text=True)
    assert "Traceback" not in res.stderr and "BrokenPipe" not in res.stderr, res.stderr


def test_int16_with_scale_and_offset_keeps_accuracy(tmp_path, iris_forest):
    est, X, y = iris_forest
    joblib.dump(est, tmp_path / "f.joblib")
    res = run_cli("convert", tmp_path / "f.joblib", "-o", tmp_path / "q1.mlm", "--feature-dtype", "int16")
    assert res.returncode == 0 and "warning: int16 features with --feature-scale 1" in res.stderr
    res = run_cli("convert", tmp_path / "f.joblib", "-o", tmp_path / "q.mlm", "--feature-dtype", "int16",
                  "--feature-scale", "4000", "--feature-offset", "0,0,0,0.1")
    assert res.returncode == 0, res.stderr
    model = microlearn.load(tmp_path / "q.mlm")
    assert model.metadata["feature_scale"] == [4000.0] * 4
    assert model.metadata["feature_offset"] == [0.0, 0.0, 0.0, 0.1]
    agreement = np.mean(model.predict(model.quantize(X)) == est.predict(X))
    assert agreement > 0.99
    info = run_cli("info", tmp_path / "q.mlm").stdout
    assert "feature_scale: 4000.0" in info and "feature_offset: 0.0, 0.0, 0.0, 0.1" in info
    assert_one_line_error(run_cli("convert", tmp_path / "f.joblib", "--feature-scale", "2"),
                          "apply to --feature-dtype int16 only")
    assert_one_line_error(run_cli("convert", tmp_path / "f.joblib", "--feature-dtype", "int16",
                                  "--feature-scale", "abc"), "--feature-scale must be a number")


def test_version():
    res = run_cli("--version")
    assert res.returncode == 0
    assert f"microlearn {microlearn.__version__}" in res.stdout and ".mlm format versions 2 to 3" in res.stdout


def test_usage_errors_are_one_line_too(tmp_path):
    # argparse printed the whole usage block before its error line
    for args, fragment in [(["convert", "m.pkl", "--feature-dtype", "float64"], "invalid choice: 'float64'"),
                           ([], "required: command"),
                           (["device", "run", "x.py"], "required: --target"),
                           # a timeout of 0 or less ran the script and then reported it late (exit 124)
                           (["device", "run", "-t", "unix", "x.py", "--timeout", "-1"], "expected a number > 0"),
                           (["check"], "required: model"),
                           (["deploy", "--bogus"], "unrecognized arguments: --bogus"),
                           (["dataset", "--bogus"], "unrecognized arguments: --bogus"),
                           (["mip-index"], "required: out")]:
        res = run_cli(*args)
        assert_one_line_error(res, fragment, "--help")
        assert res.returncode == 2


def test_bad_files_name_what_was_wrong(tmp_path, iris_forest):
    est, X, _ = iris_forest
    assert_one_line_error(run_cli("convert", tmp_path), "is a folder")  # was "no such file"
    (tmp_path / "empty.mlm").write_bytes(b"")
    assert_one_line_error(run_cli("info", tmp_path / "empty.mlm"), "empty (0 bytes)")  # was "bad_argument"
    data = bytearray(microlearn.convert(est).to_bytes())
    data[len(data) // 2] ^= 0xFF
    (tmp_path / "corrupt.mlm").write_bytes(bytes(data))
    # deploy copied a model whose CRC does not match (only its magic was checked)
    assert_one_line_error(run_cli("deploy", "--dir", tmp_path / "lib", tmp_path / "corrupt.mlm"),
                          "corrupt.mlm: invalid model file: the file is corrupt")
    assert not (tmp_path / "lib").exists()
    for command in (["deploy", "--dir"], ["mip-index"]):  # was "[Errno 17] File exists" / "Not a directory"
        assert_one_line_error(run_cli(*command, tmp_path / "corrupt.mlm"), "corrupt.mlm is a file: give a folder")
    microlearn.convert(est).save(tmp_path / "m.mlm")
    np.save(tmp_path / "none.npy", X[:0])
    assert_one_line_error(run_cli("check", tmp_path / "m.mlm", "--target", "unix", "--data", tmp_path / "none.npy"),
                          "the data has no rows")


def test_convert_warnings_are_one_line(tmp_path, iris_forest):
    est, _, _ = iris_forest
    joblib.dump(est, tmp_path / "f.joblib")
    res = run_cli("convert", tmp_path / "f.joblib", "-o", tmp_path / "q.mlm", "--feature-dtype", "int16",
                  "--feature-scale", "1e30")
    assert res.returncode == 0 and "Traceback" not in res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("microlearn convert: warning: ") and "outside int16" in lines[0]


def test_keras_and_tflite_files_convert_and_broken_ones_are_one_line(tmp_path):
    # convert took pickles only: a .keras/.h5/.tflite file was "not a pickle or joblib file"
    keras = pytest.importorskip("keras")
    net = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="relu"), keras.layers.Dense(2)])
    net.save(tmp_path / "n.keras")
    res = run_cli("convert", tmp_path / "n.keras", "-o", tmp_path / "n.mlm")
    assert res.returncode == 0 and res.stderr == "", res.stderr  # no TensorFlow start-up lines either
    X = np.random.default_rng(0).normal(size=(5, 4)).astype(np.float32)
    np.testing.assert_allclose(microlearn.load(tmp_path / "n.mlm").predict(X), net.predict(X, verbose=0),
                               rtol=1e-5, atol=1e-6)
    data = (tmp_path / "n.keras").read_bytes()
    (tmp_path / "cut.keras").write_bytes(data[:len(data) // 2])
    assert_one_line_error(run_cli("convert", tmp_path / "cut.keras"), "cut.keras is not a Keras model file")
    (tmp_path / "cut.tflite").write_bytes(b"\0" * 64)
    assert_one_line_error(run_cli("convert", tmp_path / "cut.tflite"), "not a .tflite file")
    with pytest.raises(microlearn.UnsupportedEstimatorError, match="load anything else first"):
        microlearn.convert(str(tmp_path / "n.keras"))  # was "str is not supported"


def test_a_booster_library_model_file_gets_the_way_to_convert_it(tmp_path):
    """An XGBoost .json model file was 'not a pickle or joblib file (KeyError:
    123)' and nothing more: the error now says how such files convert."""
    xgboost = pytest.importorskip("xgboost")
    X, y = load_iris(return_X_y=True)
    xgboost.XGBClassifier(n_estimators=3).fit(X, y).save_model(tmp_path / "m.json")
    assert_one_line_error(run_cli("convert", tmp_path / "m.json"), "xgboost.XGBClassifier().load_model(path)")
