// Definitions of the family-independent C API functions (microlearn.h).
// Include from exactly one C++ translation unit.
#pragma once
#include "../microlearn.h"
#include "../model_file.hpp"

extern "C" {

const char* ml_status_name(int status) {
    return microlearn::status_name(static_cast<microlearn::Status>(status));
}

uint16_t ml_file_version(const void* data, size_t size) {
    return microlearn::model_file_version(static_cast<const uint8_t*>(data), size);
}

uint16_t ml_reader_version(void) { return microlearn::kFormatVersion; }

uint16_t ml_file_kind(const void* data, size_t size) {
    if (ml_file_version(data, size) == 0 || size < 8) return 0;
    return microlearn::read_le16(static_cast<const uint8_t*>(data) + 6);
}

}  // extern "C"
