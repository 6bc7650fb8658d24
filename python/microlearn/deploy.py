"""Putting microlearn on a board: the prebuilt device packages, `microlearn
deploy` (over USB with mpremote) and `microlearn mip-index` (files for mip).

    microlearn deploy [--port PORT] [model.mlm ...]     # a board on USB/serial
    microlearn deploy --romfs [--port PORT] model.mlm ...  # models into the board's ROMFS (/rom)
    microlearn deploy --dir FOLDER [model.mlm ...]      # a folder (e.g. the unix port's lib)
    microlearn mip-index OUT_DIR                        # one package.json per arch, for any static host

A device package is the `microlearn` folder the board imports (compiled
Python modules and the native modules of one architecture) plus a mip
`package.json`. The wheel carries one per architecture the build made
(microlearn/device/<arch>/); a source checkout has them under
build/device/<arch>/ after scripts/setup.sh.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .cli import Parser
from . import __version__, mlm

# sys.implementation._mpy >> 10: the native architecture of a firmware (py/persistentcode.h).
ARCH_NAMES = ("none", "x86", "x64", "armv6", "armv6m", "armv7m", "armv7em", "armv7emsp", "armv7emdp",
              "xtensa", "xtensawin", "rv32imc", "rv64imc")
MPY_VERSION = (6, 3)  # the native modules' .mpy ABI: MicroPython 1.23 to 1.27
SUPPORTED_FIRMWARE = "MicroPython 1.23 to 1.27"
# Archs whose firmware can load a package built for another arch (a subset of it).
COMPATIBLE = {"armv7em": ["armv7m", "armv6m"], "armv7emsp": ["armv7emsp", "armv7m", "armv6m"],
              "armv7emdp": ["armv7emsp", "armv7m", "armv6m"], "armv7m": ["armv7m", "armv6m"]}


class DeployError(Exception):
    """What deploy cannot do, saying what to do about it."""


def packages_root() -> Path | None:
    """Where the device packages are: the installed wheel's, else a checkout's build."""
    wheel = Path(__file__).resolve().parent / "device"
    if wheel.is_dir() and any(wheel.iterdir()):
        return wheel
    checkout = Path(__file__).resolve().parents[2] / "build" / "device"
    return checkout if checkout.is_dir() else None


def _package_in(folder: Path) -> Path | None:
    """The folder holding `microlearn/` within an arch's folder: the wheel's
    <arch>/ or a checkout's <arch>/lib/."""
    for candidate in (folder, folder / "lib"):
        if (candidate / "microlearn" / "__init__.mpy").is_file():
            return candidate
    return None


def package_dir(arch: str) -> Path:
    """The folder holding `microlearn/` (what goes on the board's path) for arch."""
    root = packages_root()
    found = _package_in(root / arch) if root is not None else None
    if found is None:
        raise DeployError(f"no microlearn device package for arch {arch} here (built: {', '.join(available()) or 'none'})")
    return found


def available() -> list[str]:
    root = packages_root()
    return [] if root is None else sorted(a.name for a in root.iterdir() if a.is_dir() and _package_in(a))


def choose_package(mpy: int) -> str:
    """The arch of the package for a firmware whose sys.implementation._mpy is `mpy`."""
    arch_index, version, sub = mpy >> 10, mpy & 0xFF, (mpy >> 8) & 3
    arch = ARCH_NAMES[arch_index] if arch_index < len(ARCH_NAMES) else f"arch {arch_index}"
    if (version, sub) != MPY_VERSION:
        raise DeployError(
            f"the board's firmware reads .mpy version {version}.{sub}, but microlearn's native modules are "
            f"{MPY_VERSION[0]}.{MPY_VERSION[1]}: flash {SUPPORTED_FIRMWARE} (or a newer microlearn)")
    built = available()
    for candidate in COMPATIBLE.get(arch, [arch]):
        if candidate in built:
            return candidate
    if arch == "none":
        raise DeployError("the board's firmware has no native-module support (sys.implementation._mpy "
                          "names no architecture): build microlearn into the firmware instead")
    raise DeployError(f"the board's architecture is {arch}, and no microlearn package for it is here "
                      f"(built: {', '.join(built) or 'none'})"
                      + ("; ESP32/ESP32-S3 need Espressif's toolchain to build it" if arch == "xtensawin" else ""))


# ------------------------------------------------------------------ ROMFS

