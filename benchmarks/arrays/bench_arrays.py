"""Instructions per call: microlearn.arrays (native) vs the obvious pure-MicroPython way.

    .venv/bin/python benchmarks/arrays/bench_arrays.py [--targets cortex-m3,cortex-m0,unix] [-n 1024]

Counts come from the rig (QEMU's instruction-counting plugin on the emulated
boards, callgrind on unix): deterministic, no timing noise. Prints a Markdown table.
"""
import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARCHS = {"unix": "x64", "cortex-m3": "armv7m", "cortex-m0": "armv6m"}

SETUP = """
import array, struct, binascii, _markers
from microlearn import arrays
N = {n}
src_h = array.array('h', range(-N // 2, N - N // 2))
src_f = array.array('f', [i * 0.37 - 100 for i in range(N)])
dst_f = array.array('f', bytes(4 * N))
dst_h = array.array('h', bytes(2 * N))
raw = bytes(src_h)
blob = bytes(range(256)) * (3 * N // 256 + 1)
b64out = bytearray(4 * len(blob) // 3 + 8)
scale = 1 / 16384
"""

# name -> (pure MicroPython, native). Each body runs once between the markers.
CASES = {
    "new float array of N zeros": (
        "a = array.array('f', [0.0] * N)",
        "a = arrays.empty('f', N)"),
    "new int16 array of N x 7": (
        "a = array.array('h', [7] * N)",
        "a = arrays.full('h', N, 7)"),
    "copy int16 -> existing float array": (
        "for i in range(N):\n    dst_f[i] = src_h[i]",
        "arrays.copy(dst_f, src_h)"),
    "IMU bytes '<h' * scale -> float array": (
        "v = struct.unpack('<%dh' % N, raw)\nfor i in range(N):\n    dst_f[i] = v[i] * scale",
        "arrays.unpack(dst_f, raw, '<h', scale)"),
    "float -> int16, rounded and clamped": (
        "for i in range(N):\n    q = round(src_f[i] * 300.0)\n"
        "    dst_h[i] = -32768 if q < -32768 else 32767 if q > 32767 else q",
        "arrays.to_int(dst_h, src_f, 300.0)"),
    "int16 -> float, x * s + o": (
        "for i in range(N):\n    dst_f[i] = src_h[i] * scale + 0.5",
        "arrays.to_float(dst_f, src_h, scale, 0.5)"),
    "base64 of 3N bytes": (
        "t = binascii.b2a_base64(blob)",
        "n = arrays.b64encode(blob, b64out)"),
}


def build_lib(arch, mpy_dir):
    build = ROOT / "build" / "bench-arrays" / arch
    targets = [str(build / "lib/microlearn/_arrays.mpy"), str(build / "lib/microlearn/arrays.mpy")]
    env = dict(os.environ, PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"])
    subprocess.run(["make", "-s", "-C", str(ROOT / "device"), f"ARCH={arch}", f"MPY_DIR={mpy_dir}",
                    f"BUILD={build}", f"PYTHON={sys.executable}", *targets], check=True, env=env,
                   stdout=subprocess.DEVNULL)
    return build / "lib"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--targets", default="cortex-m3,cortex-m0")
    ap.add_argument("-n", type=int, default=1024)
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "python"))
    from microlearn.rig.count import count
    from microlearn.rig.build import fetch_source
    mpy_dir = fetch_source()
    targets = args.targets.split(",")
    rows = []
    for name, (py, native) in CASES.items():
        row = [name]
        for t in targets:
            lib = build_lib(ARCHS[t], mpy_dir)
            counts = []
            for body in (py, native):
                script = (SETUP.format(n=args.n) + "_markers.start()\n" + body + "\n_markers.stop()\n")
                counts.append(count(t, script, lib_dir=lib).instructions)
            row += [f"{counts[0]:,}", f"{counts[1]:,}", f"{counts[0] / counts[1]:.0f}x"]
        rows.append(row)
        print(name, row[1:], file=sys.stderr, flush=True)
    head = ["operation (N = %d)" % args.n]
    for t in targets:
        head += [f"{t} Python", f"{t} native", "speed-up"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows:
        print("| " + " | ".join(r) + " |")


if __name__ == "__main__":
    main()
