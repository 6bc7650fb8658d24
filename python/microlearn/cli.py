"""The `microlearn` command line: convert, inspect, and run on (emulated) devices.

    microlearn convert model.joblib|model.tflite|model.keras -o model.mlm [--feature-dtype int16 ...]
    microlearn info model.mlm
    microlearn device setup|run|count ...   (see docs/rig.md)
    microlearn dataset ...                  (see docs/data.md)
    microlearn check model.mlm --target cortex-m0 --data X.npy [--part rp2040]
    microlearn deploy [--port PORT | --dir DIR] [model.mlm ...]
    microlearn mip-index OUT_DIR
    microlearn --version

Every error is one line on stderr and a non-zero exit status
(MICROLEARN_DEBUG=1 shows the traceback).
"""
from __future__ import annotations

import argparse
import os
import pickle
import sys
import warnings
from pathlib import Path


class Parser(argparse.ArgumentParser):
    """argparse, with a usage error as one line on stderr (exit status 2), as every other error."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def positive_number(text: str) -> float:
    """argparse type: a finite number > 0 (seconds, sizes)."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}")
    return value


def version_text() -> str:
    from . import __version__, mlm
    return (f"microlearn {__version__} (.mlm format versions {mlm.OLDEST_FORMAT_VERSION} to "
            f"{mlm.FORMAT_VERSION}; device native modules: "
            f".mpy ABI 6.3, MicroPython 1.23 to 1.27)")


def _import_keras_quietly():
    """keras, without the lines TensorFlow's C++ start-up writes to stderr
    (oneDNN, CPU features): the command line's stderr holds our lines only."""
    if os.environ.get("MICROLEARN_DEBUG"):
        import keras
        return keras
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        import keras
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
    return keras


def _load_estimator(path: Path):
    """A pickled estimator, written by pickle or joblib, whatever the file's
    suffix; a .tflite file (its path: convert() reads it); a .keras/.h5 model."""
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder: give the file pickle.dump, joblib.dump or Keras wrote")
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    if path.suffix.lower() == ".tflite":
        return str(path)
    if path.suffix.lower() in (".keras", ".h5"):
        keras = _import_keras_quietly()
        try:
            return keras.models.load_model(path, compile=False)
        except Exception as e:  # noqa: BLE001 - Keras raises many kinds for a bad file
            raise ValueError(f"{path} is not a Keras model file Keras can read ({type(e).__name__}: {e})") from None
    import joblib  # reads plain pickles too
    try:
        return joblib.load(path)
    except Exception as joblib_error:  # noqa: BLE001 - any failure: try plain pickle, then explain
        try:
            with open(path, "rb") as f:
                return pickle.load(f)  # noqa: S301 - the user's own file
        except Exception:  # noqa: BLE001
            raise ValueError(f"{path} is not a pickle or joblib file of an estimator "
                             f"({type(joblib_error).__name__}: {joblib_error})" + _BOOSTER_FILE_HINT.get(
                                 path.suffix.lower(), "")) from None


# A booster library's own model file: which class reads it back, with its
# classes (a raw Booster converts as its raw margin, which the CLI cannot guess).
_BOOSTER_FILE_HINT = dict.fromkeys(
    (".json", ".ubj", ".txt", ".cbm", ".bin", ".model"),
    "; an XGBoost (.json, .ubj), LightGBM (.txt) or CatBoost (.cbm) model file converts from Python: load it "
    "with its library (xgboost.XGBClassifier().load_model(path), lightgbm.Booster(model_file=path), "
    "catboost.CatBoostClassifier().load_model(path)) and call microlearn.convert() on it, or joblib.dump the "
    "fitted estimator and convert that file")


def _numbers(text: str | None, what: str):
    """--feature-scale / --feature-offset: a number, comma-separated numbers
    (one per feature) or an .npy file of them."""
    if text is None:
        return None
    import numpy as np
    try:
        if text.endswith(".npy"):
            values = np.load(text).astype(float).ravel()
        else:
            values = np.array([float(v) for v in text.split(",")])
    except (ValueError, OSError) as e:
        raise ValueError(f"{what} must be a number, numbers separated by commas, or an .npy file: {e}") from None
    return values[0] if values.size == 1 else values


