// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), the same value as
// Python's zlib.crc32. Four bits at a time from a 64-byte table: a quarter
// of the bitwise loop's work for little flash, and the check runs once per
// load, not per inference.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace microlearn {

namespace detail {
// The CRC of each nibble value shifted through 4 bits. At namespace scope on
// purpose: a static inside an inline function becomes a GNU-unique symbol,
// which MicroPython's native-module linker cannot resolve.
constexpr uint32_t kCrcNibbleTable[16] = {
    0x00000000u, 0x1DB71064u, 0x3B6E20C8u, 0x26D930ACu, 0x76DC4190u, 0x6B6B51F4u,
    0x4DB26158u, 0x5005713Cu, 0xEDB88320u, 0xF00F9344u, 0xD6D6A3E8u, 0xCB61B38Cu,
    0x9B64C2B0u, 0x86D3D2D4u, 0xA00AE278u, 0xBDBDF21Cu};
}  // namespace detail

inline uint32_t crc32_update(uint32_t crc, const uint8_t* data, size_t size) {
    const uint32_t* table = detail::kCrcNibbleTable;
    crc = ~crc;
    for (size_t i = 0; i < size; ++i) {
        crc ^= data[i];
        crc = (crc >> 4) ^ table[crc & 0xF];
        crc = (crc >> 4) ^ table[crc & 0xF];
    }
    return ~crc;
}

inline uint32_t crc32(const uint8_t* data, size_t size) { return crc32_update(0, data, size); }

}  // namespace microlearn
