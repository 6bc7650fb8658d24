"""Where the rig finds the repository and keeps what it builds.

Layout (everything under the build folder is generated and git-ignored)::

    <root>/                              repository root (env MICROLEARN_ROOT)
    <root>/build/                        build folder   (env MICROLEARN_BUILD)
        downloads/                       Debian source package files
        micropython-1.25.0/              MicroPython source tree, keyed by version;
            mpy-cross/build/mpy-cross        the cross compiler,
            ports/unix/build-standard/       the unix port binary,
            ports/qemu/build-<BOARD>/        the QEMU firmware are built in place
            .microlearn-stamps/              one stamp file per finished build step
        rig/insn_count.so                QEMU TCG plugin counting instructions
        rig/markers/<arch>/lib/_markers.mpy  the marker native module
        device/<arch>/lib/               device/Makefile output: the device import path
        logs/                            full output of every build step
"""

import os
from pathlib import Path

MICROPYTHON_VERSION = "1.25.0"


class RigError(RuntimeError):
    """Anything the rig cannot do, with a message that says what to do about it."""


def _looks_like_root(path: Path) -> bool:
    return (path / "python" / "microlearn").is_dir()


def repo_root() -> Path:
    """The repository root.

    MICROLEARN_ROOT wins; otherwise this file's location
    (<root>/python/microlearn/rig/paths.py); otherwise the first parent of the current
    directory that holds python/microlearn/ (for an installed, non-editable package).
    """
    env = os.environ.get("MICROLEARN_ROOT")
    if env:
        return Path(env).resolve()
    here = Path(__file__).resolve().parents[3]
    if _looks_like_root(here):
        return here
    cwd = Path.cwd().resolve()
    for candidate in (cwd, *cwd.parents):
        if _looks_like_root(candidate):
            return candidate
    raise RigError(
        "cannot find the microlearn repository: set MICROLEARN_ROOT to its top folder"
    )


def rig_dir() -> Path:
    """The folder of this subpackage (sources of the plugin, markers, device code)."""
    return Path(__file__).resolve().parent


def build_dir() -> Path:
    env = os.environ.get("MICROLEARN_BUILD")
    if env:
        return Path(env).resolve()
    return repo_root() / "build"


def downloads_dir() -> Path:
    return build_dir() / "downloads"


def logs_dir() -> Path:
    return build_dir() / "logs"


def micropython_dir(version: str = MICROPYTHON_VERSION) -> Path:
    """The unpacked MicroPython source tree (also holds its build outputs)."""
    return build_dir() / f"micropython-{version}"


def stamps_dir() -> Path:
    return micropython_dir() / ".microlearn-stamps"


def mpy_cross() -> Path:
    return micropython_dir() / "mpy-cross" / "build" / "mpy-cross"


def unix_micropython() -> Path:
    return micropython_dir() / "ports" / "unix" / "build-standard" / "micropython"


def qemu_board_build(board: str) -> Path:
    return micropython_dir() / "ports" / "qemu" / f"build-{board}"


def qemu_firmware(board: str) -> Path:
    return qemu_board_build(board) / "firmware.elf"


def plugin_so() -> Path:
    return build_dir() / "rig" / "insn_count.so"


def markers_work(arch: str) -> Path:
    """Where the _markers module for one arch is compiled."""
    return build_dir() / "rig" / "markers" / arch


def markers_dir(arch: str) -> Path:
    """Holds only _markers.mpy for one arch: a folder usable as an import path."""
    return markers_work(arch) / "lib"


def markers_mpy(arch: str) -> Path:
    return markers_dir(arch) / "_markers.mpy"


def device_build(arch: str) -> Path:
    return build_dir() / "device" / arch


def device_lib(arch: str) -> Path:
    """What device/Makefile produces: everything that must be on the import path."""
    return device_build(arch) / "lib"
