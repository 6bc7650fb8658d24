"""Build MicroPython and the rig's helpers, idempotently.

Every step is cached: it writes a stamp file holding the exact command it ran, and a
later call with the same command and its outputs present returns at once. A changed
command (e.g. other make variables) rebuilds that step from clean. The full output
of every step goes to <build>/logs/<step>.log; on failure the tail is shown.

Steps, in dependency order:
    fetch_source()        Debian's source package of MicroPython (trixie), unpacked
    build_mpy_cross()     mpy-cross (also needed by dynruntime.mk)
    build_unix()          the unix port, VARIANT=standard
    build_qemu(board)     ports/qemu firmware for one board (MPS2_AN385 = Cortex-M3)
    build_plugin()        the QEMU TCG plugin counting instructions (insn_count.so)
    build_markers(arch)   the _markers native module for one arch
    build_natmods(arch)   <root>/device/Makefile: microlearn's device package
    setup(targets)        everything the given targets need
"""

import fcntl
import functools
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import threading
import time
from pathlib import Path
from typing import Iterable, List, Optional, Sequence

from . import paths
from .paths import MICROPYTHON_VERSION, RigError
from .targets import BOARD_HEAP_SIZE, QEMU_HEAP_SIZE, TARGETS, get_target

# Debian's upstream tarball of MicroPython 1.25.0 (no micropython-lib, hence "+ds").
ORIG_TARBALL = f"micropython_{MICROPYTHON_VERSION}+ds.orig.tar.xz"
ORIG_SHA256 = "7b25be99a502f070b2de81dafc08da7051d992325d6e67daa9045a918fffdbea"
DEB_SRC_LINE = "deb-src http://deb.debian.org/debian trixie main"
DEB_SRC_FILE = Path("/etc/apt/sources.list.d/microlearn-trixie-src.list")

JOBS = str(max(1, os.cpu_count() or 1))

# Make variables for the unix port: no frozen micropython-lib (absent from the +ds
# tarball), no btree and no TLS (their libraries are absent too).
UNIX_MAKE_VARS = [
    "VARIANT=standard",
    "FROZEN_MANIFEST=",
    "MICROPY_PY_BTREE=0",
    "MICROPY_SSL_MBEDTLS=0",
    "MICROPY_PY_SSL=0",
]


def log(msg: str) -> None:
    print(f"rig: {msg}", file=sys.stderr, flush=True)


_lock = {"depth": 0, "file": None}
_thread_lock = threading.RLock()  # threads of one process take turns first


def _locked(fn):
    """Run fn holding <build>/.rig-build.lock, so that concurrent processes (e.g.
    pytest -n) and threads build each thing once and never see it half-built.
    Re-entrant."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with _thread_lock:
            return _with_file_lock(fn, *args, **kwargs)

    return wrapper


def _with_file_lock(fn, *args, **kwargs):
    if _lock["depth"] == 0:
        paths.build_dir().mkdir(parents=True, exist_ok=True)
        _lock["file"] = open(paths.build_dir() / ".rig-build.lock", "w")
        fcntl.flock(_lock["file"], fcntl.LOCK_EX)
    _lock["depth"] += 1
    try:
        return fn(*args, **kwargs)
    finally:
        _lock["depth"] -= 1
        if _lock["depth"] == 0:
            _lock["file"].close()  # releases the lock
            _lock["file"] = None


# --------------------------------------------------------------------------- helpers


def _stamp_path(step: str) -> Path:
    return paths.stamps_dir() / f"{step}.stamp"


def _is_done(step: str, key: str, outputs: Sequence[Path]) -> bool:
    stamp = _stamp_path(step)
    return (
        stamp.is_file()
        and stamp.read_text() == key
        and all(Path(o).exists() for o in outputs)
    )


def _mark_done(step: str, key: str) -> None:
    stamp = _stamp_path(step)
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(key)


def _run_logged(step: str, cmd: List[str], cwd: Optional[Path] = None, env=None) -> None:
    """Run cmd with output to logs/<step>.log; raise RigError with the tail on failure."""
    paths.logs_dir().mkdir(parents=True, exist_ok=True)
    log_path = paths.logs_dir() / f"{step}.log"
    with open(log_path, "w") as f:
        f.write("$ " + " ".join(cmd) + "\n")
        f.flush()
        proc = subprocess.run(
            cmd, cwd=cwd, env=env, stdout=f, stderr=subprocess.STDOUT, text=True
        )
    if proc.returncode != 0:
        tail = "".join(log_path.read_text().splitlines(keepends=True)[-25:])
        raise RigError(
            f"{step} failed (exit {proc.returncode}): {' '.join(cmd)}\n"
            f"--- last lines of {log_path} ---\n{tail}"
        )


def _timed(step: str, what: str, fn) -> None:
    log(f"{what} ...")
    t0 = time.monotonic()
    fn()
    log(f"{what}: done in {time.monotonic() - t0:.1f} s")


def _require_tool(tool: str, package: str) -> None:
    if shutil.which(tool) is None:
        raise RigError(
            f"{tool} not found; install the Debian package {package} "
            f"(scripts/setup-system.sh installs everything the project needs)"
        )


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _python_for_mpy_ld() -> str:
    """An interpreter that can run MicroPython's tools/mpy_ld.py (needs pyelftools)."""
    try:
        import elftools  # noqa: F401
    except ImportError:
        raise RigError(
            "pyelftools is missing from this Python (mpy_ld.py needs it for native "
            "modules): pip install pyelftools ar"
        ) from None
    return sys.executable


