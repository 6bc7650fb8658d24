"""The `microlearn` command line: convert, inspect, and run on (emulated) devices.

    microlearn convert model.joblib -o model.mlm [--feature-dtype int16] [--c-header model.h]
    microlearn info model.mlm
    microlearn device setup|run|count ...   (see docs/rig.md)
    microlearn dataset ...                  (see docs/data.md)
    microlearn check model.mlm --target cortex-m0 --data X.npy
"""
from __future__ import annotations

import argparse
import pickle
import sys
from pathlib import Path


def _load_estimator(path: Path):
    if path.suffix in (".joblib", ".jl"):
        import joblib
        return joblib.load(path)
    with open(path, "rb") as f:
        return pickle.load(f)  # noqa: S301 - the user's own file


def cmd_convert(args) -> int:
    import microlearn
    est = _load_estimator(Path(args.estimator))
    model = microlearn.convert(est, feature_dtype=args.feature_dtype)
    out = Path(args.output or Path(args.estimator).with_suffix(".mlm"))
    model.save(out)
    print(f"wrote {out} ({model.size:,} bytes): {model!r}")
    if args.c_header:
        name = args.name or Path(args.c_header).stem.replace("-", "_")
        model.to_c_header(args.c_header, name=name)
        print(f"wrote {args.c_header} (array {name})")
    return 0


def cmd_info(args) -> int:
    import microlearn
    model = microlearn.load(args.model)
    print(repr(model))
    for k, v in sorted(model.info.items()):
        print(f"  {k}: {v}")
    for k, v in sorted(model.metadata.items()):
        if k not in ("feature_scale", "feature_offset"):
            print(f"  {k}: {v}")
    return 0


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "device":
        from .rig.cli import main as rig_main
        return rig_main(argv[1:], prog="microlearn device")
    if argv and argv[0] == "dataset":
        from .datasets import main as dataset_main
        return dataset_main(argv[1:])
    if argv and argv[0] == "check":
        from .check import main as check_main
        return check_main(argv[1:])
    parser = argparse.ArgumentParser(prog="microlearn", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("convert", help="convert a pickled/joblib scikit-learn estimator to .mlm")
    p.add_argument("estimator")
    p.add_argument("-o", "--output")
    p.add_argument("--feature-dtype", choices=["float32", "int16"], default="float32")
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
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, TypeError, OSError) as e:
        print(f"microlearn: error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
