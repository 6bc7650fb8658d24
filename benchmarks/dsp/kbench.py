"""Kernel-only DSP instructions: microlearn's C API against ARM's CMSIS-DSP, one
library call between two markers (kbench.c), both built at -Os with MicroPython's
dynruntime flags into one native module, counted on the emulated Cortex-M4F, M3
and M0 (and microlearn alone on the unix port, callgrind), with each output's
error against a float64 reference and each kernel's code bytes.

    .venv/bin/python benchmarks/dsp/kbench.py [--targets cortex-m4f,cortex-m3,cortex-m0,unix]
        [--cmsis-dsp DIR --cmsis-core DIR] [--baseline COMMIT] [--json out.json] [--markdown out.md]

--baseline COMMIT also counts microlearn's kernels built from that commit's
headers (git archive), as a "before" column.

CMSIS-DSP is not part of this repository. DIR is a checkout of
github.com/ARM-software/CMSIS-DSP (and of github.com/ARM-software/CMSIS_6 for the
core headers) or a bare git directory of one (exported into build/contenders/);
defaults: $CMSIS_DSP / $CMSIS_CORE, else build/contenders/CMSIS-DSP and
build/contenders/CMSIS_6. Without them the CMSIS columns say "absent" and only
microlearn is measured.
"""
import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from scipy import signal

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "python"))

from microlearn.rig import build, paths  # noqa: E402
from microlearn.rig.count import count  # noqa: E402
from microlearn.rig.targets import get_target  # noqa: E402

N, TAPS, DECIM = 1024, 32, 4

# name, CMSIS-DSP function, output kind (f32 / q15), kernel index in kbench.c
KERNELS = [
    ("real FFT f32", "arm_rfft_fast_f32", "f32"),
    ("complex FFT f32", "arm_cfft_f32", "f32"),
    ("real FFT q15", "arm_rfft_q15", "q15"),
    ("complex FFT q15", "arm_cfft_q15", "q15"),
    ("SOS f32, 2 sections", "arm_biquad_cascade_df2T_f32", "f32"),
    ("SOS q15, 2 sections", "arm_biquad_cascade_df1_q15", "q15"),
    ("FIR f32, 32 taps, decimate 4", "arm_fir_decimate_f32", "f32"),
    ("FIR f32, 32 taps", "arm_fir_f32", "f32"),
    ("FIR q15, 32 taps, decimate 4", "arm_fir_decimate_q15", "q15"),
    ("FIR q15, 32 taps", "arm_fir_q15", "q15"),
    ("SOS q15 fast, 2 sections", "arm_biquad_cascade_df1_q15", "q15"),  # sos_q15_fast_*
]

FAST_SOS = 10  # added after the baseline commits report.py compares with: no "before" for it

# The low-pass of the MicroPython benchmark (bench_dsp.py): scipy butter(4, 0.1, output="sos").
SOS = signal.butter(4, 0.1, output="sos")
FIR_H = signal.firwin(TAPS, 0.2)
CMSIS_SOS_POST_SHIFT = 1  # q15 coefficients in Q14 (|a1| > 1; b1 = 2 saturates to 2 - 2^-14)

SCRIPT = """
import array, _kbench
def load(name, tc, n):
    a = array.array(tc, bytes(n * (4 if tc == "f" else 2)))
    with open(name, "rb") as f:
        f.readinto(a)
    return a
xf = load("xf.bin", "f", {n})
xq = load("xq.bin", "h", {n})
cf = load("cf.bin", "f", {ncf})
cq = load("cq.bin", "h", {ncq})
work = array.array("d", bytes(16 * {n}))
out = array.array("{tc}", bytes(4 * (2 * {n} + 2)))
k = _kbench.run({kernel}, {lib}, xf, xq, cf, cq, {shift}, work, out)
with open("out.bin", "wb") as f:
    f.write(bytes(out)[:k * {isz}])
"""


def signal_in():
    i = np.arange(N)
    x = 0.45 * np.sin(0.05 * i) + 0.25 * np.sin(0.71 * i) + 0.15 * np.sin(0.002 * i * i)
    xf = x.astype(np.float32)
    xq = np.round(xf.astype(np.float64) * 32768).astype(np.int16)
    return xf, xq


def q15(v):
    return np.clip(np.round(np.asarray(v) * 32768), -32768, 32767).astype(np.int16)