# ------------------------------------------------------------------------ the source


def _apt_has_source() -> bool:
    """True when apt knows a micropython source package of our version."""
    proc = subprocess.run(
        ["apt-cache", "showsrc", "micropython"], capture_output=True, text=True
    )
    versions = [
        line.split(":", 1)[1].strip()
        for line in proc.stdout.splitlines()
        if line.startswith("Version:")
    ]
    return any(v.startswith(MICROPYTHON_VERSION + "+") for v in versions)


def _deb_src_configured() -> bool:
    files = [Path("/etc/apt/sources.list")]
    files += sorted(Path("/etc/apt/sources.list.d").glob("*.list"))
    files += sorted(Path("/etc/apt/sources.list.d").glob("*.sources"))
    for f in files:
        try:
            text = f.read_text()
        except OSError:
            continue
        for line in text.splitlines():
            words = line.split()
            if words[:1] == ["deb-src"] and "trixie" in words:
                return True
        if "deb-src" in text and "trixie" in text and f.suffix == ".sources":
            return True
    return False


def _ensure_apt_source() -> None:
    """Make `apt-get source micropython` find 1.25.0: deb-src for trixie (no deb line)."""
    if _apt_has_source():
        return
    if not _deb_src_configured():
        if os.geteuid() != 0:
            raise RigError(
                "apt has no source package micropython "
                f"{MICROPYTHON_VERSION}. As root, run:\n"
                f"  echo '{DEB_SRC_LINE}' > {DEB_SRC_FILE} && apt-get update"
            )
        log(f"adding '{DEB_SRC_LINE}' to {DEB_SRC_FILE} (source packages only)")
        DEB_SRC_FILE.write_text(DEB_SRC_LINE + "\n")
    if os.geteuid() != 0:
        raise RigError("apt lists are stale: run `apt-get update` as root")
    _timed("apt-update", "apt-get update", lambda: _run_logged(
        "apt-update", ["apt-get", "update"]))
    if not _apt_has_source():
        raise RigError(
            f"after apt-get update, apt still has no micropython {MICROPYTHON_VERSION} "
            "source package (see build/logs/apt-update.log)"
        )


def _download_tarball() -> Path:
    tarball = paths.downloads_dir() / ORIG_TARBALL
    if tarball.is_file():
        return tarball
    _require_tool("apt-get", "apt")
    _ensure_apt_source()
    paths.downloads_dir().mkdir(parents=True, exist_ok=True)
    _timed("download", "apt-get source --download-only micropython", lambda: _run_logged(
        "download",
        ["apt-get", "source", "--download-only", "micropython"],
        cwd=paths.downloads_dir(),
    ))
    if not tarball.is_file():
        found = sorted(p.name for p in paths.downloads_dir().glob("micropython_*"))
        raise RigError(
            f"apt-get source did not produce {ORIG_TARBALL} (got: {found}); "
            f"the rig is pinned to MicroPython {MICROPYTHON_VERSION}"
        )
    return tarball


@_locked
def fetch_source() -> Path:
    """Download (via apt, once) and unpack MicroPython's source; return its folder."""
    src = paths.micropython_dir()
    key = f"unpack {ORIG_TARBALL} sha256={ORIG_SHA256}"
    if _is_done("source", key, [src / "py" / "mpconfig.h"]):
        return src
    tarball = _download_tarball()
    digest = _sha256(tarball)
    if digest != ORIG_SHA256:
        raise RigError(
            f"{tarball} has sha256 {digest}, expected {ORIG_SHA256}; delete it and retry"
        )

    def unpack():
        tmp = paths.build_dir() / f".unpack-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        with tarfile.open(tarball) as tar:
            if hasattr(tarfile, "data_filter"):
                tar.extractall(tmp, filter="data")
            else:  # Python < 3.11.4
                tar.extractall(tmp)
        (top,) = list(tmp.iterdir())
        shutil.rmtree(src, ignore_errors=True)
        top.rename(src)
        tmp.rmdir()

    _timed("source", f"unpacking {tarball.name}", unpack)
    _mark_done("source", key)
    return src


