"""TensorFlow Lite Micro's reference kernels against microlearn: the int8
models of docs/benchmarks-neural-int8.md and the MNIST-like CNNs of
docs/benchmarks-tinymaix.md, each invoked by TFLM from a bare-metal C++
program (benchmarks/neural/tflm/) on the rig's boards. Writes
docs/benchmarks-tflm.md:

    .venv/bin/python benchmarks/neural/bench_tflm.py --write docs/benchmarks-tflm.md
        [--targets unix,cortex-m0,cortex-m3,cortex-m4f] [--cases conv2d,cnn-gap] [--json raw.json]

TFLM is not part of this repository and nothing here needs it to build or
test: its sources come from fetched snapshots (`fetch github:tensorflow/tflite-micro`,
github:google/flatbuffers, github:google/gemmlowp, github:google/ruy, bare git
directories under /work/.mirror or $TFLM_MIRROR), exported at the revisions
TFLM's download scripts pin into build/contenders/tflm, with TFLM's
flatbuffers patch applied. Without them the script says so and writes nothing.

Per target and model: instructions per invoke (each of ROWS rows: its bytes
copied into the input tensor and MicroInterpreter::Invoke(), between the
rig's markers: QEMU's insn_count plugin on the mps2 boards, callgrind on x64;
the sum over the rows divided by ROWS), MACs per instruction,
arena_used_bytes(), the program's bytes (arm-none-eabi-size) and whether the
int8 output bytes equal LiteRT's reference kernels' (BUILTIN_REF) on the same
inputs. microlearn's figures for the same models are read from the pages
docs/benchmarks-neural-int8.md and docs/benchmarks-tinymaix.md (their own
scripts measure them, from MicroPython).
"""
import argparse
import contextlib
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "python"))

from microlearn.rig import build, paths  # noqa: E402
from microlearn.rig.count import _callgrind_total  # noqa: E402
from microlearn.rig.targets import get_target  # noqa: E402

TARGETS = ("unix", "cortex-m0", "cortex-m3", "cortex-m4f")
ROWS = 3
ARENA = 256 * 1024  # the static arena each program gives the interpreter (it reports what it used)
MIRROR = Path(os.environ.get("TFLM_MIRROR", "/work/.mirror"))
TREE = paths.build_dir() / "contenders" / "tflm"
OUT = paths.build_dir() / "bench" / "tflm"
FETCH = ("fetch github:tensorflow/tflite-micro, github:google/flatbuffers, github:google/gemmlowp and "
         "github:google/ruy")
# The resolver's method per TFLite builtin op (tflm/Makefile compiles these ops' kernels).
RESOLVER = {"CONV_2D": "AddConv2D", "DEPTHWISE_CONV_2D": "AddDepthwiseConv2D", "FULLY_CONNECTED": "AddFullyConnected",
            "MAX_POOL_2D": "AddMaxPool2D", "AVERAGE_POOL_2D": "AddAveragePool2D", "MEAN": "AddMean",
            "SOFTMAX": "AddSoftmax", "RELU": "AddRelu", "RELU6": "AddRelu6", "RESHAPE": "AddReshape",
            "QUANTIZE": "AddQuantize", "DEQUANTIZE": "AddDequantize", "LOGISTIC": "AddLogistic", "ADD": "AddAdd",
            "MUL": "AddMul", "PAD": "AddPad", "SHAPE": "AddShape", "STRIDED_SLICE": "AddStridedSlice",
            "PACK": "AddPack"}


def mirror(owner_name: str) -> Path:
    return MIRROR / owner_name.replace("/", "+") / "repo"


def git(git_dir: Path, *args, **kw):
    return subprocess.run(["git", f"--git-dir={git_dir}", *args], capture_output=True, check=True, **kw).stdout


