/* microlearn C API: neural networks (include/microlearn/neural/,
 * docs/neural.md): scikit-learn MLPs, Keras models and .tflite files,
 * float32 or int8.
 *
 * The caller owns the arena: ml_neural_info() gives its size (arena_size
 * bytes, 4-byte aligned); pass it to ml_neural_load() or later to
 * ml_neural_set_arena(). Then per inference: ml_neural_input_<type>(),
 * ml_neural_run(), and ml_neural_outputs() / _outputs_s8() / _s16() /
 * _class() / _proba(). Nothing
 * allocates; one arena per model, calls on one arena must not run at once. */
#ifndef MICROLEARN_C_NEURAL_H
#define MICROLEARN_C_NEURAL_H

#include <stddef.h>
#include <stdint.h>
#include "common.h"
#ifdef __cplusplus
extern "C" {
#endif

/* Opaque storage for a loaded network: a view over the caller's bytes and arena. */
typedef struct {
    uint32_t words[12];
    const void* pointers[12];
} ml_neural_t;

/* Tensor types of the model's input and output. */
enum ml_neural_dtype { ML_NEURAL_F32 = 7, ML_NEURAL_S8 = 2, ML_NEURAL_S16 = 4 };

typedef struct {
    uint32_t n_inputs;      /* values of the input tensor */
    uint32_t n_outputs;     /* values of the output tensor */
    uint32_t n_classes;     /* classifiers: >= 2; regressors: 0 */
    int task;               /* 0 regression, 1 classification */
    int probabilities;      /* 1: ml_neural_proba() works (softmax or logistic output) */
    int input_type;         /* ML_NEURAL_F32, ML_NEURAL_S8 or ML_NEURAL_S16 (16x8 models) */
    int output_type;
    uint32_t arena_size;    /* bytes the arena needs */
    uint32_t n_ops, n_tensors;
    /* An int8 or int16 output's quantization, real = output_scale *
     * (q - output_zero_point) (int16: zero point 0); 1 and 0 for float32. */
    float output_scale;
    int32_t output_zero_point;
} ml_neural_info_t;

/* Validates the model; `arena` may be NULL (set it later). With an arena
 * smaller than arena_size or not 4-byte aligned: ML_SIZE_MISMATCH /
 * ML_BAD_ARGUMENT (the model stays loaded, without an arena). */
int ml_neural_load(ml_neural_t* model, const void* data, size_t size, void* arena, size_t arena_size);
int ml_neural_set_arena(ml_neural_t* model, void* arena, size_t arena_size);
void ml_neural_info(const ml_neural_t* model, ml_neural_info_t* info);

/* The input, n values: float32 (real values; an int8 or int16 model
 * quantizes them with its input scale and zero point; ML_BAD_ARGUMENT for
 * NaN or infinity), int8 (an int8 model's quantized values), uint8 (u - 128,
 * an int8 model's input in TFLite's uint8 convention) or int16 (an int16
 * model's quantized values). ML_TYPE_MISMATCH for another model's type. */
int ml_neural_input_f32(const ml_neural_t* model, const float* x, size_t n);
int ml_neural_input_s8(const ml_neural_t* model, const int8_t* x, size_t n);
int ml_neural_input_u8(const ml_neural_t* model, const uint8_t* x, size_t n);
int ml_neural_input_s16(const ml_neural_t* model, const int16_t* x, size_t n);
/* Runs every op on the arena. */
int ml_neural_run(const ml_neural_t* model);
/* After a run: the outputs as floats (int8, int16 dequantized) into out[n_outputs]. */
int ml_neural_outputs(const ml_neural_t* model, float* out, size_t n_out);
/* After a run: the output tensor's own values, no float arithmetic: an int8
 * model's quantized outputs into out[n_outputs] (_s8), an int16 model's (_s16).
 * ML_TYPE_MISMATCH for another model's output type (float32 models have none). */
int ml_neural_outputs_s8(const ml_neural_t* model, int8_t* out, size_t n_out);
int ml_neural_outputs_s16(const ml_neural_t* model, int16_t* out, size_t n_out);
/* Classifiers: the class index (argmax, or output > threshold for one unit). */
int ml_neural_class(const ml_neural_t* model, int32_t* out);
/* Classifiers with probabilities: out[n_classes]. */
int ml_neural_proba(const ml_neural_t* model, float* out, size_t n_out);
/* Zeroes the state of stateful recurrent layers (a new sequence). */
int ml_neural_reset(const ml_neural_t* model);

#ifdef __cplusplus
}
#endif

#endif /* MICROLEARN_C_NEURAL_H */
