"""microlearn vs emlearn vs m2cgen: instructions, flash, RAM, agreement. One command:

    .venv/bin/python benchmarks/run.py            # writes docs/benchmarks.md + docs/benchmarks-*.png
    .venv/bin/python benchmarks/run.py --cases rf10 --targets unix   # a subset (does not write docs)
    .venv/bin/python benchmarks/run.py --cases rf10 --targets cortex-m4f --contenders ml_f32,c_ml_f32 --no-docs

Every contender runs the same trained model on the same rows (sklearn digits test
rows). Instruction counts come from the rig (docs/rig.md): QEMU's counting plugin
on the emulated boards, callgrind on unix. Per prediction = (count with N rows -
count with 0 rows) / N, so fixed costs (markers, loading) cancel.
"""
import argparse
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))
sys.path.insert(0, str(ROOT / "benchmarks" / "trees"))

import models  # noqa: E402
import build as cbuild  # noqa: E402

ARCH = {"unix": "x64", "cortex-m3": "armv7m", "cortex-m0": "armv6m", "cortex-m4f": "armv7emsp"}
# The device modules a tree model may import: one walk module (packed float32,
# packed int16, refs layout) and a Pipeline's preprocessing (at load, when the model carries it).
TREES_MODULES = ("_trees_forest", "_trees", "_trees_i16", "_trees_refs", "_preprocess")
# microlearn.dsp's modules with a RAM-to-import goal in issue 12 (FFT, IIR/FIR),
# judged in the same goal table (benchmarks/trees/report.py).
DSP_MODULES = ("_fft", "_fft_q15", "_filters", "_filters_q15", "_sos_fast")
OUT = ROOT / "build" / "bench" / "trees"

# contender -> (label, kind). kind "row": a Python loop calling BODY per row;
# "c": one call into _bench_trees that loops over n rows in C.
CONTENDERS = {
    "empty": ("empty Python loop", "row"),
    "ml_f32": ("microlearn .mpy, float32", "row"),
    "ml_i16": ("microlearn .mpy, int16", "row"),
    "c_ml_f32": ("microlearn engine from C, float32", "c"),
    "c_ml_i16": ("microlearn engine from C, int16", "c"),
    "c_eml_loadable": ("emlearn C, loadable", "c"),
    "c_eml_inline": ("emlearn C, inline", "c"),
    "m2cgen": ("m2cgen Python (+ argmax)", "row"),
    "pywalk": ("plain-Python tree walk", "row"),
}

SETUP = {
    "empty": "",
    "ml_f32": "import microlearn\nm = microlearn.load('model.mlm')",
    "ml_i16": "import microlearn\nm = microlearn.load('model_i16.mlm')",
    "m2cgen": "from m2c import score\ndef argmax(v):\n    b = 0\n    for k in range(1, len(v)):\n        if v[k] > v[b]:\n            b = k\n    return b",
    "pywalk": "from pw import predict",
    "c_ml_f32": "import _bench_trees as B\nst = bytearray(B.ml_size())\nMB = open('model.mlm', 'rb').read()\nassert B.ml_load(st, MB) == 0",
    "c_ml_i16": "import _bench_trees as B\nst = bytearray(B.ml_size())\nMB = open('model_i16.mlm', 'rb').read()\nassert B.ml_load(st, MB) == 0",
    "c_eml_loadable": "import _bench_trees as B",
    "c_eml_inline": "import _bench_trees as B",
}


def body(c, task):
    if c == "empty":
        return "pass", "0"
    if c in ("ml_f32", "ml_i16"):
        return ("m.predict(x, O)", "O[0]") if task == "reg" else ("m.predict(x)", None)
    if c == "m2cgen":
        if task == "reg":
            return "score(x)", None
        return "argmax(score(x))", None
    if c == "pywalk":
        return "predict(x)", None
    raise KeyError(c)


