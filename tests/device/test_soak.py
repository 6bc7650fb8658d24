"""Every entry of the soak / heap_lock registry (tests/device/families.py) on
every target: its call allocates nothing under micropython.heap_lock(), and
many calls in a row (1e5 on the unix port, 2e3 on the emulated boards) leave
gc.mem_free() where it was, with the garbage collector off, and give the
same result as the first call. docs/testing.md."""
import re
from pathlib import Path

import pytest

import families
from device_rig import run

CALLS = {"unix": 100_000}
BOARD_CALLS = 2_000
LINE = re.compile(r"^entry (\d+) locked (\w+) calls (\d+) free (\d+) (\d+) (\w+)$", re.M)


def test_soak_and_heap_lock(target):
    n = CALLS.get(target, BOARD_CALLS)
    res = run(target, families.script(families.ENTRIES, n), files=families.files(families.ENTRIES), timeout=900)
    assert res.returncode == 0, res.output
    assert "soak done" in res.output, res.output
    seen = {families.ENTRIES[int(m.group(1))].name: m for m in LINE.finditer(res.output)}
    assert len(seen) == len(families.ENTRIES), res.output
    failures = []
    for name, m in seen.items():
        locked, calls, before, after, same = m.group(2), int(m.group(3)), int(m.group(4)), int(m.group(5)), m.group(6)
        if locked != "ok":
            failures.append(f"{name}: allocates under heap_lock")
        if calls < n:
            failures.append(f"{name}: the heap ran out after {calls} of {n} calls")
        if after < before:
            failures.append(f"{name}: gc.mem_free() shrank by {before - after} bytes over {calls} calls")
        if same != "same":
            failures.append(f"{name}: the last of {calls} calls gave a different result than the first")
    assert not failures, "\n".join(failures)


def test_every_family_is_registered():
    """A model family on the host has soak entries here and a loader in the
    fuzz driver's table (tests/fuzz/fuzz_mlm.cpp, kFamilies)."""
    from microlearn.families import FAMILIES

    fuzz = (Path(__file__).resolve().parents[1] / "fuzz" / "fuzz_mlm.cpp").read_text()
    table = fuzz[fuzz.index("constexpr Family kFamilies[]"):]
    table = table[:table.index("};")]
    fuzzed = set(re.findall(r'\{"(\w+)",', table))
    soaked = {e.family for e in families.ENTRIES}
    for family in FAMILIES.values():
        assert family.name in soaked, f"{family.name}: no entry in tests/device/families.py"
        assert family.name in fuzzed, f"{family.name}: no entry in kFamilies of tests/fuzz/fuzz_mlm.cpp"


@pytest.mark.parametrize("entry", families.ENTRIES, ids=lambda e: e.name)
def test_entries_are_well_formed(entry):
    assert "\n" not in entry.call, "one call: an expression (put helpers in setup)"
    compile(entry.setup, entry.name, "exec")
    compile(entry.call, entry.name, "eval")
    compile(entry.state, entry.name, "eval")
