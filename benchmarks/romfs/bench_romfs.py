"""Models in place: the heap microlearn.load() holds after loading the digits
forest of the tree benchmarks from ROMFS (/rom, used in place) and from a file
in RAM, on every emulated board; prints docs/benchmarks-romfs.md.

    .venv/bin/python benchmarks/romfs/bench_romfs.py > docs/benchmarks-romfs.md

The measurement is tests/device/test_romfs.py's (which bounds the same figures)."""
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "device"))
from test_romfs import RAM_BOUND, digits_forest, measure_in_place  # noqa: E402

from microlearn.rig import RigError  # noqa: E402

TARGETS = ["cortex-m3", "cortex-m0", "cortex-m4f", "rv32"]

# After the test's script: the smallest contiguous free heap each load succeeds
# in (binary search with the script's fill() and loads_with()).
NEED = """
def need(path):
    blocks = fill()
    lo, hi = 0, 64 * 1024
    while hi - lo > 16:
        mid = (lo + hi) // 2
        if loads_with(path, blocks, mid):
            hi = mid
        else:
            lo = mid
    return hi


for path in ("/rom/rf10.mlm", "rf10.mlm"):
    print("need", path, need(path))
"""


def main():
    with tempfile.TemporaryDirectory() as tmp:
        path, rows, want = digits_forest(Path(tmp))
        size = path.stat().st_size
        lines = []
        for target in TARGETS:
            try:
                res, ram = measure_in_place(target, path, rows, NEED)
            except RigError as e:  # e.g. a native module that does not build for the target's arch
                lines.append(f"| {target} | not measured: {str(e).splitlines()[0]} | | | | | |")
                continue
            if res.returncode != 0:
                lines.append(f"| {target} | failed: `{res.output.strip().splitlines()[-1]}` | | | | | |")
                continue
            fits = "yes" if "fits /rom/rf10.mlm True" in res.output else "**no**"
            right = "yes" if f"pred /rom/rf10.mlm {want}" in res.output else "**no**"
            need = {p: int(n) for p, n in re.findall(r"^need (\S+) (\d+)$", res.output, re.M)}
            lines.append(f"| {target} | {ram['/rom/rf10.mlm']:,} | {need['/rom/rf10.mlm']:,} | {ram['rf10.mlm']:,} "
                         f"| {need['rf10.mlm']:,} | {fits} | {right} |")
    print("# Benchmarks: models in place (RAM after load from ROMFS vs a file in RAM)\n")
    print("Reproduce: `.venv/bin/python benchmarks/romfs/bench_romfs.py > docs/benchmarks-romfs.md` (or `bash "
          "benchmarks/run.sh` for every benchmark). The model: the digits RandomForestClassifier(10 trees, "
          f"max_depth=10) of the tree benchmarks, {size:,} bytes as .mlm. Heap after load = `gc.mem_alloc()` "
          "after `microlearn.load()` minus before, both after `gc.collect()`, the trees module already imported. "
          "The ROMFS image is written by `microlearn deploy --romfs`'s writer into each board's ROMFS partition "
          "(docs/rig.md); the RAM file lives in the rig's RAM filesystem as a file on a board's flash "
          "filesystem would be read into RAM.\n")
    print(f"Goal (issue 12): ≤ 1 KiB ({RAM_BOUND:,} bytes) after load on a port that maps files, and no transient "
          "double copy: the load from /rom must succeed with 1 KiB of contiguous free heap, the load from RAM with "
          "the file's size plus 1 KiB (every other hole of the heap filled first).\n")
    print("Heap needed = the smallest contiguous free heap in which the load succeeds (binary search to 16 bytes, "
          "every other hole of 32 bytes or more filled first, so the smallest allocations may still land in what is left): the peak of the load, transient copies included.\n")
    print("| target | heap after load from /rom (bytes) | heap needed to load from /rom | after load from a file in RAM "
          "| needed to load from RAM | /rom load fits in 1 KiB free | predictions = scikit-learn |")
    print("|---|---:|---:|---:|---:|---|---|")
    print("\n".join(lines))
    print("\nBefore ROMFS files were used in place, `load('/rom/rf10.mlm')` read the file into RAM like any other: "
          "9,664 bytes after load on the Cortex-M3 and 9,552 bytes of heap needed (measured by hand with the earlier "
          "device package). Boards whose "
          "firmware has ROMFS: docs/deploy.md.")


if __name__ == "__main__":
    main()
