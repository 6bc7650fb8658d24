"""Runs device tests on real MicroPython (unix port, emulated Cortex-M3 / M0)
through the rig in python/microlearn/rig; native modules built once per session."""
import functools
import struct
import zlib

import numpy as np

from microlearn.rig import build, run as rig_run

TARGETS = ["unix", "cortex-m3", "cortex-m0", "cortex-m4f", "rv32"]
# Firmware with microlearn compiled in (the package frozen, no natmods): these
# tests run there too, each family's agreement with the host and the soak /
# heap_lock registry; the rest of the suite tests the same glue as natmods.
COMPILED_IN = ["unix-builtin", "cortex-m3-builtin", "wasm"]
ON_COMPILED_IN = {"test_device_matches_host", "test_device_matches_host_and_scikit_learn",
                  "test_boosters_agree_with_their_library_on_every_target", "test_spectrogram_and_features_match_host",
                  "test_soak_and_heap_lock", "test_class_labels_come_back_as_scikit_learn_gives_them"}


@functools.lru_cache(maxsize=None)
def lib_for_arch(arch: str):
    """build/device/<arch>/lib: the device package and every native module."""
    return build.build_natmods(arch)


def lib_for(target: str):
    from microlearn.rig.targets import get_target
    if target in COMPILED_IN:
        return []  # the firmware holds the package
    return lib_for_arch(get_target(target).arch)


def run(target, script, files=(), fetch=(), timeout=300):
    """Runs `script` on `target` with this checkout's device package."""
    return rig_run(target, script, files=files, lib_dir=lib_for(target), fetch=fetch, timeout=timeout)


# Device code for error tests: expect(Exc, fn, *args, **kw) prints "ok <Exc> <message>"
# when fn(*args, **kw) raises Exc, else a line starting "WRONG".
EXPECT = """
def expect(exc, fn, *args, **kw):
    try:
        fn(*args, **kw)
    except exc as e:
        print("ok", exc.__name__, e)
        return
    except Exception as e:
        print("WRONG", type(e).__name__, e)
        return
    print("WRONG no error")
"""


def refresh_crc(data) -> bytes:
    """An .mlm file's bytes with its CRC32 recomputed, so that a test reaches
    the checks behind the checksum."""
    data = bytearray(data)
    data[16:20] = b"\0\0\0\0"
    data[16:20] = struct.pack("<I", zlib.crc32(bytes(data)))
    return bytes(data)


def mutants(sources, n: int, seed: int) -> dict:
    """Structural corruption behind a valid CRC: n files, the i-th a copy of
    sources[i % len(sources)] with 3 random bytes past the header replaced,
    as {"mut<i>.mlm": bytes}."""
    rng = np.random.default_rng(seed)
    out = {}
    for i in range(n):
        data = bytearray(sources[i % len(sources)])
        for _ in range(3):
            data[int(rng.integers(24, len(data)))] = int(rng.integers(0, 256))
        out[f"mut{i}.mlm"] = refresh_crc(data)
    return out
