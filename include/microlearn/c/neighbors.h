/* microlearn C API: neighbours and centroids (include/microlearn/neighbors.hpp,
 * docs/neighbors.md): KNeighborsClassifier/Regressor, NearestCentroid,
 * KMeans/MiniBatchKMeans, LocalOutlierFactor(novelty=True). */
#ifndef MICROLEARN_C_NEIGHBORS_H
#define MICROLEARN_C_NEIGHBORS_H

#include <stddef.h>
#include <stdint.h>
#include "common.h"
#ifdef __cplusplus
extern "C" {
#endif

/* Opaque storage for a loaded model: a view over the caller's bytes. */
typedef struct {
    uint32_t words[16];
    const void* pointers[6];
} ml_neighbors_t;

typedef struct {
    uint32_t n_features;
    uint32_t n_points;     /* stored samples, centroids or cluster centres */
    uint32_t n_classes;    /* 0 unless a classifier */
    uint32_t n_outputs;    /* regressors: targets per sample; otherwise 0 */
    uint32_t n_neighbors;  /* k */
    int task;              /* 0 regression, 1 classification, 2 anomaly, 3 clustering */
    int estimator;         /* 0 k-neighbours, 1 nearest centroid, 2 k-means, 3 local outlier factor */
    int metric;            /* 0 euclidean, 1 manhattan, 2 chebyshev, 3 minkowski, 4 cosine */
    int distance_weights;  /* 1: weights='distance' */
    int feature_type;      /* ML_F32 or ML_I16 */
    float p;               /* minkowski's p */
    uint32_t decision_width; /* values decision_function gives (0: it has none) */
    int has_proba;         /* 1: predict_proba (k-neighbours classifiers, euclidean NearestCentroid) */
} ml_neighbors_info_t;

int ml_neighbors_load(ml_neighbors_t* model, const void* data, size_t size);
void ml_neighbors_info(const ml_neighbors_t* model, ml_neighbors_info_t* info);

/* Every call takes x (n_x = n_features scalars of type `type`, the model's
 * feature type; float inputs must be finite, else ML_BAD_ARGUMENT) and a
 * scratch buffer of ml_neighbors_scratch_size() 8-byte words; calls sharing
 * one scratch buffer must not run concurrently. */
size_t ml_neighbors_scratch_size(const ml_neighbors_t* model);

/* Distances and indices of the k nearest stored points, nearest first
 * (equal distances: the lower index first), into out arrays of n_out >= k. */
int ml_neighbors_kneighbors(const ml_neighbors_t* model, const void* x, int type, size_t n_x, uint64_t* scratch,
                            size_t n_scratch, float* distances, int32_t* indices, size_t n_out);
/* Class index (ml_label_int / ml_label_name map it to its label), cluster
 * index, or +1/-1 (local outlier factor). Not for regressors. */
int ml_neighbors_predict(const ml_neighbors_t* model, const void* x, int type, size_t n_x, uint64_t* scratch,
                         size_t n_scratch, int32_t* out);
/* Regressors: out[n_outputs]. */
int ml_neighbors_predict_values(const ml_neighbors_t* model, const void* x, int type, size_t n_x,
                                uint64_t* scratch, size_t n_scratch, float* out, size_t n_out);
/* k-neighbours classifiers (vote shares) and euclidean NearestCentroid
 * converted with its discriminant (scikit-learn's predict_proba): out[n_classes]. */
int ml_neighbors_predict_proba(const ml_neighbors_t* model, const void* x, int type, size_t n_x,
                               uint64_t* scratch, size_t n_scratch, float* out, size_t n_out);
/* k-means: the euclidean distance to every centre, out[n_points]; ML_OUT_OF_RANGE where one overflows float32. */
int ml_neighbors_transform(const ml_neighbors_t* model, const void* x, int type, size_t n_x, uint64_t* scratch,
                           size_t n_scratch, float* out, size_t n_out);
/* Local outlier factor: score_samples (minus the outlier factor) and
 * decision_function (score_samples - offset_, out[0]). Euclidean
 * NearestCentroid: decision_function is scikit-learn's, the discriminant
 * scores into out[n_classes] (two classes: score_1 - score_0 into out[0]);
 * n_out >= info.decision_width. */
int ml_neighbors_score_samples(const ml_neighbors_t* model, const void* x, int type, size_t n_x,
                               uint64_t* scratch, size_t n_scratch, float* out);
int ml_neighbors_decision_function(const ml_neighbors_t* model, const void* x, int type, size_t n_x,
                                   uint64_t* scratch, size_t n_scratch, float* out, size_t n_out);

/* ---- k-means learned on the device: a KMeans model in a writable buffer --
 * ml_neighbors_write_kmeans_file() writes a model with k zero centres of d
 * features into out[ml_neighbors_kmeans_file_size(k, d)]; load it with
 * ml_neighbors_load() (the buffer must stay writable), then fit or update
 * it: the centres change in place and the buffer stays a valid .mlm file
 * (its CRC refreshed), ready to save. */
size_t ml_neighbors_kmeans_file_size(uint32_t k, uint32_t d);
int ml_neighbors_write_kmeans_file(void* out, size_t size, uint32_t k, uint32_t d);
/* Lloyd iterations from the current centres on X (n rows of n_features
 * floats): sums (k * n_features floats) and counts (k) are scratch. */
int ml_neighbors_kmeans_lloyd(const ml_neighbors_t* model, void* file, size_t size, const float* X, size_t n,
                              uint32_t max_iter, uint64_t* scratch, size_t n_scratch, float* sums, uint32_t* counts,
                              uint32_t* n_iter);
/* One online step with x: the nearest centre moves by (x - c) / ++counts[c]. */
int ml_neighbors_kmeans_partial_fit(const ml_neighbors_t* model, void* file, size_t size, uint32_t* counts,
                                    const float* x, size_t n_x, uint64_t* scratch, size_t n_scratch,
                                    int32_t* assigned);

/* ---- k-NN learned on the device: samples added and removed in a writable
 * file sized for `capacity` samples (euclidean; int16 samples in integer
 * units). ml_neighbors_knn_sync() gives its model (without the CRC) once it
 * holds at least k samples (ML_BAD_PARAMETER before); add and remove leave
 * the CRC stale: ml_neighbors_refresh_checksum() before saving the file. */
size_t ml_neighbors_knn_file_size(uint32_t capacity, uint32_t d, uint32_t n_classes, int type);
size_t ml_neighbors_knn_scratch_size(uint32_t k, uint32_t d, uint32_t n_classes);
int ml_neighbors_write_knn_file(void* out, size_t size, uint32_t capacity, uint32_t d, uint32_t n_classes,
                                uint32_t k, int distance_weights, int type);
/* ML_OUT_OF_RANGE: label >= n_classes; ML_SIZE_MISMATCH: the file is full. */
int ml_neighbors_knn_add(void* file, size_t size, const void* x, int type, uint32_t label);
/* Later samples move down one place. ML_OUT_OF_RANGE: no such sample. */
int ml_neighbors_knn_remove(void* file, size_t size, uint32_t index);
int ml_neighbors_knn_sync(ml_neighbors_t* model, const void* file, size_t size);
/* Recomputes the CRC of an .mlm file of `size` bytes (as its header says) whose bytes changed. */
void ml_neighbors_refresh_checksum(void* file, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* MICROLEARN_C_NEIGHBORS_H */
