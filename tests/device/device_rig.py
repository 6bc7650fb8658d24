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
