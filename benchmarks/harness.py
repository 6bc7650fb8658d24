"""What every family's device benchmark does the same way: a MicroPython
script that times CALL over rows between the rig's markers and reports the
results and bytes allocated per call; per-call instructions as
(count(n2 rows) - count(n1 rows)) / (n2 - n1); RAM for an import and a load.

    import harness
    make = lambda n, measure: harness.device_script("m = ...", "m.predict(x)", dim=13, n=n, measure=measure)
    harness.per_call(target, make, files, lib, 8, 40)   # {"per_call", "out", "alloc"} or {"error"}
"""
import os
import shutil
import subprocess
from pathlib import Path

from microlearn.rig import build, run
from microlearn.rig.count import CountError, count

_SCRIPT = """
import array, gc, math, _markers
D = DIM
X = array.array("TYPECODE", open("ROWFILE", "rb").read())
ROWS = [X[i * D:(i + 1) * D] for i in range(len(X) // D)]
O = array.array("f", [0.0] * OUT_LEN)
SETUP
def bench(rows):
    for x in rows:
        CALL
bench(ROWS[:1])
R = ROWS[:NROWS]
gc.collect()
_markers.start()
bench(R)
_markers.stop()
if MEASURE:
    def value(x):
        v = CALL
        return O[0] if v is O else v
    print("OUT", [value(x) for x in ROWS])
    RA = ROWS[:ALLOC_ROWS]
    for i in range(2):  # the second: the first measurement in a process has a one-off 32 bytes
        gc.collect()
        gc.disable()
        a = gc.mem_alloc()
        bench(RA)
        b = gc.mem_alloc()
        gc.enable()
    print("ALLOC", (b - a) / ALLOC_ROWS)
"""


def device_script(setup: str, call: str, *, dim: int, n: int, measure: bool, rows: str = "X.bin",
                  typecode: str = "f", out_len: int = 1, alloc_rows: int = 4) -> str:
    """The benchmark script: `call` (an expression of x; it may write into O,
    an array('f') of out_len) over the first n rows of `rows` (dim items of
    `typecode` each); with `measure`, also every row's result and the bytes
    allocated per call."""
    return (_SCRIPT.replace("SETUP", setup).replace("CALL", call).replace("MEASURE", str(bool(measure)))
            .replace("NROWS", str(n)).replace("ROWFILE", rows).replace("TYPECODE", typecode)
            .replace("OUT_LEN", str(out_len)).replace("ALLOC_ROWS", str(alloc_rows)).replace("DIM", str(dim)))


def parse(output: str, key: str):
    """The value a script printed as `KEY <python literal>`, or None."""
    for line in output.splitlines():
        if line.startswith(key + " "):
            return eval(line[len(key) + 1:], {"inf": float("inf"), "nan": float("nan")})  # noqa: S307 - our own output
    return None


def per_call(target, make, files, lib, n1: int, n2: int, timeout: float = 900) -> dict:
    """Instructions per call of make(n, measure)'s script on target, with the
    results and allocations of the n2 run; {"error": last line} if it failed."""
    try:
        low = count(target, make(n1, False), files=files, lib_dir=lib, timeout=timeout)
        high = count(target, make(n2, True), files=files, lib_dir=lib, timeout=timeout)
    except CountError as e:
        out = e.result.output if e.result is not None else str(e)
        return {"error": (out.strip().splitlines() or [str(e)])[-1][:160]}
    return {"per_call": (high.instructions - low.instructions) / (n2 - n1),
            "out": parse(high.output, "OUT"), "alloc": parse(high.output, "ALLOC")}


_RAM_SCRIPT = """
import gc
gc.collect(); a = gc.mem_alloc()
IMPORT
gc.collect(); b = gc.mem_alloc()
data = open("FILE", "rb").read()
gc.collect(); c = gc.mem_alloc()
LOAD
gc.collect(); d = gc.mem_alloc()
print("RAM", [b - a, d - c])
"""


def ram(target, files, lib, importing: str, model_file: str, load: str = "m = microlearn.load(data)"):
    """[heap bytes to run `importing`, heap bytes to `load` model_file read into `data`]."""
    s = _RAM_SCRIPT.replace("IMPORT", importing).replace("FILE", model_file).replace("LOAD", load)
    return parse(run(target, s, files=files, lib_dir=lib, timeout=300).output, "RAM")


