"""MicroPython 1.25's tools/mpy_ld.py with one xtensa fix; natmod.mk runs it for ARCH=xtensa:

    python mpy_ld_xtensa.py <MPY_DIR>/tools/mpy_ld.py <mpy_ld arguments...>

On xtensa, GCC loads addresses from literal pools, and for a single qstr it
often folds the index into the literal: `&mp_native_qstr_table[8]` becomes the
literal `mp_native_qstr_table + 16`. mpy_ld 1.25 turns each such literal into a
GOT entry named "mp_native_qstr_table+0x10", drops the addend, and then stops
with `AssertionError: ('mp_native_qstr_table+0x10', '.external.qstr_table')`.

The fix: such an entry is a GOT slot that holds the addend and is relocated,
like the plain mp_native_qstr_table entry, by adding the qstr table's address
at load time (py/persistentcode.c: mp_native_relocate adds the destination to
the slot). Several of them can be adjacent in the GOT, and the .mpy format can
only count runs of text/rodata/bss relocations, so those are written one by one.
"""
import os
import sys

mpy_ld_path = sys.argv.pop(1)
sys.path.insert(0, os.path.dirname(os.path.abspath(mpy_ld_path)))
import mpy_ld  # noqa: E402

QSTR_TABLE = "mp_native_qstr_table"
_build_got_xtensa = mpy_ld.build_got_xtensa
_write_reloc = mpy_ld.MPYOutput.write_reloc


def build_got_xtensa(env):
    _build_got_xtensa(env)
    for key, entry in env.got_entries.items():
        base, plus, addend = key.partition("+0x")
        if base == QSTR_TABLE and plus:
            entry.name = base  # relocated like the table's own entry...
            entry.link_addr += int(addend, 16)  # ...from the addend in the slot


def write_reloc(self, base, offset, dest, n):
    if dest <= 2:  # text, rodata, bss: the format has a count
        _write_reloc(self, base, offset, dest, n)
    else:
        for i in range(n):
            _write_reloc(self, base, offset + i, dest, 1)


mpy_ld.build_got_xtensa = build_got_xtensa
mpy_ld.MPYOutput.write_reloc = write_reloc
mpy_ld.main()
