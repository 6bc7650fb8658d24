/* microlearn C API: status codes, file versions and class labels, shared by
 * every family (included by microlearn.h). */
#ifndef MICROLEARN_C_COMMON_H
#define MICROLEARN_C_COMMON_H

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

/* Format version of an .mlm buffer (0 if it is not one) and the newest and
 * oldest versions this library reads, for messages such as "file version 4,
 * reader version 3". A file carries the oldest version that reads it right. */
uint16_t ml_file_version(const void* data, size_t size);
uint16_t ml_reader_version(void);
uint16_t ml_reader_oldest_version(void);
/* Model kind of an .mlm buffer (1 = tree ensemble), 0 if not an .mlm file. */
uint16_t ml_file_kind(const void* data, size_t size);

/* ---- class labels (any classifier family) ------------------------------
 * Engines return class indices 0..n_classes-1; the model file may map them
 * to int64 labels or to names. ml_labels_load() finds and checks the table
 * of a loaded model's bytes (n_classes from the family's info). */
enum ml_labels_kind { ML_LABELS_INDEX = 0, ML_LABELS_INT = 1, ML_LABELS_NAMES = 2 };
typedef struct { uint32_t words[3]; const void* pointers[2]; } ml_labels_t;
int ml_labels_load(ml_labels_t* labels, const void* data, size_t size, uint32_t n_classes);
int ml_labels_kind(const ml_labels_t* labels);
/* The int64 label of class `index` (the index itself without a table). */
int64_t ml_label_int(const ml_labels_t* labels, uint32_t index);
/* The name of class `index`, NUL-terminated, length in *length; NULL unless
 * the kind is ML_LABELS_NAMES. */
const char* ml_label_name(const ml_labels_t* labels, uint32_t index, size_t* length);

#ifdef __cplusplus
}
#endif

#endif /* MICROLEARN_C_COMMON_H */
