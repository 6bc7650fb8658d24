"""MicroPython firmware with microlearn compiled in, and the targets that run it.

    unix-builtin       the unix port with microlearn compiled in       (x64 natmods still load)
    cortex-m3-builtin  QEMU mps2-an385 firmware with microlearn inside  (armv7m natmods still load)
    wasm               the webassembly port under node, microlearn inside (no natmods)

Each build adds device/usermod/ as a user C module (USER_C_MODULES) and freezes the
device package (device/manifest.py); the firmware then needs no lib folder: `import
microlearn` finds the frozen package, which files the built-in modules microlearn_<family>
under microlearn._<family> (docs/firmware.md).

A build is cached by a digest of every source it compiles (the glue, the usermod, the
C++ headers, the device package): rebuilt incrementally by make when one changes,
instant otherwise. Outputs sit next to the plain builds, in build folders of their own
(ports/unix/build-microlearn, ports/qemu/build-<BOARD>-microlearn,
ports/webassembly/build-microlearn).

The webassembly port is built with Debian's emscripten (3.1.6), which needs one patch
of MicroPython's ports/webassembly/library.js, applied at build time: it prints arrow
functions without their names, so the four `name: () => ...` entries become `function`
expressions. Under node, wasm_run.mjs gives the loader `require` and no `fetch`.
"""

import hashlib
import os
import shutil
from pathlib import Path
from typing import List

from . import build, paths
from .paths import RigError
from .targets import Target

BUILD_NAME = "build-microlearn"

TARGETS = {
    t.name: t
    for t in (
        Target("unix-builtin", "x64", "unix",
               description="MicroPython unix port with microlearn compiled in"),
        Target("cortex-m3-builtin", "armv7m", "qemu", board="MPS2_AN385", machine="mps2-an385",
               description="QEMU mps2-an385, Cortex-M3, microlearn compiled into the firmware"),
        Target("wasm", "none", "wasm",
               description="MicroPython webassembly port under node, microlearn compiled in"),
    )
}


def is_builtin(t: Target) -> bool:
    """True for a target whose firmware has microlearn compiled in (no natmods needed)."""
    return t.name in TARGETS


def sources_digest() -> str:
    """sha256 over every file a compiled-in build takes from this checkout."""
    root = paths.repo_root()
    files: List[Path] = []
    for folder, patterns in (("device/usermod", ("**/*",)), ("device/natmods", ("*.c", "*.h")),
                             ("device/microlearn", ("*.py",)), ("include/microlearn", ("**/*",)),
                             ("src", ("microlearn_c.cpp",)), ("device", ("manifest.py",))):
        for pattern in patterns:
            files += [f for f in (root / folder).glob(pattern) if f.is_file()]
    h = hashlib.sha256()
    for f in sorted(set(files)):
        h.update(f.relative_to(root).as_posix().encode() + b"\0" + f.read_bytes())
    return h.hexdigest()


def _work_dir() -> Path:
    d = paths.build_dir() / "rig" / "builtin"
    d.mkdir(parents=True, exist_ok=True)
    return d


def _no_micropython_lib() -> Path:
    """MPY_LIB_DIR for frozen builds: Debian's source has no micropython-lib, which
    MicroPython's make insists on before freezing anything; our manifests use none."""
    d = _work_dir() / "no-micropython-lib"
    d.mkdir(exist_ok=True)
    (d / "README.md").write_text("Empty: microlearn's frozen manifests use no micropython-lib.\n")
    return d


def _user_c_modules(make_vars: List[str]) -> str:
    """USER_C_MODULES= with microlearn's module added to the one a port's rig build
    already uses, if any (make takes one folder: a folder of links to both)."""
    ours = paths.repo_root() / "device" / "usermod"
    others = [v.split("=", 1)[1] for v in make_vars if v.startswith("USER_C_MODULES=") and v[15:]]
    if not others:
        return f"USER_C_MODULES={ours}"
    merged = _work_dir() / "usermods"
    shutil.rmtree(merged, ignore_errors=True)
    merged.mkdir()
    for folder in [ours, *map(Path, others)]:
        for module in sorted(folder.iterdir()):
            if (module / "micropython.mk").is_file():
                (merged / module.name).symlink_to(module.resolve())
    return f"USER_C_MODULES={merged}"


def _builtin_vars(make_vars: List[str], build_name: str, manifest: Path) -> List[str]:
    """A port's make variables with microlearn compiled in and frozen, built in build_name."""
    keep = [v for v in make_vars if not v.startswith(("FROZEN_MANIFEST=", "USER_C_MODULES=", "BUILD="))]
    return keep + [f"BUILD={build_name}", _user_c_modules(make_vars), f"FROZEN_MANIFEST={manifest}",
                   f"MPY_LIB_DIR={_no_micropython_lib()}"]


def _device_manifest() -> Path:
    return paths.repo_root() / "device" / "manifest.py"


def _step(step: str, what: str, subdir: str, make_vars: List[str], output: Path, config: str = "") -> Path:
    """A cached make step: rebuilt by make (incrementally) when a source changes,
    from clean when the configuration (make variables, `config`) changes, which
    make would not notice (e.g. a port header patched: stale qstrs)."""

    def run() -> Path:
        config_key = " ".join(make_vars) + config
        stamp = paths.stamps_dir() / f"{step}.config"
        if not stamp.is_file() or stamp.read_text() != config_key:
            shutil.rmtree(output.parent, ignore_errors=True)
        build._make_step(step, what, subdir, make_vars, [output], extra_key=" sources=" + sources_digest())
        stamp.write_text(config_key)
        return output

    return build._locked(run)()


def unix_binary() -> Path:
    return paths.micropython_dir() / "ports" / "unix" / BUILD_NAME / "micropython"


