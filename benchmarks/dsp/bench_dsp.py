"""Instructions per call of microlearn.dsp against emlearn's eml_fft / eml_iir and
against pure MicroPython, on the unix port (callgrind) and the emulated Cortex-M3 /
Cortex-M0 (QEMU instruction counting). See README.md.

    .venv/bin/python benchmarks/dsp/bench_dsp.py [--targets unix,cortex-m3,cortex-m0] [--json out.json]

Per call = (count(N2 calls) - count(N1 calls)) / (N2 - N1), each count taken between
the rig's start/stop markers after a warm-up call and gc.collect(), so marker and
set-up costs cancel; the MicroPython loop and call overhead (~400-700 instructions,
reported as "empty loop") stays in, as it does in a real program.
"""
import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "python"))

from microlearn.rig import build, paths  # noqa: E402
from microlearn.rig.count import count  # noqa: E402
from microlearn.rig.targets import get_target  # noqa: E402

SETUP = """
import array, gc, math
from microlearn import dsp
import _markers
try:
    import _emlbench
except ImportError:
    _emlbench = None
N = 1024
x = array.array("f", [math.sin(0.05 * i) + 0.3 * math.sin(0.71 * i) for i in range(N)])
out = array.array("f", bytes(4 * (N + 2)))
buf = array.array("f", bytes(8 * N))
re = array.array("f", x); im = array.array("f", bytes(4 * N)); z = array.array("f", im)
bufsrc = array.array("f", [x[i // 2] if i % 2 == 0 else 0.0 for i in range(2 * N)]); buf[:] = bufsrc
cos_t = array.array("f", [math.cos(2 * math.pi * i / N) for i in range(N // 2)])
sin_t = array.array("f", [math.sin(2 * math.pi * i / N) for i in range(N // 2)])
SOS = [[0.00041659920440659937, 0.0008331984088131987, 0.00041659920440659937, 1.0, -1.4796742169311934, 0.5558215432824889],
       [1.0, 2.0, 1.0, 1.0, -1.7009643319435257, 0.7884997398152979]]
sos_flat = array.array("f", [v for row in SOS for v in row])
states = array.array("f", bytes(4 * 8))
blk = array.array("f", x)
rfft = dsp.RFFT(N)
fft = dsp.FFT(N)
rfftq = dsp.RFFTQ15(N); xq = array.array("h", [int(v * 8000) for v in x]); oq = array.array("h", bytes(2 * (N + 2)))
sos = dsp.SOS(SOS)
sosq = dsp.SOS(SOS, q15=True); bq = array.array("h", xq)
sosqf = dsp.SOS(SOS, q15=True, fast=True)
bh = array.array("f", [0.7 * v for v in x])  # a float signal in [-1, 1) for the q15 kernels' float API
fir = dsp.FIR([0.01 * (i % 7) for i in range(32)])
mfcc = dsp.Spectrogram(512, 512, output="mfcc"); mo = array.array("f", bytes(4 * 13 * 2))
feat = dsp.Features(128, 3, ["mean", "std", "min", "max", "rms", "skew", "kurtosis", "p50", ("band_energy", 1, 5)], 50)
win = array.array("f", x[:384]); fo = array.array("f", bytes(4 * feat.size()))
try:  # emlearn-micropython's modules, when built (EMLEARN_MP_CASES)
    import emlearn_fft
    efft = emlearn_fft.FFT(N); emlearn_fft.fill(efft, N)
except ImportError:
    pass
try:
    import emlearn_iir
    eiir = emlearn_iir.new(sos_flat)
except ImportError:
    pass
try:
    import emlearn_iir_q15
    eiirq = emlearn_iir_q15.new(emlearn_iir_q15.convert_coefficients(sos_flat))
except ImportError:
    pass

def py_fft(re, im, cos_t, sin_t):
    # Iterative radix-2 FFT in plain MicroPython, as a user would write it.
    n = len(re)
    j = 0
    for i in range(1, n):
        bit = n >> 1
        while j & bit:
            j ^= bit
            bit >>= 1
        j |= bit
        if i < j:
            re[i], re[j] = re[j], re[i]
            im[i], im[j] = im[j], im[i]
    size = 2
    while size <= n:
        half = size >> 1
        step = n // size
        for i in range(0, n, size):
            k = 0
            for j in range(i, i + half):
                l = j + half
                c = cos_t[k]
                s = sin_t[k]
                tre = re[l] * c + im[l] * s
                tim = im[l] * c - re[l] * s
                re[l] = re[j] - tre
                im[l] = im[j] - tim
                re[j] += tre
                im[j] += tim
                k += step
        size <<= 1

def py_sos(sos, st, x):
    for s in range(len(sos)):
        b0, b1, b2, a0, a1, a2 = sos[s]
        s1 = st[2 * s]
        s2 = st[2 * s + 1]
        for i in range(len(x)):
            v = x[i]
            o = b0 * v + s1
            s1 = b1 * v - a1 * o + s2
            s2 = b2 * v - a2 * o
            x[i] = o
        st[2 * s] = s1
        st[2 * s + 1] = s2

def run(reps):
    CALL
    gc.collect()
    _markers.start()
    for _ in range(reps):
        CALL
    _markers.stop()
"""

