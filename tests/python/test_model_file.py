"""The .mlm writer (Python) against the validating reader (C++)."""
import struct
import zlib

import numpy as np
import pytest
from sklearn import ensemble as E
from sklearn.datasets import load_iris

import microlearn
from microlearn import mlm


@pytest.fixture(scope="module")
def model_bytes():
    X, y = load_iris(return_X_y=True)
    est = E.GradientBoostingClassifier(n_estimators=3, max_depth=2, random_state=0).fit(X, y)
    return microlearn.convert(est).to_bytes()


def refresh_crc(data: bytearray) -> bytearray:
    data[16:20] = b"\0\0\0\0"
    data[16:20] = struct.pack("<I", zlib.crc32(bytes(data)))
    return data


def test_header_fields(model_bytes):
    h = mlm.read_header(model_bytes)
    assert (h.version, h.kind, h.size) == (mlm.OLDEST_FORMAT_VERSION, mlm.KIND_TREE_ENSEMBLE, len(model_bytes))
    offsets = [struct.unpack_from("<HBBII", model_bytes, 24 + 12 * i)[3] for i in range(h.n_sections)]
    assert all(o % 4 == 0 for o in offsets)


def test_round_trip_through_file(model_bytes, tmp_path):
    X, _ = load_iris(return_X_y=True)
    path = microlearn.Model(model_bytes).save(tmp_path / "m.mlm")
    a, b = microlearn.load(path), microlearn.Model(model_bytes)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))


@pytest.mark.parametrize("cut", [0, 3, 4, 20, 23, 24, 40, -1])
def test_truncated(model_bytes, cut):
    with pytest.raises(ValueError, match="invalid model file|not a microlearn"):
        microlearn.Model(model_bytes[:cut])


def test_empty_file_and_wrong_argument_types(tmp_path):
    (tmp_path / "empty.mlm").write_bytes(b"")
    with pytest.raises(ValueError, match=r"it is empty \(0 bytes\)"):
        microlearn.load(tmp_path / "empty.mlm")
    with pytest.raises(TypeError, match="takes a path, bytes or bytearray, got list"):
        microlearn.load([1, 2])


def test_wrong_crc(model_bytes):
    data = bytearray(model_bytes)
    data[-1] ^= 0x40
    with pytest.raises(ValueError, match="CRC32"):
        microlearn.Model(bytes(data))


@pytest.mark.parametrize("version, age", [(9, "newer"), (1, "older"), (0, "older")])
def test_other_version_names_both_versions(model_bytes, version, age):
    data = bytearray(model_bytes)
    data[4:6] = struct.pack("<H", version)
    bound = mlm.FORMAT_VERSION if age == "newer" else mlm.OLDEST_FORMAT_VERSION
    with pytest.raises(ValueError, match=f"format version {version} is {age} than the {age[:-1]}st this "
                                         f"microlearn reads \\({bound}\\)"):
        microlearn.Model(bytes(refresh_crc(data)))


def test_a_file_carries_the_oldest_version_that_reads_it_right(model_bytes):
    # A reader of version 2 ignores sections it does not know: a file holding
    # one that changes the results must carry version 3, so that such a reader
    # refuses it instead of computing something wrong; other files stay at 2.
    assert mlm.read_header(model_bytes).version == mlm.OLDEST_FORMAT_VERSION == 2
    plain = mlm.write(mlm.KIND_GAUSSIAN, {1: np.zeros(3, "<u4")})
    assert mlm.read_header(plain).version == 2
    for kind, section in mlm.SECTIONS_SINCE:
        data = mlm.write(kind, {1: np.zeros(3, "<u4"), section: np.zeros(2, "<f4")})
        assert mlm.read_header(data).version == mlm.SECTIONS_SINCE[kind, section] == 3
    for sid in (6, 7):  # the same ids in other kinds mean other things, known to version 2
        assert mlm.read_header(mlm.write(mlm.KIND_TREE_ENSEMBLE, {sid: np.zeros(2, "<f4")})).version == 2


