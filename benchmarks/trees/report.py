"""Writes docs/benchmarks.md and docs/benchmarks-*.png from benchmarks/run.py's results.

    .venv/bin/python benchmarks/trees/report.py   # re-render from build/bench/trees/results.json
"""
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
TARGETS = ["unix", "cortex-m3", "cortex-m0"]
TNAME = {"unix": "x64 (unix, callgrind)", "cortex-m3": "Cortex-M3", "cortex-m0": "Cortex-M0 (armv6m)"}
LABEL = {
    "empty": "empty Python loop (per iteration)",
    "ml_f32": "microlearn `m.predict(x)`, float32",
    "ml_i16": "microlearn `m.predict(x)`, int16",
    "c_ml_f32": "microlearn engine from C, float32",
    "c_ml_i16": "microlearn engine from C, int16",
    "c_eml_loadable": "emlearn C, loadable",
    "c_eml_inline": "emlearn C, inline",
    "m2cgen": "m2cgen Python + argmax",
    "pywalk": "plain-Python tree walk",
}


def fmt(v, nd=0):
    if v is None:
        return "–"
    return f"{v:,.{nd}f}"


def cell(r, key="per_predict"):
    if r is None:
        return "–"
    if "error" in r:
        return "fails"
    return fmt(r.get(key))


def per_node(r, nodes):
    if r is None or "error" in r:
        return "–"
    return f"{r['per_predict'] / nodes:.1f}"


