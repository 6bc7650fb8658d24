"""Writer and header reader of the .mlm model file (docs/model-format.md).

The C++ reader (include/microlearn/model_file.hpp) is the authority on what is
valid; this module writes files it accepts and reads headers for messages.
"""
from __future__ import annotations

import json
import struct
import zlib
from dataclasses import dataclass

import numpy as np

MAGIC = b"MLMF"
# A file carries the oldest format version whose readers compute it right
# (include/microlearn/model_file.hpp): OLDEST_FORMAT_VERSION unless it holds a
# section of SECTIONS_SINCE, which a reader of an older version would ignore
# and then compute wrong with; readers refuse versions outside their range.
FORMAT_VERSION = 3  # the newest this microlearn reads and writes (model_file.hpp: kFormatVersion)
OLDEST_FORMAT_VERSION = 2  # model_file.hpp: kOldestFormatVersion
HEADER = struct.Struct("<4sHHIIIHH")  # magic, version, kind, flags, size, crc, n_sections, reserved
SECTION = struct.Struct("<HBBII")  # id, dtype, reserved, offset, count
CRC_OFFSET = 16

# Model kinds: include/microlearn/model_file.hpp, ModelKind (tests check they agree).
KIND_TREE_ENSEMBLE, KIND_LINEAR, KIND_SVM, KIND_NEIGHBORS, KIND_GAUSSIAN = 1, 2, 3, 4, 5
KIND_NEURAL_NETWORK = 6

# Section ids from 0xF000 up belong to the container, not to a model kind.
SECTION_METADATA = 0xF000      # u8: UTF-8 JSON, ignored by the engine
SECTION_CLASS_LABELS = 0xF001  # i32[2 n_classes]: int64 labels as (low, high) words
SECTION_CLASS_NAMES = 0xF002   # u8: n_classes NUL-terminated UTF-8 names
SECTION_PREPROCESS_STEPS = 0xF010    # u32[5 n_steps]: op, n_in, n_out, arg, offset per step
SECTION_PREPROCESS_PARAMS = 0xF011   # f32: the steps' parameters
SECTION_PREPROCESS_INDICES = 0xF012  # u32: select steps' column indices

# (kind, section id) -> the format version a file holding that section needs.
SECTIONS_SINCE = {
    (KIND_GAUSSIAN, 6): 3,   # centring: means stored relative to a centre
    (KIND_NEIGHBORS, 7): 3,  # NearestCentroid's discriminant (priors, shrinkage scaling)
}

DTYPES = {
    np.dtype("u1"): 1, np.dtype("i1"): 2, np.dtype("<u2"): 3, np.dtype("<i2"): 4,
    np.dtype("<u4"): 5, np.dtype("<i4"): 6, np.dtype("<f4"): 7,
}
DTYPE_OF_CODE = {code: dt for dt, code in DTYPES.items()}


def write(kind: int, sections: dict[int, np.ndarray], metadata: dict | None = None,
          flags: int = 0) -> bytes:
    """Packs typed arrays into an .mlm file: 4-byte aligned sections, CRC32."""
    items = [(sid, np.ascontiguousarray(arr).ravel()) for sid, arr in sections.items()]
    if metadata is not None:
        blob = json.dumps(metadata, sort_keys=True, separators=(",", ":")).encode()
        items.append((SECTION_METADATA, np.frombuffer(blob, dtype="u1")))
    offset = HEADER.size + SECTION.size * len(items)
    offset = (offset + 3) & ~3
    table, payload = [], bytearray()
    for sid, arr in items:
        dt = arr.dtype.newbyteorder("<") if arr.dtype.byteorder == ">" else arr.dtype
        if np.dtype(dt) not in DTYPES:
            raise TypeError(f"section {sid}: dtype {arr.dtype} cannot be stored")
        data = arr.astype(dt.newbyteorder("<"), copy=False).tobytes()
        table.append(SECTION.pack(sid, DTYPES[np.dtype(dt)], 0, offset + len(payload), arr.size))
        payload += data
        payload += b"\0" * (-len(payload) % 4)
    head_len = HEADER.size + SECTION.size * len(items)
    body = b"".join(table) + b"\0" * (-head_len % 4) + bytes(payload)
    size = HEADER.size + len(body)
    version = max([OLDEST_FORMAT_VERSION] + [SECTIONS_SINCE.get((kind, sid), 0) for sid, _ in items])
    header = HEADER.pack(MAGIC, version, kind, flags, size, 0, len(items), 0)
    crc = zlib.crc32(header + body)
    return HEADER.pack(MAGIC, version, kind, flags, size, crc, len(items), 0) + body


def class_label_sections(classes) -> dict:
    """The sections that map a classifier's class indices to its labels on the
    device and in C: none when the labels are 0..n-1, an int64 table for other
    integer (or bool) labels, else each label's str() as a name."""
    from .errors import UnsupportedEstimatorError
    classes = np.asarray(classes)
    if classes.dtype.kind in "iub":
        if classes.dtype.kind == "u" and classes.size and classes.max() > np.iinfo(np.int64).max:
            raise UnsupportedEstimatorError(f"class label {classes.max()} does not fit in int64")
        labels = classes.astype("<i8")
        if np.array_equal(labels, np.arange(len(labels))):
            return {}
        return {SECTION_CLASS_LABELS: labels.view("<i4")}
    names = [str(c) for c in classes]
    if any("\0" in n for n in names):
        raise UnsupportedEstimatorError("class names must not contain NUL characters")
    blob = b"".join(n.encode() + b"\0" for n in names)
    return {SECTION_CLASS_NAMES: np.frombuffer(blob, np.uint8)}


def classes_metadata(classes) -> dict:
    """The labels for the host, exact (JSON), with their numpy dtype."""
    classes = np.asarray(classes)
    return {"classes": [c.item() if hasattr(c, "item") else c for c in classes],
            "classes_dtype": classes.dtype.str}


@dataclass
class Header:
    version: int
    kind: int
    flags: int
    size: int
    crc: int
    n_sections: int


def read_header(data: bytes) -> Header:
    """Reads the fixed header; raises ValueError if it is not an .mlm file."""
    if len(data) < HEADER.size or data[:4] != MAGIC:
        raise ValueError("not a microlearn model file (.mlm): bad magic or too short")
    magic, version, kind, flags, size, crc, n, _ = HEADER.unpack_from(data)
    return Header(version, kind, flags, size, crc, n)


def read_sections(data: bytes) -> dict[int, np.ndarray]:
    """All sections as numpy arrays (views into `data`). No validation beyond
    what numpy needs: use the engine to validate a file."""
    h = read_header(data)
    out = {}
    for i in range(h.n_sections):
        sid, code, _, offset, count = SECTION.unpack_from(data, HEADER.size + i * SECTION.size)
        out[sid] = np.frombuffer(data, dtype=DTYPE_OF_CODE[code], count=count, offset=offset)
    return out


def read_metadata(data: bytes) -> dict:
    blob = read_sections(data).get(SECTION_METADATA)
    return {} if blob is None else json.loads(bytes(blob).decode())
