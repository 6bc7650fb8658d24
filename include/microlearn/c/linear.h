/* microlearn C API: linear models (include/microlearn/linear.hpp,
 * docs/linear.md): scikit-learn's linear classifiers and regressors, GLMs
 * with a log link, and SGD learning (partial_fit) on a writable model file.
 * Inputs are float32 (ML_F32) only. */
#ifndef MICROLEARN_C_LINEAR_H
#define MICROLEARN_C_LINEAR_H

#include <stddef.h>
#include <stdint.h>
#include "common.h"
#ifdef __cplusplus
extern "C" {
#endif

/* Opaque storage for a loaded model: a view over the caller's bytes. */
typedef struct {
    uint32_t words[6];
    const void* pointers[2];
} ml_linear_t;

typedef struct {
    uint32_t n_features;
    uint32_t n_outputs; /* rows of W: regression outputs, 1 for a binary classifier, else n_classes */
    uint32_t n_classes; /* 0 for regressors */
    int task;           /* 0 regression, 1 classification */
    int link;           /* 0 identity, 1 logistic, 2 softmax, 3 modified_huber, 4 exp */
    int feature_type;   /* ML_F32 */
} ml_linear_info_t;

int ml_linear_load(ml_linear_t* model, const void* data, size_t size);
void ml_linear_info(const ml_linear_t* model, ml_linear_info_t* info);

/* x: n_x = n_features finite floats (NaN or infinity: ML_BAD_ARGUMENT); a
 * score overflowing float32 gives ML_OUT_OF_RANGE. */
/* Classifiers: W x + b into out[n_outputs] (1 value for a binary model). */
int ml_linear_decision_function(const ml_linear_t* model, const float* x, size_t n_x, float* out, size_t n_out);
/* Classifiers: the class index (ml_label_int / ml_label_name map it to its
 * label); scores[n_outputs] receives W x + b. */
int ml_linear_predict(const ml_linear_t* model, const float* x, size_t n_x, float* scores, size_t n_scores,
                      int32_t* out);
/* Regressors: out[n_outputs] = W x + b, or exp of it (log link). */
int ml_linear_predict_values(const ml_linear_t* model, const float* x, size_t n_x, float* out, size_t n_out);
/* Classifiers with a probability link: out[n_classes]. */
int ml_linear_predict_proba(const ml_linear_t* model, const float* x, size_t n_x, float* out, size_t n_out);

/* ---- SGD learning ---------------------------------------------------------
 * A trainable file (a converted SGDClassifier / SGDRegressor, or one written
 * by ml_linear_create) in writable, 4-byte aligned memory: partial_fit
 * updates its weights in place; ml_linear_seal rewrites its CRC so the bytes
 * are a valid .mlm again (ml_linear_load them, save them). */
typedef struct {
    uint32_t words[16];
    void* pointers[8];
} ml_linear_trainer_t;

/* 1 when data is a linear .mlm file holding the SGD sections (a trainable
 * model: load it with ml_linear_trainer_load from writable memory), else 0.
 * Checks the container's structure but not its CRC, which the load checks. */
int ml_linear_is_trainable(const void* data, size_t size);
int ml_linear_trainer_load(ml_linear_trainer_t* trainer, void* data, size_t size);
/* The model being trained, for the prediction calls above. */
const ml_linear_t* ml_linear_trainer_model(const ml_linear_trainer_t* trainer);
/* One sample: y is the class index (classifiers) or the target (regressors). */
int ml_linear_partial_fit(ml_linear_trainer_t* trainer, const float* x, size_t n_x, float y);
/* Samples seen so far plus 1 (scikit-learn's t_). */
float ml_linear_trainer_t_(const ml_linear_trainer_t* trainer);
void ml_linear_seal(ml_linear_trainer_t* trainer);

/* A trainable model with zero weights. n_classes 0: an SGDRegressor
 * (loss 2, squared_error); else a classifier with labels 0..n_classes-1 and
 * loss 0 hinge, 1 log_loss, 3 modified_huber. learning_rate: 0 constant,
 * 1 optimal, 2 invscaling. metadata: JSON for the host (may be NULL). */
typedef struct {
    uint32_t n_features, n_classes;
    int loss, learning_rate, fit_intercept;
    float alpha, eta0, power_t;
    const char* metadata;
    size_t n_metadata;
} ml_linear_new_t;
/* Bytes ml_linear_create needs (0: impossible sizes). */
size_t ml_linear_created_size(const ml_linear_new_t* spec);
int ml_linear_create(const ml_linear_new_t* spec, void* buf, size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* MICROLEARN_C_LINEAR_H */