def coefficients(kernel, lib):
    """(float coefficients, q15 coefficients) in the layout library lib expects."""
    dummy_q = np.zeros(12, np.int16)
    if kernel in (4, 5, 10):
        if lib == 0:
            return SOS.astype(np.float32).ravel(), dummy_q
        # CMSIS: per stage b0 b1 b2 -a1 -a2 (f32), b0 0 b1 b2 -a1 -a2 in Q(15 - postShift) (q15)
        f = np.array([[r[0], r[1], r[2], -r[4], -r[5]] for r in SOS], np.float32).ravel()
        s = 2.0 ** (15 - CMSIS_SOS_POST_SHIFT)
        q = np.array([[r[0] * s, 0, r[1] * s, r[2] * s, -r[4] * s, -r[5] * s] for r in SOS])
        return np.pad(f, (0, 7)), np.clip(np.round(q), -32768, 32767).astype(np.int16).ravel()
    if 6 <= kernel <= 9:
        if lib == 0:
            return FIR_H.astype(np.float32), dummy_q
        rev = FIR_H[::-1]  # CMSIS takes the taps time-reversed
        return rev.astype(np.float32), q15(rev)
    return np.zeros(12, np.float32), dummy_q


def reference(kernel, lib, xf, xq):
    """float64 reference output, in the output's units (q15: LSB of the q15 output)."""
    x = xf.astype(np.float64)
    xs = xq.astype(np.float64) / 32768
    if kernel == 0:
        return np.fft.rfft(x)
    if kernel == 1:
        return np.fft.fft(x)
    if kernel == 2:
        return np.fft.rfft(xs) / N * 32768
    if kernel == 3:
        return np.fft.fft(xs) / N * 32768
    if kernel == 4:
        return signal.sosfilt(SOS, x)
    if kernel in (5, 10):
        return signal.sosfilt(SOS, xs) * 32768
    y = signal.lfilter(FIR_H, 1.0, x if kernel in (6, 7) else xs)
    if kernel in (8, 9):
        y = y * 32768
    if kernel in (6, 8):  # both keep samples 0, D, 2D, ...
        y = y[0::DECIM]
    return y


def as_output(kernel, lib, raw):
    """The library's output as the reference's shape (complex bins for FFTs)."""
    y = raw.astype(np.float64)
    if kernel in (0, 2):  # real FFTs: bins 0 .. N/2
        if lib == 1 and kernel == 0:  # CMSIS packs X[N/2].re into X[0].im
            z = np.empty(N // 2 + 1, complex)
            z[0], z[N // 2] = y[0], y[1]
            z[1:N // 2] = y[2:N:2] + 1j * y[3:N:2]
            return z
        return y[0:N + 2:2] + 1j * y[1:N + 2:2]
    if kernel in (1, 3):
        return y[0::2] + 1j * y[1::2]
    return y


def error(kernel, lib, raw, xf, xq):
    """Max error: q15 outputs in LSB of the output; float outputs relative to the reference's peak."""
    ref = reference(kernel, lib, xf, xq)
    y = as_output(kernel, lib, raw)
    if y.shape != ref.shape:
        raise SystemExit(f"{KERNELS[kernel][0]}: {len(y)} outputs, expected {len(ref)}")
    e = np.max(np.abs(y - ref))
    return float(e if KERNELS[kernel][2] == "q15" else e / np.max(np.abs(ref)))


def make(args, what, cwd=None):
    proc = subprocess.run(args, capture_output=True, text=True, cwd=cwd)
    if proc.returncode != 0:
        raise SystemExit(f"building {what} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def cmsis_tree(given, env, default, probe):
    """A source tree holding probe, from a checkout or a bare git directory; None if absent."""
    p = Path(given or os.environ.get(env) or default).resolve()
    if (p / probe).exists():
        return p
    if (p / "HEAD").exists() and (p / "objects").exists():  # bare git directory: export it
        out = paths.build_dir() / "contenders" / p.parent.name
        if not (out / probe).exists():
            out.mkdir(parents=True, exist_ok=True)
            top = probe.split("/")[0]
            tops = ["Include", "PrivateInclude", "Source"] if top == "Include" else [top]
            archive = subprocess.run(["git", f"--git-dir={p}", "archive", "HEAD", *tops], capture_output=True, check=True)
            subprocess.run(["tar", "-x", "-C", str(out)], input=archive.stdout, check=True)
        return out
    return None


def baseline_include(commit):
    """microlearn's headers at commit, exported under build/kbench-dsp/baseline-<commit>/include."""
    rev = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", commit], capture_output=True, text=True,
                         check=True).stdout.strip()
    out = paths.build_dir() / "kbench-dsp" / f"baseline-{rev}"
    if not (out / "include").exists():
        out.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "include"], capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(out)], input=archive.stdout, check=True)
    return rev, out / "include"


