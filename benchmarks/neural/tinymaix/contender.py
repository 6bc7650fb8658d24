"""emlearn-micropython's TinyMaix CNN module as a benchmark contender, built
from fetched snapshots (nothing of it is committed here):

    fetch github:emlearn/emlearn-micropython   -> /work/.mirror/emlearn+emlearn-micropython/repo
    fetch github:jonnor/TinyMaix               -> /work/.mirror/jonnor+TinyMaix/repo (its submodule)
    (github:sipeed/TinyMaix serves when the fork is absent but holds the commit)

snapshot() exports src/tinymaix_cnn and TinyMaix at the commit the submodule
pins into build/contenders/tinymaix; module(arch) builds the native module
with emlearn-micropython's own Makefile and the rig's MicroPython source;
convert(tflite, ...) runs TinyMaix's own converter (tools/tflite2tmdl.py) on
the installed TensorFlow. Each says why in Absent when it cannot.
"""
import os
import subprocess
import sys
from pathlib import Path

from microlearn.rig import build, paths

MIRROR = Path("/work/.mirror")  # where `fetch` puts snapshots
EMLEARN_MP = "emlearn+emlearn-micropython"
TINYMAIX = ("jonnor+TinyMaix", "sipeed+TinyMaix")
SUBMODULE = "dependencies/TinyMaix"
MODULE = "emlearn_cnn"  # the Makefile's MOD


class Absent(Exception):
    """The contender cannot be measured here; the message says why."""


def _git(repo: Path, *args) -> subprocess.CompletedProcess:
    return subprocess.run(["git", f"--git-dir={_git_dir(repo)}", *args], capture_output=True)


def _git_dir(repo: Path) -> Path:
    return repo / ".git" if (repo / ".git").exists() else repo


def _has(repo: Path) -> bool:
    return (_git_dir(repo) / "HEAD").exists()


def _export(repo: Path, commit: str, paths_: list, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    archive = _git(repo, "archive", commit, *paths_)
    if archive.returncode != 0:
        raise Absent(f"git archive {commit} of {repo} failed: {archive.stderr.decode().strip()[:160]}")
    subprocess.run(["tar", "-x", "-C", str(out)], input=archive.stdout, check=True)


def snapshot(mirror: Path = MIRROR) -> dict:
    """{"src": module folder, "tinymaix": TinyMaix tree, "commits": {...}},
    exported once per pair of commits; Absent without the snapshots."""
    emp = mirror / EMLEARN_MP / "repo"
    if not _has(emp):
        raise Absent("no snapshot: run fetch github:emlearn/emlearn-micropython")
    head = _git(emp, "rev-parse", "HEAD").stdout.decode().strip()
    tree = _git(emp, "ls-tree", "HEAD", SUBMODULE).stdout.decode().split()
    if len(tree) < 3:
        raise Absent(f"emlearn-micropython {head[:10]} has no {SUBMODULE} submodule")
    pinned = tree[2]
    repo = next((r for r in (mirror / name / "repo" for name in TINYMAIX)
                 if _has(r) and _git(r, "cat-file", "-e", pinned).returncode == 0), None)
    if repo is None:
        raise Absent(f"no snapshot of TinyMaix holding commit {pinned[:10]}: run fetch github:jonnor/TinyMaix")
    out = paths.build_dir() / "contenders" / "tinymaix" / f"{head[:10]}-{pinned[:10]}"
    src, tm = out / "emlearn-micropython" / "src" / "tinymaix_cnn", out / "TinyMaix"
    if not (tm / "tools" / "tflite2tmdl.py").exists():
        _export(emp, head, ["src/tinymaix_cnn"], out / "emlearn-micropython")
        _export(repo, pinned, ["include", "src", "tools/tflite2tmdl.py", "tools/tflite_reader.py"], tm)
    return {"src": src, "tinymaix": tm, "out": out,
            "commits": {"emlearn-micropython": head, "TinyMaix": f"{repo.parent.name.replace('+', '/')} {pinned}"}}


def module(snap: dict, arch: str) -> Path:
    """The folder holding emlearn_cnn.mpy built for arch (its int8 config);
    Absent naming the linker's complaint when it does not build."""
    lib = snap["out"] / "lib" / arch
    mpy = lib / f"{MODULE}.mpy"
    if mpy.exists():
        return lib
    lib.mkdir(parents=True, exist_ok=True)
    obj = snap["out"] / "obj" / arch
    build.build_mpy_cross()
    proc = subprocess.run(["make", "-C", str(snap["src"]), f"ARCH={arch}", f"MPY_DIR={build.fetch_source()}",
                           f"BUILD={obj}", f"TINYMAIX_DIR={snap['tinymaix']}", "CONFIG=int8",
                           f"CONFIG_DIR={snap['src'] / 'int8'}", f"PYTHON={build._python_for_mpy_ld()}",
                           f"{MODULE}.mpy"], capture_output=True, text=True)
    built = snap["src"] / f"{MODULE}.mpy"
    if proc.returncode != 0 or not built.exists():
        lines = (proc.stdout + proc.stderr).strip().splitlines()
        why = next((ln for ln in reversed(lines) if "Error: " in ln),
                   next((ln for ln in reversed(lines) if "rror" in ln), lines[-1] if lines else "no output"))
        raise Absent(f"does not build for {arch}: {why.strip()[:200]}")
    os.replace(built, mpy)
    return lib


# The converter imports Keras 2's ImageDataGenerator at the top of
# tflite_reader.py (unused by the conversion; gone from Keras 3): supply the
# name, then run the script as its command line does.
_CONVERT = """
import runpy, sys
import keras.preprocessing.image as image
image.ImageDataGenerator = None
sys.path.insert(0, TOOLS)
sys.argv = ARGV
runpy.run_path(TOOLS + "/tflite2tmdl.py", run_name="__main__")
"""


def convert(snap: dict, tflite: Path, tmdl: Path, in_dims, out_dims) -> str:
    """TinyMaix's tflite2tmdl.py: int8, outputs dequantized; its log."""
    tools = str(snap["tinymaix"] / "tools")
    argv = ["tflite2tmdl.py", str(tflite), str(tmdl), "int8", "1", ",".join(map(str, in_dims)),
            ",".join(map(str, out_dims))]
    code = _CONVERT.replace("TOOLS", repr(tools)).replace("ARGV", repr(argv))
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmdl.parent, env=env)
    if proc.returncode != 0 or not tmdl.exists():
        raise Absent(f"tflite2tmdl.py failed: {(proc.stdout + proc.stderr).strip().splitlines()[-1][:200]}")
    return proc.stdout


# TinyMaix's layers work in fixed-size global arrays (tm_layers.c; sizes from
# tm_port.h): the im2col buffer, the per-channel scales, the kernel offsets.
WORKING_ARRAYS = ("sbuf", "sumscale", "k_oft")


def working_arrays(snap: dict, arch: str) -> int:
    """Bytes of TinyMaix's global working arrays in the module built for arch
    (RAM from import on: a native module's data lives in the heap)."""
    obj = snap["out"] / "obj" / arch / "mod_cnn.o"
    proc = subprocess.run(["nm", "-S", str(obj)], capture_output=True, text=True)
    sizes = {f[3]: int(f[1], 16) for f in (ln.split() for ln in proc.stdout.splitlines()) if len(f) == 4}
    if proc.returncode != 0 or not set(WORKING_ARRAYS) <= set(sizes):
        raise Absent(f"nm found no {', '.join(WORKING_ARRAYS)} in {obj}")
    return sum(sizes[name] for name in WORKING_ARRAYS)
