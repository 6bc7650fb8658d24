"""RAM of microlearn on the emulated Cortex-M3: native modules (.mpy, code copied
into the heap) vs compiled into the firmware (code in flash, package frozen).

    .venv/bin/python benchmarks/firmware/ram.py

prints a Markdown table (docs/benchmarks.md, docs/firmware.md): bytes of GC heap
in use after `import microlearn`, then after importing the trees module and the
DSP module, on the targets cortex-m3 (natmods from build/device/armv7m) and
cortex-m3-builtin; and each firmware's flash (text + data) and static RAM (data +
bss without the GC heap: the compiled-in families' types and globals live there).
"""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "python"))

from microlearn.rig import build, firmware, run  # noqa: E402
from microlearn.rig.targets import QEMU_HEAP_SIZE as HEAP  # noqa: E402  (in bss: the GC heap)

SCRIPT = """
import gc
gc.collect()
base = gc.mem_alloc()
import microlearn
gc.collect()
package = gc.mem_alloc()
from microlearn import _trees
gc.collect()
trees = gc.mem_alloc()
from microlearn import dsp
# each loads its part on first use: _fft, _fft_q15, _filters, _filters_q15, _sos_fast, _spectral
sos = [[0.2, 0.4, 0.2, 1.0, -0.3, 0.1]]
dsp.RFFT(64); dsp.RFFTQ15(64); dsp.FIR([0.5, 0.5]); dsp.FIR([0.5, 0.5], q15=True)
dsp.SOS(sos, q15=True, fast=True); dsp.DCT(8)
del sos
gc.collect()
both = gc.mem_alloc()
print("RAM", package - base, trees - package, both - trees, both - base)
"""


def measure(target: str):
    res = run(target, SCRIPT)
    if res.returncode != 0:
        raise SystemExit(f"{target}: {res.output}")
    line = next(l for l in res.output.splitlines() if l.startswith("RAM "))
    return [int(v) for v in line.split()[1:]]


def sizes(elf: Path):
    """(flash: text + data, static RAM: data + bss) of a firmware."""
    out = subprocess.run(["arm-none-eabi-size", str(elf)], capture_output=True, text=True, check=True).stdout
    text, data, bss = (int(v) for v in out.splitlines()[1].split()[:3])
    return text + data, data + bss


def main():
    natmods = measure("cortex-m3")
    builtin = measure("cortex-m3-builtin")
    plain_flash, plain_static = sizes(build.build_qemu("MPS2_AN385"))
    ml_flash, ml_static = sizes(firmware.build_qemu_builtin("MPS2_AN385"))
    print("| heap in use after (bytes) | natmods (cortex-m3) | compiled in (cortex-m3-builtin) | saved |")
    print("|---|---:|---:|---:|")
    for label, a, b in zip(("`import microlearn`", "+ `from microlearn import _trees`",
                            "+ `from microlearn import dsp`, one object of each DSP part", "all three"), natmods, builtin):
        print(f"| {label} | {a:,} | {b:,} | {a - b:,} |")
    print()
    print("| firmware (bytes) | plain | microlearn compiled in | difference |")
    print("|---|---:|---:|---:|")
    print(f"| flash (text + data) | {plain_flash:,} | {ml_flash:,} | +{ml_flash - plain_flash:,} |")
    print(f"| static RAM (data + bss, heap excluded) | {plain_static - HEAP:,} | {ml_static - HEAP:,} | "
          f"+{ml_static - plain_static:,} |")


if __name__ == "__main__":
    main()
