/* microlearn C API: Gaussian models (include/microlearn/gaussian.hpp,
 * docs/gaussian.md): GaussianNB, GaussianMixture, BayesianGaussianMixture,
 * EllipticEnvelope. Inputs are float32 (ML_F32) only. */
#ifndef MICROLEARN_C_GAUSSIAN_H
#define MICROLEARN_C_GAUSSIAN_H

#include <stddef.h>
#include <stdint.h>
#include "common.h"
#ifdef __cplusplus
extern "C" {
#endif

/* Opaque storage for a loaded model: a view over the caller's bytes. */
typedef struct {
    uint32_t words[8];
    const void* pointers[4];
} ml_gaussian_t;

typedef struct {
    uint32_t n_features;
    uint32_t n_components; /* classes (GaussianNB), mixture components, 1 (EllipticEnvelope) */
    uint32_t n_classes;    /* 0 unless a classifier */
    int task;              /* 1 classification, 2 anomaly, 3 clustering */
    int covariance_type;   /* 0 full, 1 tied, 2 diag, 3 spherical */
    int feature_type;      /* ML_F32 */
} ml_gaussian_info_t;

int ml_gaussian_load(ml_gaussian_t* model, const void* data, size_t size);
void ml_gaussian_info(const ml_gaussian_t* model, ml_gaussian_info_t* info);

/* Every call takes x (n_x = n_features finite floats: NaN or infinity gives
 * ML_BAD_ARGUMENT) and a scratch buffer of ml_gaussian_scratch_size()
 * floats; calls sharing one scratch buffer must not run concurrently. */
size_t ml_gaussian_scratch_size(const ml_gaussian_t* model);

/* Per-component weighted log-densities (GaussianNB's joint log-likelihood)
 * into out[n_components]. Not for EllipticEnvelope (ML_UNSUPPORTED_KIND). */
int ml_gaussian_log_probs(const ml_gaussian_t* model, const float* x, size_t n_x, float* scratch,
                          size_t n_scratch, float* out, size_t n_out);
/* Class index (ml_label_int / ml_label_name map it to its label), component
 * index, or +1/-1 (EllipticEnvelope). ML_OUT_OF_RANGE when every log-density
 * is -inf (x too far away for float32). */
int ml_gaussian_predict(const ml_gaussian_t* model, const float* x, size_t n_x, float* scratch,
                        size_t n_scratch, int32_t* out);
/* Classifiers and mixtures: probabilities into out[n_components]. */
int ml_gaussian_predict_proba(const ml_gaussian_t* model, const float* x, size_t n_x, float* scratch,
                              size_t n_scratch, float* out, size_t n_out);
/* Mixtures: log-likelihood; EllipticEnvelope: -(squared Mahalanobis distance). */
int ml_gaussian_score_samples(const ml_gaussian_t* model, const float* x, size_t n_x, float* scratch,
                              size_t n_scratch, float* out);
/* EllipticEnvelope: score_samples - offset_. */
int ml_gaussian_decision_function(const ml_gaussian_t* model, const float* x, size_t n_x, float* scratch,
                                  size_t n_scratch, float* out);

#ifdef __cplusplus
}
#endif

#endif /* MICROLEARN_C_GAUSSIAN_H */
