"""Model: a converted model's bytes, run on the host by the C++ engine."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from . import _engine, mlm
from .families import family_of_kind

_STATUS_TEXT = {
    "bad_magic": "not a microlearn model file (bad magic)",
    "bad_checksum": "the file is corrupt (CRC32 does not match)",
    "truncated": "the file is truncated",
    "size_mismatch": "a section's size does not match the model",
    "out_of_range": "an index or offset points outside the model",
    "bad_section": "a section is missing, misaligned or of the wrong type",
    "bad_parameter": "a model parameter has an impossible value",
    "unsupported_kind": "the model kind is not supported",
}


def _load_error(data: bytes, status: str) -> ValueError:
    if status == "unsupported_version":
        version = mlm.read_header(data).version
        if version > mlm.FORMAT_VERSION:
            return ValueError(f"invalid model file: format version {version} is newer than the newest this "
                              f"microlearn reads ({mlm.FORMAT_VERSION}); update microlearn, or convert the "
                              "model again with this one")
        return ValueError(f"invalid model file: format version {version} is older than the oldest this "
                          f"microlearn reads ({mlm.OLDEST_FORMAT_VERSION}); convert the model again with this "
                          "microlearn")
    return ValueError(f"invalid model file: {_STATUS_TEXT.get(status, status)}")


def _metadata(data: bytes) -> dict:
    try:
        meta = mlm.read_metadata(data)
    except (ValueError, UnicodeError) as e:  # JSONDecodeError is a ValueError
        raise ValueError(f"invalid model file: its metadata section is not valid JSON ({e})") from None
    if not isinstance(meta, dict):
        raise ValueError("invalid model file: its metadata section is not a JSON object")
    return meta


def _fits_float32(X: np.ndarray) -> None:
    """The engine computes in float32: a finite value beyond float32's range
    would silently become infinity. Refused rather than guessed at
    (scikit-learn's trees cast it to inf with a warning and predict)."""
    big = np.abs(X) > np.finfo(np.float32).max  # NaN compares False; inf is told apart only when one is here
    if big.any() and (too_big := big & np.isfinite(X)).any():
        row, col = np.argwhere(too_big)[0]
        raise ValueError(f"X[{row}, {col}] = {X[row, col]:g} is beyond float32's range (+-3.4e38), "
                         "which the model computes in: scale X down")


# Names a C or C++ compiler reserves: to_c_header() refuses them as the array's name.
_C_KEYWORDS = frozenset(
    "alignas alignof and asm auto bool break case catch char class const constexpr continue decltype default "
    "delete do double else enum explicit extern false float for friend goto if inline int long mutable "
    "namespace new noexcept not nullptr operator or private protected public register restrict return short "
    "signed sizeof static struct switch template this throw true try typedef typename union unsigned using "
    "virtual void volatile while".split())


# What every family's engine class reports in info(), beside its own details.
_COMMON_INFO = ("n_features", "n_outputs", "n_classes", "task", "feature_type", "methods")


class Model:
    """A converted model. Predictions run the same C++ engine as the device.

    Build one with microlearn.convert(estimator) or microlearn.load(path).
    The family's engine (microlearn.families) does the work; this class maps
    class indices to labels and checks inputs, the same for every family.
    """

    def __init__(self, data: bytes):
        data = bytes(data)
        if not data:
            raise ValueError("invalid model file: it is empty (0 bytes)")
        check = _engine.open_model_file(data)
        if check["status"] != "ok":
            raise _load_error(data, check["status"])
        self.family = family_of_kind(check["kind"])
        self.kind = self.family.name
        try:
            self._engine = getattr(_engine, self.family.engine)(data)
        except ValueError as e:
            raise _load_error(data, str(e).rsplit(": ", 1)[-1]) from None
        self._data = data
        self.info = self._engine.info()
        self.metadata = _metadata(data)
        try:  # preprocessing stored in the file (a Pipeline's steps): applied to X before the engine
            self._preprocess = _engine.Preprocess(data, self.info["n_features"])
        except ValueError as e:
            raise _load_error(data, str(e).rsplit(": ", 1)[-1]) from None
        self.info["n_features"] = self._preprocess.info()["n_inputs"]
        if not self._preprocess.info()["n_steps"]:
            self._preprocess = None
        elif self.info["feature_type"] != "float32":
            raise _load_error(data, "type_mismatch")
        self.n_features_in_ = self.info["n_features"]
        self.feature_dtype = np.dtype(self.info["feature_type"])
        self._task = self.info["task"]
        self._methods = set(self.info["methods"])
        classes = self.metadata.get("classes")
        self.classes_ = None
        if self._task == "classification":
            if not isinstance(classes, list) or len(classes) != self.info["n_classes"]:
                raise ValueError("invalid model file: its metadata does not list the model's "
                                 f"{self.info['n_classes']} classes")
            try:
                self.classes_ = np.asarray(classes, dtype=self.metadata.get("classes_dtype"))
            except (TypeError, ValueError) as e:
                raise ValueError(f"invalid model file: its metadata's classes are not valid ({e})") from None

    # ------------------------------------------------------------ inputs
    def _rows(self, X) -> np.ndarray:
        columns = getattr(X, "columns", None)  # a DataFrame: its columns must be the model's
        names = self.metadata.get("feature_names")
        if columns is not None and names is not None and [str(c) for c in columns] != names and \
                [str(c).replace(" ", "_") for c in columns] != names:  # LightGBM keeps names' spaces as "_"
            raise ValueError(f"X's columns {list(columns)[:5]}... differ from the features the model "
                             f"was fitted on {names[:5]}...: reorder X's columns to match")
        if columns is not None and hasattr(X, "to_numpy") and self.feature_dtype == np.float32:
            try:  # bool and nullable (pd.NA) columns too: missing values become NaN
                X = X.to_numpy(dtype=np.float64, na_value=np.nan)
            except (TypeError, ValueError) as e:
                raise TypeError(f"X's columns must hold numbers: {e}") from None
        if hasattr(X, "toarray") and hasattr(X, "nnz"):  # a scipy.sparse matrix, as scikit-learn takes
            X = X.toarray()
        X = np.asarray(X)
        if X.ndim != 2:
            raise ValueError(f"X must be 2-dimensional (n_samples, {self.n_features_in_}), got shape "
                             f"{X.shape}; use " + ("X.reshape(len(X), -1) (one flattened row per sample)"
                                                   if X.ndim > 2 else "X.reshape(1, -1) for a single sample"))
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, but the model expects {self.n_features_in_}")
        if self.feature_dtype == np.float32:
            if X.dtype == object:  # numbers in an object array (e.g. a mixed-type frame's .values)
                try:
                    X = X.astype(np.float64)
                except (TypeError, ValueError) as e:
                    raise TypeError(f"X must hold numbers, got dtype object holding something else ({e})") from None
            if X.dtype.kind not in "fiub":
                raise TypeError(f"X must hold numbers, got dtype {X.dtype}")
            if (X.dtype in (np.int8, np.uint8) and self.info.get("input_dtype") == "int8") or (
                    X.dtype == np.int16 and self.info.get("input_dtype") == "int16"):
                # a network's quantized input, as array('b') / array('B') / array('h') on the device (docs/neural.md)
                return np.ascontiguousarray(X)
            if X.dtype.kind == "f" and X.dtype.itemsize > 4:
                _fits_float32(X)
            return np.ascontiguousarray(X, dtype=np.float32)
        if X.dtype.kind not in "iu":
            raise TypeError(f"this model takes int16 features, got dtype {X.dtype}: "
                            "quantize them with model.quantize(X)")
        if X.size and (X.min() < -32768 or X.max() > 32767):
            raise ValueError("int16 features must lie in [-32768, 32767]")
        return np.ascontiguousarray(X, dtype=np.int16)

    def quantize(self, X) -> np.ndarray:
        """Float features -> the int16 features an int16 model takes:
        (x - feature_offset) * feature_scale rounded half away from zero and
        clamped to int16, as microlearn.arrays.to_int does on the device
        (scale = feature_scale, offset = -feature_offset * feature_scale)."""
        if self.feature_dtype != np.int16:
            raise ValueError("quantize() is for models converted with feature_dtype='int16'")
        scale = np.asarray(self.metadata["feature_scale"])
        offset = np.asarray(self.metadata["feature_offset"])
        X = self._columns(X)
        if np.isnan(X).any():
            raise ValueError("X holds NaN: an int16 model has no missing values (impute them first)")
        v = (X - offset) * scale
        a = np.abs(v)
        t = np.floor(a)
        with np.errstate(invalid="ignore"):  # inf - inf: clamped below anyway
            q = np.sign(v) * (t + (a - t >= 0.5))  # a - t is exact; floor(a + 0.5) is not (0.49999999999999994)
        return np.clip(q, -32768, 32767).astype(np.int16)

    def dequantize(self, Q) -> np.ndarray:
        """int16 features -> the float32 values they stand for (q / scale + offset)."""
        scale = np.asarray(self.metadata["feature_scale"])
        offset = np.asarray(self.metadata["feature_offset"])
        return (self._columns(Q) / scale + offset).astype(np.float32)

    def _columns(self, X) -> np.ndarray:
        """quantize()/dequantize()'s input as float64 rows (or one row) of the
        model's features: one column would broadcast to all of them."""
        try:
            X = np.asarray(X, np.float64)
        except (TypeError, ValueError) as e:
            raise TypeError(f"X must hold numbers: {e}") from None
        if X.ndim not in (1, 2) or X.shape[-1] != self.n_features_in_:
            raise ValueError(f"X must be rows of {self.n_features_in_} features (or one such row), got shape "
                             f"{X.shape}")
        return X

    def _call(self, method, X):
        if method not in self._methods:
            name = self.metadata.get("estimator", self.kind)
            raise AttributeError(f"{method}() is not available for {name} (it has: "
                                 f"{', '.join(sorted(self._methods))})")
        X = self._rows(X)
        return getattr(self._engine, method)(X if self._preprocess is None else self._preprocess.apply(X))

    # ------------------------------------------------------- predictions
    def predict(self, X, out=None) -> np.ndarray:
        """Class labels (classifiers), values (regressors: (n,) or
        (n, n_outputs)), +1/-1 (anomaly detectors), cluster indices.
        Neural networks also write their outputs into `out`, an (n,
        n_outputs) array as predict(x, out) on the device: float32 (an int8
        or int16 output dequantized), or the output's own int8 / int16 (its
        quantized values: info["output_scale"], info["output_zero_point"])."""
        if out is None:
            out = self._call("predict", X)
        else:  # one run of the network per row for both
            out = self._outputs_into(X, out)
        if self._task == "regression":  # (n,) for one output, unless fitted on a (n, 1) y (metadata)
            return out[:, 0] if out.shape[1] == 1 and not self.metadata.get("output_2d") else out
        if self._task == "classification":
            return self.classes_[out]  # the engine gives class indices
        return out

    def _outputs_into(self, X, out):
        """Writes the network's outputs into `out` and returns what predict(X) returns from the engine."""
        if not hasattr(self._engine, "outputs"):
            raise TypeError(f"predict(X, out) is for neural networks, not {self.metadata.get('estimator', self.kind)}")
        if not isinstance(out, np.ndarray):
            raise TypeError(f"out must be a numpy array (float32, or the network's {self.info['output_dtype']} "
                            f"output), got {type(out).__name__}")
        X = self._rows(X)
        shape = (X.shape[0], self.info["n_outputs"])
        if out.shape != shape:
            raise ValueError(f"out must have shape {shape} (rows, the network's outputs), got {out.shape}")
        predicted, out[...] = self._engine.predict_outputs(X if self._preprocess is None else self._preprocess.apply(X),
                                                           out.dtype.name)
        return predicted

    def predict_proba(self, X) -> np.ndarray:
        return self._call("predict_proba", X)

    def decision_function(self, X) -> np.ndarray:
        out = self._call("decision_function", X)
        return out[:, 0] if out.shape[1] == 1 else out

    def score_samples(self, X) -> np.ndarray:
        return self._call("score_samples", X)

    def transform(self, X) -> np.ndarray:
        return self._call("transform", X)

    # ------------------------------------------------------------ export
    def to_bytes(self) -> bytes:
        return self._data

    @property
    def size(self) -> int:
        """Bytes of the model file (what goes to the device's flash)."""
        return len(self._data)

    def save(self, path) -> Path:
        path = Path(path)
        path.write_bytes(self._data)
        return path

    def to_c_header(self, path, name: str = "model") -> Path:
        """Writes the model's bytes as `alignas(4) const uint8_t name[]` in a C/C++ header."""
        if not (name.isidentifier() and name.isascii()) or name in _C_KEYWORDS:
            raise ValueError(f"name must be a C identifier (ASCII letters, digits, _; not a C/C++ keyword), "
                             f"got {name!r}")
        path = Path(path)
        guard = f"MICROLEARN_MODEL_{name.upper()}_H"
        rows = [", ".join(f"0x{b:02x}" for b in self._data[i:i + 16])
                for i in range(0, len(self._data), 16)]
        body = ",\n    ".join(rows)
        path.write_text(
            f"/* Generated by microlearn from {self.metadata.get('estimator', 'a model')}: "
            f"{len(self._data)} bytes, .mlm format version {mlm.FORMAT_VERSION}. */\n"
            f"#ifndef {guard}\n#define {guard}\n#include <stdint.h>\n"
            f"#ifndef __cplusplus\n#include <stdalign.h>\n#endif\n\n"
            f"alignas(4) static const uint8_t {name}[] = {{\n    {body}\n}};\n"
            f"#define {name.upper()}_SIZE {len(self._data)}u\n\n#endif\n")
        return path

    def report(self, X, y=None, reference=None):
        from .report import report
        return report(self, X, y, reference)

    def __repr__(self):
        details = ", ".join(f"{k}={v}" for k, v in self.info.items() if k not in _COMMON_INFO)
        return (f"<microlearn.Model {self.metadata.get('estimator', self.kind)} ({self.kind}: {details}): "
                f"{self.n_features_in_} {self.feature_dtype} features, {self.size:,} bytes>")


def load(path_or_bytes) -> Model:
    """Loads an .mlm file (path, bytes or bytearray)."""
    if isinstance(path_or_bytes, (bytes, bytearray, memoryview)):
        return Model(bytes(path_or_bytes))
    if not isinstance(path_or_bytes, (str, os.PathLike)):
        raise TypeError(f"load() takes a path, bytes or bytearray, got {type(path_or_bytes).__name__}")
    return Model(Path(os.fspath(path_or_bytes)).read_bytes())