ENGINE_FLAGS = ""  # --engine-flags


def build_kbench(arch, cmsis, kernels=0x7FF, microlearn=True, link=True, baseline=None):
    """Builds _kbench for arch; returns (lib dir, bytes of text + data of the pre-linked object).
    baseline: (name, include dir) to build microlearn from other headers."""
    mp = build.fetch_source()
    tag = f"{kernels:03x}-{int(microlearn)}-{int(cmsis is not None)}" + (f"-{baseline[0]}" if baseline else "")
    if ENGINE_FLAGS:
        tag += "-" + "".join(ch if ch.isalnum() else "_" for ch in ENGINE_FLAGS)
    out = paths.build_dir() / "kbench-dsp" / arch / tag
    obj = out / "obj"
    args = ["make", "-s", "-f", str(HERE / "kbench.mk"), f"ARCH={arch}", f"MPY_DIR={mp}", f"BUILD={obj}",
            f"PYTHON={build._python_for_mpy_ld()}",
            f"CFLAGS_EXTRA_KBENCH=-DKBENCH_KERNELS={kernels} -DKBENCH_MICROLEARN={int(microlearn)}"]
    if cmsis is not None:
        args += [f"CMSIS_DSP={cmsis[0]}", f"CMSIS_CORE={cmsis[1]}"]
    if baseline is not None:
        args.append(f"ML_INCLUDE={baseline[1]}")
    if ENGINE_FLAGS:
        args.append(f"ENGINE_FLAGS={ENGINE_FLAGS}")
    out.mkdir(parents=True, exist_ok=True)
    make(args + ([] if link else [str(obj / "linked.o")]), f"_kbench for {arch}", cwd=out)
    cross = "" if arch == "x64" else "arm-none-eabi-"
    text, data = make([f"{cross}size", str(obj / "linked.o")], "size").splitlines()[1].split()[:2]
    if link:
        (out / "lib").mkdir(exist_ok=True)
        os.replace(out / "_kbench.mpy", out / "lib" / "_kbench.mpy")
    return out / "lib", int(text) + int(data)


def code_bytes(arch, cmsis):
    """Per kernel: code + constant bytes each library adds to an empty module (gc-sections)."""
    base = build_kbench(arch, None, kernels=0, microlearn=False, link=False)[1]
    res = {}
    for k in range(len(KERNELS)):
        ml = build_kbench(arch, None, kernels=1 << k, link=False)[1] - base
        cm = build_kbench(arch, cmsis, kernels=1 << k, microlearn=False, link=False)[1] - base if cmsis else None
        res[k] = (ml, cm)
    ml_all = build_kbench(arch, None, link=False)[1] - base
    cm_all = build_kbench(arch, cmsis, microlearn=False, link=False)[1] - base if cmsis else None
    return res, (ml_all, cm_all)


def run_one(target, lib_dir, kernel, lib, xf, xq):
    cf, cq = coefficients(kernel, lib)
    tc, isz = ("h", 2) if KERNELS[kernel][2] == "q15" else ("f", 4)
    script = SCRIPT.format(n=N, ncf=len(cf), ncq=len(cq), tc=tc, isz=isz, kernel=kernel, lib=lib,
                           shift=CMSIS_SOS_POST_SHIFT)
    files = {"xf.bin": xf.tobytes(), "xq.bin": xq.tobytes(), "cf.bin": cf.astype(np.float32).tobytes(),
             "cq.bin": cq.astype(np.int16).tobytes()}
    r = count(target, script, files=files, lib_dir=lib_dir, fetch=["out.bin"], timeout=600)
    raw = np.frombuffer(r.files["out.bin"], np.int16 if tc == "h" else np.float32)
    return r.instructions, error(kernel, lib, raw, xf, xq)


