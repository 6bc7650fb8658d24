"""Regenerates the fuzzers' seed corpora (docs/testing.md):

  corpus/mlm/  real models from microlearn.convert on small scikit-learn
               estimators, each followed by one row of features (fuzz_mlm.cpp
               evaluates a loaded model on the bytes past its declared size);
  corpus/dsp/  one valid configuration of each DSP object, encoded as
               fuzz_dsp.cpp reads its input.

Run after a change to the model format or to the drivers' input layout:
  .venv/bin/python tests/fuzz/make_corpus.py
"""
from __future__ import annotations

import shutil
import struct
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


# ---- models ---------------------------------------------------------------

def models():
    from sklearn import ensemble as E, tree as T
    from sklearn.datasets import load_iris, make_regression

    import microlearn
    from microlearn import mlm

    X, y = load_iris(return_X_y=True)
    Xr, yr = make_regression(120, 5, n_targets=2, random_state=0)
    Xn = X.copy()
    Xn[::4, 1] = np.nan  # HistGradientBoosting learns where NaN goes
    yb = (y == 2).astype(int)
    row = X[:1].astype(np.float32)
    out = {
        "tree_classifier": (microlearn.convert(T.DecisionTreeClassifier(max_depth=4, random_state=0).fit(X, y)), row),
        "forest_classifier": (microlearn.convert(E.RandomForestClassifier(3, max_depth=3, random_state=0).fit(X, y)), row),
        "forest_classifier_uint8_leaves": (microlearn.convert(E.RandomForestClassifier(
            3, max_depth=3, random_state=0).fit(X, y), leaf_dtype="uint8"), row),
        "tree_regressor_2_outputs": (microlearn.convert(T.DecisionTreeRegressor(max_depth=4, random_state=0).fit(Xr, yr)),
                                     Xr[:1].astype(np.float32)),
        "extra_trees_regressor": (microlearn.convert(E.ExtraTreesRegressor(3, max_depth=3, random_state=0).fit(Xr, yr[:, 0])),
                                  Xr[:1].astype(np.float32)),
        "gb_binary": (microlearn.convert(E.GradientBoostingClassifier(n_estimators=3, max_depth=2, random_state=0).fit(X, yb)), row),
        "gb_multiclass": (microlearn.convert(E.GradientBoostingClassifier(n_estimators=2, max_depth=2, random_state=0).fit(X, y)), row),
        "hgb_nan": (microlearn.convert(E.HistGradientBoostingClassifier(max_iter=3, max_depth=3, random_state=0).fit(Xn, y)),
                    Xn[:1].astype(np.float32)),
        "isolation_forest": (microlearn.convert(E.IsolationForest(n_estimators=3, max_samples=32, random_state=0).fit(X)),
                             row),
    }
    int16 = microlearn.convert(E.RandomForestClassifier(3, max_depth=3, random_state=0).fit(X, y),
                               feature_dtype="int16", feature_scale=100.0)
    out["int16_forest"] = (int16, int16.quantize(X[:1]).astype("<i2"))
    # Gaussian models and neighbours (small: the fuzzer mutates every byte).
    from sklearn import cluster, covariance, linear_model as LM, mixture, naive_bayes, neighbors as NB, svm
    from sklearn import neural_network as NN
    Xs, ys = X[::5], y[::5]
    for name, est in {
        "gaussian_nb": naive_bayes.GaussianNB().fit(Xs, ys),
        "gaussian_mixture_full": mixture.GaussianMixture(2, random_state=0).fit(Xs),
        "gaussian_mixture_tied": mixture.GaussianMixture(2, covariance_type="tied", random_state=0).fit(Xs),
        "gaussian_mixture_spherical": mixture.GaussianMixture(2, covariance_type="spherical", random_state=0).fit(Xs),
        "elliptic_envelope": covariance.EllipticEnvelope(random_state=0).fit(Xs),
        "kneighbors_classifier": NB.KNeighborsClassifier(3, weights="distance").fit(Xs, ys),
        "kneighbors_regressor_manhattan": NB.KNeighborsRegressor(2, metric="manhattan").fit(Xr[::6], yr[::6]),
        "nearest_centroid": NB.NearestCentroid().fit(Xs, ys),
        "kmeans": cluster.KMeans(3, n_init=1, random_state=0).fit(Xs),
        "local_outlier_factor": NB.LocalOutlierFactor(5, novelty=True).fit(Xs),
        "svc_rbf_ovr": svm.SVC(decision_function_shape="ovr").fit(Xs, ys),
        "svc_poly_proba": svm.SVC(kernel="poly", degree=2, probability=True, random_state=0).fit(Xs, ys),
        "svc_linear_binary": svm.SVC(kernel="linear").fit(Xs, ys == 1),
        "svr_sigmoid_regressor": svm.SVR(kernel="sigmoid").fit(Xr[::6], yr[::6, 0]),
        "one_class_svm": svm.OneClassSVM(gamma="scale").fit(Xs),
        "logistic_regression_softmax": LM.LogisticRegression(max_iter=500).fit(Xs, ys),
        "sgd_classifier_log_loss_trainable": LM.SGDClassifier(loss="log_loss", random_state=0).fit(Xs, ys == 1),
        "sgd_classifier_huber_trainable": LM.SGDClassifier(loss="modified_huber", random_state=0).fit(Xs, ys),
        "sgd_regressor_trainable": LM.SGDRegressor(random_state=0).fit(Xs, Xs[:, 0]),
        "linear_regression_2_outputs_regressor": LM.LinearRegression().fit(Xr[::6], yr[::6]),
        "poisson_regressor": LM.PoissonRegressor().fit(Xs, ys + 1),
        "mlp_classifier": NN.MLPClassifier((5,), max_iter=50, random_state=0).fit(Xs, ys),
        "mlp_regressor_tanh": NN.MLPRegressor(hidden_layer_sizes=(4,), activation="tanh", max_iter=50,
                                              random_state=0).fit(Xr[::6], yr[::6]),
    }.items():
        out[name] = (microlearn.convert(est), Xs[:1].astype(np.float32) if "regressor" not in name
                     else Xr[:1].astype(np.float32))
    import keras  # Keras recurrent layers (neural/recurrent.hpp): GRU without reset_after, LSTM, SimpleRNN
    keras.utils.set_random_seed(0)
    out["keras_recurrent_regressor"] = (microlearn.convert(keras.Sequential([
        keras.Input((3, 4)), keras.layers.GRU(3, reset_after=False, return_sequences=True),
        keras.layers.LSTM(2, return_sequences=True), keras.layers.SimpleRNN(2)])), X[:3].astype(np.float32))
    out["tflite_int8_cnn"] = (microlearn.convert(keras.Sequential([  # int8 ops (neural/int8_engine.hpp) via TFLite
        keras.Input((6, 6, 2)), keras.layers.Conv2D(3, 3, padding="same", activation="relu"),
        keras.layers.DepthwiseConv2D(2), keras.layers.MaxPooling2D(), keras.layers.Flatten(), keras.layers.Dense(4),
        keras.layers.Softmax()]), quantize="int8", calibration=np.random.default_rng(0).normal(size=(16, 6, 6, 2)),
        io_dtype="int8"), np.random.default_rng(1).normal(size=72).astype(np.float32))
    a = keras.Input((4,))  # a sigmoid branch requantized (QUANTIZE int8 -> int8) for the CONCATENATION
    h = keras.layers.Concatenate()([keras.layers.Dense(3, activation="sigmoid")(a),
                                    keras.layers.Dense(2, activation="relu")(a)])
    out["tflite_int8_requantize_concat"] = (microlearn.convert(
        keras.Model(a, h), quantize="int8", calibration=np.random.default_rng(0).normal(size=(16, 4)),
        io_dtype="int8"), np.random.default_rng(1).normal(size=4).astype(np.float32))
    out["tflite_int16x8_cnn"] = (microlearn.convert(keras.Sequential([  # int16 ops (neural/int16_ops.hpp)
        keras.Input((6, 6, 2)), keras.layers.Conv2D(3, 3, padding="same", activation="relu"),
        keras.layers.DepthwiseConv2D(2), keras.layers.AveragePooling2D(2), keras.layers.Flatten(),
        keras.layers.Dense(4)]), quantize="int16x8", calibration=np.random.default_rng(0).normal(size=(16, 6, 6, 2)),
        io_dtype="int16"), np.random.default_rng(1).normal(size=72).astype(np.float32))
    a = keras.Input((6,))  # int16 ADD, MUL and SOFTMAX (its two tables in the op)
    h = keras.layers.Add()([a, keras.layers.Dense(6, activation="relu")(a)])
    h = keras.layers.Multiply()([h, keras.layers.Dense(6)(a)])
    out["tflite_int16x8_softmax_add"] = (microlearn.convert(
        keras.Model(a, keras.layers.Softmax()(keras.layers.Dense(3)(h))), quantize="int16x8",
        calibration=np.random.default_rng(0).normal(size=(16, 6)), io_dtype="int16"),
        np.random.default_rng(1).normal(size=6).astype(np.float32))
    knn16 = microlearn.convert(NB.KNeighborsClassifier(3).fit(Xs, ys), feature_dtype="int16", feature_scale=100.0)
    out["kneighbors_int16"] = (knn16, knn16.quantize(X[:1]).astype("<i2"))
    for name, (model, x) in out.items():
        yield name, model.to_bytes() + x.tobytes()
    # Wide refs (u32 node and leaf indices), which the converter writes only
    # past 2^15 nodes or leaves: the regressor in the refs layout (what models
    # too big for packed nodes get, and older files), its refs widened.
    refs = microlearn.convert(T.DecisionTreeRegressor(max_depth=4, random_state=0).fit(Xr, yr), layout="refs")
    yield "tree_regressor_refs", refs.to_bytes() + out["tree_regressor_2_outputs"][1].tobytes()
    data = refs.to_bytes()
    head = mlm.read_header(data)
    sections = {sid: np.array(arr) for sid, arr in mlm.read_sections(data).items()}
    for sid in (3, 7):  # trees.hpp: roots, children
        refs = sections[sid].astype(np.uint32)
        leaf = refs >= 2**15
        sections[sid] = np.where(leaf, (refs - 2**15) | 2**31, refs).astype("<u4")
    # Not a model: the parameters fuzz_mlm.cpp's linear_create reads (4
    # features, 3 classes, log_loss, 'invscaling', intercept, default floats).
    yield "linear_create_params.bin", bytes([4, 3, 1, 2, 1, 0, 0, 0])
    yield "tree_regressor_wide_refs", mlm.write(head.kind, sections, flags=head.flags) + out[
        "tree_regressor_2_outputs"][1].tobytes()


