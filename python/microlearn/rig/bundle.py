"""The file bundle: how files reach an emulated board without a filesystem.

QEMU copies the bundle into the board's memory before the CPU starts
(`-device loader,file=bundle.bin,addr=BUNDLE_ADDR`); the device side
(on_device/harness.py) checks its CRC and mounts a RAM filesystem whose files point
into it (no copy). Sending the same bytes over the emulated UART runs at ~50 KB/s;
this takes no time at all.

Format (little-endian):
    0   4  magic b"MLRB"
    4   4  number of entries N
    8      N entries: u32 offset, u32 size, u16 path length, path (UTF-8, absolute)
    ...    file data, each file 4-byte aligned, at the offsets given
The CRC-32 of the whole bundle travels separately (in the mount command).
"""

import binascii
import struct
from typing import Dict

MAGIC = b"MLRB"

# Where the bundle goes is per target (targets.Target.bundle_addr); this is the MPS2
# boards' (AN385, AN386): 4 MB of SSRAM at 0x20000000 that MicroPython's firmware
# does not use (its RAM is the 4 MB at address 0).
BUNDLE_ADDR = 0x20000000
BUNDLE_MAX = 4 * 1024 * 1024


def _align4(n: int) -> int:
    return (n + 3) & ~3


def pack(files: Dict[str, bytes]) -> bytes:
    """files: absolute device path -> content. Returns the bundle bytes."""
    names = sorted(files)
    encoded = [n.encode("utf-8") for n in names]
    header = 8 + sum(10 + len(e) for e in encoded)
    offset = _align4(header)
    entries = []
    for name, enc in zip(names, encoded):
        entries.append(struct.pack("<IIH", offset, len(files[name]), len(enc)) + enc)
        offset = _align4(offset + len(files[name]))
    out = bytearray(MAGIC + struct.pack("<I", len(names)) + b"".join(entries))
    for name in names:
        out += bytes(_align4(len(out)) - len(out))
        out += files[name]
    return bytes(out)


def crc32(data: bytes) -> int:
    return binascii.crc32(data) & 0xFFFFFFFF
