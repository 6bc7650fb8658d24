/* microlearn C API: the engine for C firmware (Zephyr, ESP-IDF, Arduino) and
 * for MicroPython's native modules.
 *
 * Compile the definitions once: add src/microlearn_c.cpp to the build (or
 * include the c_api/ headers of the families you use from one C++ file).
 * Model bytes are read in place: keep them alive and 4-byte aligned while the
 * model is used. Every call returns an ml_status (0 = ML_OK). */
#ifndef MICROLEARN_H
#define MICROLEARN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Same values as microlearn::Status. */
enum ml_status {
    ML_OK = 0,
    ML_BAD_MAGIC = 1,
    ML_BAD_CHECKSUM = 2,
    ML_UNSUPPORTED_VERSION = 3,
    ML_UNSUPPORTED_KIND = 4,
    ML_SIZE_MISMATCH = 5,
    ML_OUT_OF_RANGE = 6,
    ML_TRUNCATED = 7,
    ML_BAD_SECTION = 8,
    ML_BAD_PARAMETER = 9,
    ML_TYPE_MISMATCH = 10,
    ML_BAD_ARGUMENT = 11
};

/* Scalar type of an input vector. */
enum ml_scalar { ML_F32 = 0, ML_I16 = 1 };

const char* ml_status_name(int status);

/* Format version of an .mlm buffer (0 if it is not one) and the version this
 * library reads, for messages such as "file version 3, reader version 1". */
uint16_t ml_file_version(const void* data, size_t size);
uint16_t ml_reader_version(void);
/* Model kind of an .mlm buffer (1 = tree ensemble), 0 if not an .mlm file. */
uint16_t ml_file_kind(const void* data, size_t size);

/* ---- tree ensembles --------------------------------------------------- */

/* Opaque storage for a loaded model: a view over the caller's bytes. */
typedef struct {
    uint32_t words[20];
    const void* pointers[12];
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
    int has_class_labels;
} ml_trees_info_t;

int ml_trees_load(ml_trees_t* model, const void* data, size_t size);
void ml_trees_info(const ml_trees_t* model, ml_trees_info_t* info);

/* x has n_x scalars of type `type` (must be the model's feature type). */
int ml_trees_raw_scores(const ml_trees_t* model, const void* x, int type, size_t n_x,
                        float* out, size_t n_out);
/* Class label (or index) of a classifier, +1/-1 of an anomaly detector.
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

#endif /* MICROLEARN_H */