def fmt(v, spec=",.0f"):
    return "absent" if v is None else format(v, spec)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--targets", default="cortex-m4f,cortex-m3,cortex-m0,unix")
    ap.add_argument("--only", help="comma-separated kernel indices (0-10)")
    ap.add_argument("--cmsis-dsp")
    ap.add_argument("--cmsis-core")
    ap.add_argument("--no-sizes", action="store_true", help="skip the code-size builds")
    ap.add_argument("--baseline", help="also count microlearn built from this commit's headers")
    ap.add_argument("--engine-flags", default="", help="extra compiler flags for microlearn's engine")
    ap.add_argument("--json", help="also write the results here")
    ap.add_argument("--markdown", help="also write the tables here")
    a = ap.parse_args()
    global ENGINE_FLAGS
    ENGINE_FLAGS = a.engine_flags
    build_dir = paths.build_dir() / "contenders"
    dsp_dir = cmsis_tree(a.cmsis_dsp, "CMSIS_DSP", build_dir / "CMSIS-DSP", "Include/arm_math.h")
    core_dir = cmsis_tree(a.cmsis_core, "CMSIS_CORE", build_dir / "CMSIS_6", "CMSIS/Core/Include/cmsis_compiler.h")
    cmsis = (dsp_dir, core_dir) if dsp_dir and core_dir else None
    if cmsis is None:
        print("CMSIS-DSP snapshot absent (pass --cmsis-dsp/--cmsis-core): its columns are skipped", file=sys.stderr)
    kernels = [int(k) for k in a.only.split(",")] if a.only else list(range(len(KERNELS)))
    xf, xq = signal_in()
    base = baseline_include(a.baseline) if a.baseline else None
    results = {"cmsis": cmsis is not None, "baseline": base[0] if base else None, "targets": {}}
    for t in a.targets.split(","):
        arch = get_target(t).arch
        with_cmsis = cmsis if arch != "x64" else None  # CMSIS-DSP's Cortex-M build only
        lib_dir, _ = build_kbench(arch, with_cmsis)
        base_dir = build_kbench(arch, None, baseline=base)[0] if base else None
        if a.no_sizes:
            sizes, totals = {k: (0, None) for k in range(len(KERNELS))}, (0, None)
        else:
            sizes, totals = code_bytes(arch, with_cmsis)
        rows = {}
        for k in kernels:
            ml = run_one(t, lib_dir, k, 0, xf, xq)
            cm = run_one(t, lib_dir, k, 1, xf, xq) if with_cmsis else (None, None)
            before = run_one(t, base_dir, k, 0, xf, xq) if base and k != FAST_SOS else (None, None)
            rows[KERNELS[k][0]] = {"microlearn": ml[0], "microlearn_error": ml[1], "cmsis": cm[0], "cmsis_error": cm[1],
                                   "microlearn_bytes": sizes[k][0], "cmsis_bytes": sizes[k][1],
                                   "before": before[0], "before_error": before[1]}
            print(f"{t:10s} {KERNELS[k][0]:30s} {ml[0]:>10,} {fmt(cm[0]):>10} err {ml[1]:.3g} / {fmt(cm[1], '.3g')}",
                  file=sys.stderr, flush=True)
        results["targets"][t] = {"arch": arch, "kernels": rows, "total_bytes": {"microlearn": totals[0], "cmsis": totals[1]}}
    md = markdown(results)
    print(md)
    if a.json:
        Path(a.json).write_text(json.dumps(results, indent=1))
    if a.markdown:
        Path(a.markdown).write_text(md)


def markdown(results):
    lines = []
    for t, r in results["targets"].items():
        lines.append(f"\n**{t}** ({r['arch']}): instructions per call (1024 samples), max error "
                     "(q15: LSB of the output; float: relative to the output's peak), code + constant bytes\n")
        before = results.get("baseline")
        lines.append("| kernel | CMSIS-DSP | instructions | microlearn | ratio | error CMSIS | error microlearn "
                     "| bytes CMSIS | bytes microlearn |" + (f" microlearn at {before} | error at {before} |" if before else ""))
        lines.append("|---|---|---:|---:|---:|---:|---:|---:|---:|" + ("---:|---:|" if before else ""))
        for (name, fn, _), k in zip(KERNELS, range(len(KERNELS))):
            v = r["kernels"].get(name)
            if v is None:
                continue
            ratio = None if v["cmsis"] is None else v["microlearn"] / v["cmsis"]
            lines.append(f"| {name} | `{fn}` | {fmt(v['cmsis'])} | {v['microlearn']:,} | {fmt(ratio, '.2f')} "
                         f"| {fmt(v['cmsis_error'], '.3g')} | {v['microlearn_error']:.3g} "
                         f"| {fmt(v['cmsis_bytes'])} | {v['microlearn_bytes']:,} |"
                         + (f" {fmt(v['before'])} | {fmt(v['before_error'], '.3g')} |" if before else ""))
        tb = r["total_bytes"]
        lines.append(f"| all eleven | | | | | | | {fmt(tb['cmsis'])} | {tb['microlearn']:,} |" + (" | |" if before else ""))
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
