"""mpy_ld without dead code; natmod.mk links every native module through it:

    python natmod_ld.py '<CROSS>gcc <arch flags>' '<preprocessor flags>' <mpy_ld command and arguments...>

mpy_ld copies every section of every object it is given into the .mpy, and
MicroPython copies all of that into RAM at import. Three things are left out:

- Code the module never reaches. The objects are compiled with
  -ffunction-sections -fdata-sections (natmod.mk), so a partial link (gcc -r:
  the arch's own ld emulation) with --gc-sections, rooted at mpy_init, drops
  C API functions its glue does not call (e.g. the q15 FFT in
  microlearn._fft, the float one in _fft_q15), helpers, tables. mpy_ld then
  links that one object as before (libgcc and libm still come from its -l).
- Names it never uses. The config.h step (--preprocess) collects every
  MP_QSTR_ name in the C sources, and each one goes into the .mpy and is
  interned (RAM) at import, even where an #if leaves its code out (dsp.c
  builds six modules from one source). Here mpy_ld reads the sources as the
  C preprocessor gives them, with the module's own flags: only the names of
  the code it compiles (glue.h's included).
- The build folder. mpy_ld stores its output's path as the module's source
  name, a string interned at import: it runs in the output's folder, so the
  name is the file name alone (and the .mpy the same wherever it is built).
"""
import os
import shlex
import subprocess
import sys
import tempfile

cc = shlex.split(sys.argv[1])
cpp_flags = shlex.split(sys.argv[2])
command = sys.argv[3:]
output = command[command.index("-o") + 1]
if "--preprocess" in command:
    sources = [a for a in command if a.endswith(".c")]
    with tempfile.TemporaryDirectory() as tmp:
        # MP_QSTR_ names stay as they are written: an empty port config
        # (the real one is the config.h this step makes).
        config = os.path.join(tmp, "empty_config.h")
        open(config, "w").close()
        preprocessed = []
        for i, src in enumerate(sources):
            out = os.path.join(tmp, f"{i}_{os.path.basename(src)}")
            subprocess.run(cc + cpp_flags + [f"-DMP_CONFIGFILE=<{config}>", "-E", "-P", "-o", out, src], check=True)
            preprocessed.append(out)
        command = [a for a in command if not a.endswith(".c")] + preprocessed
        sys.exit(subprocess.call(command))
objects = [a for a in command if a.endswith(".o")]
linked = output + ".o"
subprocess.run(cc + ["-nostdlib", "-r", "-Wl,--gc-sections", "-Wl,--undefined=mpy_init", "-o", linked] + objects,
               check=True)
command = [a for a in command if not a.endswith(".o")] + [linked]


def absolute(arg):
    """arg with a path it names made absolute (mpy_ld runs in another folder)."""
    if arg.startswith("-l") and os.path.exists(arg[2:]):
        return "-l" + os.path.abspath(arg[2:])
    return os.path.abspath(arg) if os.path.exists(arg) else arg


command = [absolute(a) for a in command]
command[command.index("-o") + 1] = os.path.basename(output)
sys.exit(subprocess.call(command, cwd=os.path.dirname(os.path.abspath(output))))