def c_call(c, n):
    return {"c_ml_f32": f"B.ml_run(st, XF, {n}, OUT)", "c_ml_i16": f"B.ml_run(st, XH, {n}, OUT)",
            "c_eml_loadable": f"B.eml_run(0, XH, {n}, OUT)", "c_eml_inline": f"B.eml_run(1, XH, {n}, OUT)"}[c]


def script(c, task, n, n_all, measure=True):
    """MicroPython source: set up, count n predictions between markers, then print
    the outputs of those rows and the bytes allocated per prediction."""
    nf = 64
    typ = "i" if task == "cls" else "f"
    s = [
        "import array, gc, _markers",
        f"N = {n}",
        f"XF = array.array('f', open('x_f32.bin', 'rb').read())[:{n_all} * {nf}]",
        f"XH = array.array('h', open('x_i16.bin', 'rb').read())[:{n_all} * {nf}]",
        f"O = array.array('f', [0.0])",
        f"OUT = array.array('{typ}', bytes(4 * {max(n_all, 1)}))",
        SETUP[c],
    ]
    if CONTENDERS[c][1] == "row":
        src = "XH" if c == "ml_i16" else "XF"
        s += [f"ROWS = [{src}[i * {nf}:(i + 1) * {nf}] for i in range({n_all})]",
              "def bench(rows):", "    for x in rows:", "        " + body(c, task)[0]]
        s += ["bench(ROWS[:1])", "RN = ROWS[:N]", "gc.collect()", "_markers.start()", "bench(RN)", "_markers.stop()"]
        if measure:
            b, res = body(c, task)
            res = res or b.split("\n")[-1].strip()
            s += ["res = []",
                  "for x in ROWS[:N]:",
                  f"    r = {res}" if c not in ("ml_f32", "ml_i16") or task == "cls"
                  else f"    m.predict(x, O); r = O[0]",
                  "    res.append(r)",
                  "print('OUT', res)",
                  "K = min(N, 8)", "RK = ROWS[:K]", "gc.collect(); gc.disable()", "a = gc.mem_alloc()", "bench(RK)",
                  "b = gc.mem_alloc()", "gc.enable()", "print('ALLOC', (b - a) / K)"]
    else:
        s += [c_call(c, 1), "gc.collect()", "_markers.start()", c_call(c, "N"), "_markers.stop()"]
        if measure:
            s += ["print('OUT', list(OUT[:N]))",
                  "gc.collect(); gc.disable()", "a = gc.mem_alloc()", c_call(c, "N"), "b = gc.mem_alloc()",
                  "gc.enable()", "print('ALLOC', (b - a) / max(N, 1))"]
    return "\n".join(s) + "\n"


def files_for(case_dir, c):
    f = [case_dir / "x_f32.bin", case_dir / "x_i16.bin"]
    if c in ("ml_f32", "c_ml_f32"):
        f.append(case_dir / "model.mlm")
    if c in ("ml_i16", "c_ml_i16"):
        f.append(case_dir / "model_i16.mlm")
    if c == "m2cgen":
        f.append(case_dir / "m2c.mpy")
    if c == "pywalk":
        f.append(case_dir / "pw.mpy")
    return f


def libs_for(case_dir, c, target):
    from microlearn.rig import paths
    if c in ("ml_f32", "ml_i16"):
        return [paths.device_lib(ARCH[target])]
    if c.startswith("c_"):
        return [case_dir / f"lib-{ARCH[target]}"]
    return []


def parse(output, key):
    for line in output.splitlines():
        if line.startswith(key + " "):
            return eval(line[len(key) + 1:], {"inf": float("inf"), "nan": float("nan")})  # noqa: S307 - our own output
    return None


def measure(case_dir, info, c, target, n):
    from microlearn.rig.count import count, CountError
    task = info["task"]
    lib = libs_for(case_dir, c, target)
    files = files_for(case_dir, c)
    try:
        full = count(target, script(c, task, n, n), files=files, lib_dir=lib, timeout=600)
        zero = count(target, script(c, task, 0, n, measure=False), files=files, lib_dir=lib, timeout=600)
    except CountError as e:
        out = e.result.output if e.result is not None else str(e)
        return {"error": out.strip().splitlines()[-1][:160] if out.strip() else str(e)}
    return {"per_predict": (full.instructions - zero.instructions) / n,
            "out": parse(full.output, "OUT"), "alloc": parse(full.output, "ALLOC")}


