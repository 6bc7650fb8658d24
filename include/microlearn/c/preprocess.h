/* microlearn C API: preprocessing stored in a model file (a Pipeline's
 * scalers, projections, column selections; include/microlearn/preprocess.hpp,
 * docs/preprocessing.md). Works with every family: load the family's model,
 * then the chain with the family's n_features; apply() turns the raw
 * features into the vector the family's functions take. */
#ifndef MICROLEARN_C_PREPROCESS_H
#define MICROLEARN_C_PREPROCESS_H

#include <stddef.h>
#include <stdint.h>
#include "common.h"
#ifdef __cplusplus
extern "C" {
#endif

/* Opaque storage for a loaded chain: a view over the caller's bytes. */
typedef struct {
    uint32_t words[6];
    const void* pointers[3];
} ml_preprocess_t;

typedef struct {
    uint32_t n_steps;       /* 0: the file has no preprocessing */
    uint32_t n_inputs;      /* raw features the caller passes */
    uint32_t n_outputs;     /* = the family's n_features */
    uint32_t scratch_size;  /* floats apply() needs (0 without steps) */
} ml_preprocess_info_t;

/* 1 when a model's bytes carry a chain (any of its sections), else 0. */
int ml_preprocess_present(const void* data, size_t size);
/* Validates the chain of a model's bytes (already loaded by its family, so
 * the CRC is not checked again). n_features: what the family's model takes. */
int ml_preprocess_load(ml_preprocess_t* chain, const void* data, size_t size, uint32_t n_features);
void ml_preprocess_info(const ml_preprocess_t* chain, ml_preprocess_info_t* info);
/* x: n_x = n_inputs floats. *out points at n_outputs floats: x itself when
 * there are no steps, else inside scratch (n_scratch >= scratch_size). */
int ml_preprocess_apply(const ml_preprocess_t* chain, const float* x, size_t n_x, float* scratch,
                        size_t n_scratch, const float** out);

#ifdef __cplusplus
}
#endif

#endif /* MICROLEARN_C_PREPROCESS_H */