# MicroPython's ROMFS (>= 1.25, vfs.VfsRom): a tree of records, each
# <kind><length><payload> with both numbers in ROMFS's unsigned encoding (7 bits a
# byte, most significant first, the high bit set on all but the last byte). The
# image is one record whose kind encodes to the header bytes d2 cd 31.
ROMFS_FILESYSTEM, ROMFS_PADDING, ROMFS_DATA, ROMFS_FILE = 0x14A6B1, 1, 2, 5
ROMFS_HEAD = 8  # the filesystem record's kind (3 bytes) and length (5, fixed width)


def _romfs_uint(value: int, width: int = 0) -> bytes:
    """ROMFS's unsigned integer, padded to `width` bytes with leading 0x80 bytes
    (zero digits), which decode to the same value."""
    digits = [value & 0x7F]
    value >>= 7
    while value:
        digits.append(0x80 | (value & 0x7F))
        value >>= 7
    digits += [0x80] * (width - len(digits))
    return bytes(reversed(digits))


def _romfs_padding(offset: int, align: int) -> bytes:
    """A padding record that moves `offset` to a multiple of `align` (a padding
    record takes 2 bytes at least, so 1 byte short becomes align + 1)."""
    pad = -offset % align
    if pad == 0:
        return b""
    while pad < 2:
        pad += align
    return _romfs_uint(ROMFS_PADDING) + _romfs_uint(pad - 2) + bytes(pad - 2)


def romfs_image(files: dict, align: int = 4) -> bytes:
    """A ROMFS image holding `files` (name -> bytes) at its top level (/rom/<name>),
    each file's data starting at a multiple of `align` bytes from the image's start.
    A board maps its ROMFS partition at a flash-sector boundary, so the data is
    `align`-aligned in memory and microlearn.load("/rom/<name>") uses it in place
    (the engine needs 4-byte aligned model bytes)."""
    body = bytearray()
    for name, data in files.items():
        encoded = name.encode("utf-8")
        if not encoded or b"/" in encoded:
            raise DeployError(f"ROMFS file name {name!r}: expected a plain file name")
        name_part = _romfs_uint(len(encoded)) + encoded
        data_head = _romfs_uint(ROMFS_DATA) + _romfs_uint(len(data))
        record_head = _romfs_uint(ROMFS_FILE) + _romfs_uint(len(name_part) + len(data_head) + len(data))
        body += _romfs_padding(ROMFS_HEAD + len(body) + len(record_head) + len(name_part) + len(data_head), align)
        body += record_head + name_part + data_head + data
    body += _romfs_padding(ROMFS_HEAD + len(body), 4)  # whole flash words
    return _romfs_uint(ROMFS_FILESYSTEM) + _romfs_uint(len(body), ROMFS_HEAD - 3) + bytes(body)


def romfs_models(models) -> bytes:
    """The ROMFS image `deploy --romfs` writes: each model by its file name."""
    files = {}
    for m in models:
        data = Path(m).read_bytes()
        mlm.read_header(data)  # a clear error for a file that is not a model
        if Path(m).name in files:
            raise DeployError(f"two models are named {Path(m).name}: ROMFS holds one file per name")
        files[Path(m).name] = data
    return romfs_image(files)


# ---------------------------------------------------------------- mpremote

def _mpremote(port: str | None, *args: str, timeout: float = 120) -> str:
    cmd = [sys.executable, "-m", "mpremote"]
    if port:
        cmd += ["connect", port]
    # resume: no soft reset between the steps (a reset would stop nothing we
    # need, but boards whose filesystem lives in RAM, like the emulated ones,
    # would lose it)
    cmd += ["resume", *args]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise DeployError(f"mpremote timed out ({' '.join(args[:2])}): is the board connected and idle?") from None
    if done.returncode != 0:
        message = (done.stderr.strip() or done.stdout.strip()).splitlines()
        raise DeployError(f"mpremote {' '.join(args[:1])} failed: {message[-1] if message else done.returncode}")
    return done.stdout


def board_info(port: str | None) -> dict:
    out = _mpremote(port, "exec", "import sys; print('MPY', getattr(sys.implementation, '_mpy', 0), "
                                  "sys.implementation.name, "
                                  "'.'.join(str(v) for v in sys.implementation.version[:3]), sys.platform)")
    line = next((l for l in out.splitlines() if l.startswith("MPY")), None)
    if line is None:
        raise DeployError(f"the board did not answer as MicroPython does: {out.strip()[:200]!r}")
    _, mpy, name, version, platform = line.split()[:5]
    return {"mpy": int(mpy), "implementation": name, "version": version, "platform": platform}


# Mounts the ROMFS partition again after a deploy (a reset would too, but the
# emulated boards keep their filesystem in RAM and would lose it).
ROMFS_MOUNT = ("import vfs\ntry:\n    vfs.umount('/rom')\nexcept OSError:\n    pass\n"
               "vfs.mount(vfs.VfsRom(vfs.rom_ioctl(2, 0)), '/rom')")


