"""Run a MicroPython script on a target and collect what it printed and wrote.

    from microlearn.rig import run
    rc, out = run("cortex-m3", "print(1 + 1)")
    res = run("unix", Path("check.py"), files=["m.mlm"], fetch=["out.npy"])
    res.returncode, res.output, res.files["out.npy"]

run() returns a RunResult: unpacks as (returncode, output); .files holds fetched
files. The script sees, in its current directory, the given files (and itself); the
lib folders are on sys.path. On QEMU targets all of this lives in a RAM filesystem
mounted at "/" (lib folders merged under /lib); on unix in a temporary folder (lib
folders through MICROPYPATH).
"""

import binascii
import os
import re
import select
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, TextIO, Union

from . import build, bundle, firmware, paths
from .paths import RigError
from .qemu import BoardCrashed, QemuBoard, RigTimeout, _Fault
from .targets import Target, get_target

PathLike = Union[str, os.PathLike]
Files = Union[Iterable[PathLike], Mapping[str, Union[bytes, bytearray, str, os.PathLike]]]

DEFAULT_TIMEOUT = 120.0

# Returned as returncode when the emulated CPU faulted (the output then ends with the
# firmware's fault dump) or QEMU died; on unix a crash gives -<signal number>.
CRASHED = -1

_SKIP_DIRS = {"__pycache__", ".git"}
_SKIP_SUFFIXES = {".pyc", ".o"}


class RunResult:
    """Outcome of run().

    returncode  0, the script's sys.exit() value, 1 after an uncaught exception,
                CRASHED (-1) if the emulated CPU faulted, -N if unix micropython died
                of signal N
    output      everything the script printed (stdout and stderr, "\\n" line ends),
                including a traceback if it raised
    files       name -> bytes for each requested fetch file the script left behind
                (absent names were not there)
    crashed     True if the board faulted or micropython died of a signal
    """

    def __init__(self, returncode: int, output: str, files: Dict[str, bytes],
                 crashed: bool = False):
        self.returncode = returncode
        self.output = output
        self.files = files
        self.crashed = crashed

    def __iter__(self):  # rc, out = run(...)
        return iter((self.returncode, self.output))

    def __repr__(self):
        return (f"RunResult(returncode={self.returncode}, output={self.output!r}, "
                f"files={sorted(self.files)}, crashed={self.crashed})")


# ----------------------------------------------------------------------------- inputs


def _script_source(script: Union[str, os.PathLike]) -> (str, bytes):
    """(file name, bytes) of the script.

    A path is an os.PathLike, or a str that looks like a file name (one word ending
    in .py); anything else is the source text itself, named script.py.
    """
    if isinstance(script, (bytes, bytearray)):
        return "script.py", bytes(script)
    if isinstance(script, os.PathLike) or (
        isinstance(script, str) and script.endswith(".py") and len(script.split()) == 1
    ):
        p = Path(script)
        if not p.is_file():
            raise RigError(f"script {p} does not exist")
        return p.name, p.read_bytes()
    return "script.py", script.encode("utf-8")


def _file_map(files: Files) -> Dict[str, bytes]:
    """name (relative to the script's folder) -> bytes."""
    out: Dict[str, bytes] = {}
    if isinstance(files, Mapping):
        for name, value in files.items():
            if isinstance(value, (bytes, bytearray, memoryview)):
                out[name] = bytes(value)
            elif isinstance(value, os.PathLike):
                out[name] = Path(value).read_bytes()
            elif isinstance(value, str):
                out[name] = value.encode("utf-8")
            else:
                raise TypeError(f"files[{name!r}]: expected bytes, str or a Path, "
                                f"got {type(value).__name__}")
    else:
        if isinstance(files, (str, os.PathLike)):
            files = [files]
        for f in files:
            p = Path(f)
            if not p.is_file():
                raise RigError(f"file {p} does not exist")
            out[p.name] = p.read_bytes()
    for name in out:
        if name.startswith("/") or ".." in Path(name).parts:
            raise RigError(f"file name {name!r} must be relative, without '..'")
    return out


def _lib_dirs(target: Target, lib_dir) -> List[Path]:
    """The import folders: lib_dir (one path or several; default: this checkout's
    device package for the target's arch, built if it is not yet), then the
    _markers module."""
    if lib_dir is None and firmware.is_builtin(target):
        lib_dir = []  # microlearn is compiled into the firmware, its package frozen
    if lib_dir is None:
        default = paths.device_lib(target.arch)
        if not default.is_dir() and (paths.repo_root() / "device" / "Makefile").is_file():
            build.build_natmods(target.arch)
        dirs = [default] if default.is_dir() else []
    elif isinstance(lib_dir, (str, os.PathLike)):
        dirs = [Path(lib_dir)]
    else:
        dirs = [Path(d) for d in lib_dir]
    for d in dirs:
        if not d.is_dir():
            raise RigError(f"lib_dir {d} is not a folder")
    if target.kind == "wasm":  # the webassembly port loads no native modules
        return dirs
    build.build_markers(target.arch)
    return dirs + [paths.markers_dir(target.arch)]