def agree(a, b, task):
    if a is None or b is None:
        return None
    ok = 0
    for x, y in zip(a, b):
        ok += (abs(x - y) <= 1e-5 * max(1.0, abs(y))) if task == "reg" else (x == y)
    return 100.0 * ok / len(b)


def run_case(case, targets, n, mpy_dir, log, contenders=tuple(CONTENDERS)):
    case_dir = OUT / case
    info = models.prepare(case, case_dir, n)
    res = {"info": info, "counts": {}, "flash": {}}
    have_eml = "error" not in info["emlearn"]
    for t in targets:
        cbuild.natmod(case_dir, ARCH[t], mpy_dir)
    for mod in ("m2c", "pw"):
        if (case_dir / f"{mod}.py").exists():
            try:
                cbuild.mpy_cross(case_dir / f"{mod}.py", mpy_dir)
            except RuntimeError as e:
                res["flash"][mod + "_error"] = str(e)
    # flash: minimal Cortex-M3 images (code + model), .mpy files
    res["flash"]["ml"] = cbuild.flash_image(case_dir, "ml")
    res["flash"]["ml_i16"] = cbuild.flash_image(case_dir, "ml", i16=True)
    if have_eml:
        res["flash"]["eml_loadable"] = cbuild.flash_image(case_dir, "eml_loadable")
        res["flash"]["eml_inline"] = cbuild.flash_image(case_dir, "eml_inline")
    for mod in ("m2c", "pw"):
        p = case_dir / f"{mod}.mpy"
        if p.exists():
            res["flash"][mod + "_mpy"] = p.stat().st_size
    from microlearn.rig import paths
    module = res["info"]["module"]  # the walk module this case's file imports
    res["flash"]["walk_mpy"] = {a: (paths.device_lib(a) / f"microlearn/{module}.mpy").stat().st_size
                                 for a in ("x64", "armv7m", "armv6m")
                                 if (paths.device_lib(a) / f"microlearn/{module}.mpy").exists()}
    for module in TREES_MODULES + DSP_MODULES:
        mpy = {a: paths.device_lib(a) / f"microlearn/{module}.mpy" for a in ("x64", "armv7m", "armv6m")}
        res["flash"][module.lstrip("_") + "_mpy"] = {a: p.stat().st_size for a, p in mpy.items() if p.exists()}

    jobs = []
    for t in targets:
        for c in contenders:
            if c.startswith("c_eml") and (not have_eml or t == "cortex-m0"):
                continue
            if c == "m2cgen" and (info["m2cgen_error"] or not (case_dir / "m2c.mpy").exists()):
                continue
            jobs.append((t, c))
    with ThreadPoolExecutor(2) as pool:
        futs = {pool.submit(measure, case_dir, info, c, t, n): (t, c) for t, c in jobs}
        for f, (t, c) in futs.items():
            r = f.result()
            if "out" in r:
                r["agree"] = agree(r["out"], info["ref"][:n], info["task"])
                r.pop("out")
            res["counts"].setdefault(t, {})[c] = r
            log(f"  {case} {t:9s} {c:15s} {r}")
    return res


def import_ram(targets):
    """RAM (gc.mem_alloc()) to import the package, then each trees module, on
    the emulated boards: what `microlearn check` prints as RAM: import."""
    from microlearn.rig import paths
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import harness
    return {t: {**{module: harness.import_ram(t, [paths.device_lib(ARCH[t])], module) for module in TREES_MODULES},
                **{module: harness.import_ram(t, [paths.device_lib(ARCH[t])], module, before="from microlearn import dsp")
                   for module in DSP_MODULES}}
            for t in targets if t != "unix"}