def test_messages_do_not_repeat_themselves(model_bytes):
    with pytest.raises(ValueError) as e:
        microlearn.Model(model_bytes[:-8])
    assert str(e.value) == "invalid model file: the file is truncated"


def test_broken_metadata_is_a_clear_value_error(model_bytes):
    sections = mlm.read_sections(model_bytes)
    meta = sections.pop(mlm.SECTION_METADATA)
    header = mlm.read_header(model_bytes)
    for blob in (b"{not json", b"[1, 2]", bytes(meta).replace(b'"classes":[', b'"classes":[7,')):
        data = mlm.write(header.kind, {**sections, mlm.SECTION_METADATA: np.frombuffer(blob, np.uint8)})
        with pytest.raises(ValueError, match="invalid model file: .*metadata"):
            microlearn.Model(data)


def test_unknown_kind(model_bytes):
    data = bytearray(model_bytes)
    data[6:8] = struct.pack("<H", 77)
    with pytest.raises(ValueError, match="kind"):
        microlearn.Model(bytes(refresh_crc(data)))


def test_every_byte_flipped_is_rejected_or_harmless(model_bytes):
    """Each flipped byte must give a ValueError (CRC catches all of them)."""
    for i in range(len(model_bytes)):
        data = bytearray(model_bytes)
        data[i] ^= 0xFF
        with pytest.raises(ValueError):
            microlearn.Model(bytes(data))


def test_every_byte_flipped_with_valid_crc_never_crashes(model_bytes):
    """Past the CRC: the structural checks alone must catch what matters.
    Loads either fail with ValueError or give a model that runs."""
    X = load_iris(return_X_y=True)[0][:5]
    rng = np.random.default_rng(0)
    for i in range(20, len(model_bytes)):
        data = bytearray(model_bytes)
        data[i] ^= int(rng.integers(1, 256))
        try:
            m = microlearn.Model(bytes(refresh_crc(data)))
        except ValueError:
            continue
        try:
            m.predict(X)
        except (ValueError, AttributeError, TypeError):
            pass


def test_absurd_section_sizes(model_bytes):
    h = mlm.read_header(model_bytes)
    for i in range(h.n_sections):
        for count in (2**31, 2**32 - 1, 10**6):
            data = bytearray(model_bytes)
            struct.pack_into("<I", data, 24 + 12 * i + 8, count)
            with pytest.raises(ValueError):
                microlearn.Model(bytes(refresh_crc(data)))


def test_misaligned_and_overlapping_offsets(model_bytes):
    for new_offset in (1, 2, 25, 2**31):
        data = bytearray(model_bytes)
        struct.pack_into("<I", data, 24 + 4, new_offset)
        with pytest.raises(ValueError):
            microlearn.Model(bytes(refresh_crc(data)))


def test_writer_rejects_unstorable_dtype():
    with pytest.raises(TypeError):
        mlm.write(1, {1: np.zeros(3, np.float64)})


def test_c_header_holds_the_same_bytes(model_bytes, tmp_path):
    path = microlearn.Model(model_bytes).to_c_header(tmp_path / "m.h", name="iris_model")
    text = path.read_text()
    assert "alignas(4) static const uint8_t iris_model[]" in text
    body = text[text.index("{") + 1:text.index("};")]
    values = bytes(int(v, 16) for v in body.replace("\n", "").split(",") if v.strip())
    assert values == model_bytes
    with pytest.raises(ValueError):
        microlearn.Model(model_bytes).to_c_header(tmp_path / "x.h", name="not valid")


@pytest.mark.parametrize("name", ["int", "static", "1x", "a-b", "caf\u00e9"])
def test_c_header_name_must_compile(model_bytes, tmp_path, name):
    # "int" and "café" passed str.isidentifier(): a header no C compiler takes
    with pytest.raises(ValueError, match="name must be a C identifier"):
        microlearn.Model(model_bytes).to_c_header(tmp_path / "m.h", name=name)
