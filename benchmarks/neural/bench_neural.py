"""Neural networks on MicroPython: microlearn vs emlearn's eml_net (PyPI) for
the same scikit-learn MLP, and microlearn's float kernels' MACs per
instruction, on the unix port (callgrind) and the emulated Cortex-M0 / M3 /
M4F (QEMU instruction counting). Writes the tables of docs/benchmarks-neural.md:

    .venv/bin/python benchmarks/neural/bench_neural.py [--targets unix,cortex-m4f]

The MLP: MLPRegressor(hidden_layer_sizes=(64, 32), relu) on 16 features with
4 outputs (2,720 MACs), both contenders writing the 4 outputs into an
array('f'). Per call = (count(N2 rows) - count(N1 rows)) / (N2 - N1) between
the rig's markers, so the MicroPython loop and call overhead stays in (the
"empty loop" row). emlearn is built from its headers and code generator into
one native module (Makefile, emlnet.c). The kernel rows time one predict()
of single-op networks with random weights and count multiply-accumulates of
the taps inside the input.
"""
import argparse
import json
import re
import sys
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "python"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import microlearn  # noqa: E402
from microlearn.converters.neural import ir, writer  # noqa: E402
from microlearn.rig import build, paths  # noqa: E402
from microlearn.rig.count import CountError, count  # noqa: E402
from microlearn.rig.targets import get_target  # noqa: E402
import harness  # noqa: E402

N1, N2 = 4, 20
OUT = paths.build_dir() / "bench" / "neural"
D, HIDDEN, K = 16, (64, 32), 4


