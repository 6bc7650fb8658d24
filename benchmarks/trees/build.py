"""Builds the per-case C artefacts: the _bench_trees native module (per arch) and the
minimal Cortex-M images whose size is "flash bytes of model + code"."""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent


def _env():
    return dict(os.environ, PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"])


def natmod(case_dir: Path, arch: str, mpy_dir: Path) -> Path:
    """_bench_trees.mpy for one case and arch, built with device/natmod.mk (same
    compiler and flags as microlearn's own _trees module)."""
    import emlearn
    work = case_dir / f"natmod-{arch}"
    lib = case_dir / f"lib-{arch}"
    out = lib / "_bench_trees.mpy"
    srcs = [HERE / "natmod/bench.c", HERE / "natmod/bench_engine.cpp", ROOT / "device/natmods/libc.c"]
    deps = srcs + [case_dir / "case.h", case_dir / "eml_inline.h"] + list((ROOT / "include/microlearn").rglob("*.hpp"))
    if out.exists() and all(out.stat().st_mtime >= p.stat().st_mtime for p in deps if p.exists()):
        return lib
    work.mkdir(parents=True, exist_ok=True)
    lib.mkdir(parents=True, exist_ok=True)
    for s in srcs:
        shutil.copyfile(s, work / s.name)
    # dynruntime.mk's .c rule depends on a file named Makefile in the build folder
    (work / "Makefile").write_text("# placeholder: see benchmarks/trees/build.py\n")
    libc = "" if arch == "rv32imc" else "libc.c"
    cmd = ["make", "-s", "-C", str(work), "-f", str(ROOT / "device/natmod.mk"), f"MPY_DIR={mpy_dir}",
           f"PYTHON={sys.executable}", f"ARCH={arch}", "MOD=_bench_trees", f"SRC=bench.c {libc}",
           "SRC_CXX=bench_engine.cpp", f"BUILD={work}/obj", f"CONFIG_H={work}/obj/_bench_trees.config.h",
           f"NATMOD_CFLAGS=-I{case_dir} -I{emlearn.includedir} -fno-jump-tables -Wno-unused-function -Wno-unused-variable -Wno-unused-but-set-variable"]
    r = subprocess.run(cmd, env=_env(), capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"building _bench_trees for {arch} failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
    shutil.move(str(work / "_bench_trees.mpy"), out)
    return lib


ARM_FLAGS = {"armv7m": ["-mthumb", "-mcpu=cortex-m3"], "armv6m": ["-mthumb", "-mcpu=cortex-m0"]}


def flash_image(case_dir: Path, which: str, arch: str = "armv7m", i16: bool = False) -> dict:
    """Links a minimal program (entry -> load/predict) with --gc-sections and returns
    arm-none-eabi-size's text/data/bss. `which`: ml, eml_loadable, eml_inline."""
    import emlearn
    work = case_dir / "flash"
    work.mkdir(exist_ok=True)
    name = f"{which}{'_i16' if i16 else ''}-{arch}"
    elf = work / f"{name}.elf"
    defs = [f"-DFLASH_{which.upper()}"]
    inc = [f"-I{case_dir}", f"-I{ROOT / 'include'}", f"-I{emlearn.includedir}"]
    common = ARM_FLAGS[arch] + ["-Os", "-ffunction-sections", "-fdata-sections", "-Wall"]
    objs = []
    if which == "ml":
        hdr = work / "ml_model.h"
        shutil.copyfile(case_dir / ("ml_model_i16.h" if i16 else "ml_model.h"), hdr)
        defs.append(f"-DFEATURE_TYPE={'ML_I16' if i16 else 'ML_F32'}")
        eng = work / f"engine-{arch}.o"
        subprocess.run(["arm-none-eabi-g++", *common, "-std=c++17", "-fno-exceptions", "-fno-rtti",
                        "-fno-threadsafe-statics", "-DNDEBUG", *inc, "-c", str(HERE / "natmod/bench_engine.cpp"),
                        "-o", str(eng)], check=True)
        objs.append(str(eng))
        inc.insert(0, f"-I{work}")
    main = work / f"{name}.o"
    subprocess.run(["arm-none-eabi-gcc", *common, "-std=c11", *defs, *inc, "-c", str(HERE / "natmod/flash_main.c"),
                    "-o", str(main)], check=True)
    subprocess.run(["arm-none-eabi-gcc", *ARM_FLAGS[arch], "-nostdlib", "-Wl,--gc-sections", "-Wl,-e,entry",
                    "-o", str(elf), str(main), *objs, "-lc", "-lgcc"], check=True)
    out = subprocess.run(["arm-none-eabi-size", str(elf)], check=True, capture_output=True, text=True).stdout
    text, data, bss = map(int, out.splitlines()[1].split()[:3])
    return {"text": text, "data": data, "bss": bss, "flash": text + data}


def mpy_cross(src: Path, mpy_dir: Path) -> Path:
    """Bytecode .mpy of a .py (what one would copy to a device)."""
    out = src.with_suffix(".mpy")
    if out.exists() and out.stat().st_mtime >= src.stat().st_mtime:
        return out
    exe = mpy_dir / "mpy-cross/build/mpy-cross"
    r = subprocess.run([str(exe), "-o", str(out), str(src)], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"mpy-cross {src.name}: {r.stderr.strip()[-500:]}")
    return out