def cmd_convert(args) -> int:
    import microlearn
    est = _load_estimator(Path(args.estimator))
    scale, offset = _numbers(args.feature_scale, "--feature-scale"), _numbers(args.feature_offset, "--feature-offset")
    if args.feature_dtype != "int16" and (scale is not None or offset is not None):
        raise ValueError("--feature-scale and --feature-offset apply to --feature-dtype int16 only")
    if args.feature_dtype == "int16" and scale is None:
        print("microlearn convert: warning: int16 features with --feature-scale 1 round every feature to an "
              "integer; give --feature-scale (and --feature-offset) so that your features' range fills int16 "
              "(docs/trees.md)", file=sys.stderr)
    with warnings.catch_warnings(record=True) as caught:  # each as one line, as the errors
        warnings.simplefilter("always")
        model = microlearn.convert(est, feature_dtype=args.feature_dtype,
                                   feature_scale=1.0 if scale is None else scale,
                                   feature_offset=0.0 if offset is None else offset)
    for w in caught:
        print(f"microlearn convert: warning: {w.message}", file=sys.stderr)
    out = Path(args.output or Path(args.estimator).with_suffix(".mlm"))
    model.save(out)
    print(f"wrote {out} ({model.size:,} bytes): {model!r}")
    if args.c_header:
        name = args.name or Path(args.c_header).stem.replace("-", "_")
        model.to_c_header(args.c_header, name=name)
        print(f"wrote {args.c_header} (array {name})")
    return 0


def _short(values) -> str:
    """A list of per-feature values, as one value when they are all equal."""
    return str(values[0]) if len(set(values)) == 1 else ", ".join(map(str, values))


def cmd_info(args) -> int:
    import microlearn
    model = microlearn.load(args.model)
    print(repr(model))
    for k, v in sorted(model.info.items()):
        print(f"  {k}: {v}")
    for k, v in sorted(model.metadata.items()):
        if k in ("feature_scale", "feature_offset"):
            v = _short(v)
        print(f"  {k}: {v}")
    return 0


def _main(argv) -> int:
    if argv and argv[0] == "device":
        from .rig.cli import main as rig_main
        return rig_main(argv[1:], prog="microlearn device")
    if argv and argv[0] == "dataset":
        from .datasets import main as dataset_main
        return dataset_main(argv[1:])
    if argv and argv[0] == "check":
        from .check import main as check_main
        return check_main(argv[1:])
    if argv and argv[0] in ("deploy", "mip-index"):
        from .deploy import main as deploy_main
        return deploy_main(argv[1:], command=argv[0])
    parser = Parser(prog="microlearn", description=__doc__.split("\n")[0])
    parser.add_argument("--version", action="version", version=version_text())
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("convert", help="convert a pickled/joblib estimator, .tflite or Keras file to .mlm")
    p.add_argument("estimator", help="a file written by pickle.dump or joblib.dump (any suffix), a .tflite "
                                     "file, or a Keras .keras/.h5 file")
    p.add_argument("-o", "--output")
    p.add_argument("--feature-dtype", choices=["float32", "int16"], default="float32")
    p.add_argument("--feature-scale", help="int16: q = round((x - offset) * scale); a number, one per feature "
                                           "separated by commas, or an .npy file")
    p.add_argument("--feature-offset", help="int16: see --feature-scale (default 0)")
    p.add_argument("--c-header", help="also write the bytes as a C header")
    p.add_argument("--name", help="C array name (default: header file stem)")
    p.set_defaults(func=cmd_convert)
    p = sub.add_parser("info", help="describe an .mlm file")
    p.add_argument("model")
    p.set_defaults(func=cmd_info)
    sub.add_parser("device", help="build MicroPython and run scripts on unix / emulated boards "
                                  "(microlearn device --help)")
    sub.add_parser("dataset", help="pull recorded windows from a device or folder into (X, y) "
                                   "(microlearn dataset --help)")
    sub.add_parser("check", help="measure a model on MicroPython: bytes, RAM, instructions per "
                                 "predict(), agreement with the host (microlearn check --help)")
    sub.add_parser("deploy", help="copy the device package matching a board, and models, to it with mpremote "
                                  "(microlearn deploy --help)")
    sub.add_parser("mip-index", help="write the device packages with a package.json per arch, for mip")
    args = parser.parse_args(argv)
    return args.func(args)


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        return _main(argv)
    except BrokenPipeError:  # e.g. `microlearn info m.mlm | head -1`: stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as e:  # noqa: BLE001 - the command line's promise: one line, non-zero exit
        if os.environ.get("MICROLEARN_DEBUG"):
            raise
        command = f"microlearn {argv[0]}" if argv and not argv[0].startswith("-") else "microlearn"
        ours = type(e).__module__.startswith("microlearn")  # our own errors say what to do already
        kind = "" if ours or isinstance(e, (ValueError, OSError, TypeError)) else f"{type(e).__name__}: "
        message = " ".join(str(e).split())  # one line, whatever the library's message holds
        print(f"{command}: error: {kind}{message}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
