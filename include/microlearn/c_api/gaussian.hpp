// Definitions of the Gaussian-model C API functions (microlearn.h).
// Include from exactly one C++ translation unit.
#pragma once
#include "../gaussian.hpp"
#include "../microlearn.h"

static_assert(sizeof(microlearn::gaussian::Model) <= sizeof(ml_gaussian_t), "ml_gaussian_t too small");
static_assert(alignof(microlearn::gaussian::Model) <= alignof(ml_gaussian_t), "ml_gaussian_t under-aligned");

namespace microlearn {
namespace c_api {

inline const gaussian::Model& gaussian_of(const ml_gaussian_t* m) {
    return *reinterpret_cast<const gaussian::Model*>(m);
}

}  // namespace c_api
}  // namespace microlearn

extern "C" {

int ml_gaussian_load(ml_gaussian_t* model, const void* data, size_t size) {
    if (model == nullptr) return ML_BAD_ARGUMENT;
    microlearn::gaussian::Model m;
    const auto st = microlearn::gaussian::load(static_cast<const uint8_t*>(data), size, m);
    __builtin_memcpy(static_cast<void*>(model), &m, sizeof m);  // a failed load stores an empty model
    return static_cast<int>(st);
}

void ml_gaussian_info(const ml_gaussian_t* model, ml_gaussian_info_t* info) {
    const auto& m = microlearn::c_api::gaussian_of(model);
    info->n_features = m.n_features;
    info->n_components = m.n_components;
    info->n_classes = m.n_classes;
    info->task = static_cast<int>(m.task);
    info->covariance_type = static_cast<int>(m.covariance);
    info->feature_type = ML_F32;
}

size_t ml_gaussian_scratch_size(const ml_gaussian_t* model) {
    return microlearn::gaussian::scratch_size(microlearn::c_api::gaussian_of(model));
}

int ml_gaussian_log_probs(const ml_gaussian_t* model, const float* x, size_t n_x, float* scratch,
                          size_t n_scratch, float* out, size_t n_out) {
    return static_cast<int>(microlearn::gaussian::log_probs(microlearn::c_api::gaussian_of(model), x, n_x,
                                                            scratch, n_scratch, out, n_out));
}

int ml_gaussian_predict(const ml_gaussian_t* model, const float* x, size_t n_x, float* scratch,
                        size_t n_scratch, int32_t* out) {
    if (out == nullptr) return ML_BAD_ARGUMENT;
    return static_cast<int>(
        microlearn::gaussian::predict(microlearn::c_api::gaussian_of(model), x, n_x, scratch, n_scratch, *out));
}

int ml_gaussian_predict_proba(const ml_gaussian_t* model, const float* x, size_t n_x, float* scratch,
                              size_t n_scratch, float* out, size_t n_out) {
    return static_cast<int>(microlearn::gaussian::predict_proba(microlearn::c_api::gaussian_of(model), x, n_x,
                                                                scratch, n_scratch, out, n_out));
}

int ml_gaussian_score_samples(const ml_gaussian_t* model, const float* x, size_t n_x, float* scratch,
                              size_t n_scratch, float* out) {
    if (out == nullptr) return ML_BAD_ARGUMENT;
    return static_cast<int>(microlearn::gaussian::score_samples(microlearn::c_api::gaussian_of(model), x, n_x,
                                                                scratch, n_scratch, *out));
}

int ml_gaussian_decision_function(const ml_gaussian_t* model, const float* x, size_t n_x, float* scratch,
                                  size_t n_scratch, float* out) {
    if (out == nullptr) return ML_BAD_ARGUMENT;
    return static_cast<int>(microlearn::gaussian::decision_function(microlearn::c_api::gaussian_of(model), x,
                                                                    n_x, scratch, n_scratch, *out));
}

}  // extern "C"
