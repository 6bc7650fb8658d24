// Definitions of the kernel-SVM C API functions (microlearn.h).
// Include from exactly one C++ translation unit.
#pragma once
#include "../microlearn.h"
#include "../svm.hpp"

static_assert(sizeof(microlearn::svm::Model) <= sizeof(ml_svm_t), "ml_svm_t too small");
static_assert(alignof(microlearn::svm::Model) <= alignof(ml_svm_t), "ml_svm_t under-aligned");

namespace microlearn {
namespace c_api {

inline const svm::Model& svm_of(const ml_svm_t* m) { return *reinterpret_cast<const svm::Model*>(m); }

}  // namespace c_api
}  // namespace microlearn

extern "C" {

int ml_svm_load(ml_svm_t* model, const void* data, size_t size) {
    if (model == nullptr) return ML_BAD_ARGUMENT;
    microlearn::svm::Model m;
    const auto st = microlearn::svm::load(static_cast<const uint8_t*>(data), size, m);
    __builtin_memcpy(static_cast<void*>(model), &m, sizeof m);  // a failed load stores an empty model
    return static_cast<int>(st);
}

void ml_svm_info(const ml_svm_t* model, ml_svm_info_t* info) {
    const auto& m = microlearn::c_api::svm_of(model);
    info->n_features = m.n_features;
    info->n_support_vectors = m.n_sv;
    info->n_classes = m.n_classes;
    info->n_decisions = m.n_sv != 0 ? microlearn::svm::n_decisions(m) : 0;
    info->task = static_cast<int>(m.task);
    info->kernel = static_cast<int>(m.kernel);
    info->probability = m.probability ? 1 : 0;
    info->feature_type = ML_F32;
}

size_t ml_svm_scratch_size(const ml_svm_t* model) {
    const auto& m = microlearn::c_api::svm_of(model);
    return m.n_sv != 0 ? microlearn::svm::scratch_size(m) : 0;
}

int ml_svm_predict(const ml_svm_t* model, const float* x, size_t n_x, float* scratch, size_t n_scratch,
                   int32_t* out) {
    if (out == nullptr) return ML_BAD_ARGUMENT;
    return static_cast<int>(
        microlearn::svm::predict(microlearn::c_api::svm_of(model), x, n_x, scratch, n_scratch, *out));
}

int ml_svm_predict_value(const ml_svm_t* model, const float* x, size_t n_x, float* scratch, size_t n_scratch,
                         float* out) {
    if (out == nullptr) return ML_BAD_ARGUMENT;
    return static_cast<int>(
        microlearn::svm::predict_value(microlearn::c_api::svm_of(model), x, n_x, scratch, n_scratch, *out));
}

int ml_svm_decision_function(const ml_svm_t* model, const float* x, size_t n_x, float* scratch,
                             size_t n_scratch, float* out, size_t n_out) {
    return static_cast<int>(microlearn::svm::decision_function(microlearn::c_api::svm_of(model), x, n_x, scratch,
                                                               n_scratch, out, n_out));
}

int ml_svm_score_samples(const ml_svm_t* model, const float* x, size_t n_x, float* scratch, size_t n_scratch,
                         float* out) {
    if (out == nullptr) return ML_BAD_ARGUMENT;
    return static_cast<int>(
        microlearn::svm::score_samples(microlearn::c_api::svm_of(model), x, n_x, scratch, n_scratch, *out));
}

int ml_svm_predict_proba(const ml_svm_t* model, const float* x, size_t n_x, float* scratch, size_t n_scratch,
                         float* out, size_t n_out) {
    return static_cast<int>(microlearn::svm::predict_proba(microlearn::c_api::svm_of(model), x, n_x, scratch,
                                                           n_scratch, out, n_out));
}

}  // extern "C"
