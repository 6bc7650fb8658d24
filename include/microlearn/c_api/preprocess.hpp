// Definitions of the preprocessing C API functions (c/preprocess.h).
// Include from exactly one C++ translation unit.
#pragma once
#include "../microlearn.h"
#include "../preprocess.hpp"

static_assert(sizeof(microlearn::preprocess::Chain) <= sizeof(ml_preprocess_t), "ml_preprocess_t too small");
static_assert(alignof(microlearn::preprocess::Chain) <= alignof(ml_preprocess_t), "ml_preprocess_t under-aligned");

extern "C" {

int ml_preprocess_present(const void* data, size_t size) {
    microlearn::ModelFile f;
    microlearn::SectionInfo s;
    if (microlearn::open_model_file(static_cast<const uint8_t*>(data), size, f, false) != microlearn::Status::ok)
        return 0;
    return f.find(microlearn::section_preprocess_steps, s) || f.find(microlearn::section_preprocess_params, s) ||
           f.find(microlearn::section_preprocess_indices, s);
}

// A native module whose glue imports microlearn._preprocess for the chain
// (device/natmods/glue.h) defines MICROLEARN_PREPROCESS_MODULE: only the
// check above is compiled in.
#ifndef MICROLEARN_PREPROCESS_MODULE
int ml_preprocess_load(ml_preprocess_t* chain, const void* data, size_t size, uint32_t n_features) {
    if (chain == nullptr) return ML_BAD_ARGUMENT;
    microlearn::preprocess::Chain c;
    const auto st = microlearn::preprocess::load(static_cast<const uint8_t*>(data), size, n_features, c);
    __builtin_memcpy(static_cast<void*>(chain), &c, sizeof c);  // a failed load stores an empty chain
    return static_cast<int>(st);
}

void ml_preprocess_info(const ml_preprocess_t* chain, ml_preprocess_info_t* info) {
    const auto& c = *reinterpret_cast<const microlearn::preprocess::Chain*>(chain);
    info->n_steps = c.n_steps;
    info->n_inputs = c.n_inputs;
    info->n_outputs = c.n_outputs;
    info->scratch_size = c.scratch_size;
}

int ml_preprocess_apply(const ml_preprocess_t* chain, const float* x, size_t n_x, float* scratch,
                        size_t n_scratch, const float** out) {
    if (chain == nullptr) return ML_BAD_ARGUMENT;
    const auto& c = *reinterpret_cast<const microlearn::preprocess::Chain*>(chain);
    return static_cast<int>(microlearn::preprocess::apply(c, x, n_x, scratch, n_scratch, out));
}
#endif  // MICROLEARN_PREPROCESS_MODULE

}  // extern "C"