EMLEARN_MP_ARCHS = {"x64": None, "armv7m": "cortex-m3", "armv6m": "cortex-m0"}  # arch -> board for RAM to import


def emlearn_micropython():
    """emlearn-micropython's trees, FFT, IIR and q15 IIR modules (the issue's
    reference), rebuilt from a fetched snapshot of its repository with the
    rig's MicroPython (benchmarks/emlearn_mp.py): .mpy bytes per arch, RAM to
    import on the emulated Cortex-M3 and M0, why a module does not build.
    {"absent": why} when the snapshot is not on this machine."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import emlearn_mp
    res = {"mpy": {}, "failed": {}, "ram": {}}
    for arch, board in EMLEARN_MP_ARCHS.items():
        b = emlearn_mp.build(arch)
        if "absent" in b:
            return b
        res["commit"], res["cmsis_dsp"] = b["commit"], b["cmsis_dsp"]
        res["mpy"][arch], res["failed"][arch] = b["mpy"], b["failed"]
        if board:
            res["ram"][board] = {m: emlearn_mp.import_ram(board, b["lib"], m) for m in b["mpy"]}
    return res


def check_report():
    """`microlearn check` on the 100-tree forest for the emulated Cortex-M3 against a small part (esp8266):
    what it prints (flash, RAM to import, RAM after load, instructions per call) and whether it warns."""
    import subprocess
    model = OUT / "rf100" / "model.mlm"
    if not model.exists():
        return {"error": "no rf100 model: run the rf100 case"}
    (model.parent / "rf100.mlm").write_bytes(model.read_bytes())  # the name the page shows
    args = ["check", "rf100.mlm", "--target", "cortex-m3", "--part", "esp8266"]
    r = subprocess.run([sys.executable, "-m", "microlearn", *args], cwd=model.parent, capture_output=True, text=True,
                       env=dict(__import__("os").environ, PYTHONPATH=str(ROOT / "python")))
    if r.returncode != 0 and "warning" not in r.stdout:
        return {"error": (r.stdout + r.stderr).strip().splitlines()[-1][:160]}
    lines = [" ".join(ln.split()) for ln in r.stdout.strip().splitlines() if ln.strip()]
    return {"command": "microlearn " + " ".join(args), "lines": lines,
            "warned": any(ln.startswith("warning") for ln in lines)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cases", default=",".join(models.CASES))
    ap.add_argument("--targets", default="unix,cortex-m3,cortex-m0")
    ap.add_argument("-n", type=int, default=100, help="rows counted per run (default 100)")
    ap.add_argument("--contenders", default=",".join(CONTENDERS), help="a subset of " + ",".join(CONTENDERS))
    ap.add_argument("--no-docs", action="store_true")
    args = ap.parse_args()
    from microlearn.rig import build
    t0 = time.time()
    targets = args.targets.split(",")
    build.setup(targets)
    mpy_dir = build.fetch_source()
    build.build_mpy_cross()
    results = {}
    imports = import_ram(targets)
    imports["emlearn-micropython"] = emlearn_micropython()
    for case in args.cases.split(","):
        print(f"case {case}", file=sys.stderr, flush=True)
        results[case] = run_case(case, targets, args.n, mpy_dir, lambda s: print(s, file=sys.stderr, flush=True),
                                 args.contenders.split(","))
        results[case]["imports"] = imports
    if "rf10" in results and "rf100" in results:
        results["rf10"]["check"] = check_report()
    (OUT / "results.json").write_text(json.dumps(results, indent=1))
    print(f"done in {time.time() - t0:.0f} s; results in {OUT / 'results.json'}", file=sys.stderr)
    full = (args.cases == ",".join(models.CASES) and args.targets == "unix,cortex-m3,cortex-m0"
            and args.contenders == ",".join(CONTENDERS))
    if not args.no_docs and full:
        import report
        report.write(results, args.n, time.time() - t0)


if __name__ == "__main__":
    main()