def plot(results, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    cases = list(results)
    conts = ["ml_f32", "c_ml_f32", "c_ml_i16", "c_eml_loadable", "c_eml_inline", "m2cgen"]
    fig, axes = plt.subplots(1, len(TARGETS), figsize=(5 * len(TARGETS), 4.5), sharey=False)
    for ax, t in zip(axes, TARGETS):
        w = 0.8 / len(conts)
        for i, c in enumerate(conts):
            ys = []
            for case in cases:
                r = results[case]["counts"].get(t, {}).get(c)
                ys.append(r["per_predict"] if r and "per_predict" in r else 0)
            ax.bar([k + i * w for k in range(len(cases))], ys, w, label=LABEL[c])
        ax.set_yscale("log")
        ax.set_xticks([k + 0.4 - w / 2 for k in range(len(cases))])
        ax.set_xticklabels(cases)
        ax.set_title(TNAME[t])
        ax.set_ylabel("instructions per prediction (log)")
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def plot_flash(results, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    cases = list(results)
    kinds = [("ml", "microlearn (engine + .mlm)"), ("ml_i16", "microlearn int16"),
             ("eml_loadable", "emlearn loadable"), ("eml_inline", "emlearn inline")]
    fig, ax = plt.subplots(figsize=(8, 4))
    w = 0.8 / len(kinds)
    for i, (k, lab) in enumerate(kinds):
        ys = [results[c]["flash"].get(k, {}).get("flash", 0) / 1024 for c in cases]
        ax.bar([j + i * w for j in range(len(cases))], ys, w, label=lab)
    ax.set_xticks([j + 0.4 - w / 2 for j in range(len(cases))])
    ax.set_xticklabels(cases)
    ax.set_ylabel("KiB of flash (Cortex-M3 image, code + model)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def write(results, n, seconds):
    DOCS.mkdir(exist_ok=True)
    plot(results, DOCS / "benchmarks-instructions.png")
    plot_flash(results, DOCS / "benchmarks-flash.png")
    L = []
    a = L.append
    a("# Benchmarks: microlearn vs emlearn vs m2cgen (tree ensembles)\n")
    a("Reproduce (builds what it needs, ~{:.0f} s on this 2-core machine):\n".format(seconds))
    a("<!-- test: skip runs every benchmark (minutes of emulation); this page is its output -->\n"
      "```\nbash benchmarks/run.sh                 # scripts/setup.sh, then the benchmarks\n"
      ".venv/bin/python benchmarks/run.py     # the benchmarks only: writes this file and docs/benchmarks-*.png\n```\n")
    a(f"Every contender runs the same trained model on the same rows: scikit-learn's digits "
      f"(64 integer features 0..16), trained on 80 %, the first {n} test rows counted. "
      "Instructions per prediction = (count of a run with N rows − count of the same run with 0 rows) / N, "
      "counted by the rig (docs/rig.md): QEMU's instruction-counting plugin on the emulated boards, "
      "callgrind on the unix port. Deterministic; not cycles.\n")
    a("The other families have pages of their own, written by the same `run.sh`:\n")
    for page in sorted((Path(__file__).resolve().parents[2] / "docs").glob("benchmarks-*.md")):
        title = page.read_text().splitlines()[0].lstrip("# ").removeprefix("Benchmarks: ")
        a(f"- [{title}]({page.name})")
    a("")

    rf = results.get("rf10")
    if rf:
        a("## Headline: RandomForestClassifier(10 trees, max_depth=10) on digits\n")
        a("| contender | " + " | ".join(f"{TNAME[t]} instr./prediction" for t in TARGETS)
          + " | bytes allocated per call (Cortex-M3) | agreement with scikit-learn |")
        a("|---|" + "---:|" * (len(TARGETS) + 2))
        for c in LABEL:
            rs = [rf["counts"].get(t, {}).get(c) for t in TARGETS]
            if all(r is None for r in rs):
                continue
            m3 = rf["counts"].get("cortex-m3", {}).get(c) or {}
            ag = next((r.get("agree") for r in rs if r and "agree" in r), None)
            a(f"| {LABEL[c]} | " + " | ".join(cell(r) for r in rs)
              + f" | {fmt(m3.get('alloc'))} | {'–' if c == 'empty' else fmt(ag, 0) + ' %'} |")
        a("")
        fl = rf["flash"]
        eml_model = rf["info"]["emlearn"].get("model_bytes")
        a(f"Model bytes: microlearn .mlm {rf['info']['mlm_bytes']:,} (float32) / {rf['info']['mlm_i16_bytes']:,} "
          f"(int16); emlearn's loadable arrays {fmt(eml_model)} → ratio "
          f"{rf['info']['mlm_bytes'] / eml_model:.2f}x (float32), {rf['info']['mlm_i16_bytes'] / eml_model:.2f}x (int16). "
          f"Flash of a minimal Cortex-M3 program (code + model, `arm-none-eabi-size` text+data, --gc-sections): "
          f"microlearn {fl['ml']['flash']:,}, emlearn loadable {fl['eml_loadable']['flash']:,}, "
          f"emlearn inline {fl['eml_inline']['flash']:,}.\n")
        a(BAR_TEMPLATE.format(rows=bar_numbers(rf, results), emlearn_dsp=emlearn_dsp_sentence(rf)))
        a(module_table(rf))

    a("## All cases: instructions per prediction\n")
    a("![instructions per prediction](benchmarks-instructions.png)\n")
    for case, r in results.items():
        info = r["info"]
        a(f"### {case}: {info['title']}\n")
        a(f"{info['n_trees']} trees, {info['sk_nodes']:,} scikit-learn nodes; microlearn: {info['ml_split_nodes']:,} "
          f"split nodes, {info['ml_leaf_rows']:,} distinct leaf rows. Split nodes visited per prediction "
          f"(scikit-learn decision_path, same rows): {info['nodes_visited']:.1f}. "
          + (f"emlearn: {info['emlearn']['error']}. " if "error" in info["emlearn"] else "")
          + (f"m2cgen: {info['m2cgen_error']}. " if info["m2cgen_error"] else "") + "\n")
        a("| contender | " + " | ".join(TNAME[t] for t in TARGETS)
          + " | instr. per node visited (Cortex-M3) | instr. per node visited (x64) | bytes allocated per call (M3) | agreement |")
        a("|---|" + "---:|" * (len(TARGETS) + 4))
        for c in LABEL:
            rs = [r["counts"].get(t, {}).get(c) for t in TARGETS]
            if all(x is None for x in rs):
                continue
            m3 = r["counts"].get("cortex-m3", {}).get(c)
            x64 = r["counts"].get("unix", {}).get(c)
            ag = next((x.get("agree") for x in rs if x and "agree" in x), None)
            pn = c.startswith("c_")
            a(f"| {LABEL[c]} | " + " | ".join(cell(x) for x in rs)
              + f" | {per_node(m3, info['nodes_visited']) if pn else ''} | {per_node(x64, info['nodes_visited']) if pn else ''}"
              + f" | {fmt((m3 or {}).get('alloc'))} | {'–' if c == 'empty' else fmt(ag, 0) + ' %'} |")
        errs = [f"{t} {c}: {x['error']}" for t in TARGETS for c, x in r["counts"].get(t, {}).items() if "error" in x]
        if errs:
            a("\nFailures: " + "; ".join(f"`{e}`" for e in errs))
        fl = r["flash"]
        parts = [f"microlearn engine + .mlm {fl['ml']['flash']:,} (int16: {fl['ml_i16']['flash']:,})"]
        if "eml_loadable" in fl:
            parts += [f"emlearn loadable {fl['eml_loadable']['flash']:,}", f"emlearn inline {fl['eml_inline']['flash']:,}"]
        mp = [f".mlm {info['mlm_bytes']:,} + {info['module']}.mpy {fl['walk_mpy'].get('armv7m', 0):,} (armv7m)"]
        if "m2c_mpy" in fl:
            mp.append(f"m2cgen .mpy {fl['m2c_mpy']:,}")
        if "pw_mpy" in fl:
            mp.append(f"Python walk .mpy {fl['pw_mpy']:,}")
        a(f"\nFlash, minimal Cortex-M3 program: {', '.join(parts)} bytes. On MicroPython: {', '.join(mp)} bytes.\n")
    a("## Flash\n")
    a("![flash](benchmarks-flash.png)\n")
    a(METHOD)
    (DOCS / "benchmarks.md").write_text("\n".join(L) + "\n")


# emlearn-micropython's module doing the job of each of ours (it has no q15 FFT).
EMLEARN_MP_PEER = {"_fft": "emlearn_fft", "_fft_q15": "emlearn_fft", "_filters": "emlearn_iir",
                   "_filters_q15": "emlearn_iir_q15", "_sos_fast": "emlearn_iir_q15"}


def emlearn_mp_figure(emp, module, board="cortex-m3", arch="armv7m"):
    """emlearn-micropython's module as rebuilt by run.py: RAM to import and .mpy bytes, or why not."""
    if "absent" in emp:
        return f"emlearn-micropython's `{module}`: absent ({emp['absent']})"
    why = emp.get("failed", {}).get(arch, {}).get(module)
    if why:
        return f"emlearn-micropython's `{module}`: {why}"
    ram = emp.get("ram", {}).get(board, {}).get(module)
    mpy = emp.get("mpy", {}).get(arch, {}).get(module)
    return (f"emlearn-micropython's `{module}`: {fmt(ram)} B, .mpy {fmt(mpy)} B"
            + (" (float32 only)" if module == "emlearn_fft" else ""))


def bar_numbers(rf, all_results):
    """The issue-12 goals (small chips) with the measured figures and verdicts."""
    c = rf["counts"]
    g = lambda t, k, r=rf: ((r["counts"].get(t, {}).get(k)) or {}).get("per_predict")  # noqa: E731
    eml_model = rf["info"]["emlearn"]["model_bytes"]
    py = {t: g(t, "ml_f32") - g(t, "empty") for t in TARGETS if g(t, "ml_f32") and g(t, "empty")}
    rf100 = all_results.get("rf100")
    r100 = (g("cortex-m3", "c_ml_f32", rf100) / g("cortex-m3", "c_eml_loadable", rf100)
            if rf100 and g("cortex-m3", "c_eml_loadable", rf100) else None)
    module = rf["info"]["module"]  # what the digits forest imports
    imports = (rf.get("imports") or {}).get("cortex-m3", {}).get(module, {})
    emp = (rf.get("imports") or {}).get("emlearn-micropython") or {"absent": "not measured"}
    ratio = rf["info"]["mlm_bytes"] / eml_model

    def verdict(value, goal, unit=None):
        if value is None:
            return "not measured"
        if value <= goal:
            return "yes"
        return f"**no**: {value / goal:.2f}x the goal" + ("" if unit is None else f" ({value - goal:+,.0f}{unit})")

    del c
    rows = [
        ("model file ≤ 0.6x emlearn's loadable arrays", f"{rf['info']['mlm_bytes']:,} B vs {eml_model:,} B: "
         f"{ratio:.2f}x (int16 model: {rf['info']['mlm_i16_bytes'] / eml_model:.2f}x)", verdict(ratio, 0.6)),
        ("`predict()` from MicroPython ≤ 2,000 instructions, Cortex-M3 (loop excluded)",
         f"{py.get('cortex-m3', 0):,.0f} (from C: {g('cortex-m3', 'c_ml_f32'):,.0f}; emlearn loadable from C "
         f"{g('cortex-m3', 'c_eml_loadable'):,.0f})", verdict(py.get("cortex-m3"), 2000, "")),
        ("`predict()` from MicroPython ≤ 2,100 instructions, Cortex-M0", f"{py.get('cortex-m0', 0):,.0f} (from C: "
         f"{g('cortex-m0', 'c_ml_f32'):,.0f})", verdict(py.get("cortex-m0"), 2100, "")),
        ("`predict()` from MicroPython ≤ 1,500 instructions, x64", f"{py.get('unix', 0):,.0f} (from C: "
         f"{g('unix', 'c_ml_f32'):,.0f})", verdict(py.get("unix"), 1500, "")),
        ("100-tree forest ≤ 0.6x emlearn's loadable C, Cortex-M3", "–" if r100 is None else
         f"{g('cortex-m3', 'c_ml_f32', rf100):,.0f} vs {g('cortex-m3', 'c_eml_loadable', rf100):,.0f}: {r100:.2f}x",
         verdict(r100, 0.6)),
        ("100 % agreement with scikit-learn", "every case, both feature types (table below)", "yes"),
        (f"RAM to import `microlearn.{module}` (the walk module this forest imports), Cortex-M3 ≤ 4 kB",
         (f"{imports['module']:,} B (+ {imports['package']:,} B for the package); .mpy "
          f"{rf['flash']['walk_mpy'].get('armv7m', 0):,} B" if "module" in imports else "–")
         + "; " + emlearn_mp_figure(emp, "emlearn_trees"),
         verdict(imports.get("module"), 4096, " B")),
    ]
    m3 = (rf.get("imports") or {}).get("cortex-m3", {})
    # what each module holds, and its figure before the splits (docs/dsp.md, Code size, has the commands)
    notes = {"_fft_q15": "integer twiddles, fcb4d1f; 6,544 B with float ones: docs/dsp.md, Code size, has the command",
             "_filters": "float32 SOS and FIR; 15,776 B when it held the q15 kernels too: docs/dsp.md, Code size, "
                         "has the command",
             "_filters_q15": "exact q15 SOS, q15 FIR", "_sos_fast": "fast q15 SOS"}
    for module, goal in (("_fft", 3000), ("_fft_q15", 3000), ("_filters", 2500), ("_filters_q15", 2500),
                         ("_sos_fast", 2500)):
        r = m3.get(module, {})
        rows.append((f"RAM to import `microlearn.{module}`, Cortex-M3 ≤ {goal:,} B",
                     (f"{r['module']:,} B" if "module" in r else "–")
                     + (f" ({notes[module]})" if module in notes else "")
                     + "; " + emlearn_mp_figure(emp, EMLEARN_MP_PEER[module]),
                     verdict(r.get("module"), goal, " B")))
    rows += other_goals(rf)
    return "\n".join(f"| {a} | {b} | {c} |" for a, b, c in rows)


def float_api_goal(dsp):
    """The float API of the q15 filters (docs/dsp.md): `SOS`/`FIR` with q15="auto" run the q15 kernels on
    array('f') on ports without an FPU; its cost from MicroPython beside the float kernel's (DSP run)."""
    goal = "fixed point: a float API that picks the q15 kernels on soft-float ports"
    path = dsp / "micropython.json"
    mp = json.loads(path.read_text()) if path.exists() else {}
    q, f = "microlearn SOS q15 fast on array('f') 2 sections x 1024", "microlearn SOS 2 sections x 1024"
    have = [t for t in ("cortex-m0", "cortex-m3") if q in mp.get(t, {}) and f in mp.get(t, {})]
    if not have:
        return (goal, "built; not measured: run benchmarks/dsp/report.py first (bash benchmarks/run.sh does)",
                "not measured")
    figures = "; ".join(f"{t}: {mp[t][q]:,.0f} instructions vs {mp[t][f]:,.0f} for the float kernel "
                        f"({mp[t][f] / mp[t][q]:.1f}x fewer)" for t in have)
    return (goal, "`SOS(coeffs, q15=\"auto\", fast=True)` on array('f') in [-1, 1), 2 sections x 1024 from "
                  "MicroPython: " + figures + " (docs/dsp.md, q15 kernels on float data)", "yes")


def other_goals(rf):
    """Issue 12's goals that other benchmarks measure (run.sh runs them before this page): fixed point
    (benchmarks/dsp/report.py's results), models in place (docs/benchmarks-romfs.md), leaf values
    (docs/trees.md), and what `microlearn check` prints (run.py runs it)."""
    rows = []
    dsp = ROOT / "build" / "bench" / "dsp"
    if (dsp / "micropython.json").exists() and (dsp / "kernels.json").exists():
        import importlib.util
        spec = importlib.util.spec_from_file_location("dsp_report", ROOT / "benchmarks" / "dsp" / "report.py")
        dr = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(dr)
        mp, k = (json.loads((dsp / f).read_text()) for f in ("micropython.json", "kernels.json"))
        for line in dr.goals(k, mp).splitlines():
            cells = [c.strip() for c in line.strip("|").split("|")]
            if len(cells) == 4 and (cells[0].startswith("M0 ") or "emlearn-micropython" in cells[0]):
                goal, ours, theirs, verdict = cells
                rows.append((f"fixed point: {goal} (docs/benchmarks-dsp.md)", f"{ours} vs {theirs}",
                             "yes" if verdict == "met" else f"**no**: {verdict}"))
    else:
        rows.append(("fixed point: q15 IIR, FIR, FFT ≥ 2x faster on Cortex-M0, q15 IIR faster than "
                     "emlearn-micropython's on M0 and M3", "not measured: run benchmarks/dsp/report.py first "
                     "(bash benchmarks/run.sh does)", "not measured"))
    rows.append(float_api_goal(dsp))
    romfs = DOCS / "benchmarks-romfs.md"
    m = re.search(r"^\| cortex-m3 \| ([\d,]+) \| ([\d,]+) \| ([\d,]+) \| ([\d,]+) \| (\S+) \| (\S+) \|$",
                  romfs.read_text() if romfs.exists() else "", re.M)
    if m:
        after = int(m[1].replace(",", ""))
        rows.append(("models in place: RAM after load ≤ 1 kB on a port that maps files (ROMFS), no transient "
                     "double copy (docs/benchmarks-romfs.md)",
                     f"Cortex-M3: {m[1]} B after loading the digits forest from /rom, which loads in {m[2]} B of "
                     f"free heap (from a file in RAM: {m[3]} B after, {m[4]} B needed)",
                     "yes" if after <= 1024 and m[5] == "yes" else "**no**"))
    else:
        rows.append(("models in place (docs/benchmarks-romfs.md)", "not measured: no Cortex-M3 row in "
                     "docs/benchmarks-romfs.md", "not measured"))
    leaf = re.findall(r"^\| (uint8|uint16) \| ([\d,]+) \| (\S+) \| (\S+ %) \|$",
                      (DOCS / "trees.md").read_text(), re.M)
    rows.append(("leaf values: optional uint8 / uint16 leaf probabilities with measured agreement "
                 "(docs/trees.md, Leaf values)",
                 "; ".join(f"{d}: {b} B, largest probability error {e}, labels {a} equal" for d, b, e, a in leaf)
                 or "not found in docs/trees.md", "yes" if leaf else "not measured"))
    chk = rf.get("check") or {}
    rows.append(("`microlearn check` / `Model.report()` print flash (.mpy + model), RAM to import, RAM after "
                 "load, arena, instructions per call, and warn on a named part",
                 ("`" + chk["command"] + "` printed: " + "; ".join(f"`{ln}`" for ln in chk["lines"])
                  + ". Arena: neural models only (docs/neural.md)") if chk.get("lines")
                 else f"not measured ({chk.get('error', 'run.py did not run it')})",
                 "yes" if chk.get("warned") else "**no**: no warning printed" if chk.get("lines") else "not measured"))
    return rows


def emlearn_dsp_sentence(rf):
    """emlearn-micropython's DSP modules against the same goals, measured in this run."""
    emp = (rf.get("imports") or {}).get("emlearn-micropython") or {}
    ram = emp.get("ram", {}).get("cortex-m3", {})
    parts = []
    for module, goal, what in (("emlearn_fft", 3000, "FFT (float32 only)"), ("emlearn_iir", 2500, "float IIR"),
                               ("emlearn_iir_q15", 2500, "q15 IIR")):
        if ram.get(module):
            parts.append(f"its {what} {ram[module]:,} B ("
                         + ("within" if ram[module] <= goal else f"{ram[module] - goal:,} B over") + f" {goal:,} B)")
    if not parts:
        return ""
    return ("For comparison, emlearn-micropython's modules (one kernel each) take to import on the M3: "
            + ", ".join(parts) + ".")


def emlearn_mp_rows(emp, modules):
    """Table rows for emlearn-micropython's modules: .mpy per arch, RAM to import on the M3 and M0."""
    if "absent" in emp:
        return [f"| emlearn-micropython | absent: {emp['absent']} | | | | |"]
    rows = []
    for m in modules:
        cells = [fmt(emp["mpy"].get(a, {}).get(m)) if m in emp["mpy"].get(a, {})
                 else "– (" + emp["failed"].get(a, {}).get(m, "not built") + ")" for a in ("x64", "armv7m", "armv6m")]
        cells += [fmt(emp["ram"].get(t, {}).get(m)) if emp["ram"].get(t, {}).get(m) else "–"
                  for t in ("cortex-m3", "cortex-m0")]
        rows.append(f"| emlearn-micropython `{m}` | " + " | ".join(cells) + " |")
    return rows


def module_rows(fl, imports, modules, package=True):
    """Rows of microlearn's modules: .mpy per arch, RAM to import on the M3 and M0 (package: its own in brackets)."""
    rows = []
    for module in modules:
        sizes = fl.get(module.lstrip("_") + "_mpy", {})
        ram = [imports.get(t, {}).get(module, {}) for t in ("cortex-m3", "cortex-m0")]
        rows.append(f"| microlearn.{module} | " + " | ".join(fmt(sizes.get(a)) for a in ("x64", "armv7m", "armv6m"))
                    + " | " + " | ".join("–" if "module" not in r else fmt(r["module"])
                                         + (f" ({fmt(r.get('package'))})" if package else "") for r in ram) + " |")
    return rows


def module_table(rf):
    """The trees modules' .mpy bytes per arch and RAM to import per emulated board."""
    imports, fl = rf.get("imports") or {}, rf["flash"]
    L = ["### The trees modules on the device\n",
         "Bytes of each native module's .mpy, and RAM to import it (`gc.mem_alloc()` after minus before, "
         "the package imported first; the package itself takes the figure in brackets). A model imports one "
         "walk module, named by its file's header: `_trees_forest` for forests and regressors in the packed "
         "layout with float32 inputs, `_trees` for the other packed float32 models (boosting classifiers, "
         "isolation forests), "
         "`_trees_i16` for int16 inputs, `_trees_refs` for the refs layout; a model that carries a "
         "Pipeline's preprocessing also imports `_preprocess`, at load.\n",
         "| module | .mpy x64 | .mpy armv7m | .mpy armv6m | RAM to import, Cortex-M3 | RAM to import, Cortex-M0 |",
         "|---|---:|---:|---:|---:|---:|"]
    L += module_rows(fl, imports, ("_trees_forest", "_trees", "_trees_i16", "_trees_refs", "_preprocess"))
    emp = imports.get("emlearn-micropython") or {"absent": "not measured"}
    L += emlearn_mp_rows(emp, ("emlearn_trees",))
    L += ["", "### The DSP modules on the device\n",
          "The same figures for microlearn.dsp's native modules (the package and `from microlearn import dsp` "
          "imported first) and emlearn-micropython's FFT, IIR and q15 IIR modules (nothing imported first), "
          "built from its repository by `benchmarks/emlearn_mp.py`"
          + (f" at {emp['commit']} (CMSIS-DSP {emp['cmsis_dsp']}, the commit it pins)" if "commit" in emp else "")
          + ".\n",
          "| module | .mpy x64 | .mpy armv7m | .mpy armv6m | RAM to import, Cortex-M3 | RAM to import, Cortex-M0 |",
          "|---|---:|---:|---:|---:|---:|"]
    L += module_rows(fl, imports, ("_fft", "_fft_q15", "_filters", "_filters_q15", "_sos_fast"), package=False)
    L += emlearn_mp_rows(emp, ("emlearn_fft", "emlearn_iir", "emlearn_iir_q15"))
    return "\n".join(L) + "\n"


BAR_TEMPLATE = """### Against the bar we set (digits RF 10x10; issue 12, small chips)

| goal | measured | met? |
|---|---|---|
{rows}

Why the goals are missed (docs/trees.md has the detail). **Speed**: the
packed walk takes each input's integer split key at the node from its
float32 bits (no conversion pass per call; deep forests convert once into a
key buffer instead) and compares integers only: about 18 instructions per
tree level on the Cortex-M3 (29 on the M0), NaN checks included. This forest
walks 79 levels per prediction, and then adds about 12 float32 leaf
probabilities in software: 394 instructions on the M3 (about 33 an add)
and 626 on the M0 (about 52), measured by swapping them for integer adds;
from C 2,663 instructions on the M3. Exact integer sums of the leaf values
(each float32 shifted into 64-bit fixed point at predict time, the sum
rounded once) were built and measured, and are not kept: the conversion
costs as much as the software add it replaces, and more than a hardware
one (from C 2,688 / 4,408 / 3,226 / 2,734 instructions on M3 / M0 / x64 /
Cortex-M4F against 2,663 / 4,164 / 2,641 / 2,240; docs/trees.md, Speed).
Leaf values stored already as int64 fixed point (a format change, 4 more
bytes per stored value) would make those adds integer adds: estimated
2,487 / 3,884 / 2,788 from C on M3 / M0 / x64 (-7 % / -7 % / +6 %), far
from the goals still; not built.
The refs layout (`convert(est, layout="refs")`,
`benchmarks/trees/layouts.py`) takes 2,810 / 4,151 / 1,587 from C on
M3 / M0 / x64: packed is 5 % faster on the M3, 13 instructions (0.3 %)
slower on the M0 and 66 % slower on x64, where one hardware float compare
beats the field extraction. The MicroPython call adds about 430-540
instructions (argument parsing, the array buffer, the label object) on
top of the engine. **Bytes**: 4-byte nodes (29 of their 32 bits used here)
halve the refs layout's file, and uint8 leaves (`leaf_dtype="uint8"`) come
closer, but the sparse leaf table (u32 offsets, u16 columns) keeps the file
above 0.6x. **RAM to import**: a Pipeline's preprocessing now lives in
`_preprocess` (imported only by models that carry one), int16 models
have their own `_trees_i16` and the loader reads sections through one
non-template function: 2.5 kB off `_trees` (armv7m .mpy 15,376 -> 12,893
bytes); forests and regressors (header flag bit 3) import
`_trees_forest`, `_trees` compiled without the logistic, softmax and
anomaly outputs (`MICROLEARN_TREES_TRANSFORMS=1`): 1.5 kB less again
(armv7m .mpy 11,280 bytes, 11,600 B of RAM to import on the M3; 1.9 kB
less on the M0; 11,456 B since `ml_status_name()` walks one string, about
120 B less in every module) and predict() a little faster (2,952 against 2,983
instructions on the M3, `microlearn check`); each module's link now keeps only the engine functions its glue
calls (`device/natmod_ld.py`), and every glue error takes one path in
`device/natmods/glue.h`. What `_trees` still holds on armv7m (12,312 B
of code and data; `arm-none-eabi-nm --size-sort -S` on the objects in
`build/device/armv7m/obj/trees/`, mpy_ld's `-vv` listing for the link):
loading and validating the model file, class labels included, 3.3 kB; four
walks (keyed at the node and from the key buffer, for two threshold widths)
1.5 kB; leaf sums, softmax and the boosting and isolation-forest transforms
1.9 kB; status names 0.3 kB (0.2 kB since 3b8a145: one string walked); the MicroPython glue 3.7 kB (2.7 kB of code,
0.8 kB of error messages); libgcc's float routines 1.5 kB (`_trees_forest`:
the same less 1.5 kB of transforms, float compares and glue). Importing adds
about 0.6 kB (interned names, the module's dict; the source name among them is
the file name, no longer the build folder's path: 32 B less on the M3,
docs/dsp.md, Code size, "The glue and the link"). Compiler flags do not move
it: -Os is the build's, and the ones tried (-fno-inline-functions-called-once,
-fno-reorder-blocks, -fno-partial-inlining, -fno-jump-tables, ...) change
engine or glue by under 50 B each. 4 kB would take a module of another
design, not a trim of this one: one walk per module (-1.1 kB), integer leaf
sums that need no libgcc float routine (-1.5 kB), a glue near 1 kB and the
load-time checks near 1 kB.

**DSP modules** (docs/dsp.md, Code size, has the detail): the float32 and q15
FFTs are two modules now, each linked with only what its glue calls. `_fft`
still holds libgcc's soft-float routines (1.5 kB), a 2.4 kB glue and 2.8 kB of
FFT kernels and plans; `_fft_q15` computes its twiddles in integers and links
no float routine (1.9 kB less to import on the M3 than with float
twiddles).
The filters are three modules: `_filters` (float32 SOS and FIR),
`_filters_q15` (exact q15 SOS, q15 FIR) and `_sos_fast` (the fast q15 SOS,
loaded only by `fast=True`), instead of 15,776 B to import on the M3 for the
one module of before. Each still holds a glue of
1.6-2.4 kB and libgcc's soft-float routines (about 1.8 kB); the q15 ones
hold the q15 coefficient analysis (3.1-3.7 kB with the SOS kernels) and the float
routines it uses (0.7 kB). {emlearn_dsp}

"""


METHOD = """## How it is measured (and what is not like for like)

* **MicroPython contenders** (microlearn's `.mpy`, m2cgen, the Python walk, the empty
  loop) run `for x in rows: <call>` between `_markers.start()`/`stop()`; each
  figure includes one loop iteration (see the empty-loop row to subtract it). m2cgen
  returns a list of probabilities, so its row includes a Python argmax (a small
  function). Its generated code is plain Python and ran unmodified; it is compiled
  with mpy-cross (as one would deploy a 250 kB source). Regressors call
  `m.predict(x, out)` (no float allocated).
* **C contenders** run inside one call of a small native module of ours
  (`benchmarks/trees/natmod/bench.c`) that loops over the rows in C:
  `ml_trees_predict_class` / `ml_trees_raw_scores` (microlearn's C API, the same
  engine as `_trees.mpy`) and emlearn 0.23's `eml_trees_predict` (loadable) or the
  generated `eml_i_predict` (inline), all built by `device/natmod.mk` with the same
  compiler and `-Os` arch flags (emlearn as C, microlearn as C++).
* **emlearn, adapted minimally**: the loadable struct (initialised data with pointers,
  which a native module cannot hold) is filled by an init function instead; the unused
  error-string table in `eml_trees.h` is made `static`. Its conversion uses its
  defaults: int16 features, thresholds truncated to integers, hard majority voting
  for forests (a reason for the agreement below 100 %). Not measured on Cortex-M0:
  emlearn divides floats, and libgcc's armv6m `__aeabi_fdiv` has absolute relocations
  that MicroPython native modules cannot link. emlearn and m2cgen do not convert
  GradientBoostingClassifier.
* **Flash**: a minimal Cortex-M3 program (`benchmarks/trees/natmod/flash_main.c`:
  `entry()` loads and predicts) linked with `-Os --gc-sections`, newlib's
  memset/memcpy and libgcc; `arm-none-eabi-size` text + data = code + model.
  microlearn's counts include load-time validation (CRC, index checks).
* **RAM per call**: `gc.mem_alloc()` after minus before 8 calls with the GC disabled,
  divided by 8, on the Cortex-M3 build (16-byte GC blocks). Stack use is not measured.
* **Agreement**: on the counted rows, device outputs vs scikit-learn (labels equal;
  regression within 1e-5 relative).
* **emlearn-micropython** (its `emlearn_trees`, `emlearn_fft`, `emlearn_iir`,
  `emlearn_iir_q15` native modules, the system issue 12 compares with) is rebuilt
  from a fetched snapshot of its repository by `benchmarks/emlearn_mp.py` with its
  Makefiles and the rig's MicroPython (the q15 IIR with CMSIS-DSP at the commit its
  submodule pins); RAM to import is measured with nothing imported before. Without
  the snapshot its cells read "absent". Its speed and error against ours:
  docs/benchmarks-dsp.md.
* **Nodes visited**: split nodes on each row's path in every tree (scikit-learn
  `decision_path`), averaged; "per node visited" divides the whole C-level predict
  (leaf sums, argmax, call) by it, so it is an upper bound for the walk itself.
"""


if __name__ == "__main__":
    res = json.loads((ROOT / "build/bench/trees/results.json").read_text())
    n = next(iter(res.values()))["info"]["n_rows"]
    write(res, n, float(sys.argv[1]) if len(sys.argv) > 1 else 0)