def fit_mlp():
    from sklearn.datasets import make_regression
    from sklearn.neural_network import MLPRegressor
    X, y = make_regression(400, D, n_targets=K, noise=0.5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = MLPRegressor(hidden_layer_sizes=HIDDEN, max_iter=300, random_state=0).fit(X[:300], y[:300])
    return est, X[300:300 + N2].astype(np.float32)


def emlearn_code(est):
    """model.h for emlnet.c: emlearn's generated C, its writable initialiser
    moved into mpy_init."""
    import emlearn
    code = emlearn.convert(est, method="inline").save(name="net")
    code = re.sub(r"static float net_buf", "float net_buf", code)
    m = re.search(r"static EmlNet net = \{ (\d+), net_layers, net_buf1, net_buf2, (\d+) \};", code)
    code = code.replace(m.group(0), f"EmlNet net;\n#define NET_N_LAYERS {m.group(1)}\n#define NET_ACTIVATIONS {m.group(2)}")
    return f"#define N_FEATURES {D}\n#define N_OUTPUTS {K}\n" + code


def kernel_graphs(rng):
    """name -> (single-op graph, MACs of the taps inside the input)."""
    T = ir.Tensor

    def dense(widths):
        t, ops, prev = {"x": T("x", (widths[0],))}, [], "x"
        for i in range(1, len(widths)):
            t[f"W{i}"] = T(f"W{i}", (widths[i], widths[i - 1]), data=rng.normal(size=(widths[i], widths[i - 1])))
            t[f"b{i}"] = T(f"b{i}", (widths[i],), data=rng.normal(size=widths[i]))
            t[f"h{i}"] = T(f"h{i}", (widths[i],))
            ops.append(ir.Op("FULLY_CONNECTED", [prev, f"W{i}", f"b{i}"], [f"h{i}"], {"activation": "relu"}))
            prev = f"h{i}"
        return ir.Graph(t, ops, ["x"], [prev]), sum(widths[i] * widths[i - 1] for i in range(1, len(widths)))

    def conv(H, C, O, k, depthwise):
        taps = (H * k - 2 * sum(range(1, k // 2 + 1))) ** 2  # (pixel, tap) pairs inside the input, 'same'
        t = {"x": T("x", (H, H, C)), "y": T("y", (H, H, C if depthwise else O))}
        shape = (1, k, k, C) if depthwise else (O, k, k, C)
        t["w"] = T("w", shape, data=rng.normal(size=shape))
        params = {"stride": (1, 1), "dilation": (1, 1), "padding": (k // 2,) * 4, "activation": "relu"}
        if depthwise:
            params["depth_multiplier"] = 1
        kind = "DEPTHWISE_CONV_2D" if depthwise else "CONV_2D"
        return ir.Graph(t, [ir.Op(kind, ["x", "w"], ["y"], params)], ["x"], ["y"]), taps * C * (1 if depthwise else O)

    return {"Dense 64-128-64-10 (relu)": dense([64, 128, 64, 10]),
            "Dense 256-256": dense([256, 256]),
            "Conv2D 12x12x8, 3x3 'same', 16 filters": conv(12, 8, 16, 3, False),
            "Conv2D 8x8x32, 3x3 'same', 32 filters": conv(8, 32, 32, 3, False),
            "Conv2D 16x16x3, 3x3 'same', 16 filters": conv(16, 3, 16, 3, False),
            "Conv2D 28x28x1, 3x3 'same', 8 filters": conv(28, 1, 8, 3, False),
            "DepthwiseConv2D 12x12x16, 3x3 'same'": conv(12, 16, 0, 3, True)}


KERNEL_SCRIPT = """
import microlearn, array, _markers
m = microlearn.load("k.mlm")
x = array.array('f', [0.25] * m.info()['n_features'])
out = array.array('f', [0] * m.info()['n_outputs'])
m.predict(x, out)
_markers.start()
m.predict(x, out)
_markers.stop()
"""
EMPTY = "import _markers\n_markers.start()\n_markers.stop()\n"


def microlearn_lib(arch):
    """The device package with only the neural modules, built by device/Makefile
    (the build users install) into the benchmark's folder, so that another
    family's build does not stand in the way."""
    out = OUT / arch / "ml"
    lib = out / "lib" / "microlearn"
    harness.make(["make", "-C", str(ROOT / "device"), f"ARCH={arch}", f"MPY_DIR={build.fetch_source()}",
                  f"BUILD={out}", f"PYTHON={build._python_for_mpy_ld()}",
                  *(str(lib / f"{m}.mpy") for m in ("_neural", "_neural_rnn", "_neural_int8", "_neural_all")),
                  str(lib / "__init__.mpy")], f"_neural* for {arch}")
    return out / "lib"


def script(contender, n, measure):
    setup = {"microlearn": "import microlearn\nm = microlearn.load(open('mlp.mlm', 'rb').read())",
             "emlearn": "import _emlnet as E", None: ""}[contender]
    call = {"microlearn": "m.predict(x, O)", "emlearn": "E.regress(x, O)", None: "None"}[contender]
    return harness.device_script(setup, call, dim=D, n=n, measure=measure, out_len=K)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--targets", default="unix,cortex-m0,cortex-m3,cortex-m4f")
    ap.add_argument("--json", help="also write the raw results here")
    a = ap.parse_args()
    targets = a.targets.split(",")
    est, X = fit_mlp()
    model = microlearn.convert(est)
    files = {"X.bin": X.tobytes(), "mlp.mlm": model.to_bytes()}
    want = est.predict(X)[:, 0]
    code = emlearn_code(est)
    kernels = {name: (microlearn.Model(writer.encode(g)), macs)
               for name, (g, macs) in kernel_graphs(np.random.default_rng(0)).items()}
    res = {"mlm_bytes": model.size, "arena": model.info["arena_bytes"],
           "weights": 4 * sum(w.size + b.size for w, b in zip(est.coefs_, est.intercepts_)), "targets": {}}
    for t in targets:
        arch = get_target(t).arch
        r = res["targets"][t] = {}
        build.build_mpy_cross()
        try:
            lib = [microlearn_lib(arch)]
            r["mpy"] = (lib[0] / "microlearn" / "_neural.mpy").stat().st_size
        except SystemExit as e:  # a broken build: its cells say so
            r["error"] = str(e).splitlines()[-1][:160]
            lib = None
        try:
            elib = [harness.emlearn_module(HERE, "_emlnet", arch, OUT / arch, "model.h", code)]
            r["emlearn_mpy"] = (elib[0] / "_emlnet.mpy").stat().st_size
        except SystemExit as e:  # e.g. armv6m: libgcc's float division has absolute relocations
            r["emlearn_error"] = [ln for ln in str(e).splitlines() if "Error" in ln][:1]
            elib = None
        r["empty"] = harness.per_call(t, lambda n, m: script(None, n, m), files, [], N1, N2)["per_call"]
        for c, l in (("microlearn", lib), ("emlearn", elib)):
            if l is None:
                r[c] = {"error": r.get("error") if c == "microlearn" else r["emlearn_error"]}
                continue
            m = harness.per_call(t, lambda n, mm: script(c, n, mm), files, l, N1, N2)
            if m.get("out") is not None:
                m["max_rel_diff"] = float(np.max(np.abs(np.asarray(m.pop("out")) - want)) / np.abs(want).max())
            r[c] = m
            print(f"{t:10s} {c:10s} {m}", file=sys.stderr, flush=True)
        if lib is not None:
            base = count(t, EMPTY, lib_dir=lib).instructions
            r["kernels"] = {}
            for name, (km, macs) in kernels.items():
                try:
                    n = count(t, KERNEL_SCRIPT, files={"k.mlm": km.to_bytes()}, lib_dir=lib).instructions - base
                    r["kernels"][name] = {"instructions": n, "macs": macs}
                except CountError as e:
                    r["kernels"][name] = {"error": str(e)[:120]}
                print(f"{t:10s} {name} {r['kernels'][name]}", file=sys.stderr, flush=True)
    if a.json:
        Path(a.json).write_text(json.dumps(res, indent=1, default=float))
    print(report(res, targets))


def report(res, targets):
    L = ["MLP: scikit-learn `MLPRegressor(hidden_layer_sizes=(64, 32))` (relu) on 16 float32 features, 4 outputs "
         f"(2,720 MACs), {N2} held-out rows. Instructions per call include the MicroPython loop and call (the "
         "\"empty loop\" row).\n",
         "| instructions per call | " + " | ".join(targets) + " |", "|---|" + "---:|" * len(targets)]
    L.append("| empty loop | " + " | ".join(f"{res['targets'][t]['empty']:,.0f}" for t in targets) + " |")
    for c, label in (("microlearn", "microlearn `predict(x, out)`"), ("emlearn", "emlearn `eml_net_regress`")):
        cells = []
        for t in targets:
            m = res["targets"][t][c]
            cells.append("does not build" if "error" in m else f"{m['per_call']:,.0f}")
        L.append(f"| {label} | " + " | ".join(cells) + " |")
    L.append("\n| | " + " | ".join(targets) + " |")
    L.append("|---|" + "---:|" * len(targets))
    for c in ("microlearn", "emlearn"):
        L.append(f"| {c}: max |output - scikit-learn| / max |scikit-learn| | " + " | ".join(
            f"{res['targets'][t][c].get('max_rel_diff', float('nan')):.1e}" for t in targets) + " |")
        L.append(f"| {c}: bytes allocated per call | " + " | ".join(
            f"{res['targets'][t][c].get('alloc', float('nan')):.0f}" for t in targets) + " |")
    L.append("| microlearn `_neural.mpy` bytes (the float32 engine this model imports; copied to RAM at import) | " + " | ".join(
        f"{res['targets'][t].get('mpy', 0):,}" for t in targets) + " |")
    L.append("| emlearn `_emlnet.mpy` bytes (code and this model's weights) | " + " | ".join(
        f"{res['targets'][t]['emlearn_mpy']:,}" if "emlearn_mpy" in res["targets"][t] else "does not build"
        for t in targets) + " |")
    if any("emlearn_error" in res["targets"][t] for t in targets):
        L.append("\nemlearn does not build for the Cortex-M0 (armv6m): its float divisions call libgcc's "
                 "`__aeabi_fdiv`, whose Thumb-1 code holds absolute relocations that a MicroPython native module "
                 "cannot link (`mpy_ld`: \"Absolute relocations not supported on ARM\"). microlearn divides only "
                 "through its own `math::divide` for that reason.")
    L.append(f"\nmicrolearn's model file: {res['mlm_bytes']:,} bytes (weights {res['weights']:,} bytes, read in "
             f"place; the rest tensor and op tables and JSON metadata); its arena: {res['arena']:,} bytes "
             "(allocated once at load). emlearn keeps the weights in the module's code and two activation "
             "buffers of the widest layer as globals.\n")
    L.append("## Float kernels: MACs per instruction\n")
    L.append("One `predict(x, out)` of a single-op network with random weights (the input copy and checks "
             "included), between markers; MACs count the taps inside the input.\n")
    L.append("| network | MACs | " + " | ".join(targets) + " |")
    L.append("|---|---:|" + "---:|" * len(targets))
    names = next((list(res["targets"][t]["kernels"]) for t in targets if "kernels" in res["targets"][t]), [])
    for name in names:
        cells, macs = [], 0
        for t in targets:
            k = res["targets"][t].get("kernels", {}).get(name)
            if k is None or "error" in k:
                cells.append("n/a")
                continue
            macs = k["macs"]
            cells.append(f"{k['macs'] / k['instructions']:.2f} ({k['instructions']:,})")
        L.append(f"| {name} | {macs:,} | " + " | ".join(cells) + " |")
    L.append("\nCells: MACs per instruction (instructions per predict). Goal on the Cortex-M4F: 0.5 MAC per "
             "instruction for Dense and Conv2D.")
    k = res["targets"].get("cortex-m4f", {}).get("kernels", {})
    rate = {name: v["macs"] / v["instructions"] for name, v in k.items() if "instructions" in v}
    if len(rate) == len(names):
        small, dense, conv, conv32, conv3, conv1, dw = (rate[n] for n in names)
        L += ["\n## Where the goals stand\n",
              f"- float32 Dense on the Cortex-M4F: {dense:.2f} MAC per instruction for a 256x256 layer (goal 0.5: "
              f"{'met' if dense >= 0.5 else 'missed'}); {small:.2f} for the 64-128-64-10 MLP, whose small layers and "
              "per-call input checks weigh more.",
              f"- float32 Conv2D on the Cortex-M4F: {conv32:.2f} MAC per instruction with 32 input channels, "
              f"{conv:.2f} with 8 (goal 0.5: " + ("met" if min(conv, conv32) >= 0.5 else
                                               f"missed by {100 * (1 - min(conv, conv32) / 0.5):.0f} % at worst")
              + f"); first layers: {conv3:.2f} with 3 input channels, {conv1:.2f} with 1. The core (dot4x2: two "
              "neighbouring pixels x 4 output channels, 32 MACs in 40 instructions; a window's kernel rows, the bias, "
              "the clamp and the stores in one asm block per 4 channels) runs over each kernel row's contiguous taps, "
              "k_w x C values (24 with 8 channels, 3 with 1), so with few input channels the set-up per kernel row "
              "and the pixels at the edges (different taps: no pair) weigh more; the per-call input and output "
              "copies count too.",
              f"- DepthwiseConv2D: {dw:.2f} MAC per instruction on the M4F: blocks of 4 channels whose sums stay in "
              "registers over the window's taps (10 instructions per tap and block: 4 MACs); the per-call input and "
              "output copies of 2 x 2,304 floats are a large share of this network's count.",
              "- Cortex-M0 and M3 have no FPU: every float operation is a libgcc call (see their columns); int8 "
              "networks are the way there (docs/neural.md)."]
    return "\n".join(L)


if __name__ == "__main__":
    main()
