"""microlearn.npyfile: read and write numpy .npy files, streaming."""
from array import array
from typing import IO, Iterator, Optional, Sequence, Tuple, Union

Shape = Tuple[int, ...]


def typecode(a: Union[array, bytes, bytearray]) -> str:
    """The typecode of an array.array ('B' for bytes, bytearray)."""


def descr(typecode: str) -> str:
    """numpy dtype string ('<f4', '|u1', ...) of an array typecode."""


def read_header(f: IO[bytes], name: Optional[str] = None) -> Tuple[str, Shape, str]:
    """Reads an .npy header from stream f; returns (typecode, shape, descr)."""


class Reader:
    """Streams the items of one .npy file (a path or an open binary stream)."""
    name: str
    shape: Shape
    typecode: str
    descr: str
    itemsize: int
    size: int
    remaining: int

    def __init__(self, source: Union[str, IO[bytes]], name: Optional[str] = None) -> None: ...
    def readinto(self, buf: array, n: Optional[int] = None) -> int:
        """Reads up to n (default len(buf)) items into buf from its start; returns the number read (0 at the end)."""
    def read(self, n: Optional[int] = None) -> array:
        """The next n items (default: all the rest) as a new array."""
    def chunks(self, n: int) -> Iterator[array]:
        """Arrays of up to n items; the same buffer each time (the last chunk is a shorter copy)."""
    def close(self) -> None: ...
    def __enter__(self) -> "Reader": ...
    def __exit__(self, *exc) -> None: ...


def load(source: Union[str, IO[bytes]]) -> Tuple[Shape, array]:
    """Reads a whole .npy file; returns (shape, array)."""


class Writer:
    """Writes an .npy file item by item. shape may start with None: that
    dimension is counted from what was written and filled in at close()."""
    def __init__(self, dest: Union[str, IO[bytes]], typecode: str, shape: Optional[Sequence] = None,
                 name: Optional[str] = None) -> None: ...
    def write(self, a: array, n: Optional[int] = None) -> None:
        """Appends the first n (default all) items of array a."""
    def close(self) -> None: ...
    def __enter__(self) -> "Writer": ...
    def __exit__(self, *exc) -> None: ...


def save(dest: Union[str, IO[bytes]], a: array, shape: Optional[Sequence[int]] = None) -> None:
    """Writes array a (any typecode but 'u') as an .npy file, shape default (len(a),)."""
