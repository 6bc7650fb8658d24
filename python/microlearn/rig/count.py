"""Count the instructions a script executes between markers.

    import _markers
    _markers.start()
    model.predict(x)
    _markers.stop()

count(target, script, ...) runs the script and returns the number of instructions
executed between each start() and the following stop(), summed over all pairs:

- cortex-m3, cortex-m0: QEMU runs with the insn_count.c TCG plugin, which watches for
  the Thumb marker instructions the _markers module executes (mov r11, r11 starts,
  mov r10, r10 stops) and counts guest instructions in between.
- unix: the script runs under `valgrind --tool=callgrind --instr-atstart=no`; the x64
  _markers module issues callgrind client requests (START/STOP_INSTRUMENTATION), so
  callgrind's total (event Ir) covers exactly the marked regions. Callgrind does not
  report how many pairs ran: pairs is None on unix.

Both are deterministic: the same script and inputs give the same count on every run
(no timer interrupts on the emulated board; valgrind lays out memory the same way
every time). The count includes a small fixed overhead (leaving start(), calling
stop()); count an empty start()/stop() pair to see it.
"""

import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, Optional, TextIO

from . import build
from .paths import RigError
from .run import DEFAULT_TIMEOUT, Files, RunResult, _run, _script_source
from .targets import get_target


@dataclass
class CountResult:
    instructions: int  # executed between markers, summed over all pairs
    pairs: Optional[int]  # start/stop pairs seen (None on unix: callgrind cannot tell)
    output: str  # what the script printed
    files: Dict[str, bytes] = field(default_factory=dict)  # fetched files

    def __int__(self):
        return self.instructions


class CountError(RigError):
    """The script failed, or executed no complete start/stop pair."""

    def __init__(self, message: str, result: Optional[RunResult] = None):
        super().__init__(message)
        self.result = result


def count(target: str, script, files: Files = (), lib_dir=None,
          timeout: float = DEFAULT_TIMEOUT * 5, fetch: Iterable[str] = (),
          stream: Optional[TextIO] = None) -> CountResult:
    """Run script on target (arguments as for run()) and count marked instructions.

    Raises CountError if the script exits with a non-zero status or no start/stop
    pair completed (the error carries the RunResult).
    """
    t = get_target(target)
    if t.kind == "wasm":
        raise RigError(f"{target}: no instruction counts on the webassembly port (no native _markers, "
                       "no emulator): count on unix, unix-builtin or a QEMU target")
    with tempfile.TemporaryDirectory(prefix="microlearn-count-") as tmp:
        tmp = Path(tmp)
        if t.kind == "unix":
            if shutil.which("valgrind") is None:
                raise RigError("valgrind not found: apt-get install valgrind")
            out_file = tmp / "callgrind.out"
            wrapper = [
                "valgrind", "--tool=callgrind", "--instr-atstart=no",
                f"--callgrind-out-file={out_file}", f"--log-file={tmp / 'valgrind.log'}",
            ]
            result = _run(t, script, files, lib_dir, timeout, fetch, stream,
                          unix_wrapper=wrapper)
            _check(target, result)
            instructions = _callgrind_total(out_file, tmp / "valgrind.log")
            if instructions == 0:
                raise CountError(f"{target}: no instructions between markers: did the "
                                 "script call _markers.start() and _markers.stop()?",
                                 result)
            return CountResult(instructions, None, result.output, result.files)

        out_file = tmp / "insn_count.txt"
        plugin = [str(build.build_plugin()), f"outfile={out_file}"]
        # _markers is imported before the script runs, so that it sits at the same
        # place in the heap whatever the script allocates first (the counts in the
        # docs were measured so).
        _, source = _script_source(script)
        script = b"import _markers  # by microlearn.rig.count\n" + source
        result = _run(t, script, files, lib_dir, timeout, fetch, stream, qemu_plugin=plugin)
        _check(target, result)
        if not out_file.is_file():
            raise RigError(f"{target}: the insn_count plugin wrote no result")
        report = dict(re.findall(r"(\w+)=(\d+)", out_file.read_text()))
        pairs = int(report["pairs"])
        if pairs == 0:
            raise CountError(f"{target}: no start/stop marker pair executed: call "
                             "_markers.start() and then _markers.stop() (plugin: "
                             f"{out_file.read_text().strip()})", result)
        if int(report["open"]):
            raise CountError(f"{target}: _markers.start() without a following stop()",
                             result)
        return CountResult(int(report["instructions"]), pairs, result.output, result.files)


def _check(target: str, result: RunResult) -> None:
    if result.returncode != 0:
        raise CountError(
            f"{target}: the script failed (status {result.returncode}):\n{result.output}",
            result)


def _callgrind_total(out_file: Path, log_file: Path) -> int:
    """Total Ir of a callgrind output file: its "totals:" line.

    (With --instr-atstart=no its "summary:" line stays 0; "totals:" holds the sum.)
    """
    if not out_file.is_file():
        log = log_file.read_text(errors="replace") if log_file.is_file() else ""
        raise RigError(f"callgrind wrote no output file; valgrind said:\n{log}")
    for line in out_file.read_text(errors="replace").splitlines():
        if line.startswith("totals:"):
            return int(line.split()[1])
    return 0
