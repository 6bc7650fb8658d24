/* microlearn C API: kernel SVMs (include/microlearn/svm.hpp, docs/svm.md):
 * SVC, NuSVC, SVR, NuSVR, OneClassSVM. Inputs are float32 (ML_F32) only. */
#ifndef MICROLEARN_C_SVM_H
#define MICROLEARN_C_SVM_H

#include <stddef.h>
#include <stdint.h>
#include "common.h"
#ifdef __cplusplus
extern "C" {
#endif

/* Opaque storage for a loaded model: a view over the caller's bytes. */
typedef struct {
    uint32_t words[10];
    const void* pointers[6];
} ml_svm_t;

typedef struct {
    uint32_t n_features;
    uint32_t n_support_vectors;
    uint32_t n_classes;     /* 0 unless a classifier */
    uint32_t n_decisions;   /* values decision_function writes */
    int task;               /* 0 regression, 1 classification, 2 anomaly */
    int kernel;             /* 0 linear, 1 poly, 2 rbf, 3 sigmoid */
    int probability;        /* 1: ml_svm_predict_proba works */
    int feature_type;       /* ML_F32 */
} ml_svm_info_t;

int ml_svm_load(ml_svm_t* model, const void* data, size_t size);
void ml_svm_info(const ml_svm_t* model, ml_svm_info_t* info);

/* Every call takes x (n_x = n_features finite floats: NaN or infinity gives
 * ML_BAD_ARGUMENT) and a scratch buffer of ml_svm_scratch_size() floats;
 * calls sharing one scratch buffer must not run concurrently.
 * ML_OUT_OF_RANGE when a decision value overflows float32. */
size_t ml_svm_scratch_size(const ml_svm_t* model);

/* Classifiers: class index (ml_label_int / ml_label_name map it to its
 * label); OneClassSVM: +1 / -1. Regressors: ML_UNSUPPORTED_KIND. */
int ml_svm_predict(const ml_svm_t* model, const float* x, size_t n_x, float* scratch, size_t n_scratch,
                   int32_t* out);
/* Regressors: the predicted value. */
int ml_svm_predict_value(const ml_svm_t* model, const float* x, size_t n_x, float* scratch, size_t n_scratch,
                         float* out);
/* out[n_decisions]: scikit-learn's decision_function ('ovo' or 'ovr' as
 * fitted; one value for binary classifiers, regressors, OneClassSVM). */
int ml_svm_decision_function(const ml_svm_t* model, const float* x, size_t n_x, float* scratch,
                             size_t n_scratch, float* out, size_t n_out);
/* OneClassSVM: scikit-learn's score_samples. */
int ml_svm_score_samples(const ml_svm_t* model, const float* x, size_t n_x, float* scratch, size_t n_scratch,
                         float* out);
/* Classifiers fitted with probability=True: out[n_classes]. */
int ml_svm_predict_proba(const ml_svm_t* model, const float* x, size_t n_x, float* scratch, size_t n_scratch,
                         float* out, size_t n_out);

#ifdef __cplusplus
}
#endif

#endif /* MICROLEARN_C_SVM_H */