# ------------------------------------------------------------------------ the builds


@_locked
def _make_step(step: str, what: str, subdir: str, make_vars: List[str],
               outputs: List[Path], clean_dir: Optional[Path] = None,
               extra_key: str = "") -> None:
    """A cached `make -C <mp>/<subdir> <vars>` step, rebuilt from clean when the
    variables (or extra_key, e.g. a hash of our own board files) change."""
    src = fetch_source()
    cmd = ["make", "-C", str(src / subdir), f"-j{JOBS}", *make_vars]
    key = " ".join(["make", "-C", subdir, *make_vars]) + extra_key  # no -j
    if _is_done(step, key, outputs):
        return
    _require_tool("make", "build-essential")
    if clean_dir is not None and _stamp_path(step).is_file():
        # Flags changed since the last build: make would not notice, start clean.
        shutil.rmtree(clean_dir, ignore_errors=True)
    # The source tree sits inside our git checkout: stop MicroPython's version script
    # from describing *our* repository (it would name the firmware after our commit).
    env = dict(os.environ, GIT_CEILING_DIRECTORIES=str(src.parent))
    _timed(step, what, lambda: _run_logged(step, cmd, env=env))
    missing = [str(o) for o in outputs if not Path(o).exists()]
    if missing:
        raise RigError(f"{step}: make succeeded but did not produce {missing}")
    _mark_done(step, key)


def build_mpy_cross() -> Path:
    _make_step("mpy-cross", "building mpy-cross", "mpy-cross", [], [paths.mpy_cross()],
               clean_dir=paths.mpy_cross().parent)
    return paths.mpy_cross()


def build_unix() -> Path:
    """The unix port binary (also what runs x64 native modules)."""
    build_mpy_cross()
    _require_tool("pkg-config", "pkg-config")
    _make_step(
        "unix",
        "building the unix port",
        "ports/unix",
        UNIX_MAKE_VARS,
        [paths.unix_micropython()],
        clean_dir=paths.unix_micropython().parent,
    )
    return paths.unix_micropython()


def rig_board_dir(board: str) -> Optional[Path]:
    """Our own board definition for ports/qemu (python/microlearn/rig/boards/), if any."""
    d = paths.rig_dir() / "boards" / board
    return d if d.is_dir() else None


def qemu_make_vars(board: str) -> List[str]:
    make_vars = [f"BOARD={board}"]
    own = rig_board_dir(board)
    if own is not None:
        make_vars.append(f"BOARD_DIR={own}")
    heap = BOARD_HEAP_SIZE.get(board, QEMU_HEAP_SIZE)
    # Every QEMU firmware gets a ROMFS partition at /rom (romfs/romfs/romfs.c).
    romfs = f"USER_C_MODULES={paths.rig_dir() / 'romfs'}"
    return make_vars + ["FROZEN_MANIFEST=", f"MICROPY_HEAP_SIZE={heap}", romfs]


@_locked
def _patch_qemu_port(src: Path) -> None:
    """Build-time patch of the unpacked source (idempotent): ports/qemu fixes
    MICROPY_VFS_ROM_IOCTL at 0; let the ROMFS module (romfs/) turn it on."""
    cfg = src / "ports" / "qemu" / "mpconfigport.h"
    fixed = "#define MICROPY_VFS_ROM_IOCTL       (0)\n"
    text = cfg.read_text()
    if fixed in text and "#ifndef MICROPY_VFS_ROM_IOCTL\n" not in text:
        cfg.write_text(text.replace(fixed, "#ifndef MICROPY_VFS_ROM_IOCTL\n" + fixed + "#endif\n"))


def build_qemu(board: str = "MPS2_AN385") -> Path:
    """ports/qemu firmware for one board; returns firmware.elf."""
    build_mpy_cross()
    if board == "VIRT_RV32":
        _require_tool("riscv64-unknown-elf-gcc", "gcc-riscv64-unknown-elf")
    else:
        _require_tool("arm-none-eabi-gcc", "gcc-arm-none-eabi")
    _patch_qemu_port(fetch_source())
    own = rig_board_dir(board)
    board_files = [f for d in (own, paths.rig_dir() / "romfs" / "romfs") if d is not None
                   for f in sorted(d.iterdir()) if f.is_file()]
    extra_key = " board-files=" + hashlib.sha256(b"".join(
        f.read_bytes() for f in board_files)).hexdigest()
    _make_step(
        f"qemu-{board}",
        f"building the QEMU firmware for {board}",
        "ports/qemu",
        qemu_make_vars(board),
        [paths.qemu_firmware(board)],
        clean_dir=paths.qemu_board_build(board),
        extra_key=extra_key,
    )
    return paths.qemu_firmware(board)