def deploy_romfs(port: str | None, models, info: dict) -> None:
    """Writes the models into the board's ROMFS partition (replacing what it held)
    with `mpremote romfs deploy`, and mounts it at /rom."""
    has = _mpremote(port, "exec", "import vfs; print('ROMFS', hasattr(vfs, 'rom_ioctl') and vfs.rom_ioctl(1) > 0)")
    if "ROMFS True" not in has:
        raise DeployError(f"the board's firmware ({info['implementation']} {info['version']} on {info['platform']}) "
                          "has no ROMFS partition: ROMFS needs MicroPython 1.25 or newer built with it "
                          "(see docs/deploy.md for the ports that have it); deploy without --romfs")
    image = romfs_models(models)
    with tempfile.TemporaryDirectory(prefix="microlearn-romfs-") as tmp:
        path = Path(tmp) / "models.romfs"
        path.write_bytes(image)
        out = _mpremote(port, "romfs", "deploy", str(path), timeout=600)
    if "ROMFS image deployed" not in out:  # mpremote prints why and exits 0 when the image does not fit
        raise DeployError(f"mpremote romfs deploy failed: {out.strip().splitlines()[-1] if out.strip() else out}")
    _mpremote(port, "exec", ROMFS_MOUNT)


def is_native(mpy: Path) -> bool:
    """Whether an .mpy holds native code (a native module) rather than only
    bytecode: the header's third byte carries the architecture in its upper
    bits, 0 for bytecode (py/persistentcode.c)."""
    head = mpy.read_bytes()[:3]
    return len(head) == 3 and head[0] == ord("M") and head[2] >> 2 != 0


# Run on the board after the Python part is there: the native modules each
# model reads, by the device package's own rule (microlearn._modules).
NEEDS = ("import microlearn\nfor p in PATHS:\n    with open(p, 'rb') as f:\n        h = f.read(9)\n"
         "    k = h[6] | h[7] << 8\n"
         "    print('NEEDS', *(n or microlearn._FAMILIES.get(k, '?') for n in microlearn._modules(k, h[8])))")


def deploy_lean(port: str | None, src: Path, lib: str, models, names) -> list[str]:
    """Copies the package's Python modules and only the native modules the
    models read (their header names them; a Pipeline's also needs
    _preprocess): a fraction of the whole package's flash. Returns the native
    modules copied."""
    if not models:
        raise DeployError("--lean copies what the given models need: give model files")
    python = [p for p in sorted(src.glob("*.mpy")) if not is_native(p)]
    _mpremote(port, "exec", f"import os\nfor d in ('{lib}', '{lib}/microlearn'):\n    try:\n"
                            "        os.mkdir(d)\n    except OSError:\n        pass")
    _mpremote(port, "cp", *map(str, python), f":{lib}/microlearn/", timeout=600)
    out = _mpremote(port, "exec", NEEDS.replace("PATHS", repr(list(names))))
    native = {n for line in out.splitlines() if line.startswith("NEEDS ") for n in line.split()[1:]}
    if any(mlm.SECTION_PREPROCESS_STEPS in mlm.read_sections(Path(m).read_bytes()) for m in models):
        native.add("_preprocess")
    missing = sorted(n for n in native if not (src / f"{n}.mpy").is_file())
    if missing:
        raise DeployError(f"the models need {', '.join(missing)}, which the package for this board lacks: "
                          "a model of a kind this microlearn does not support")
    _mpremote(port, "cp", *(str(src / f"{n}.mpy") for n in sorted(native)), f":{lib}/microlearn/", timeout=600)
    return sorted(native)


def deploy_board(port: str | None, models=(), lib: str = "lib", romfs: bool = False, lean: bool = False) -> str:
    check_models(models)  # before the board is asked anything
    info = board_info(port)
    arch = choose_package(info["mpy"])
    src = package_dir(arch) / "microlearn"
    if romfs:
        deploy_romfs(port, models, info)
    names = [f"/rom/{Path(m).name}" if romfs else Path(m).name for m in models]
    if not romfs:
        for m in models:
            _mpremote(port, "cp", str(m), f":{Path(m).name}", timeout=600)
    if lean:
        native = deploy_lean(port, src, lib, models, names)
    else:
        _mpremote(port, "exec", f"import os\ntry:\n    os.mkdir('{lib}')\nexcept OSError:\n    pass")
        _mpremote(port, "cp", "-r", str(src), f":{lib}/", timeout=600)
    check = "import microlearn; print('microlearn', microlearn.__version__)"
    for name in names:
        check += f"; microlearn.load({name!r})"
    out = _mpremote(port, "exec", check)
    if "microlearn" not in out:
        raise DeployError(f"import microlearn failed on the board after copying: {out.strip()[:200]}")
    return (f"deployed microlearn {__version__} for {arch} to {info['platform']} "
            f"({info['implementation']} {info['version']})"
            + (f" with {len(models)} model(s)" + (" in ROMFS (/rom)" if romfs else "") if models else "")
            + (f"; lean: the Python modules and {', '.join(native)} of the native modules" if lean else ""))


