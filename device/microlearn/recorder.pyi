"""microlearn.recorder: labelled, fixed-size windows of sensor samples to .npy files on flash.

Each full window becomes <folder>/w<seq>_<label>.npy, shape (window, channels),
written under a temporary name and renamed when complete. The folder is a
ring bounded by max_files, max_bytes and keep_free. On the PC,
`microlearn dataset` turns the folder into (X, y).
"""
from array import array
from typing import List, Optional, Sequence, Tuple, Union

from . import npyfile as npyfile


class Recorder:
    folder: str
    window: int
    channels: int
    typecode: str
    max_files: int
    max_bytes: Optional[int]
    keep_free: int
    label: Optional[str]
    """The label the next completed windows get (letters, digits, '-', '_')."""

    def __init__(self, folder: str, window: int, channels: int = 1, typecode: str = "h",
                 label: Optional[str] = None, max_files: int = 100, max_bytes: Optional[int] = None,
                 keep_free: int = 16 * 1024) -> None: ...
    def files(self) -> List[str]:
        """The recordings in the folder, oldest first."""
    def free_bytes(self) -> Optional[int]:
        """The filesystem's free bytes (None where statvfs is missing)."""
    def append(self, sample: Sequence[Union[int, float]]) -> Optional[str]:
        """Adds one sample (channels values); returns the path when it completes a window."""
    def extend(self, samples: array) -> int:
        """Adds whole samples (channels interleaved); returns the number of windows completed."""
    def extend_bytes(self, data: Union[bytes, bytearray, memoryview], fmt: str = "<h",
                     scale: Optional[float] = None) -> int:
        """Adds whole samples from raw int16/int32 sensor bytes; returns windows completed."""
    def add_window(self, samples: array, label: Optional[str] = None) -> str:
        """Writes one whole window (window * channels items) at once; returns its path."""
    def discard(self) -> None:
        """Drops the samples of the unfinished window."""


def parse_name(name: str) -> Optional[Tuple[int, str]]:
    """(sequence number, label) of a recording's file name, or None."""
