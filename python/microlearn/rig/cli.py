"""Command line of the rig: `microlearn device ...` or `python -m microlearn.rig ...`.

    setup  [--target T ...] [--no-natmods]     build MicroPython (and device/ natmods)
    run    --target T SCRIPT [FILE ...]        run SCRIPT there; exit with its status
    count  --target T SCRIPT [FILE ...]        instructions between _markers.start/stop
    targets                                    list the targets

Exit status of run: the script's (0, its sys.exit value, 1 on an uncaught exception);
1 with a message on stderr if the board crashed; 124 on timeout; 2 on rig errors.
"""

import argparse
import sys
from pathlib import Path
from typing import List, Optional

from ..cli import Parser, positive_number
from .paths import RigError
from .qemu import RigTimeout
from .targets import TARGETS

EXIT_TIMEOUT = 124
EXIT_RIG_ERROR = 2


def _add_run_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--target", "-t", required=True, choices=sorted(TARGETS),
                   help="where to run")
    p.add_argument("script", type=Path, help="MicroPython script to run")
    p.add_argument("files", nargs="*", type=Path,
                   help="files placed next to the script (by file name)")
    p.add_argument("--lib", action="append", type=Path, metavar="DIR",
                   help="folder to put on sys.path (repeatable; default: the device "
                        "package built by device/Makefile for the target's arch)")
    p.add_argument("--fetch", action="append", default=[], metavar="NAME",
                   help="file the script writes, to copy back (repeatable)")
    p.add_argument("--fetch-dir", type=Path, default=Path("."), metavar="DIR",
                   help="where fetched files go (default: current directory)")
    p.add_argument("--timeout", type=positive_number, default=None, metavar="SECONDS")


def _parser(prog: str) -> argparse.ArgumentParser:
    parser = Parser(
        prog=prog, description="Build MicroPython and run scripts on it (docs/rig.md).")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("setup", help="build MicroPython for the targets (cached)")
    p.add_argument("--target", "-t", action="append", choices=sorted(TARGETS),
                   help="target to set up (repeatable; default: all)")
    p.add_argument("--no-natmods", action="store_true",
                   help="do not build device/ (microlearn's native modules)")

    p = sub.add_parser("run", help="run a script; print its output, exit with its status")
    _add_run_args(p)

    p = sub.add_parser("count", help="count instructions between _markers.start/stop")
    _add_run_args(p)

    sub.add_parser("targets", help="list the targets")
    return parser


def _save_fetched(files, names, fetch_dir: Path) -> None:
    for name in names:
        if name in files:
            dest = fetch_dir / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(files[name])
        else:
            print(f"microlearn: the script left no file {name!r}", file=sys.stderr)


def main(argv: Optional[List[str]] = None, prog: str = "microlearn device") -> int:
    args = _parser(prog).parse_args(argv)
    try:
        if args.command == "targets":
            for t in TARGETS.values():
                print(f"{t.name:10} {t.description}")
            return 0

        if args.command == "setup":
            from .build import setup

            setup(args.target, natmods=not args.no_natmods)
            return 0

        kwargs = dict(files=args.files, lib_dir=args.lib, fetch=args.fetch,
                      stream=sys.stdout)
        if args.timeout is not None:
            kwargs["timeout"] = args.timeout

        if args.command == "run":
            from .run import run

            result = run(args.target, args.script, **kwargs)
            _save_fetched(result.files, args.fetch, args.fetch_dir)
            if result.crashed:
                print(f"microlearn: {args.target} crashed (status {result.returncode})",
                      file=sys.stderr)
                return 1
            return result.returncode

        if args.command == "count":
            from .count import count

            result = count(args.target, args.script, **kwargs)
            _save_fetched(result.files, args.fetch, args.fetch_dir)
            pairs = "" if result.pairs is None else f" pairs={result.pairs}"
            print(f"instructions={result.instructions}{pairs} target={args.target}")
            return 0
    except RigTimeout as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        return EXIT_TIMEOUT
    except RigError as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        return EXIT_RIG_ERROR
    return 0