def check_models(models) -> None:
    """Each model file read as the board's load() reads it (magic, version,
    CRC, every section), before anything is copied."""
    from .model import load
    for m in models:
        if not Path(m).is_file():
            raise DeployError(f"{m}: no such model file")
        try:
            load(m)
        except ValueError as e:
            raise DeployError(f"{m}: {e}") from None


def _folder(path: Path) -> Path:
    if path.exists() and not path.is_dir():
        raise DeployError(f"{path} is a file: give a folder (it is created if missing)")
    path.mkdir(parents=True, exist_ok=True)
    return path


def deploy_dir(folder: Path, models=(), arch: str = "x64") -> str:
    """Copies the package for `arch` and the models into a folder (the unix
    port's, or a board's filesystem mounted on the PC)."""
    check_models(models)
    src = package_dir(arch) / "microlearn"
    dest = _folder(Path(folder))
    if (dest / "microlearn").exists():
        shutil.rmtree(dest / "microlearn")
    shutil.copytree(src, dest / "microlearn")
    for m in models:
        shutil.copy(m, dest / Path(m).name)
    return f"copied microlearn {__version__} for {arch} to {dest}" + (f" with {len(models)} model(s)" if models else "")


def mip_index(out: Path, base_url: str = "") -> list[Path]:
    """One folder per arch with its files and a package.json, for any static
    host: mip.install('<url>/<arch>/package.json') or mpremote mip install."""
    out = _folder(Path(out))
    written = []
    for arch in available():
        src = package_dir(arch)
        dest = out / arch
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(src / "microlearn", dest / "microlearn")
        files = sorted(p.relative_to(dest).as_posix() for p in (dest / "microlearn").rglob("*") if p.is_file())
        package = {"urls": [[f, (base_url.rstrip("/") + f"/{arch}/" if base_url else "") + f] for f in files],
                   "deps": [], "version": __version__}
        (dest / "package.json").write_text(json.dumps(package, indent=1) + "\n")
        written.append(dest / "package.json")
    if not written:
        raise DeployError("no device packages are built here: run scripts/setup.sh (or install the wheel)")
    return written


def main(argv=None, command: str = "deploy") -> int:
    if command == "mip-index":
        p = Parser(prog="microlearn mip-index",
                   description="Write the device packages for mip: OUT/<arch>/package.json")
        p.add_argument("out")
        p.add_argument("--base-url", default="", help="absolute URL the folder will be served at (default: relative)")
        args = p.parse_args(argv)
        for path in mip_index(Path(args.out), args.base_url):
            print(path)
        return 0
    p = Parser(prog="microlearn deploy",
               description="Copy the device package that matches a board (and models) to it")
    p.add_argument("models", nargs="*", help=".mlm files to copy too")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--port", help="mpremote device (e.g. /dev/ttyACM0, a0, or auto; default: auto)")
    where.add_argument("--dir", help="copy into this folder instead (e.g. the unix port's lib folder)")
    p.add_argument("--arch", default="x64", help="with --dir: the package's arch (default x64)")
    p.add_argument("--romfs", action="store_true",
                   help="put the models in the board's ROMFS partition (/rom; MicroPython >= 1.25 with ROMFS): "
                        "load() then uses them in place, without RAM for their bytes. Replaces what the "
                        "partition held")
    p.add_argument("--lean", action="store_true",
                   help="copy only the native modules the given models read (and the package's Python "
                        "modules), for boards with little flash; microlearn.dsp, .jpeg and the other "
                        "families then need a full deploy")
    args = p.parse_args(argv)
    if args.lean and args.dir:
        raise DeployError("--lean asks the board which modules the models need: give a board (--port), not --dir")
    if args.romfs and (args.dir or not args.models):
        raise DeployError("--romfs writes models into a board's ROMFS partition: give model files, and a board "
                          "(--port), not --dir")
    if args.dir:
        print(deploy_dir(Path(args.dir), args.models, args.arch))
    else:
        print(deploy_board(args.port, args.models, romfs=args.romfs, lean=args.lean))
    return 0
