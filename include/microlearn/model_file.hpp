// The .mlm container: header, section table, CRC32. docs/model-format.md
// describes it byte by byte; python/microlearn/mlm.py writes it.
//
// open_model_file() validates the header, every section's bounds and the
// checksum once, so code that later reads sections needs no bounds checks.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "crc32.hpp"
#include "span.hpp"
#include "status.hpp"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "microlearn reads model sections in place and needs a little-endian target"
#endif

namespace microlearn {

constexpr uint8_t kMagic[4] = {'M', 'L', 'M', 'F'};
// A file's version is the oldest format version whose readers compute it
// right, so a reader refuses (rather than misreads) a file that holds what
// it does not know; a writer sets the newer version only when the file needs
// it (python/microlearn/mlm.py, SECTIONS_SINCE).
// 2: class labels moved from each family's sections to the container's
// (class_labels / class_names below); engines return class indices.
// 3: sections a version-2 reader would ignore and then compute wrong with:
// gaussian centring (6), NearestCentroid discriminant (7).
constexpr uint16_t kFormatVersion = 3;        // the newest version this reader reads
constexpr uint16_t kOldestFormatVersion = 2;  // the oldest; what files without version-3 sections carry
constexpr size_t kHeaderSize = 24;
constexpr size_t kSectionEntrySize = 12;
constexpr size_t kCrcOffset = 16;
constexpr uint64_t kMaxCreatedSize = 0x7FFFFFFFu;  // files made on the device: their sizes (+ 3) fit 32 bits

// One id per model family; python/microlearn/mlm.py (KINDS) and the device's
// load() (device/microlearn/__init__.py) mirror it (tests check they agree).
enum class ModelKind : uint16_t {
    tree_ensemble = 1,
    linear = 2,
    svm = 3,
    neighbors = 4,
    gaussian = 5,
    neural_network = 6,
};

// Section ids from 0xF000 up belong to the container, not to a model family.
enum ContainerSection : uint16_t {
    section_metadata = 0xF000,     // u8: UTF-8 JSON for the host; the engine ignores it
    section_class_labels = 0xF001, // i32[2 n_classes]: int64 class labels as (low, high) words
    section_class_names = 0xF002,  // u8: n_classes NUL-terminated UTF-8 names
    section_preprocess_steps = 0xF010,    // u32[5 n_steps]: preprocessing chain (preprocess.hpp)
    section_preprocess_params = 0xF011,   // f32: its steps' parameters
    section_preprocess_indices = 0xF012,  // u32: its select steps' column indices
};

// Element type of a section. Section data is read in place, so every type's
// size divides the 4-byte section alignment.
enum class DType : uint8_t { u8 = 1, i8 = 2, u16 = 3, i16 = 4, u32 = 5, i32 = 6, f32 = 7 };

constexpr size_t dtype_size(DType t) {
    switch (t) {
        case DType::u8:
        case DType::i8: return 1;
        case DType::u16:
        case DType::i16: return 2;
        case DType::u32:
        case DType::i32:
        case DType::f32: return 4;
    }
    return 0;
}

template <typename T> struct DTypeOf;
template <> struct DTypeOf<uint8_t> { static constexpr DType value = DType::u8; };
template <> struct DTypeOf<int8_t> { static constexpr DType value = DType::i8; };
template <> struct DTypeOf<uint16_t> { static constexpr DType value = DType::u16; };
template <> struct DTypeOf<int16_t> { static constexpr DType value = DType::i16; };
template <> struct DTypeOf<uint32_t> { static constexpr DType value = DType::u32; };
template <> struct DTypeOf<int32_t> { static constexpr DType value = DType::i32; };
template <> struct DTypeOf<float> { static constexpr DType value = DType::f32; };

struct SectionInfo {
    uint16_t id = 0;
    DType dtype = DType::u8;
    uint32_t offset = 0;
    uint32_t count = 0;
};

inline uint16_t read_le16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
inline uint32_t read_le32(const uint8_t* p) {
    return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
           (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}

// The format version a buffer claims, or 0 when it is not an .mlm file.
// Lets callers name both versions when open_model_file() says
// unsupported_version.
inline uint16_t model_file_version(const uint8_t* data, size_t size) {
    if (data == nullptr || size < 6) return 0;
    for (int i = 0; i < 4; ++i)
        if (data[i] != kMagic[i]) return 0;
    return read_le16(data + 4);
}

// A validated view over the bytes of one .mlm file. The bytes stay owned by
// the caller and must outlive the view.
struct ModelFile {
    const uint8_t* data = nullptr;
    uint32_t size = 0;
    uint16_t version = 0;
    ModelKind kind = ModelKind::tree_ensemble;
    uint32_t flags = 0;
    uint16_t section_count = 0;

    SectionInfo entry(uint16_t index) const {
        const uint8_t* e = data + kHeaderSize + index * kSectionEntrySize;
        SectionInfo s;
        s.id = read_le16(e);
        s.dtype = static_cast<DType>(e[2]);
        s.offset = read_le32(e + 4);
        s.count = read_le32(e + 8);
        return s;
    }

    bool find(uint16_t id, SectionInfo& out) const {
        for (uint16_t i = 0; i < section_count; ++i) {
            SectionInfo s = entry(i);
            if (s.id == id) {
                out = s;
                return true;
            }
        }
        return false;
    }

    // The section `id` as a typed span. A missing section gives bad_section
    // unless `optional`, in which case it gives ok and an empty span.
    template <typename T>
    Status section(uint16_t id, Span<T>& out, bool optional = false) const {
        const uint8_t* p;
        uint32_t n;
        const Status st = section_bytes(id, DTypeOf<T>::value, p, n, optional);
        out.data = reinterpret_cast<const T*>(p);
        out.size = n;
        return st;
    }

    // section() for any type: one copy of the code however many types a
    // loader reads (native modules hold their code in RAM). p and n: the
    // section's first byte and element count, null and 0 when absent.
    Status section_bytes(uint16_t id, DType type, const uint8_t*& p, uint32_t& n, bool optional) const {
        SectionInfo s;
        p = nullptr;
        n = 0;
        if (!find(id, s)) return optional ? Status::ok : Status::bad_section;
        if (s.dtype != type) return Status::bad_section;
        p = data + s.offset;
        n = s.count;
        return Status::ok;
    }
};

// Validates `data` as an .mlm file and fills `out`. `data` must be 4-byte
// aligned (sections are read in place). Bytes past the declared file size
// are ignored, so a larger buffer is fine. `check_crc` false skips the
// checksum (for bytes a loader has validated already); every bound is still
// checked.
inline Status open_model_file(const uint8_t* data, size_t size, ModelFile& out, bool check_crc = true) {
    out = ModelFile{};
    if (data == nullptr) return Status::bad_argument;
    if (size < 4) return Status::truncated;
    for (int i = 0; i < 4; ++i)
        if (data[i] != kMagic[i]) return Status::bad_magic;
    if (size < kHeaderSize) return Status::truncated;
    if (reinterpret_cast<uintptr_t>(data) % 4 != 0) return Status::bad_argument;

    const uint16_t version = read_le16(data + 4);
    out.version = version;
    if (version < kOldestFormatVersion || version > kFormatVersion) return Status::unsupported_version;

    const uint32_t file_size = read_le32(data + 12);
    if (file_size > size) return Status::truncated;
    if (file_size < kHeaderSize) return Status::size_mismatch;

    const uint16_t section_count = read_le16(data + 20);
    const uint32_t table_end = kHeaderSize + section_count * uint32_t(kSectionEntrySize);
    if (table_end > file_size) return Status::truncated;

    if (check_crc) {  // the CRC covers the whole file with its own field read as zero
        const uint8_t zeros[4] = {0, 0, 0, 0};
        uint32_t crc = crc32_update(0, data, kCrcOffset);
        crc = crc32_update(crc, zeros, 4);
        crc = crc32_update(crc, data + kCrcOffset + 4, file_size - kCrcOffset - 4);
        if (crc != read_le32(data + kCrcOffset)) return Status::bad_checksum;
    }

    out.data = data;
    out.size = file_size;
    out.kind = static_cast<ModelKind>(read_le16(data + 6));
    out.flags = read_le32(data + 8);
    out.section_count = section_count;

    for (uint16_t i = 0; i < section_count; ++i) {
        const SectionInfo s = out.entry(i);
        const size_t elem = dtype_size(s.dtype);
        if (elem == 0) return Status::bad_section;
        if (s.offset % 4 != 0 || s.offset < table_end) return Status::bad_section;
        if (s.offset > file_size) return Status::out_of_range;
        // count * elem must fit in what remains, without overflowing.
        if (s.count > (file_size - s.offset) / elem) return Status::out_of_range;
        const uint32_t end = s.offset + s.count * uint32_t(elem);
        for (uint16_t j = 0; j < i; ++j) {
            const SectionInfo o = out.entry(j);
            if (o.id == s.id) return Status::bad_section;
            // No two sections share a byte: trainers write their sections in
            // place, which must not change another (a model's params).
            if (s.offset < o.offset + o.count * uint32_t(dtype_size(o.dtype)) && o.offset < end)
                return Status::bad_section;
        }
    }
    return Status::ok;
}

// A family's load() from raw bytes: opens the container, then hands it to
// the family's load(const ModelFile&, Model&).
template <typename Model>
inline Status load_bytes(const uint8_t* data, size_t size, Model& out,
                         Status (*load_file)(const ModelFile&, Model&)) {
    ModelFile f;
    const Status st = open_model_file(data, size, f);
    return st != Status::ok ? st : load_file(f, out);
}

// The parameter words every family's load() starts from (section 1 in every
// family's numbering): the file must be of `kind` (else unsupported_kind) and
// hold `count` words (`at_least`: `count` or more, for families whose later
// formats append words).
inline Status params_section(const ModelFile& f, ModelKind kind, uint32_t count, bool at_least,
                             Span<uint32_t>& out) {
    if (f.kind != kind) return Status::unsupported_kind;
    const Status st = f.section(1, out);
    if (st != Status::ok) return st;
    return (at_least ? out.size < count : out.size != count) ? Status::size_mismatch : Status::ok;
}

// Section `id` of exactly `expected` floats, every one finite (NaN or inf:
// bad_parameter): the parameter arrays every family's load() checks.
inline Status finite_float_section(const ModelFile& f, uint16_t id, uint64_t expected, const float*& out) {
    Span<float> s;
    const Status st = f.section(id, s);
    if (st != Status::ok) return st;
    if (uint64_t(s.size) != expected) return Status::size_mismatch;
    for (size_t i = 0; i < s.size; ++i) {
        uint32_t bits;
        __builtin_memcpy(&bits, &s[i], sizeof bits);
        if ((bits & 0x7F800000u) == 0x7F800000u) return Status::bad_parameter;
    }
    out = s.data;
    return Status::ok;
}

// What a classifier's predictions stand for. Engines return class indices
// 0..n_classes-1; the file may map them to int64 labels or to names (for
// the device and C firmware; the host reads its metadata). Neither section:
// the labels are the indices.
struct ClassLabels {
    uint32_t count = 0;
    const int32_t* words = nullptr;  // int64 labels, (low, high) pairs
    const char* names = nullptr;     // `count` NUL-terminated names, back to back
    uint32_t names_size = 0;
};

// Finds and checks the labels of a classifier with n_classes classes: an
// int64 table of exactly n_classes entries, or exactly n_classes names each
// ended by a NUL, or none. Both at once is bad_section.
inline Status load_class_labels(const ModelFile& f, uint32_t n_classes, ClassLabels& out) {
    out = ClassLabels{};
    Span<int32_t> words;
    Span<uint8_t> names;
    Status st = f.section(section_class_labels, words, true);
    if (st == Status::ok) st = f.section(section_class_names, names, true);
    if (st != Status::ok) return st;
    if (words.data != nullptr && names.data != nullptr) return Status::bad_section;
    if (words.data != nullptr && words.size != 2 * size_t(n_classes)) return Status::size_mismatch;
    if (names.data != nullptr) {
        size_t ends = 0;
        for (size_t i = 0; i < names.size; ++i) ends += names[i] == 0;
        if (names.size == 0 || ends != n_classes || names[names.size - 1] != 0) return Status::size_mismatch;
    }
    out.count = n_classes;
    out.words = words.data;
    out.names = reinterpret_cast<const char*>(names.data);
    out.names_size = static_cast<uint32_t>(names.size);
    return Status::ok;
}

// Label i (< count) of an int64 table.
inline int64_t class_label(const ClassLabels& l, uint32_t i) {
    const uint64_t low = static_cast<uint32_t>(l.words[2 * i]);
    const uint64_t high = static_cast<uint32_t>(l.words[2 * i + 1]);
    return static_cast<int64_t>(low | (high << 32));
}

// Name i (< count), NUL-terminated; its length in *length.
inline const char* class_name(const ClassLabels& l, uint32_t i, size_t* length) {
    const char* p = l.names;
    for (; i > 0; --i)
        while (*p++ != 0) {
        }
    size_t n = 0;
    while (p[n] != 0) ++n;
    if (length != nullptr) *length = n;
    return p;
}

}  // namespace microlearn
