"""mpy_ld without dead code; natmod.mk links every native module through it:

    python natmod_ld.py '<CROSS>gcc <arch flags>' <mpy_ld command and arguments...>

mpy_ld copies every section of every object it is given into the .mpy, and
MicroPython copies all of that into RAM at import. The objects are compiled
with -ffunction-sections -fdata-sections (natmod.mk), so a partial link
(gcc -r: the arch's own ld emulation) with --gc-sections, rooted at mpy_init, leaves out what the module
never reaches: C API functions its glue does not call (e.g. the q15 FFT in
microlearn._fft, the float one in _fft_q15), helpers, tables. mpy_ld then
links that one object as before (libgcc and libm still come from its -l).
The config.h step (--preprocess) runs mpy_ld unchanged.
"""
import shlex
import subprocess
import sys

cc = shlex.split(sys.argv[1])
command = sys.argv[2:]
if "--preprocess" not in command:
    objects = [a for a in command if a.endswith(".o")]
    linked = command[command.index("-o") + 1] + ".o"
    subprocess.run(cc + ["-nostdlib", "-r", "-Wl,--gc-sections", "-Wl,--undefined=mpy_init", "-o", linked]
                   + objects, check=True)
    command = [a for a in command if not a.endswith(".o")] + [linked]
sys.exit(subprocess.call(command))