CASES = [
    # name, call, (N1, N2)
    ("empty loop", "pass", (10, 20)),
    ("microlearn RFFT(1024).forward", "rfft.forward(x, out)", (10, 20)),
    # In-place complex FFTs get a fresh copy of the input each call (values
    # would otherwise grow to inf, and soft float takes other paths for inf);
    # the copy alone is measured too, to subtract.
    ("copy 2 x 4 KB (subtract from the next three)", "buf[:] = bufsrc", (10, 20)),
    ("microlearn FFT(1024).forward (complex) + copy", "buf[:] = bufsrc; fft.forward(buf)", (10, 20)),
    ("emlearn eml_fft_forward 1024 (complex) + copy", "re[:] = x; im[:] = z; _emlbench.fft(re, im, cos_t, sin_t)", (10, 20)),
    ("pure MicroPython FFT 1024 (complex) + copy", "re[:] = x; im[:] = z; py_fft(re, im, cos_t, sin_t)", (1, 2)),
    ("microlearn RFFTQ15(1024).forward", "rfftq.forward(xq, oq)", (10, 20)),
    ("microlearn SOS 2 sections x 1024", "sos.process(blk)", (10, 20)),
    ("emlearn eml_iir 2 stages x 1024", "_emlbench.iir(sos_flat, states, blk)", (10, 20)),
    ("pure MicroPython SOS 2 sections x 1024", "py_sos(SOS, states, blk)", (1, 2)),
    ("microlearn SOS q15 2 sections x 1024", "sosq.process(bq)", (10, 20)),
    ("microlearn SOS q15 fast 2 sections x 1024", "sosqf.process(bq)", (10, 20)),
    ("microlearn SOS q15 on array('f') 2 sections x 1024", "sosq.process(bh)", (10, 20)),
    ("microlearn SOS q15 fast on array('f') 2 sections x 1024", "sosqf.process(bh)", (10, 20)),
    ("microlearn FIR 32 taps x 1024", "fir.process(blk)", (10, 20)),
    ("microlearn MFCC frame (n_fft 512, 40 mels, 13)", "mfcc.process(blk[:512], mo)", (10, 20)),
    ("microlearn Features 9 x 3 axes x 128", "feat.compute(win, fo)", (10, 20)),
]
# emlearn-micropython's modules (benchmarks/emlearn_mp.py builds them from a
# snapshot of its repository; "absent" without it), each after our row of the same job.
EMLEARN_MP_CASES = {
    "microlearn FFT(1024).forward (complex) + copy":
        ("emlearn-micropython emlearn_fft FFT(1024).run (complex) + copy",
         "re[:] = x; im[:] = z; efft.run(re, im)", (10, 20)),
    "microlearn SOS 2 sections x 1024":
        ("emlearn-micropython emlearn_iir 2 stages x 1024", "eiir.run(blk)", (10, 20)),
    "microlearn SOS q15 fast 2 sections x 1024":
        ("emlearn-micropython emlearn_iir_q15 2 stages x 1024 (its allocation fixed)", "eiirq.run(bq)", (10, 20)),
}
EMLEARN_MP_MODULES = ("emlearn_fft", "emlearn_iir", "emlearn_iir_q15")
CASES = [c for case in CASES for c in (case, *([EMLEARN_MP_CASES[case[0]]] if case[0] in EMLEARN_MP_CASES else []))]


