"""microlearn.png: 8-bit PNG images (grayscale, grayscale + alpha, RGB, RGBA,
palette; non-interlaced) decoded into array('B') of grayscale or RGB888 pixels,
with an optional nearest / bilinear resize to a model's input. Pure Python;
needs MicroPython's built-in `deflate` module (ImportError naming it when the
firmware lacks it). Alpha is ignored; grayscale from colour is BT.601 luma,
(19595 R + 38470 G + 7471 B + 32768) >> 16, as Pillow's convert("L")."""
from array import array
from typing import IO, Optional, Tuple, Union


Source = Union[str, bytes, bytearray, memoryview, IO[bytes]]


def info(source: Source) -> Tuple[int, int, str]:
    """(width, height, colour): colour is "L", "LA", "RGB", "RGBA" or "P" (palette)."""


def read(source: Source, mode: str = "L", size: Optional[Tuple[int, int]] = None, resize: str = "bilinear",
         out: Optional[Union[array, bytearray]] = None) -> Tuple[int, int, Union[array, bytearray]]:
    """(width, height, pixels): pixels width * height bytes (mode "L") or width
    * height * 3 (mode "RGB", R G B per pixel), row by row; size=(width,
    height) resizes ("bilinear": pixel centres, edges clamped, within 1 level of
    float bilinear; "nearest": source pixel floor((x + 0.5) * src / dst));
    out, of exactly that many bytes, receives the pixels and is returned.
    ValueError for a malformed, truncated, interlaced or non-8-bit file."""