def pins(tflm: Path) -> dict:
    """owner/name -> the revision TFLM's download scripts fetch."""
    inc = git(tflm, "show", "HEAD:tensorflow/lite/micro/tools/make/third_party_downloads.inc").decode()
    fb = git(tflm, "show", "HEAD:tensorflow/lite/micro/tools/make/flatbuffers_download.sh").decode()
    return {"google/gemmlowp": re.search(r"gemmlowp/archive/([0-9a-f]{40})\.zip", inc).group(1),
            "google/ruy": re.search(r"ruy/archive/([0-9a-f]{40})\.zip", inc).group(1),
            "google/flatbuffers": re.search(r'ZIP_PREFIX="(v[0-9.]+)"', fb).group(1)}


def tflm_tree():
    """build/contenders/tflm with tflite-micro, flatbuffers (TFLM's patch applied),
    gemmlowp and ruy; (tree, {repo: revision}) or (None, why) when a snapshot is absent."""
    tflm = mirror("tensorflow/tflite-micro")
    missing = [r for r in ("tensorflow/tflite-micro", "google/flatbuffers", "google/gemmlowp", "google/ruy")
               if not (mirror(r) / "HEAD").exists()]
    if missing:
        return None, f"absent: no snapshot of {', '.join(missing)} under {MIRROR} ({FETCH})"
    revs = {"tensorflow/tflite-micro": git(tflm, "rev-parse", "HEAD").decode().strip(), **pins(tflm)}
    stamp = TREE / "revisions.json"
    if stamp.exists() and json.loads(stamp.read_text()) == revs:
        return TREE, revs
    for repo, rev in revs.items():
        out = TREE / repo.split("/")[1]
        subprocess.run(["rm", "-rf", str(out)], check=True)
        out.mkdir(parents=True)
        subprocess.run(["tar", "-x", "-C", str(out)], input=git(mirror(repo), "archive", rev), check=True)
    patch = TREE / "tflite-micro" / "tensorflow/lite/micro/tools/make/flatbuffers.patch"
    subprocess.run(["patch", "-p1", "-s", "-i", str(patch)], cwd=TREE / "flatbuffers", check=True)
    stamp.write_text(json.dumps(revs))
    return TREE, revs


def op_names(tfl: bytes) -> list:
    """The builtin ops of a .tflite model, by name."""
    import tflite
    names = {v: k for k, v in vars(tflite.BuiltinOperator).items() if not k.startswith("_")}
    m = tflite.Model.GetRootAsModel(tfl, 0)
    return [names[max(m.OperatorCodes(i).BuiltinCode(), m.OperatorCodes(i).DeprecatedBuiltinCode())]
            for i in range(m.OperatorCodesLength())]


def c_bytes(data: bytes) -> str:
    return ",\n".join(", ".join(str(b) for b in data[i:i + 24]) for i in range(0, len(data), 24))


def model_header(tfl: bytes, mlm: bytes, rows: np.ndarray) -> str:
    """model.h of tflm_bench.cc and ml_bench.c: both models' bytes (each program keeps the one it uses), the
    input rows, the resolver's ops."""
    ops = op_names(tfl)
    unknown = [o for o in ops if o not in RESOLVER]
    if unknown:
        raise SystemExit(f"no resolver method for {unknown}: add them to RESOLVER and tflm/Makefile's KERNELS")
    return (f"// generated by benchmarks/neural/bench_tflm.py\n#include <stdint.h>\n"
            f"#define TFLM_OPS(X) {' '.join(f'X({RESOLVER[o]})' for o in ops)}\n#define TFLM_N_OPS {len(ops)}\n"
            f"#define TFLM_ARENA_BYTES {ARENA}\n#define TFLM_ROWS {len(rows)}\n"
            f"#define TFLM_INPUT_BYTES {rows[0].nbytes}\n"
            f"__attribute__((aligned(16))) const unsigned char tflm_model[] = {{\n{c_bytes(tfl)}}};\n"
            f"__attribute__((aligned(16))) const unsigned char ml_model[] = {{\n{c_bytes(mlm)}}};\n"
            f"const unsigned char tflm_inputs[TFLM_ROWS][TFLM_INPUT_BYTES] = {{\n"
            + ",\n".join("{" + c_bytes(r.tobytes()) + "}" for r in rows) + "};\n")


