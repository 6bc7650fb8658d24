/* microlearn C API: tree ensembles (include/microlearn/trees.hpp, docs/trees.md). */
#ifndef MICROLEARN_C_TREES_H
#define MICROLEARN_C_TREES_H

#include <stddef.h>
#include <stdint.h>
#include "common.h"
#ifdef __cplusplus
extern "C" {
#endif

/* ---- tree ensembles --------------------------------------------------- */

/* Opaque storage for a loaded model: a view over the caller's bytes. */
typedef struct {
    uint32_t words[24];
    const void* pointers[20];
} ml_trees_t;

typedef struct {
    uint32_t n_features;
    uint32_t n_outputs;  /* length of raw scores / regression outputs */
    uint32_t n_classes;  /* 0 unless a classifier */
    uint32_t n_trees;
    uint32_t n_nodes;    /* split nodes */
    uint32_t n_leaves;   /* distinct leaf vectors */
    int task;            /* 0 regression, 1 classification, 2 anomaly */
    int feature_type;    /* enum ml_scalar */
} ml_trees_info_t;

int ml_trees_load(ml_trees_t* model, const void* data, size_t size);
void ml_trees_info(const ml_trees_t* model, ml_trees_info_t* info);

/* The split-key buffer: ml_trees_key_buffer_size() int32 (at most
 * n_features; 0 means it would not help). With one, the input becomes
 * integer split keys once per prediction instead of at each node walked
 * (deep forests). Packed-layout models whose slots are not the input's
 * columns (more than 256 features) NEED it: without one, predictions return
 * ML_BAD_ARGUMENT. Otherwise results are the same either way; with a
 * buffer, calls on that model must not run concurrently. */
size_t ml_trees_key_buffer_size(const ml_trees_t* model);
int ml_trees_attach_key_buffer(ml_trees_t* model, int32_t* buffer, size_t n);

/* x has n_x scalars of type `type` (must be the model's feature type).
 * Every call returns ML_BAD_ARGUMENT, computing nothing, for a float32 x
 * that holds a value the model's reference refuses: +-inf for
 * scikit-learn's trees and forests, NaN too for GradientBoosting (the
 * file says which; docs/trees.md). */
int ml_trees_raw_scores(const ml_trees_t* model, const void* x, int type, size_t n_x,
                        float* out, size_t n_out);
/* Class index of a classifier (ml_label_int / ml_label_name map it to its
 * label), +1/-1 of an anomaly detector.
 * scratch: n_outputs floats. */
int ml_trees_predict_class(const ml_trees_t* model, const void* x, int type, size_t n_x,
                           float* scratch, size_t n_scratch, int32_t* out);
int ml_trees_predict_proba(const ml_trees_t* model, const void* x, int type, size_t n_x,
                           float* out, size_t n_out);
int ml_trees_decision_function(const ml_trees_t* model, const void* x, int type, size_t n_x,
                               float* out, size_t n_out);
int ml_trees_score_samples(const ml_trees_t* model, const void* x, int type, size_t n_x,
                           float* out);

#ifdef __cplusplus
}
#endif

#endif /* MICROLEARN_C_TREES_H */