def make(args, what):
    proc = subprocess.run(args, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"building {what} failed:\n{proc.stdout}\n{proc.stderr}")


def lib_for(arch):
    """microlearn's dsp module + package, and _emlbench, for one arch."""
    mp = build.fetch_source()
    build.build_mpy_cross()
    py = build._python_for_mpy_ld()
    out = paths.build_dir() / "bench-dsp" / arch
    lib = out / "lib"
    pkg = lib / "microlearn"
    make(["make", "-C", str(ROOT / "device"), f"ARCH={arch}", f"MPY_DIR={mp}", f"BUILD={out}", f"PYTHON={py}",
          *(str(pkg / f"_{m}.mpy") for m in ("fft", "fft_q15", "filters", "filters_q15", "sos_fast", "spectral")),
          str(pkg / "__init__.mpy"), str(pkg / "dsp.mpy")], f"microlearn.dsp's native modules for {arch}")
    import emlearn
    emlearn_dir = Path(emlearn.__file__).parent
    make(["make", "-C", str(HERE), f"ARCH={arch}", f"MPY_DIR={mp}", f"BUILD={out}/emlbench",
          f"EMLEARN={emlearn_dir}", f"PYTHON={py}"], f"_emlbench for {arch}")
    os.replace(HERE / "_emlbench.mpy", lib / "_emlbench.mpy")
    # emlearn-micropython's FFT and IIRs (its q15 IIR with its allocation fixed:
    # as is, it overflows its coefficient buffer, docs/benchmarks-dsp.md)
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import emlearn_mp
    for m in EMLEARN_MP_MODULES:
        (lib / f"{m}.mpy").unlink(missing_ok=True)
    b = emlearn_mp.build(arch, fixed=True, modules=EMLEARN_MP_MODULES)
    for m in b.get("mpy", {}):
        (lib / f"{m}.mpy").write_bytes((b["lib"] / f"{m}.mpy").read_bytes())
    if len(b.get("mpy", {})) != len(EMLEARN_MP_MODULES):
        print(f"emlearn-micropython for {arch}: {b.get('absent') or b['failed']}: its rows read absent",
              file=sys.stderr)
    return lib


def per_call(target, lib, call, n1, n2):
    def once(reps):
        script = SETUP.replace("CALL", call) + f"\nrun({reps})\n"
        return count(target, script, lib_dir=lib, timeout=1200).instructions
    return (once(n2) - once(n1)) / (n2 - n1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--targets", default="unix,cortex-m3,cortex-m0")
    ap.add_argument("--json", help="also write the results here")
    ap.add_argument("--only", help="comma-separated substrings of case names")
    a = ap.parse_args()
    targets = a.targets.split(",")
    cases = [c for c in CASES if not a.only or any(s in c[0] for s in a.only.split(","))]
    results = {}
    for t in targets:
        lib = lib_for(get_target(t).arch)
        results[t] = {}
        for name, call, (n1, n2) in cases:
            if name.startswith("emlearn-micropython") and not (lib / f"{name.split()[1]}.mpy").exists():
                results[t][name] = None  # its snapshot is not here, or the module did not build
                continue
            results[t][name] = per_call(t, lib, call, n1, n2)
            print(f"{t:10s} {name:48s} {results[t][name]:14,.0f}", file=sys.stderr, flush=True)
    print("| instructions per call | " + " | ".join(targets) + " |")
    print("|---|" + "---:|" * len(targets))
    for name, _, _ in cases:
        print(f"| {name} | " + " | ".join("absent" if results[t][name] is None else f"{results[t][name]:,.0f}"
                                          for t in targets) + " |")
    if a.json:
        Path(a.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