# ---- DSP objects: the input layout of fuzz_dsp.cpp ------------------------

OBJECTS = ["fft", "rfft", "fft_q15", "rfft_q15", "sos", "sos_q15", "fir", "fir_q15", "dct",
           "spectrogram", "features", "sos_q15_fast"]  # kObjects, in order


def size(n: int) -> bytes:  # Reader::size()
    if n < 128:
        return bytes([n])
    if n & (n - 1) == 0 and n < 2**16:
        return bytes([128 + n.bit_length() - 1])
    return bytes([224]) + struct.pack("<I", n)


def f32(v: float) -> bytes:  # param(): any value, as its bits
    return bytes([255]) + struct.pack("<f", v)


def signal(x) -> bytes:  # signal(float): values in [-1, 1) as int16
    return b"\0" + np.round(np.asarray(x) * 32767).astype("<i2").tobytes()


def q15(x) -> bytes:  # signal(int16): the samples themselves
    return np.round(np.asarray(x) * 20000).astype("<i2").tobytes()


def block(n: int, cut: int) -> bytes:  # block(): n = 1 + a + 256 (c & 15) if b odd
    extra = (n - 1) // 256
    return bytes([(n - 1) % 256, 1 if extra else 0]) + (bytes([extra]) if extra else b"") + struct.pack("<H", cut)


