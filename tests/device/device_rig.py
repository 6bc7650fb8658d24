"""Runs device tests on real MicroPython (unix port, emulated Cortex-M3 / M0)
through the rig in python/microlearn/rig; native modules built once per session."""
import functools

from microlearn.rig import build, run as rig_run

TARGETS = ["unix", "cortex-m3", "cortex-m0", "cortex-m4f"]


@functools.lru_cache(maxsize=None)
def lib_for_arch(arch: str):
    """build/device/<arch>/lib: the device package and every native module."""
    return build.build_natmods(arch)


def lib_for(target: str):
    from microlearn.rig.targets import get_target
    return lib_for_arch(get_target(target).arch)


def run(target, script, files=(), fetch=(), timeout=300):
    """Runs `script` on `target` with this checkout's device package."""
    return rig_run(target, script, files=files, lib_dir=lib_for(target), fetch=fetch, timeout=timeout)


# Device code for error tests: expect(Exc, fn, *args) prints "ok <Exc> <message>"
# when fn(*args) raises Exc, else a line starting "WRONG".
EXPECT = """
def expect(exc, fn, *args):
    try:
        fn(*args)
    except exc as e:
        print("ok", exc.__name__, e)
        return
    except Exception as e:
        print("WRONG", type(e).__name__, e)
        return
    print("WRONG no error")
"""
