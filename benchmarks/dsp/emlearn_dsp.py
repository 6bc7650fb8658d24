"""emlearn-micropython's DSP modules (emlearn_fft, emlearn_iir, emlearn_iir_q15)
beside microlearn.dsp, on the input of bench_dsp.py: .mpy bytes, RAM to import
on the emulated Cortex-M3 and M0, and the max error of one call's output
against a float64 reference (numpy, scipy.signal.sosfilt), ours and theirs.

    .venv/bin/python benchmarks/dsp/emlearn_dsp.py [--targets unix,cortex-m3,cortex-m0] [--json out.json]

Their modules are rebuilt from a snapshot of their repository by
benchmarks/emlearn_mp.py (absent without it). Their q15 IIR copies 6 * n_stages
coefficients into a buffer allocated for n_stages (iir_filter.c, `new`): it is
measured as is, in both orders a program may take (the input array made after
the filter, or before), and with that allocation fixed, which is the build
bench_dsp.py counts.

Errors: q15 outputs in LSB (the input is q15 integers, the reference is the
float64 filter of those integers); float outputs relative to the reference's peak.
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np
from scipy import signal

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(ROOT / "python"), str(ROOT / "benchmarks")]

import emlearn_mp  # noqa: E402
from microlearn.rig.run import run  # noqa: E402
from microlearn.rig.targets import get_target  # noqa: E402

N = 1024
# bench_dsp.py's low-pass, scipy butter(4, 0.1, output="sos"), as its SETUP writes it.
SOS = [[0.00041659920440659937, 0.0008331984088131987, 0.00041659920440659937, 1.0, -1.4796742169311934,
        0.5558215432824889],
       [1.0, 2.0, 1.0, 1.0, -1.7009643319435257, 0.7884997398152979]]
MODULES = ("emlearn_fft", "emlearn_iir", "emlearn_iir_q15")

# One script per contender (a crash takes only its own row). Inputs as bench_dsp.py's SETUP makes them.
COMMON = f"""
import array, math
N = {N}
SOS = {SOS!r}
sos_flat = array.array("f", [v for row in SOS for v in row])
x = array.array("f", [math.sin(0.05 * i) + 0.3 * math.sin(0.71 * i) for i in range(N)])
def save(a, name="out.bin"):
    with open(name, "wb") as f:
        f.write(bytes(a))
save(x, "x.bin")
"""
SCRIPTS = {
    # q15 IIR, one call on 1024 samples
    "microlearn SOS q15": ("q15", "from microlearn import dsp\nf = dsp.SOS(SOS, q15=True)\n"
                           "bq = array.array('h', [int(v * 8000) for v in x]); save(bq, 'in.bin')\nf.process(bq)\nsave(bq)"),
    "microlearn SOS q15 fast": ("q15", "from microlearn import dsp\nf = dsp.SOS(SOS, q15=True, fast=True)\n"
                                "bq = array.array('h', [int(v * 8000) for v in x]); save(bq, 'in.bin')\nf.process(bq)\nsave(bq)"),
    "emlearn-micropython emlearn_iir_q15, as is, new() then the input array":
        ("q15", "import emlearn_iir_q15 as m\nf = m.new(m.convert_coefficients(sos_flat))\n"
                "bq = array.array('h', [int(v * 8000) for v in x]); save(bq, 'in.bin')\nf.run(bq)\nsave(bq)"),
    "emlearn-micropython emlearn_iir_q15, as is, the input array then new()":
        ("q15", "import emlearn_iir_q15 as m\nbq = array.array('h', [int(v * 8000) for v in x]); save(bq, 'in.bin')\n"
                "f = m.new(m.convert_coefficients(sos_flat))\nf.run(bq)\nsave(bq)"),
    "emlearn-micropython emlearn_iir_q15, allocation fixed":
        ("q15", "import emlearn_iir_q15 as m\nf = m.new(m.convert_coefficients(sos_flat))\n"
                "bq = array.array('h', [int(v * 8000) for v in x]); save(bq, 'in.bin')\nf.run(bq)\nsave(bq)"),
    # float IIR
    "microlearn SOS float32": ("sos", "from microlearn import dsp\nb = array.array('f', x)\n"
                               "dsp.SOS(SOS).process(b)\nsave(b)"),
    "emlearn-micropython emlearn_iir": ("sos", "import emlearn_iir\nb = array.array('f', x)\n"
                                        "emlearn_iir.new(sos_flat).run(b)\nsave(b)"),
    # complex FFT, 1024 points
    "microlearn FFT(1024).forward": ("fft", "from microlearn import dsp\n"
                                     "b = array.array('f', [x[i // 2] if i % 2 == 0 else 0.0 for i in range(2 * N)])\n"
                                     "dsp.FFT(N).forward(b)\nsave(b)"),
    "emlearn-micropython emlearn_fft FFT(1024).run": ("fft", "import emlearn_fft\nf = emlearn_fft.FFT(N)\n"
                                                      "emlearn_fft.fill(f, N)\nre = array.array('f', x)\n"
                                                      "im = array.array('f', bytes(4 * N))\nf.run(re, im)\n"
                                                      "save(re + im)"),
}


def reference(kind, files):
    """float64 output for the input the script saved (x.bin; in.bin: the q15 integers)."""
    if kind == "q15":
        return signal.sosfilt(np.array(SOS), np.frombuffer(files["in.bin"], np.int16).astype(np.float64))
    x = np.frombuffer(files["x.bin"], np.float32).astype(np.float64)
    if kind == "sos":
        return signal.sosfilt(np.array(SOS), x)
    return np.fft.fft(x)


def error(kind, name, files):
    ref, raw = reference(kind, files), files["out.bin"]
    if kind == "q15":
        return float(np.max(np.abs(np.frombuffer(raw, np.int16).astype(np.float64) - ref)))
    y = np.frombuffer(raw, np.float32).astype(np.float64)
    if kind == "fft":
        y = y[0::2] + 1j * y[1::2] if name.startswith("microlearn") else y[:N] + 1j * y[N:]
    return float(np.max(np.abs(y - ref)) / np.max(np.abs(ref)))


def coefficients_only():
    """Max error (LSB) of a float64 filter with emlearn_iir_q15.convert_coefficients' coefficients
    (Q13, scale 8191, truncated by int()), on the unix port's input: what its coefficients alone cost."""
    sos = np.array(SOS)
    q = sos.copy()
    q[:, [0, 1, 2]] = np.trunc(sos[:, [0, 1, 2]].astype(np.float32) * 8191) / 8192
    q[:, [4, 5]] = -np.trunc(-sos[:, [4, 5]].astype(np.float32) * 8191) / 8192
    i = np.arange(N)
    x = np.trunc((np.sin(0.05 * i) + 0.3 * np.sin(0.71 * i)).astype(np.float32) * np.float32(8000)).astype(np.float64)
    return float(np.max(np.abs(signal.sosfilt(q, x) - signal.sosfilt(sos, x))))