def qemu_firmware(board: str) -> Path:
    return paths.micropython_dir() / "ports" / "qemu" / f"build-{board}-microlearn" / "firmware.elf"


def wasm_module() -> Path:
    """micropython.mjs of the webassembly build (micropython.wasm sits next to it)."""
    return paths.micropython_dir() / "ports" / "webassembly" / BUILD_NAME / "micropython.mjs"


def build_unix_builtin() -> Path:
    build.build_mpy_cross()
    make_vars = _builtin_vars(build.UNIX_MAKE_VARS, BUILD_NAME, _device_manifest())
    return _step("unix-builtin", "building the unix port with microlearn compiled in", "ports/unix",
                 make_vars, unix_binary())


def build_qemu_builtin(board: str = "MPS2_AN385") -> Path:
    # The plain firmware first: it patches the port as the rig's boards need.
    build.build_qemu(board)
    if board.startswith("MPS2"):
        build._locked(patch_source)(paths.micropython_dir() / "ports" / "qemu" / "mcu" / "arm" / "mps2.ld",
                                    MPS2_LD_PATCH)
    make_vars = _builtin_vars(build.qemu_make_vars(board), f"build-{board}-microlearn", _device_manifest())
    plain = build._stamp_path(f"qemu-{board}").read_text()
    return _step(f"qemu-{board}-builtin", f"building the QEMU firmware for {board} with microlearn compiled in",
                 "ports/qemu", make_vars, qemu_firmware(board), config=" plain-build=" + plain + " " + MPS2_LD_PATCH[0][1])


# ports/webassembly/library.js as MicroPython 1.25 has it -> what emscripten 3.1.6 takes.
LIBRARY_JS_PATCH = [
    ("mp_js_ticks_ms: () => Date.now() - MP_JS_EPOCH,",
     "mp_js_ticks_ms: function () { return Date.now() - MP_JS_EPOCH; },"),
    ("mp_js_hook: () => {", "mp_js_hook: function () {"),
    ("mp_js_time_ms: () => Date.now(),", "mp_js_time_ms: function () { return Date.now(); },"),
    ("mp_js_random_u32: () =>\n        globalThis.crypto.getRandomValues(new Uint32Array(1))[0],",
     "mp_js_random_u32: function () {\n        return globalThis.crypto.getRandomValues(new Uint32Array(1))[0];\n    },"),
]


# ports/qemu/mcu/arm/mps2.ld has no place for .ARM.exidx, the unwind entries
# libgcc's 64-bit division routines carry (an engine dividing int64 pulls them
# in): ld then puts them where .data's load image goes ("LMA overlaps").
MPS2_LD_PATCH = [
    ("        _etext = .;\n        _sidata = _etext;\n    } > RAM\n",
     "        _etext = .;\n    } > RAM\n\n    .ARM.exidx : { *(.ARM.exidx*) } > RAM\n    _sidata = .;\n"),
]


def patch_source(path: Path, replacements) -> None:
    """Applies (old, new) replacements to a file of MicroPython's unpacked source,
    idempotently; a file that has neither raises (another MicroPython version).
    Call it holding the build lock."""
    text = path.read_text()
    for old, new in replacements:
        if new in text:
            continue
        if text.count(old) != 1:
            raise RigError(f"{path}: cannot patch it for microlearn's compiled-in build, expected once: {old!r}")
        text = text.replace(old, new)
    path.write_text(text)


def patch_library_js(src: Path) -> None:
    patch_source(src / "ports" / "webassembly" / "library.js", LIBRARY_JS_PATCH)


ASYNCIFY_STACK = 256 * 1024


def build_wasm() -> Path:
    """The webassembly port (VARIANT=standard) with microlearn compiled in; returns
    micropython.mjs."""
    build._require_tool("emcc", "emscripten")
    build.build_mpy_cross()
    build._locked(patch_library_js)(build.fetch_source())
    manifest = _work_dir() / "wasm-manifest.py"
    manifest.write_text('include("$(PORT_DIR)/variants/manifest.py")  # the port\'s asyncio\n'
                        f'include("{_device_manifest()}")\n')
    # The port sets CC=emcc but not CXX: the engine's C++ needs em++ too. A garbage
    # collection unwinds the whole C stack through Asyncify into a buffer of
    # ASYNCIFY_STACK_SIZE bytes: emscripten 3.1.6's 4 KiB overflows ("unreachable")
    # a few Python calls deep.
    make_vars = _builtin_vars(["VARIANT=standard", "CXX=em++", f"LDFLAGS=-s ASYNCIFY_STACK_SIZE={ASYNCIFY_STACK}"],
                              BUILD_NAME, manifest)
    return _step("wasm-builtin", "building the webassembly port with microlearn compiled in",
                 "ports/webassembly", make_vars, wasm_module(), config=" " + " ".join(n for _, n in LIBRARY_JS_PATCH))


def build_for(t: Target) -> Path:
    """Builds the firmware of a compiled-in target; returns the binary / module."""
    if t.kind == "wasm":
        return build_wasm()
    if t.kind == "unix":
        return build_unix_builtin()
    return build_qemu_builtin(t.board)


def unix_command(t: Target) -> List[str]:
    """What runs `micropython SCRIPT` for a unix-like target (script name appended):
    MICROPYPATH and the current folder work the same for all three."""
    if t.kind == "wasm":
        build._require_tool("node", "nodejs")
        return ["node", str(paths.rig_dir() / "wasm_run.mjs"), str(build_wasm())]
    if is_builtin(t):
        return [str(build_unix_builtin())]
    return [str(build.build_unix())]


def firmware_elf(t: Target) -> Path:
    """The QEMU firmware of a qemu target."""
    return build_qemu_builtin(t.board) if is_builtin(t) else build.build_qemu(t.board)