def program(tree: Path, arch: str, slug: str, header: str, goal: str) -> Path:
    """The linked benchmark program of one model for arch: goal "all" TFLM's (its library built once
    per arch), "ml" microlearn's engine from C."""
    gen = OUT / arch / "models" / slug
    gen.mkdir(parents=True, exist_ok=True)
    h = gen / "model.h"
    if not h.exists() or h.read_text() != header:
        h.write_text(header)
    cmd = ["make", "-s", "-j2", "-f", str(HERE / "tflm" / "Makefile"), f"ARCH={arch}", f"TFLM={tree}",
           f"BUILD={OUT / arch}", f"MODEL={gen}", f"PROG={slug}", goal]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"building TFLM's {slug} for {arch} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
    return OUT / arch / ("ml" if goal == "ml" else "") / f"{slug}.elf"


def run(target: str, elf: Path) -> dict:
    """Runs the program on target; {"instructions": per invoke, "out": [bytes per row], "arena": used bytes}."""
    t = get_target(target)
    with tempfile.TemporaryDirectory(prefix="microlearn-tflm-") as tmp:
        tmp = Path(tmp)
        if t.kind == "unix":
            cmd = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={tmp / 'cg.out'}",
                   f"--log-file={tmp / 'vg.log'}", str(elf)]
        else:
            cmd = [t.qemu_system, "-machine", t.machine, "-display", "none", "-monitor", "null", "-serial", "null",
                   "-semihosting", "-kernel", str(elf), "-plugin",
                   f"{build.build_plugin()},outfile={tmp / 'count.txt'}"]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
        text = proc.stdout + proc.stderr
        if proc.returncode or "rows" not in text:
            raise SystemExit(f"{elf.name} on {target} failed (status {proc.returncode}):\n{text[-2000:]}")
        if t.kind == "unix":
            total, pairs = _callgrind_total(tmp / "cg.out", tmp / "vg.log"), ROWS
        else:
            report = dict(re.findall(r"(\w+)=(\d+)", (tmp / "count.txt").read_text()))
            total, pairs = int(report["instructions"]), int(report["pairs"])
    if pairs != ROWS:
        raise SystemExit(f"{elf.name} on {target}: {pairs} marker pairs, expected {ROWS}")
    return {"instructions": round(total / ROWS), "out": re.findall(r"^out ([0-9a-f]*)$", text, re.M),
            "arena": int(re.search(r"^arena_used_bytes (\d+)$", text, re.M).group(1))}


def size(arch: str, elf: Path) -> dict:
    """text, data and bss bytes of the linked program (Berkeley format of `size`)."""
    tool = "size" if arch == "x64" else "arm-none-eabi-size"
    text, data, bss = map(int, subprocess.run([tool, str(elf)], capture_output=True, text=True, check=True)
                          .stdout.splitlines()[1].split()[:3])
    return {"text": text, "data": data, "bss": bss}


