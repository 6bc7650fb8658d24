"""microlearn.jpeg: baseline JPEG images (Huffman-coded, 8-bit, grayscale or
colour, any integral chroma subsampling, restart markers) decoded by the C++
engine (native module microlearn._jpeg) into array('B') of grayscale or RGB888
pixels, with an optional DCT-domain downscale (1/2, 1/4, 1/8) and a nearest /
bilinear resize to a model's input. Progressive, arithmetic-coded, lossless,
12-bit, CMYK and multi-scan files raise ValueError naming what they are.
Grayscale from colour is BT.601 luma, (19595 R + 38470 G + 7471 B + 32768) >>
16, as Pillow's convert("L")."""
from array import array
from typing import IO, Optional, Tuple, Union


Source = Union[str, bytes, bytearray, memoryview, IO[bytes]]


def info(source: Source) -> Tuple[int, int, int]:
    """(width, height, components): components 1 (grayscale) or 3 (colour)."""


def read(source: Source, mode: str = "L", size: Optional[Tuple[int, int]] = None, resize: str = "bilinear",
         out: Optional[Union[array, bytearray]] = None,
         scale: Union[int, str] = 1) -> Tuple[int, int, Union[array, bytearray]]:
    """(width, height, pixels): pixels width * height bytes (mode "L") or width
    * height * 3 (mode "RGB", R G B per pixel), row by row. scale 2, 4 or 8
    decodes at ceil(width / scale) x ceil(height / scale) in the DCT domain
    ("auto": the largest scale still at least `size`); size=(width, height)
    then resizes ("bilinear": pixel centres, edges clamped; "nearest": source
    pixel floor((x + 0.5) * src / dst)); out, of exactly that many bytes,
    receives the pixels and is returned. ValueError for a malformed, truncated
    or unsupported file."""
