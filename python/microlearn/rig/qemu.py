"""A MicroPython board in QEMU, driven over its serial port with the raw REPL.

QemuBoard creates a pty pair, starts qemu-system-arm with the board's UART on the
pty's terminal end (-chardev serial), keeps the other end, and speaks MicroPython's
raw REPL over it:

    host: Ctrl-A                      board: "raw REPL; CTRL-B to exit\r\n>"
    host: <code> Ctrl-D               board: "OK" <stdout> \x04 <traceback> \x04 ">"

Latency traps, measured with QEMU 7.2 (each costs up to a second):
- QEMU looks for serial input in its main loop, and only while the UART can accept
  a byte. At boot the firmware enables the UART after QEMU's main loop went to
  sleep, so the first byte we send waits for some timer. After the banner we wake the
  main loop with a QMP command before sending anything. (From then on, each byte the
  guest reads wakes the loop itself.)
- "-serial pty" (QEMU's own pty) notices that someone opened it only on a 1-second
  timer, and "-serial stdio" on pipes shows the first trap on every exchange: hence a
  pty pair of our own.
- Several bytes sent at once to the friendly REPL stall after the first: we enter
  the raw REPL with a single Ctrl-A (the raw REPL takes bulk input fine).

The board leaves QEMU when the guest calls machine.reset() (the port turns it into a
semihosting exit), which also runs the TCG plugins' exit callbacks.
"""

import json
import os
import re
import select
import signal
import socket
import subprocess
import time
import tty
from pathlib import Path
from typing import Callable, List, Optional, Tuple

from .paths import RigError


class RigTimeout(RigError):
    """The run took longer than its timeout; QEMU (or micropython) was killed."""

    def __init__(self, message: str, output: str = ""):
        super().__init__(message)
        self.output = output


class BoardCrashed(RigError):
    """QEMU exited, or the CPU took a fault, while the board was doing rig work."""


# What the port's fault handler prints (mcu/arm/errorhandler.c): a name, then
# registers, then it spins forever.
FAULT_RE = re.compile(rb"[A-Za-z ]+ exception caught:\r?\n(?:.*\r?\n)*?xPSR: [0-9A-F]{8}\r?\n")

RAW_PROMPT = b"raw REPL; CTRL-B to exit\r\n>"