def litert_int8(tfl: bytes, rows: np.ndarray):
    """LiteRT's reference kernels' (BUILTIN_REF) int8 output bytes per row (hex), and those outputs
    dequantized in float32 ((q - zero point) * scale) as float32 bytes (hex), as microlearn gives them."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
    it = Interpreter(model_content=tfl, experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
    it.allocate_tensors()
    i, o = it.get_input_details()[0], it.get_output_details()[0]
    scale, zero = o["quantization"]
    q, f = [], []
    for r in rows:
        it.set_tensor(i["index"], r.reshape(i["shape"]))
        it.invoke()
        y = it.get_tensor(o["index"]).ravel()
        q.append(y.tobytes().hex())
        f.append(((y.astype(np.float32) - np.float32(zero)) * np.float32(scale)).astype("<f4").tobytes().hex())
    return q, f


def float_diff(a: list, b: list) -> float:
    """Max abs. difference of float32 rows given as hex."""
    return max(float(np.max(np.abs(np.frombuffer(bytes.fromhex(x), "<f4") - np.frombuffer(bytes.fromhex(y), "<f4"))))
               for x, y in zip(a, b))


def cases(words):
    """name -> (int8 .tflite bytes, ROWS int8 input rows, MACs, microlearn page and row)."""
    import bench_int8
    import bench_tinymaix as tm
    res = {}
    rng = np.random.default_rng(1)
    for name, (model, shape, macs) in bench_int8.keras_cases().items():
        if words and not any(w in name for w in words):
            continue
        from microlearn.converters.neural import quantize
        X = np.random.default_rng(0).normal(size=(32,) + shape).astype(np.float32)  # bench_int8.convert's calibration
        with contextlib.redirect_stdout(sys.stderr):
            tfl = quantize.to_tflite(model, calibration=X, io_dtype="int8")
        rows = rng.integers(-128, 128, size=(ROWS,) + shape, dtype=np.int8)
        res[name] = (tfl, rows, macs, "benchmarks-neural-int8.md")
    split = None
    for name in ("cnn-gap", "cnn-flatten"):
        if words and not any(w in name for w in words):
            continue
        if split is None:
            Xtr, Xte, ytr, yte = tm.data()
            split = (Xtr, ytr, Xte, yte)
        layers, macs = tm.MODELS[name]
        tfl, _ = tm.tflite_model(layers, split)
        rows = (split[2][:ROWS].astype(np.int16) - 128).astype(np.int8)[..., None]  # held-out images, as tm.litert
        res[name] = (tfl, rows, macs, "benchmarks-tinymaix.md")
    return res


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:40]


def measure(targets, words):
    tree, revs = tflm_tree()
    if tree is None:
        return None, revs
    import microlearn
    res = {"revisions": revs, "cases": {}}
    for name, (tfl, rows, macs, page) in cases(words).items():
        ref_q, ref_f = litert_int8(tfl, rows)
        ml = microlearn.convert(tfl)
        c = res["cases"][name] = {"macs": macs, "tflite_bytes": len(tfl), "mlm_bytes": ml.size,
                                  "input_bytes": int(rows[0].nbytes), "ops": op_names(tfl), "page": page,
                                  "targets": {}}
        header = model_header(tfl, ml.to_bytes(), rows)
        for t in targets:
            arch = get_target(t).arch
            elf = program(tree, arch, slug(name), header, "all")
            r = run(t, elf)
            c["targets"][t] = {"instructions": r["instructions"], "arena": r["arena"], "equal": r["out"] == ref_q,
                               **size(arch, elf)}
            elf = program(tree, arch, slug(name), header, "ml")
            r = run(t, elf)
            c["targets"][t]["ml"] = {"instructions": r["instructions"], "arena": r["arena"],
                                     "max_diff": float_diff(r["out"], ref_f), **size(arch, elf)}
            print(f"{t:10s} {name}: {c['targets'][t]}", file=sys.stderr, flush=True)
    return res, None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--targets", default=",".join(TARGETS))
    ap.add_argument("--cases", help="only the models whose name contains one of these comma-separated words")
    ap.add_argument("--write", help="write the page here (nothing is written when TFLM is absent)")
    ap.add_argument("--json", help="also write the raw results here")
    ap.add_argument("--from-json", help="write the page from these raw results instead of measuring")
    a = ap.parse_args()
    targets = a.targets.split(",")
    if a.from_json:
        res = json.loads(Path(a.from_json).read_text())
    else:
        res, why = measure(targets, a.cases.split(",") if a.cases else None)
        if res is None:
            print(f"TFLite Micro {why}: skipped, nothing written", file=sys.stderr)
            return
    if a.json:
        Path(a.json).write_text(json.dumps(res, indent=1))
    page = report(res, targets)
    if a.write:
        Path(a.write).write_text(page)
    else:
        print(page, end="")


TNAME = {"unix": "unix (x64, callgrind)", "cortex-m0": "Cortex-M0 (armv6m code on QEMU's mps2-an385)",
         "cortex-m3": "Cortex-M3 (QEMU mps2-an385)", "cortex-m4f": "Cortex-M4F (QEMU mps2-an386)"}


def micropython_counts(name: str, page: str) -> dict:
    """target -> instructions per predict() from MicroPython on page (docs/), as its own script measured
    them; {} if the page has no such row."""
    text = (ROOT / "docs" / page).read_text()
    if page == "benchmarks-tinymaix.md":  # "## cnn-gap" ... "| microlearn | a | b | c | d |"
        m = re.search(rf"^## {re.escape(name)}\n.*?^\| instructions per predict \|(.*?)\|\n.*?^\| microlearn \|(.*?)\|$",
                      text, re.M | re.S)
    else:  # "| model | MACs | arena | model bytes | unix | ... |" ... "| name | ... |"
        head = re.search(r"^\| model \| MACs \| arena bytes \| model bytes \|(.*)\|$", text, re.M)
        row = re.search(rf"^\| {re.escape(name)} \| [^|]* \| [^|]* \| [^|]* \|(.*)\|$", text, re.M)
        m = head and row and (head, row)
    if not m:
        return {}
    heads, cells = (m.group(1), m.group(2)) if page == "benchmarks-tinymaix.md" else (m[0].group(1), m[1].group(1))
    return {h.strip(): int(c.split("(")[0].strip().replace(",", "")) for h, c in zip(heads.split("|"), cells.split("|"))
            if c.split("(")[0].strip().replace(",", "").isdigit()}


def code_bytes(c: dict, t: dict, model_bytes: int) -> int:
    """A program's text + data without its model and input rows (what the runtime and kernels take)."""
    return t["text"] + t["data"] - model_bytes - ROWS * c["input_bytes"]


