// Test helper: writes .mlm bytes from typed sections, as python/microlearn/mlm.py
// does, so the C++ tests can build models (and corrupt them) on their own.
#pragma once
#include <cstdint>
#include <cstring>
#include <vector>

#include "microlearn/model_file.hpp"

namespace mlmtest {

struct Section {
    uint16_t id;
    microlearn::DType dtype;
    std::vector<uint8_t> bytes;
    uint32_t count;
};

template <typename T>
Section section(uint16_t id, const std::vector<T>& values) {
    Section s{id, microlearn::DTypeOf<T>::value, {}, static_cast<uint32_t>(values.size())};
    s.bytes.resize(values.size() * sizeof(T));
    if (!values.empty()) std::memcpy(s.bytes.data(), values.data(), s.bytes.size());
    return s;
}

inline void put16(std::vector<uint8_t>& b, size_t at, uint16_t v) {
    b[at] = v & 0xFF;
    b[at + 1] = v >> 8;
}
inline void put32(std::vector<uint8_t>& b, size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) b[at + i] = (v >> (8 * i)) & 0xFF;
}

// Recomputes the CRC field after an edit, so tests reach the checks behind it.
inline void refresh_crc(std::vector<uint8_t>& b) {
    put32(b, microlearn::kCrcOffset, 0);
    put32(b, microlearn::kCrcOffset, microlearn::crc32(b.data(), b.size()));
}

inline std::vector<uint8_t> build(uint16_t kind, const std::vector<Section>& sections,
                                  uint16_t version = microlearn::kFormatVersion) {
    size_t offset = microlearn::kHeaderSize + microlearn::kSectionEntrySize * sections.size();
    offset = (offset + 3) & ~size_t(3);
    std::vector<uint8_t> b(offset, 0);
    std::memcpy(b.data(), microlearn::kMagic, 4);
    put16(b, 4, version);
    put16(b, 6, kind);
    put16(b, 20, static_cast<uint16_t>(sections.size()));
    for (size_t i = 0; i < sections.size(); ++i) {
        const size_t e = microlearn::kHeaderSize + i * microlearn::kSectionEntrySize;
        put16(b, e, sections[i].id);
        b[e + 2] = static_cast<uint8_t>(sections[i].dtype);
        put32(b, e + 4, static_cast<uint32_t>(b.size()));
        put32(b, e + 8, sections[i].count);
        b.insert(b.end(), sections[i].bytes.begin(), sections[i].bytes.end());
        b.resize((b.size() + 3) & ~size_t(3), 0);
    }
    put32(b, 12, static_cast<uint32_t>(b.size()));
    refresh_crc(b);
    return b;
}

// Bytes with 4-byte alignment, as the reader requires.
struct Aligned {
    std::vector<uint32_t> words;
    size_t size;
    explicit Aligned(const std::vector<uint8_t>& b) : words((b.size() + 3) / 4), size(b.size()) {
        if (size) std::memcpy(words.data(), b.data(), size);
    }
    const uint8_t* data() const { return reinterpret_cast<const uint8_t*>(words.data()); }
};

}  // namespace mlmtest
