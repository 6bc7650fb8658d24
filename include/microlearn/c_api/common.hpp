// Definitions of the family-independent C API functions (microlearn.h).
// Include from exactly one C++ translation unit.
#pragma once
#include "../microlearn.h"
#include "../model_file.hpp"

namespace microlearn {
namespace c_api {

// status_name()'s names one after another, each ending in '\0', built at
// compile time from its switch (so they cannot drift from it), the last
// "unknown_status": ml_status_name() walks one string instead of
// compiling the switch into code and a table of string addresses (about
// 130 bytes less in every native module on armv7m).
constexpr bool is_unknown_status(Status s) {
    const char* name = status_name(s);
    const char* unknown = status_name(static_cast<Status>(-1));
    while (*name != '\0' && *name == *unknown) ++name, ++unknown;
    return *name == *unknown;
}

constexpr int kStatusCount = [] {
    int n = 0;
    while (!is_unknown_status(static_cast<Status>(n))) ++n;
    return n;
}();

constexpr size_t kStatusNamesSize = [] {
    size_t size = 0;
    for (int s = 0; s <= kStatusCount; ++s)
        for (const char* c = status_name(static_cast<Status>(s));; ++c) {
            ++size;
            if (*c == '\0') break;
        }
    return size;
}();

struct StatusNames {
    char text[kStatusNamesSize];
};

constexpr StatusNames kStatusNames = [] {
    StatusNames names{};
    size_t pos = 0;
    for (int s = 0; s <= kStatusCount; ++s)
        for (const char* c = status_name(static_cast<Status>(s));; ++c) {
            names.text[pos++] = *c;
            if (*c == '\0') break;
        }
    return names;
}();

}  // namespace c_api
}  // namespace microlearn

extern "C" {

const char* ml_status_name(int status) {
    using microlearn::c_api::kStatusCount;
    const char* name = microlearn::c_api::kStatusNames.text;
    for (int s = status < 0 || status > kStatusCount ? kStatusCount : status; s > 0; --s)
        while (*name++ != '\0') {
        }
    return name;
}
#ifndef ML_C_API_STATUS_ONLY  // units that read no model file (the DSP modules) define only the above

uint16_t ml_file_version(const void* data, size_t size) {
    return microlearn::model_file_version(static_cast<const uint8_t*>(data), size);
}

uint16_t ml_reader_version(void) { return microlearn::kFormatVersion; }
uint16_t ml_reader_oldest_version(void) { return microlearn::kOldestFormatVersion; }

uint16_t ml_file_kind(const void* data, size_t size) {
    if (ml_file_version(data, size) == 0 || size < 8) return 0;
    return microlearn::read_le16(static_cast<const uint8_t*>(data) + 6);
}

static_assert(sizeof(microlearn::ClassLabels) <= sizeof(ml_labels_t), "ml_labels_t too small");
static_assert(alignof(microlearn::ClassLabels) <= alignof(ml_labels_t), "ml_labels_t under-aligned");

int ml_labels_load(ml_labels_t* labels, const void* data, size_t size, uint32_t n_classes) {
    if (labels == nullptr) return ML_BAD_ARGUMENT;
    microlearn::ClassLabels l;
    microlearn::ModelFile f;
    // The family's load() has checked the CRC; every bound is checked again here.
    microlearn::Status st = microlearn::open_model_file(static_cast<const uint8_t*>(data), size, f, false);
    if (st == microlearn::Status::ok) st = microlearn::load_class_labels(f, n_classes, l);
    __builtin_memcpy(static_cast<void*>(labels), &l, sizeof l);  // a failure stores "no table"
    return static_cast<int>(st);
}

static const microlearn::ClassLabels& labels_of(const ml_labels_t* l) {
    return *reinterpret_cast<const microlearn::ClassLabels*>(l);
}

int ml_labels_kind(const ml_labels_t* labels) {
    const auto& l = labels_of(labels);
    return l.words != nullptr ? ML_LABELS_INT : l.names != nullptr ? ML_LABELS_NAMES : ML_LABELS_INDEX;
}

int64_t ml_label_int(const ml_labels_t* labels, uint32_t index) {
    const auto& l = labels_of(labels);
    return l.words != nullptr && index < l.count ? microlearn::class_label(l, index) : int64_t(index);
}

const char* ml_label_name(const ml_labels_t* labels, uint32_t index, size_t* length) {
    const auto& l = labels_of(labels);
    if (l.names == nullptr || index >= l.count) return nullptr;
    return microlearn::class_name(l, index, length);
}

#endif  // ML_C_API_STATUS_ONLY
}  // extern "C"