def measure(targets):
    """{"build": {arch: {"mpy", "failed"}}, "commit", "cmsis_dsp", "ram": {board: {module: bytes}},
    "errors": {target: {name: max error | "crashed: ..." | "absent: ..."}}} or {"absent": why}."""
    from microlearn.rig import paths
    res = {"build": {}, "ram": {}, "errors": {}, "coefficients_only": coefficients_only()}
    libs = {}
    for t in targets:
        arch = get_target(t).arch
        if arch not in libs:
            b, fixed = emlearn_mp.build(arch, modules=MODULES), emlearn_mp.build(arch, True, ("emlearn_iir_q15",))
            if "absent" in b:
                return b
            res["commit"], res["cmsis_dsp"] = b["commit"], b["cmsis_dsp"]
            res["build"][arch] = {"mpy": b["mpy"], "failed": b["failed"], "fixed_mpy": fixed["mpy"]}
            libs[arch] = (b["lib"], fixed["lib"])
        lib, fixed_lib = libs[arch]
        if t in ("cortex-m3", "cortex-m0"):
            res["ram"][t] = {m: emlearn_mp.import_ram(t, lib, m) for m in res["build"][arch]["mpy"]}
        ours = paths.build_dir() / "bench-dsp" / arch / "lib"  # bench_dsp.py's build of microlearn.dsp
        if not ours.exists():
            ours = paths.device_lib(arch)
        res["errors"][t] = {}
        for name, (kind, body) in SCRIPTS.items():
            d = [ours] if name.startswith("microlearn") else [fixed_lib if "fixed" in name else lib]
            module = None if name.startswith("microlearn") else name.split()[1].rstrip(",")
            if module and not (d[0] / f"{module}.mpy").exists():
                res["errors"][t][name] = "absent: " + res["build"][arch]["failed"].get(module, "not built")
                continue
            r = run(t, COMMON + body + "\n", lib_dir=d, fetch=["out.bin", "x.bin", "in.bin"], timeout=300)
            if r.returncode != 0 or "out.bin" not in r.files:
                last = (r.output.strip().splitlines() or ["no output"])
                why = "HardFault" if any("HardFault" in ln for ln in last) else last[-1][:80]
                res["errors"][t][name] = f"crashed: {why}"
            else:
                res["errors"][t][name] = error(kind, name, r.files)
            print(f"{t:10s} {name:70s} {res['errors'][t][name]}", file=sys.stderr, flush=True)
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--targets", default="unix,cortex-m3,cortex-m0")
    ap.add_argument("--json", help="also write the results here")
    a = ap.parse_args()
    res = measure(a.targets.split(","))
    out = json.dumps(res, indent=1, default=str)
    print(out)
    if a.json:
        Path(a.json).write_text(out)


if __name__ == "__main__":
    main()