_IMPORT_SCRIPT = """
import gc
gc.collect(); a = gc.mem_alloc()
BEFORE
gc.collect(); b = gc.mem_alloc()
import PACKAGEMODULE
gc.collect(); c = gc.mem_alloc()
print("RAM", (b - a, c - b))
"""


def import_ram(target, lib, module: str, before: str = "import microlearn", package: str = "microlearn.") -> dict:
    """Heap bytes to run `before` (the package), then to import
    microlearn.<module> (package + module), on a board: {"package", "module"} (what `microlearn
    check` prints as RAM: import), or {"error"} with the script's last output."""
    script = _IMPORT_SCRIPT.replace("BEFORE", before).replace("PACKAGE", package).replace("MODULE", module)
    r = run(target, script, lib_dir=lib, timeout=300)
    got = parse(r.output, "RAM")
    if r.returncode == 0 and got:
        return {"package": got[0], "module": got[1]}
    return {"error": r.output.strip()[-160:]}


def make(args, what: str) -> None:
    """Runs a build command; its output's tail in the error if it fails."""
    proc = subprocess.run(args, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"building {what} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")


def emlearn_module(bench_dir: Path, module: str, arch: str, out: Path, header: str, code: str) -> Path:
    """emlearn's C code (the generated `header` holding `code`) built into the
    native module `module` by bench_dir's Makefile for arch; the folder that
    holds the .mpy."""
    import emlearn
    gen, lib = out / "gen", out / "lib"
    gen.mkdir(parents=True, exist_ok=True)
    lib.mkdir(parents=True, exist_ok=True)
    (gen / header).write_text(code)
    shutil.rmtree(out / "obj", ignore_errors=True)  # make does not see the generated header change
    make(["make", "-C", str(bench_dir), f"ARCH={arch}", f"MPY_DIR={build.fetch_source()}", f"BUILD={out}/obj",
          f"GEN={gen}", f"EMLEARN={Path(emlearn.__file__).parent}", f"PYTHON={build._python_for_mpy_ld()}"],
         f"{module} for {arch}")
    os.replace(bench_dir / f"{module}.mpy", lib / f"{module}.mpy")
    return lib


# ---- the command line and bookkeeping every family's bench_*.py shares ----

def command_line(doc: str, default_targets: str = "unix,cortex-m0,cortex-m3,cortex-m4f"):
    """--targets, --json FILE (also write the raw results) and --report FILE
    (only print the page from results saved with --json): (args, targets)."""
    import argparse
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--targets", default=default_targets)
    ap.add_argument("--json", help="also write the raw results here")
    ap.add_argument("--report", help="only print the table of results saved with --json")
    args = ap.parse_args()
    return args, args.targets.split(",")


def saved_results(args, targets):
    """The results --report names, and the targets among them; None without --report."""
    import json
    if not args.report:
        return None
    res = json.loads(Path(args.report).read_text())
    return res, [t for t in targets if t in res["targets"]]


def finish(args, results: dict, page: str) -> None:
    """Writes the raw results where --json says, and prints the page."""
    import json
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, default=float))
    print(page)


def python_mpy(source: Path, arch: str, out_dir: Path) -> Path:
    """A plain-Python contender compiled by the rig's mpy-cross into
    out_dir/arch/<name>.mpy (the bytecode a board would import)."""
    mpy = out_dir / arch / (source.stem + ".mpy")
    mpy.parent.mkdir(parents=True, exist_ok=True)
    make([str(build.build_mpy_cross()), "-o", str(mpy), "-s", source.name, str(source)], mpy.name)
    return mpy


def agreement(got, want, rtol: float = 0.0):
    """Percent of results equal to the reference's (within rtol * (1 + |want|)
    when rtol is given); None when the contender gave none."""
    import numpy as np
    if got is None:
        return None
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    if rtol:
        return 100.0 * float(np.mean(np.abs(got - want) <= rtol * (1 + np.abs(want))))
    return 100.0 * float(np.mean(got == want))


def record(cases: dict, target: str, case: str, contender: str, m: dict, want, rtol: float = 0.0) -> None:
    """Files one measurement under "case/contender", its outputs turned into
    an agreement percentage, and logs it."""
    import sys
    if "out" in m:
        m["agree"] = agreement(m.pop("out"), want, rtol)
    cases[f"{case}/{contender}"] = m
    print(f"{target:10s} {case:12s} {contender:12s} {m}", file=sys.stderr, flush=True)
