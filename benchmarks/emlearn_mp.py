"""emlearn-micropython (github.com/emlearn/emlearn-micropython), the system
issue 12 measures us against, rebuilt from a fetched snapshot of its repository
with the rig's MicroPython: its trees, FFT, float IIR and q15 IIR native
modules, for each architecture asked, under build/contenders/emlearn-micropython/.

    import emlearn_mp
    b = emlearn_mp.build("armv7m")      # {"lib", "mpy": {module: bytes}, "failed": {module: why}} or {"absent": why}
    emlearn_mp.import_ram("cortex-m3", b["lib"], "emlearn_iir")   # heap bytes to import it

The snapshot (`fetch github:emlearn/emlearn-micropython`) is not part of this
repository and the scripts never fetch it: without it every figure reads
"absent". Its q15 IIR links two files of ARM's CMSIS-DSP, a git submodule of
that repository; they are exported from a CMSIS-DSP snapshot
(`fetch github:ARM-software/CMSIS-DSP`) at the commit the submodule pins, with
the patch its Makefile applies. Built as its Makefiles build them (`make all`),
with two differences: MPY_DIR and CMSIS_DSP_DIR point at our trees, and
fixed=True builds the q15 IIR with its one allocation bug fixed
(`m_malloc(sizeof(q15_t)*n_stages)` for a buffer of 6 * n_stages values, see
docs/benchmarks-dsp.md), so that its speed and error can be measured at all.
"""
import os
import subprocess
import sys
from pathlib import Path

from microlearn.rig import build as rig_build
from microlearn.rig import paths

SNAPSHOT = Path(os.environ.get("EMLEARN_MP", "/work/.mirror/emlearn+emlearn-micropython/repo"))
CMSIS_SNAPSHOT = Path(os.environ.get("EMLEARN_MP_CMSIS_DSP", "/work/.mirror/ARM-software+CMSIS-DSP/repo"))
MODULES = ("emlearn_trees", "emlearn_fft", "emlearn_iir", "emlearn_iir_q15")
# The CMSIS-DSP files emlearn_iir_q15's Makefile compiles, and what they include.
CMSIS_FILES = ("Include", "PrivateInclude", "Source/FilteringFunctions/arm_biquad_cascade_df1_q15.c",
               "Source/FilteringFunctions/arm_biquad_cascade_df1_init_q15.c")
ALLOC_BUG = "m_malloc(sizeof(q15_t)*n_stages)"
ALLOC_FIX = "m_malloc(sizeof(q15_t)*n_values)"


def _git(git_dir, *args):
    return subprocess.run(["git", f"--git-dir={git_dir}", *args], capture_output=True, check=True).stdout


def snapshot_commit():
    """Short commit of the snapshot, or None when it is absent."""
    if not (SNAPSHOT / "HEAD").exists():
        return None
    return _git(SNAPSHOT, "rev-parse", "--short", "HEAD").decode().strip()


def _export(git_dir, commit, paths_, into):
    into.mkdir(parents=True, exist_ok=True)
    archive = _git(git_dir, "archive", commit, *paths_)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)


def _cmsis_dsp(work):
    """CMSIS-DSP at the commit emlearn-micropython pins, patched as its Makefile
    does; (dir, commit) or (None, why)."""
    line = _git(SNAPSHOT, "ls-tree", "HEAD", "dependencies/CMSIS-DSP").decode().split()
    if len(line) < 3:
        return None, "its CMSIS-DSP submodule is not in the snapshot"
    commit = line[2]
    if not (CMSIS_SNAPSHOT / "HEAD").exists():
        return None, f"no CMSIS-DSP snapshot at {CMSIS_SNAPSHOT} (its q15 IIR links CMSIS-DSP {commit[:7]})"
    try:
        _git(CMSIS_SNAPSHOT, "cat-file", "-e", commit)
    except subprocess.CalledProcessError:
        return None, f"the CMSIS-DSP snapshot lacks {commit[:7]}, the commit emlearn-micropython pins"
    out = work / "CMSIS-DSP"
    if not (out / ".patched").exists():
        subprocess.run(["rm", "-rf", str(out)], check=True)
        _export(CMSIS_SNAPSHOT, commit, CMSIS_FILES, out)
        patch = _git(SNAPSHOT, "show", "HEAD:dependencies/df1_q15_disable_dsp.patch")
        # GIT_DIR names no repository: git apply then patches the folder as plain `patch` would
        subprocess.run(["git", "apply", "-p1", "-"], cwd=out, input=patch, check=True,
                       env=dict(os.environ, GIT_DIR=str(out / "no-repository")))
        (out / ".patched").write_text(commit + "\n")
    return out, commit[:7]


def build(arch, fixed=False, modules=MODULES):
    """Builds each of modules for arch (fixed: the q15 IIR's allocation
    fixed); {"lib": dir of the .mpy files, "mpy": {module: bytes}, "failed":
    {module: the build's last line}, "commit", "cmsis_dsp"} or {"absent": why}."""
    commit = snapshot_commit()
    if commit is None:
        return {"absent": f"no snapshot of github:emlearn/emlearn-micropython at {SNAPSHOT}"}
    work = paths.build_dir() / "contenders" / "emlearn-micropython"
    src = work / (f"src-{arch}" + ("-fixed" if fixed else ""))
    subprocess.run(["rm", "-rf", str(src)], check=True)
    _export(SNAPSHOT, "HEAD", ["src"], src)
    lib = work / (f"lib-{arch}" + ("-fixed" if fixed else ""))
    subprocess.run(["rm", "-rf", str(lib)], check=True)
    lib.mkdir(parents=True)
    cmsis, cmsis_note = _cmsis_dsp(work)
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    res = {"lib": lib, "mpy": {}, "failed": {}, "commit": commit, "cmsis_dsp": cmsis_note}
    for module in modules:
        d = src / "src" / module
        args = ["make", "all", f"MPY_DIR={rig_build.fetch_source()}", f"ARCH={arch}"]
        if module == "emlearn_iir_q15":
            if cmsis is None:
                res["failed"][module] = cmsis_note
                continue
            args.append(f"CMSIS_DSP_DIR={cmsis}")
            if fixed:
                c = d / "iir_filter.c"
                text = c.read_text()
                if ALLOC_BUG not in text:
                    res["failed"][module] = "its allocation is not the one this fix knows (a newer snapshot?)"
                    continue
                c.write_text(text.replace(ALLOC_BUG, ALLOC_FIX))
        r = subprocess.run(args, cwd=d, env=env, capture_output=True, text=True)
        mpy = d / f"{module}.mpy"
        if r.returncode != 0 or not mpy.exists():
            res["failed"][module] = _why(r.stdout + r.stderr)
            continue
        (lib / mpy.name).write_bytes(mpy.read_bytes())
        res["mpy"][module] = mpy.stat().st_size
    return res


def _why(log):
    """A build failure in a few words: mpy_ld's refusal or the last line."""
    lines = [ln.strip() for ln in log.strip().splitlines() if ln.strip()]
    for ln in lines:
        if "absolute relocations" in ln.lower():
            return "does not link: absolute relocations (mpy_ld)"
    return (lines[-1] if lines else "no output")[:160]


def import_ram(target, lib, module):
    """Heap bytes (gc.mem_alloc()) to import module on target, or None."""
    import harness
    return harness.import_ram(target, [lib], module, before="pass", package="").get("module")