def _lib_files(dirs: Sequence[Path]) -> Dict[str, bytes]:
    """Relative path -> bytes over all lib folders; the first folder wins."""
    out: Dict[str, bytes] = {}
    for d in dirs:
        for root, subdirs, names in os.walk(d):
            subdirs[:] = sorted(s for s in subdirs if s not in _SKIP_DIRS)
            for n in sorted(names):
                p = Path(root) / n
                if p.suffix in _SKIP_SUFFIXES:
                    continue
                out.setdefault(p.relative_to(d).as_posix(), p.read_bytes())
    return out


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace").replace("\r\n", "\n")


# ------------------------------------------------------------------------------- run


def run(target: str, script, files: Files = (), lib_dir=None,
        timeout: float = DEFAULT_TIMEOUT, fetch: Iterable[str] = (),
        stream: Optional[TextIO] = None) -> RunResult:
    """Run script on target ("unix", "cortex-m3", "cortex-m0").

    script   source text, or a path (os.PathLike, or a str naming an existing .py)
    files    paths (placed by file name) or a {name: bytes | str | Path} mapping;
             they sit next to the script, in its current directory
    lib_dir  folder(s) put on sys.path; default: <build>/device/<arch>/lib if built.
             The _markers module is always importable.
    timeout  seconds for the whole run (start, script, fetch); on expiry the process
             is killed and RigTimeout (a RigError, with .output so far) is raised
    fetch    names of files the script writes, returned in RunResult.files
    stream   a text file (e.g. sys.stdout) that receives the output as it comes
    Builds whatever the target needs first (cached: instant once built).
    """
    return _run(get_target(target), script, files, lib_dir, timeout, fetch, stream)


def _run(t: Target, script, files, lib_dir, timeout, fetch, stream,
         unix_wrapper: Sequence[str] = (), qemu_plugin: Sequence[str] = ()) -> RunResult:
    script_name, script_bytes = _script_source(script)
    file_map = _file_map(files)
    if script_name in file_map:
        raise RigError(f"a file is named like the script ({script_name})")
    dirs = _lib_dirs(t, lib_dir)
    fetch = [fetch] if isinstance(fetch, str) else list(fetch)
    if t.kind in ("unix", "wasm"):  # wasm: node runs it like the unix port (firmware.py)
        return _run_unix(t, script_name, script_bytes, file_map, dirs, timeout, fetch,
                         stream, unix_wrapper)
    return _run_qemu(t, script_name, script_bytes, file_map, dirs, timeout, fetch,
                     stream, qemu_plugin)


def _run_unix(t, script_name, script_bytes, file_map, dirs, timeout, fetch, stream,
              wrapper) -> RunResult:
    command = firmware.unix_command(t)
    with tempfile.TemporaryDirectory(prefix="microlearn-run-") as tmp:
        tmp = Path(tmp)
        for name, data in {**file_map, script_name: script_bytes}.items():
            (tmp / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp / name).write_bytes(data)
        env = dict(os.environ)
        env["MICROPYPATH"] = ":".join([".frozen", *(str(d.resolve()) for d in dirs)])
        cmd = [*wrapper, *command, script_name]
        proc = subprocess.Popen(cmd, cwd=tmp, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                start_new_session=True)
        deadline = time.monotonic() + timeout
        chunks = []
        fd = proc.stdout.fileno()
        try:
            while True:
                r, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
                if not r:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
                    raise RigTimeout(f"unix: script did not finish within {timeout} s",
                                     _text(b"".join(chunks)))
                data = os.read(fd, 65536)
                if not data:
                    break
                chunks.append(data)
                if stream:
                    stream.write(_text(data))
                    stream.flush()
            rc = proc.wait()
        finally:
            proc.stdout.close()
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        fetched = {n: (tmp / n).read_bytes() for n in fetch if (tmp / n).is_file()}
        return RunResult(rc, _text(b"".join(chunks)), fetched, crashed=rc < 0)


def _on_device_code() -> str:
    d = paths.rig_dir() / "on_device"
    return (d / "ramfs.py").read_text() + "\n" + (d / "harness.py").read_text()


