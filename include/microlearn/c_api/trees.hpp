// Definitions of the tree-ensemble C API functions (microlearn.h).
// Include from exactly one C++ translation unit.
#pragma once
#include "../microlearn.h"
#include "../trees.hpp"

namespace microlearn {
namespace c_api {

static_assert(sizeof(trees::Model) <= sizeof(ml_trees_t), "ml_trees_t too small");
static_assert(alignof(trees::Model) <= alignof(ml_trees_t), "ml_trees_t under-aligned");

inline const trees::Model& model_of(const ml_trees_t* m) {
    return *reinterpret_cast<const trees::Model*>(m);
}

inline trees::Model& model_of(ml_trees_t* m) { return *reinterpret_cast<trees::Model*>(m); }

// Calls fn(typed x) with x cast to the scalar type the caller named (a
// build that reads one type only, MICROLEARN_TREES_FEATURES, instantiates
// its methods for that type only: the other loads as unsupported_kind).
template <typename Fn>
inline int with_scalar(const void* x, int type, Fn fn) {
    if constexpr (trees::kReadsF32)
        if (type == ML_F32) return static_cast<int>(fn(static_cast<const float*>(x)));
    if constexpr (trees::kReadsI16)
        if (type == ML_I16) return static_cast<int>(fn(static_cast<const int16_t*>(x)));
    return type == ML_F32 || type == ML_I16 ? ML_TYPE_MISMATCH : ML_BAD_ARGUMENT;
}

}  // namespace c_api
}  // namespace microlearn

extern "C" {

int ml_trees_load(ml_trees_t* model, const void* data, size_t size) {
    if (model == nullptr) return ML_BAD_ARGUMENT;
    microlearn::trees::Model m;
    const auto st = microlearn::trees::load(static_cast<const uint8_t*>(data), size, m);
    __builtin_memcpy(static_cast<void*>(model), &m, sizeof m);  // a failed load stores an empty model
    return static_cast<int>(st);
}

size_t ml_trees_key_buffer_size(const ml_trees_t* model) {
    return microlearn::trees::key_buffer_size(microlearn::c_api::model_of(model));
}

int ml_trees_attach_key_buffer(ml_trees_t* model, int32_t* buffer, size_t n) {
    if (model == nullptr) return ML_BAD_ARGUMENT;
    return static_cast<int>(microlearn::trees::attach_key_buffer(microlearn::c_api::model_of(model), buffer, n));
}

void ml_trees_info(const ml_trees_t* model, ml_trees_info_t* info) {
    const auto& m = microlearn::c_api::model_of(model);
    info->n_features = m.n_features;
    info->n_outputs = m.n_outputs;
    info->n_classes = m.n_classes;
    info->n_trees = m.n_trees;
    info->n_nodes = m.n_nodes;
    info->n_leaves = m.n_leaves;
    info->task = static_cast<int>(m.task);
    info->feature_type = static_cast<int>(m.feature_type);
}

int ml_trees_raw_scores(const ml_trees_t* model, const void* x, int type, size_t n_x, float* out,
                        size_t n_out) {
    const auto& m = microlearn::c_api::model_of(model);
    return microlearn::c_api::with_scalar(x, type, [&](auto xs) {
        return microlearn::trees::raw_scores(m, xs, n_x, out, n_out);
    });
}

int ml_trees_predict_class(const ml_trees_t* model, const void* x, int type, size_t n_x,
                           float* scratch, size_t n_scratch, int32_t* out) {
    const auto& m = microlearn::c_api::model_of(model);
    if (out == nullptr) return ML_BAD_ARGUMENT;
    return microlearn::c_api::with_scalar(x, type, [&](auto xs) {
        return microlearn::trees::predict_class(m, xs, n_x, scratch, n_scratch, *out);
    });
}

int ml_trees_predict_proba(const ml_trees_t* model, const void* x, int type, size_t n_x, float* out,
                           size_t n_out) {
    const auto& m = microlearn::c_api::model_of(model);
    return microlearn::c_api::with_scalar(x, type, [&](auto xs) {
        return microlearn::trees::predict_proba(m, xs, n_x, out, n_out);
    });
}

int ml_trees_decision_function(const ml_trees_t* model, const void* x, int type, size_t n_x,
                               float* out, size_t n_out) {
    const auto& m = microlearn::c_api::model_of(model);
    return microlearn::c_api::with_scalar(x, type, [&](auto xs) {
        return microlearn::trees::decision_function(m, xs, n_x, out, n_out);
    });
}

int ml_trees_score_samples(const ml_trees_t* model, const void* x, int type, size_t n_x, float* out) {
    const auto& m = microlearn::c_api::model_of(model);
    if (out == nullptr) return ML_BAD_ARGUMENT;
    return microlearn::c_api::with_scalar(x, type, [&](auto xs) {
        return microlearn::trees::score_samples(m, xs, n_x, *out);
    });
}

}  // extern "C"
