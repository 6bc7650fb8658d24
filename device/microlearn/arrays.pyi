"""microlearn.arrays: array helpers MicroPython lacks, in native code (_arrays.mpy).

Nothing but empty()/full() (and crc32 with an int crc) allocates. Errors are
ValueError/TypeError saying what was expected.
"""
from array import array
from typing import Union

from ._types import Buffer


def empty(typecode: str, n: int) -> array:
    """A new array(typecode) of n zero items (no generator, no list)."""


def full(typecode: str, n: int, value: Union[int, float]) -> array:
    """A new array(typecode) of n items equal to value."""


def copy(dst: array, src: Buffer, at: int = 0) -> None:
    """dst[at:at+len(src)] = src, converting item types (int -> int wraps like C)."""


def unpack(dst: array, data: Buffer, fmt: str, scale: float = ..., at: int = 0) -> int:
    """int16/int32 bytes ('<h' '>h' '<H' '>H' '<i' '>i' '<I' '>I') into dst from item
    `at`, times scale if given (dst then float); returns the item count."""


def to_float(dst: array, src: array, scale: float = 1.0, offset: float = 0.0) -> None:
    """dst = src * scale + offset (dst float)."""


def to_int(dst: array, src: array, scale: float = 1.0, offset: float = 0.0) -> None:
    """dst = round(src * scale + offset), half away from zero, clamped to dst's range, NaN -> 0."""


def b64encode(src: Buffer, dst: bytearray) -> int:
    """Base64 of src into dst, no newline; returns the characters written."""


def b64decode(src: Buffer, dst: bytearray) -> int:
    """The bytes of base64 text src into dst; returns the bytes written."""


def crc32(data: Buffer, crc: Union[int, array] = 0) -> Union[int, array]:
    """zlib's CRC-32 continuing from crc: an int, or an array('I') whose item 0 is
    updated in place (returns that array: nothing allocated)."""


def typecode(a: Buffer) -> str:
    """'h' for array('h'), 'B' for bytes and bytearray."""