class _LineFilter:
    """Drops the harness's own frame from tracebacks, line by line, and passes the
    rest to a text stream as it arrives (a partial last line waits for its end)."""

    HARNESS_FRAME = re.compile(r'^\s*File "<[a-z]+>", line \d+, in _rig_run\s*$')

    def __init__(self, stream: Optional[TextIO]):
        self.stream = stream
        self.pending = b""
        self.lines: List[str] = []

    def feed(self, data: bytes) -> None:
        self.pending += data
        *complete, self.pending = self.pending.split(b"\n")
        for line in complete:
            self._emit(_text(line + b"\n"))

    def finish(self) -> str:
        if self.pending:
            self._emit(_text(self.pending))
            self.pending = b""
        return "".join(self.lines)

    def _emit(self, text: str) -> None:
        if self.HARNESS_FRAME.match(text):
            return
        self.lines.append(text)
        if self.stream:
            self.stream.write(text)
            self.stream.flush()


def qemu_command(t: Target, image_path: Path, plugin: Sequence[str] = ()) -> List[str]:
    """The qemu-system-<arch> command for a target, with an image in its memory
    (QemuBoard adds the serial port and the QMP socket)."""
    elf = firmware.firmware_elf(t)
    cmd = [
        t.qemu_system, "-machine", t.machine, "-display", "none",
        "-monitor", "null", "-semihosting", *t.qemu_args,
        "-kernel", str(elf),
        "-device", f"loader,file={image_path},addr={t.bundle_addr:#x},force-raw=on",
    ]
    if plugin:
        cmd += ["-plugin", ",".join(plugin)]
    return cmd


def _run_qemu(t, script_name, script_bytes, file_map, dirs, timeout, fetch, stream,
              plugin) -> RunResult:
    if shutil.which(t.qemu_system) is None:
        package = "qemu-system-arm" if t.qemu_system.endswith("-arm") else "qemu-system-misc"
        raise RigError(f"{t.qemu_system} not found: apt-get install {package}")
    device_files = {f"/lib/{n}": b for n, b in _lib_files(dirs).items()}
    device_files.update({f"/{n}": b for n, b in file_map.items()})
    device_files[f"/{script_name}"] = script_bytes
    data = bundle.pack(device_files)
    # QEMU loads one image into the board's memory: the on-device code (RAM
    # filesystem + harness), then the bundle. One raw-REPL command runs the former
    # and mounts the latter.
    code = _on_device_code().encode("utf-8")
    bundle_addr = t.bundle_addr + ((len(code) + 15) & ~15)
    image = code + bytes(bundle_addr - t.bundle_addr - len(code)) + data
    if len(image) > bundle.BUNDLE_MAX:
        raise RigError(f"files and libraries take {len(image)} bytes; the board's bundle "
                       f"memory holds {bundle.BUNDLE_MAX}")
    deadline = time.monotonic() + timeout
    with tempfile.TemporaryDirectory(prefix="microlearn-qemu-") as tmp:
        image_path = Path(tmp) / "image.bin"
        image_path.write_bytes(image)
        board = QemuBoard(qemu_command(t, image_path, plugin), deadline, Path(tmp))
        output = _LineFilter(stream)
        try:
            board.enter_raw_repl()
            board.exec_checked(
                "import uctypes\n"
                f"exec(bytes(uctypes.bytearray_at({t.bundle_addr:#x}, {len(code)})))\n"
                f"_rig_mount({bundle_addr:#x}, {len(data)}, {bundle.crc32(data)})\n")
            try:
                board.exec_(f"_rig_run({script_name!r})", on_output=output.feed,
                            watch_faults=True)
            except _Fault as fault:
                board.kill()
                output.feed(fault.args[0])
                return RunResult(CRASHED, output.finish(), {}, crashed=True)
            except BoardCrashed as e:
                board.kill()
                output.feed(board.buf)
                text = output.finish()
                return RunResult(CRASHED, text + f"\n[rig] {e}\n", {}, crashed=True)
            status = int(board.exec_checked("print(_rig_status)").strip())
            fetched = {}
            for name in fetch:
                b64 = board.exec_checked(f"_rig_fetch({name!r})")
                if b64.strip() != b"-":
                    fetched[name] = binascii.a2b_base64(b64.replace(b"\r\n", b""))
            board.quit(wait=max(1.0, deadline - time.monotonic()))
            return RunResult(status, output.finish(), fetched)
        except RigTimeout as e:
            board.kill()
            output.feed(board.buf)
            raise RigTimeout(f"{t.name}: the run did not finish within {timeout} s "
                             f"(QEMU killed)", output.finish()) from e
        finally:
            board.kill()