class QemuBoard:
    def __init__(self, qemu_cmd: List[str], deadline: float, workdir: Path):
        """Start QEMU with the board's UART on a pty of ours.

        qemu_cmd must not choose -serial or -qmp. QEMU's own messages go to
        workdir/qemu.log, its QMP socket is workdir/qmp.sock.
        """
        self.deadline = deadline
        self.log_path = workdir / "qemu.log"
        self.qmp_path = workdir / "qmp.sock"
        self.buf = b""
        self.qmp = None
        self._sock = None
        # We hold both ends for QEMU's whole life: output is never lost, and the
        # terminal end stays valid (QEMU fails to open it once no one holds it).
        self.fd, self._tty = os.openpty()
        tty.setraw(self._tty)
        cmd = [
            *qemu_cmd,
            "-chardev", f"serial,id=rigserial,path={os.ttyname(self._tty)}",
            "-serial", "chardev:rigserial",
            "-qmp", f"unix:{self.qmp_path},server=on,wait=off",
        ]
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def qemu_log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def _qmp(self, command: str) -> None:
        """Run one QMP command (connecting first if needed); wait for its reply."""
        if self.qmp is None:
            while not self.qmp_path.exists():
                if self.proc.poll() is not None or time.monotonic() > self.deadline:
                    raise BoardCrashed("QEMU did not start:\n" + self.qemu_log())
                time.sleep(0.002)
            self._sock = socket.socket(socket.AF_UNIX)
            self._sock.settimeout(max(0.1, self._remaining()))
            self._sock.connect(str(self.qmp_path))
            self.qmp = self._sock.makefile("rwb")
            self.qmp.readline()  # greeting
            self._qmp("qmp_capabilities")
        self.qmp.write(json.dumps({"execute": command}).encode() + b"\n")
        self.qmp.flush()
        while True:  # skip events until the command's reply
            reply = json.loads(self.qmp.readline() or b"{}")
            if "return" in reply:
                return
            if "error" in reply or not reply:
                raise RigError(f"QMP {command} failed: {reply}")

    def _remaining(self) -> float:
        return max(0.0, self.deadline - time.monotonic())

    def kill(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()
        self._close_fd()

    def _close_fd(self) -> None:
        for fd in (self.fd, self._tty):
            if fd >= 0:
                os.close(fd)
        self.fd = self._tty = -1
        if self.qmp is not None:
            self.qmp.close()
            self._sock.close()
            self.qmp = None

    def quit(self, wait: float = 10.0) -> int:
        """machine.reset() makes the firmware exit QEMU cleanly (plugins report)."""
        try:
            self.write(b"import machine\nmachine.reset()\x04")
        except OSError:
            pass
        try:
            self.proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            self.kill()
            raise RigError("QEMU did not exit after machine.reset()")
        self._close_fd()
        return self.proc.returncode

    # -- bytes ------------------------------------------------------------------

    def write(self, data: bytes) -> None:
        while data:
            _, w, _ = select.select([], [self.fd], [], self._remaining())
            if not w:
                raise RigTimeout("timed out writing to the board's serial port")
            n = os.write(self.fd, data[:4096])
            data = data[n:]

    def _read_more(self) -> bytes:
        """Wait for more bytes from the board; raise if QEMU exits or time runs out."""
        while True:
            # We hold the pty's terminal end ourselves, so QEMU's exit does not end
            # the stream: look at the process between short waits.
            r, _, _ = select.select([self.fd], [], [], min(0.2, self._remaining()))
            if r:
                return os.read(self.fd, 65536)
            if self.proc.poll() is not None:
                raise BoardCrashed(
                    f"QEMU exited (status {self.proc.returncode}) while the board was busy"
                    + (":\n" + self.qemu_log() if self.qemu_log().strip() else ""))
            if self._remaining() <= 0:
                raise RigTimeout("timed out waiting for the board")

    def read_until(self, marker: bytes, on_data: Optional[Callable[[bytes], None]] = None,
                   watch_faults: bool = False) -> bytes:
        """Read up to marker (consumed) and return what came before it.

        on_data: receives the bytes as they arrive (then the return value holds only
        the last piece). watch_faults: raise _Fault when the firmware's fault dump
        appears (the CPU then spins forever).
        """
        seen = b""  # recent bytes already passed to on_data, for fault detection
        while True:
            i = self.buf.find(marker)
            if i >= 0:
                out, self.buf = self.buf[:i], self.buf[i + len(marker):]
                if on_data and out:
                    on_data(out)
                return out
            if on_data:  # pass on all that cannot be the start of the marker
                cut = len(self.buf) - (len(marker) - 1)
                if cut > 0:
                    on_data(self.buf[:cut])
                    seen = (seen + self.buf[:cut])[-2048:]
                    self.buf = self.buf[cut:]
            if watch_faults and b" exception caught:" in seen + self.buf:
                if FAULT_RE.search(seen + self.buf):  # the whole dump has arrived
                    raise _Fault(self.buf)
            self.buf += self._read_more()

    # -- raw REPL ---------------------------------------------------------------

    def enter_raw_repl(self) -> None:
        """From a freshly booted board: wait for the banner's prompt, wake QEMU's main
        loop (see the module docstring), send Ctrl-A."""
        self.read_until(b">>> ")
        self._qmp("query-status")
        self.write(b"\x01")
        self.read_until(RAW_PROMPT)

    def exec_(self, code: str, on_output: Optional[Callable[[bytes], None]] = None,
              watch_faults: bool = False) -> Tuple[bytes, bytes]:
        """Run code in the raw REPL; return (stdout, error output) as bytes."""
        self.write(code.encode("utf-8") + b"\x04")
        self.read_until(b"OK")
        out = self.read_until(b"\x04", on_data=on_output, watch_faults=watch_faults)
        err = self.read_until(b"\x04", watch_faults=watch_faults)
        self.read_until(b">")
        return out, err

    def exec_checked(self, code: str) -> bytes:
        """exec_ for the rig's own commands: any error is a bug or a broken board."""
        try:
            out, err = self.exec_(code, watch_faults=True)
        except _Fault as fault:
            raise BoardCrashed("the board faulted during a rig command:\n"
                               + (self.buf + fault.args[0]).decode(errors="replace"))
        if err:
            raise RigError(
                "the board failed a rig command:\n"
                + err.decode(errors="replace").replace("\r\n", "\n")
            )
        return out


class _Fault(Exception):
    """The CPU faulted; .args[0] is the output not yet passed on, up to the dump's end."""
