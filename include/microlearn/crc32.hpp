// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), the same value as
// Python's zlib.crc32. Bitwise on purpose: no 1 kB table in flash, and the
// check runs once per load, not per inference.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace microlearn {

constexpr uint32_t crc32_update(uint32_t crc, const uint8_t* data, size_t size) {
    crc = ~crc;
    for (size_t i = 0; i < size; ++i) {
        crc ^= data[i];
        for (int bit = 0; bit < 8; ++bit) {
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
        }
    }
    return ~crc;
}

constexpr uint32_t crc32(const uint8_t* data, size_t size) { return crc32_update(0, data, size); }

}  // namespace microlearn
