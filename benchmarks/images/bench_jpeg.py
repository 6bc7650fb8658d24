"""microlearn.jpeg's cost on the device: .mpy bytes per architecture, RAM to
import on the emulated Cortex-M3, working-area bytes, and instructions to
decode (between the rig's markers, buffers allocated before) on unix (x64,
callgrind), Cortex-M0, M3 and M4F (QEMU). docs/images.md shows the figures.

    .venv/bin/python benchmarks/images/bench_jpeg.py
"""
import io
import sys
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "python"))
from jpeg_files import cjpeg, photo  # noqa: E402

from microlearn.rig import build  # noqa: E402
from microlearn.rig.count import count  # noqa: E402
from microlearn.rig.run import run  # noqa: E402

TARGETS = {"unix": "x64", "cortex-m0": "armv6m", "cortex-m3": "armv7m", "cortex-m4f": "armv7emsp"}


def images():
    """name -> (file bytes, scale, channels): what a camera board feeds a small CNN."""
    ph = photo(192, 192, 0, (150, 100))
    digit = Image.fromarray(np.asarray(photo(28, 28, 1, (300, 200)).convert("L")))
    return {
        "96x96 RGB 4:2:0 q75 -> RGB": (cjpeg(ph.resize((96, 96)), 75, "2x2,1x1,1x1"), 1, 3),
        "96x96 RGB 4:2:0 q75 -> L": (cjpeg(ph.resize((96, 96)), 75, "2x2,1x1,1x1"), 1, 1),
        "28x28 grayscale q90 -> L": (cjpeg(digit, 90, gray=True), 1, 1),
        "192x192 RGB 4:2:0 q75 at 1/2 -> 96x96 RGB": (cjpeg(ph, 75, "2x2,1x1,1x1"), 2, 3),
    }


SCRIPT = """
import _markers
from microlearn import _jpeg
data = open('in.jpg', 'rb').read()
w, h, c, need = _jpeg.info(data, SCALE)
out = bytearray(-(-w // SCALE) * -(-h // SCALE) * CH)
work = bytearray(need)
_markers.start()
_jpeg.decode(data, SCALE, CH, out, work)
_markers.stop()
print('work', need)
"""

IMPORT_RAM = """
import gc
gc.collect()
a = gc.mem_alloc()
from microlearn import jpeg, _jpeg
gc.collect()
print('import', gc.mem_alloc() - a)
"""


def main():
    print("| arch | `_jpeg.mpy` | `jpeg.mpy` + `_image.mpy` |")
    print("|---|---|---|")
    for target, arch in TARGETS.items():
        lib = Path(build.build_natmods(arch)) / "microlearn"
        py = (lib / "jpeg.mpy").stat().st_size + (lib / "_image.mpy").stat().st_size
        print(f"| {arch} | {(lib / '_jpeg.mpy').stat().st_size:,} | {py:,} |")
    res = run("cortex-m3", IMPORT_RAM, lib_dir=build.build_natmods("armv7m"))
    print("\nRAM to import microlearn.jpeg + _jpeg on the Cortex-M3:", res.output.strip())
    print("\n| image | work bytes | " + " | ".join(TARGETS) + " |")
    print("|---|---|" + "---|" * len(TARGETS))
    for name, (data, scale, ch) in images().items():
        script = SCRIPT.replace("SCALE", str(scale)).replace("CH", str(ch))
        cells, work = [], ""
        for target, arch in TARGETS.items():
            r = count(target, script, files={"in.jpg": data}, lib_dir=build.build_natmods(arch))
            work = r.output.split()[-1]
            cells.append(f"{r.instructions:,}")
        print(f"| {name} ({len(data):,} B file) | {int(work):,} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
