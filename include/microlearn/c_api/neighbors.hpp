// Definitions of the neighbours C API functions (microlearn.h).
// Include from exactly one C++ translation unit.
#pragma once
#include "../microlearn.h"
#include "../neighbors.hpp"

static_assert(sizeof(microlearn::neighbors::Model) <= sizeof(ml_neighbors_t), "ml_neighbors_t too small");
static_assert(alignof(microlearn::neighbors::Model) <= alignof(ml_neighbors_t), "ml_neighbors_t under-aligned");

namespace microlearn {
namespace c_api {

inline const neighbors::Model& neighbors_of(const ml_neighbors_t* m) {
    return *reinterpret_cast<const neighbors::Model*>(m);
}

inline neighbors::FeatureType neighbors_type(int type) {
    return type == ML_I16 ? neighbors::FeatureType::i16 : neighbors::FeatureType::f32;
}

}  // namespace c_api
}  // namespace microlearn

// The arguments every evaluation passes on to the engine.
#define ML_NEIGHBORS_ARGS \
    microlearn::c_api::neighbors_of(model), x, microlearn::c_api::neighbors_type(type), n_x, scratch, n_scratch

extern "C" {

int ml_neighbors_load(ml_neighbors_t* model, const void* data, size_t size) {
    if (model == nullptr) return ML_BAD_ARGUMENT;
    microlearn::neighbors::Model m;
    const auto st = microlearn::neighbors::load(static_cast<const uint8_t*>(data), size, m);
    __builtin_memcpy(static_cast<void*>(model), &m, sizeof m);  // a failed load stores an empty model
    return static_cast<int>(st);
}

void ml_neighbors_info(const ml_neighbors_t* model, ml_neighbors_info_t* info) {
    const auto& m = microlearn::c_api::neighbors_of(model);
    info->n_features = m.n_features;
    info->n_points = m.n_points;
    info->n_classes = m.n_classes;
    info->n_outputs = m.n_outputs;
    info->n_neighbors = m.k;
    info->task = static_cast<int>(m.task);
    info->estimator = static_cast<int>(m.estimator);
    info->metric = static_cast<int>(m.metric);
    info->distance_weights = m.distance_weights ? 1 : 0;
    info->feature_type = m.feature_type == microlearn::neighbors::FeatureType::i16 ? ML_I16 : ML_F32;
    info->p = m.p;
    info->decision_width = microlearn::neighbors::decision_width(m);
    info->has_proba = microlearn::neighbors::has_proba(m);
}

size_t ml_neighbors_scratch_size(const ml_neighbors_t* model) {
    return microlearn::neighbors::scratch_size(microlearn::c_api::neighbors_of(model));
}

int ml_neighbors_kneighbors(const ml_neighbors_t* model, const void* x, int type, size_t n_x, uint64_t* scratch,
                            size_t n_scratch, float* distances, int32_t* indices, size_t n_out) {
    return static_cast<int>(microlearn::neighbors::kneighbors(ML_NEIGHBORS_ARGS, distances, indices, n_out));
}

int ml_neighbors_predict(const ml_neighbors_t* model, const void* x, int type, size_t n_x, uint64_t* scratch,
                         size_t n_scratch, int32_t* out) {
    if (out == nullptr) return ML_BAD_ARGUMENT;
    return static_cast<int>(microlearn::neighbors::predict(ML_NEIGHBORS_ARGS, *out));
}

int ml_neighbors_predict_values(const ml_neighbors_t* model, const void* x, int type, size_t n_x,
                                uint64_t* scratch, size_t n_scratch, float* out, size_t n_out) {
    return static_cast<int>(microlearn::neighbors::predict_values(ML_NEIGHBORS_ARGS, out, n_out));
}

int ml_neighbors_predict_proba(const ml_neighbors_t* model, const void* x, int type, size_t n_x,
                               uint64_t* scratch, size_t n_scratch, float* out, size_t n_out) {
    return static_cast<int>(microlearn::neighbors::predict_proba(ML_NEIGHBORS_ARGS, out, n_out));
}

int ml_neighbors_transform(const ml_neighbors_t* model, const void* x, int type, size_t n_x, uint64_t* scratch,
                           size_t n_scratch, float* out, size_t n_out) {
    return static_cast<int>(microlearn::neighbors::transform(ML_NEIGHBORS_ARGS, out, n_out));
}

int ml_neighbors_score_samples(const ml_neighbors_t* model, const void* x, int type, size_t n_x,
                               uint64_t* scratch, size_t n_scratch, float* out) {
    if (out == nullptr) return ML_BAD_ARGUMENT;
    return static_cast<int>(microlearn::neighbors::score_samples(ML_NEIGHBORS_ARGS, *out));
}

int ml_neighbors_decision_function(const ml_neighbors_t* model, const void* x, int type, size_t n_x,
                                   uint64_t* scratch, size_t n_scratch, float* out, size_t n_out) {
    return static_cast<int>(microlearn::neighbors::decision_function(ML_NEIGHBORS_ARGS, out, n_out));
}

size_t ml_neighbors_kmeans_file_size(uint32_t k, uint32_t d) { return microlearn::neighbors::kmeans_file_size(k, d); }

int ml_neighbors_write_kmeans_file(void* out, size_t size, uint32_t k, uint32_t d) {
    return static_cast<int>(microlearn::neighbors::write_kmeans_file(static_cast<uint8_t*>(out), size, k, d));
}

int ml_neighbors_kmeans_lloyd(const ml_neighbors_t* model, void* file, size_t size, const float* X, size_t n,
                              uint32_t max_iter, uint64_t* scratch, size_t n_scratch, float* sums, uint32_t* counts,
                              uint32_t* n_iter) {
    if (n_iter == nullptr) return ML_BAD_ARGUMENT;
    return static_cast<int>(microlearn::neighbors::kmeans_lloyd(microlearn::c_api::neighbors_of(model),
                                                                static_cast<uint8_t*>(file), size, X, n, max_iter,
                                                                scratch, n_scratch, sums, counts, *n_iter));
}

int ml_neighbors_kmeans_partial_fit(const ml_neighbors_t* model, void* file, size_t size, uint32_t* counts,
                                    const float* x, size_t n_x, uint64_t* scratch, size_t n_scratch,
                                    int32_t* assigned) {
    if (assigned == nullptr) return ML_BAD_ARGUMENT;
    return static_cast<int>(microlearn::neighbors::kmeans_partial_fit(microlearn::c_api::neighbors_of(model),
                                                                      static_cast<uint8_t*>(file), size, counts, x,
                                                                      n_x, scratch, n_scratch, *assigned));
}

size_t ml_neighbors_knn_file_size(uint32_t capacity, uint32_t d, uint32_t n_classes, int type) {
    return microlearn::neighbors::knn_file_size(capacity, d, n_classes, microlearn::c_api::neighbors_type(type));
}

size_t ml_neighbors_knn_scratch_size(uint32_t k, uint32_t d, uint32_t n_classes) {
    return microlearn::neighbors::knn_scratch_size(k, d, n_classes);
}

int ml_neighbors_write_knn_file(void* out, size_t size, uint32_t capacity, uint32_t d, uint32_t n_classes,
                                uint32_t k, int distance_weights, int type) {
    return static_cast<int>(microlearn::neighbors::write_knn_file(static_cast<uint8_t*>(out), size, capacity, d,
                                                                  n_classes, k, distance_weights != 0,
                                                                  microlearn::c_api::neighbors_type(type)));
}

int ml_neighbors_knn_add(void* file, size_t size, const void* x, int type, uint32_t label) {
    return static_cast<int>(microlearn::neighbors::knn_add(static_cast<uint8_t*>(file), size, x,
                                                           microlearn::c_api::neighbors_type(type), label));
}

int ml_neighbors_knn_remove(void* file, size_t size, uint32_t index) {
    return static_cast<int>(microlearn::neighbors::knn_remove(static_cast<uint8_t*>(file), size, index));
}

int ml_neighbors_knn_sync(ml_neighbors_t* model, const void* file, size_t size) {
    if (model == nullptr) return ML_BAD_ARGUMENT;
    microlearn::neighbors::Model m;
    const auto st = microlearn::neighbors::knn_sync(static_cast<const uint8_t*>(file), size, m);
    __builtin_memcpy(static_cast<void*>(model), &m, sizeof m);
    return static_cast<int>(st);
}

void ml_neighbors_refresh_checksum(void* file, size_t size) {
    microlearn::neighbors::refresh_checksum(static_cast<uint8_t*>(file), size);
}

}  // extern "C"

#undef ML_NEIGHBORS_ARGS