def _newer_than(output: Path, inputs: Iterable[Path]) -> bool:
    if not output.exists():
        return False
    t = output.stat().st_mtime
    return all(Path(i).stat().st_mtime <= t for i in inputs)


@_locked
def build_plugin() -> Path:
    """Compile the QEMU TCG plugin insn_count.c (rebuilt when its sources change)."""
    so = paths.plugin_so()
    sources = [paths.rig_dir() / "insn_count.c", paths.rig_dir() / "qemu_plugin_api.h"]
    if _newer_than(so, sources):
        return so
    _require_tool("gcc", "build-essential")
    so.parent.mkdir(parents=True, exist_ok=True)
    cmd = ["gcc", "-shared", "-fPIC", "-O2", "-Wall", "-Wextra", "-Werror",
           "-fvisibility=hidden", "-o", str(so), str(sources[0])]
    _timed("plugin", "building the QEMU plugin insn_count.so",
           lambda: _run_logged("plugin", cmd))
    return so


@_locked
def build_markers(arch: str) -> Path:
    """The _markers native module for arch (x64, armv6m, armv7m, armv7emsp, ...)."""
    out = paths.markers_mpy(arch)
    src_dir = paths.rig_dir() / "markers"
    sources = list(src_dir.glob("*.c")) + [src_dir / "Makefile"]
    if _newer_than(out, sources):
        return out
    mp = fetch_source()
    build_mpy_cross()
    work = paths.markers_work(arch)
    work.mkdir(parents=True, exist_ok=True)
    cmd = [
        "make", "-f", str(src_dir / "Makefile"), "-C", str(work),
        f"MPY_DIR={mp}", f"ARCH={arch}", f"PYTHON={_python_for_mpy_ld()}",
    ]
    _timed(f"markers-{arch}", f"building _markers.mpy for {arch}",
           lambda: _run_logged(f"markers-{arch}", cmd))
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(work / "_markers.mpy", out)
    return out


@_locked
def build_natmods(arch: str) -> Path:
    """Run <root>/device/Makefile for arch; return the lib folder it produces.

    Contract: `make -C <root>/device ARCH=<arch> MPY_DIR=<mp src> BUILD=<dir>` puts
    everything that belongs on the device's import path (the microlearn/ package,
    .py and .mpy files) into <dir>/lib/. Always runs make (it knows what is stale).
    """
    makefile = paths.repo_root() / "device" / "Makefile"
    if not makefile.is_file():
        raise RigError(f"{makefile} does not exist yet: no device package to build")
    mp = fetch_source()
    build_mpy_cross()
    build = paths.device_build(arch)
    cmd = [
        "make", "-C", str(makefile.parent), f"-j{JOBS}", f"ARCH={arch}",
        f"MPY_DIR={mp}", f"BUILD={build}", f"PYTHON={_python_for_mpy_ld()}",
    ]
    _timed(f"device-{arch}", f"building device natmods for {arch}",
           lambda: _run_logged(f"device-{arch}", cmd))
    lib = paths.device_lib(arch)
    if not lib.is_dir():
        raise RigError(f"device/Makefile ran but did not create {lib}")
    return lib


@_locked
def setup(targets: Optional[Iterable[str]] = None, natmods: bool = True) -> None:
    """Build everything the targets need (default: all targets).

    natmods: also build microlearn's device package (device/Makefile) for each
    target's arch, if that Makefile exists.
    """
    from . import firmware  # (it imports this module)

    names = list(targets) if targets else list(TARGETS)
    chosen = [get_target(n) for n in names]
    fetch_source()
    build_mpy_cross()
    for t in chosen:
        if firmware.is_builtin(t):  # microlearn compiled in
            firmware.build_for(t)
            if t.kind == "wasm":
                continue
        if t.kind == "unix":
            build_unix()
        else:
            build_qemu(t.board)
            build_plugin()
        build_markers(t.arch)
    if natmods and (paths.repo_root() / "device" / "Makefile").is_file():
        for arch in dict.fromkeys(t.arch for t in chosen if t.kind != "wasm"):
            build_natmods(arch)
    log("setup complete: " + ", ".join(t.name for t in chosen))