def dsp_seeds():
    """(file name, bytes); the name starts with the object's."""
    rng = np.random.default_rng(0)
    sig = lambda n: rng.uniform(-0.9, 0.9, n)
    room = b"\1"  # room(): the size asked for
    yield "fft", size(64) + room + signal(sig(128))
    yield "rfft", size(256) + room + signal(sig(256))
    yield "fft_q15", size(32) + room + q15(sig(64))
    yield "rfft_q15", size(128) + room + q15(sig(128))
    # A 4th-order Butterworth low-pass as two sections (scipy.signal.butter(4, 0.2, output="sos")).
    sos = [[0.004824343, 0.009648687, 0.004824343, 1.0, -1.048599, 0.2961852],
           [1.0, 2.0, 1.0, 1.0, -1.320913, 0.6327387]]
    coef = b"".join((b"\1" if i == 3 else f32(v)) for r in sos for i, v in enumerate(r))
    yield "sos", size(2) + b"\1" + coef + block(300, 117) + signal(sig(300))
    yield "sos_q15", size(2) + b"\1" + coef + block(300, 40) + q15(sig(300))
    yield "sos_q15_fast", size(2) + b"\1" + coef + block(300, 40) + q15(sig(300))
    taps = [0.1, 0.2, 0.4, 0.2, 0.1]
    yield "fir", size(5) + size(2) + b"".join(f32(t) for t in taps) + block(100, 33) + signal(sig(100))
    yield "fir_q15", size(5) + size(1) + b"".join(f32(t) for t in taps) + block(100, 50) + q15(sig(100))
    yield "dct", size(40) + size(13) + b"\1" + room + signal(sig(40))
    for name, output, n_mels, n_mfcc in (("spectrogram_power", 0, 40, 13), ("spectrogram_mfcc", 4, 40, 13),
                                          ("spectrogram_logmel", 3, 32, 13)):
        config = (size(256) + size(100) + b"\0\1" + b"\0" + bytes([output]) + f32(16000.0) + size(n_mels)
                  + f32(0.0) + f32(0.0) + b"\0\1" + size(n_mfcc) + b"\1")
        yield name, config + room + block(1200, 500) + signal(sig(1200))
    kinds = [(0, 0, 0), (1, 0, 0), (9, 75.0, 0), (10, 0.5, 3.0), (7, 0, 0), (8, 0, 0), (6, 0, 0)]
    spec = b"".join(bytes([k]) + f32(a) + f32(b) for k, a, b in kinds)
    yield "features", size(64) + size(3) + f32(50.0) + bytes([len(kinds)]) + spec + room + signal(sig(192))


def main():
    for sub, seeds in (("mlm", models()), ("dsp", dsp_seeds())):
        folder = HERE / "corpus" / sub
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for name, data in seeds:
            if sub == "dsp":  # the first byte picks the object
                data = bytes([OBJECTS.index(name if name in OBJECTS else name.rsplit("_", 1)[0])]) + data
            suffix = "" if "." in name else ".mlm" if sub == "mlm" else ".bin"
            (folder / (name + suffix)).write_bytes(data)
            print(f"{sub}/{name}: {len(data)} bytes")


if __name__ == "__main__":
    main()