def report(res, targets):
    revs = res["revisions"]
    tm = revs["tensorflow/tflite-micro"][:10]
    L = ["# Benchmark: int8 networks, microlearn vs TensorFlow Lite Micro's reference kernels", "",
         "Reproduce (needs the rig, docs/rig.md, and TFLM from fetched snapshots, below; without them the script "
         "says so and writes nothing):", "",
         "<!-- test: skip runs the benchmark (minutes of emulation); this page is its output -->", "```",
         ".venv/bin/python benchmarks/neural/bench_tflm.py --write docs/benchmarks-tflm.md", "```", "",
         f"TFLM contender: tensorflow/tflite-micro {tm} with its **reference kernels** (no CMSIS-NN, no "
         f"`OPTIMIZED_KERNEL_DIR`), flatbuffers {revs['google/flatbuffers']} with TFLM's patch, gemmlowp "
         f"{revs['google/gemmlowp'][:10]} and ruy {revs['google/ruy'][:10]} (the revisions TFLM's download "
         "scripts pin), exported from `fetch`ed snapshots into build/contenders/tflm; nothing of it is in this "
         "repository. Built by benchmarks/neural/tflm/Makefile with TFLM's release defines (`NDEBUG`, "
         "`TF_LITE_STRIP_ERROR_STRINGS`, `TF_LITE_STATIC_MEMORY`), every file `-Os -ffunction-sections "
         "-fdata-sections` (TFLM's own Makefile builds its kernels `-O2`), GCC 12.2 (`arm-none-eabi-g++` for "
         "the boards, the host's `g++` for x64), linked `--gc-sections` with a `MicroMutableOpResolver` of the "
         "model's ops only.", "",
         "Each model is a bare-metal program (benchmarks/neural/tflm/: `tflm_bench.cc` for TFLM, `ml_bench.c` "
         "for microlearn's engine through its C API, the same `startup.c`, linker script and input rows) run on "
         "the rig's QEMU boards (semihosting for output; the Cortex-M0 column is armv6m code on the mps2-an385, "
         "as the rig runs it) and under callgrind on x64. Instructions per inference: each of "
         f"{ROWS} rows between the rig's markers, summed and divided by {ROWS}: for TFLM `memcpy` of the row "
         "into the input tensor and `MicroInterpreter::Invoke()`; for microlearn `ml_neural_input_s8()` and "
         "`ml_neural_run()` (the engine unit of the `_neural_int8_cnn` device module, compiled with "
         "device/natmod.mk's flags, without `-fpic`). Both leave their int8 outputs in their arena: "
         "**like for like**. The \"from MicroPython\" column is microlearn's `predict(x, out)` as "
         "docs/benchmarks-neural-int8.md and docs/benchmarks-tinymaix.md measure it: it adds the MicroPython "
         "call, the checks of the arrays and the float outputs (about 165,000 instructions on the Cortex-M4F "
         "and 678,000 on the Cortex-M0 for the 4,096 outputs of the 16x16x16 rows, the ReLU row of that page).",
         "",
         "Models: the int8 rows of docs/benchmarks-neural-int8.md (Keras layers quantized by TFLiteConverter, "
         f"int8 in/out, random int8 input rows) and the MNIST-like CNNs of docs/benchmarks-tinymaix.md (trained "
         f"on scikit-learn's digits upscaled to 28x28, its first {ROWS} held-out images). MACs count the "
         "(output, tap) pairs inside the input.", ""]
    cases = res["cases"]
    for t in targets:
        if not any(t in c["targets"] for c in cases.values()):
            continue
        L += [f"## {TNAME[t]}", "",
              "| model | MACs | TFLM instructions (MAC/instr.) | microlearn from C | TFLM / microlearn | "
              "microlearn from MicroPython | TFLM code bytes | microlearn code bytes |",
              "|---|---:|---:|---:|---:|---:|---:|---:|"]
        for name, c in cases.items():
            r = c["targets"].get(t)
            if not r:
                continue
            ml, macs = r["ml"], c["macs"]

            def rate(n):
                return f"{n:,} ({macs / n:.2f})" if macs else f"{n:,}"
            mp = micropython_counts(name, c["page"]).get(t)
            L.append(f"| {name} | {macs:,} | {rate(r['instructions'])} | {rate(ml['instructions'])} | "
                     f"{r['instructions'] / ml['instructions']:.2f}x | {rate(mp) if mp else '–'} | "
                     f"{code_bytes(c, r, c['tflite_bytes']):,} | {code_bytes(c, ml, c['mlm_bytes']):,} |")
        L.append("")
    L += ["## Memory and agreement", "",
          "| model | `.tflite` bytes | `.mlm` bytes | TFLM `arena_used_bytes()` (32-bit / x64) | microlearn arena | "
          "TFLM int8 outputs equal LiteRT's | microlearn outputs: max abs. difference from LiteRT's |",
          "|---|---:|---:|---:|---:|---:|---:|"]
    for name, c in cases.items():
        rs = c["targets"]
        arm = sorted({r["arena"] for t, r in rs.items() if t != "unix"})
        x64 = rs.get("unix", {}).get("arena")
        arena = " / ".join(", ".join(f"{a:,}" for a in v) if isinstance(v, list) else f"{v:,}"
                           for v in (arm, x64) if v)
        mla = sorted({r["ml"]["arena"] for r in rs.values()})
        eq = [t for t, r in rs.items() if not r["equal"]]
        L.append(f"| {name} | {c['tflite_bytes']:,} | {c['mlm_bytes']:,} | {arena} | "
                 f"{', '.join(f'{a:,}' for a in mla)} | {'yes, on every target' if not eq else 'NO on ' + ', '.join(eq)}"
                 f" | {max(r['ml']['max_diff'] for r in rs.values()):.4g} |")
    return "\n".join(L) + "\n"


if __name__ == "__main__":
    main()
