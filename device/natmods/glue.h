// Helpers shared by the native modules' C glue. The same glue builds two ways:
// a dynamic native module (.mpy, MicroPython's dynruntime), or, with
// MICROLEARN_BUILTIN defined, a user C module compiled into the firmware
// (device/usermod/: each family's mpy_init() becomes microlearn_<family>_init(),
// which the built-in module microlearn_<family> runs on first import).
#ifndef MICROLEARN_GLUE_H
#define MICROLEARN_GLUE_H

#ifdef MICROLEARN_BUILTIN
#include "py/runtime.h"
#include "py/objfun.h"  // mp_obj_fun_bc_t, in mpy_init()'s signature
#define MP_DYNRUNTIME_INIT_ENTRY
#define MP_DYNRUNTIME_INIT_EXIT return mp_const_none;
// What the glue takes from dynruntime's function table, here from libc.
#include <string.h>
static const struct {
    void* (*memset_)(void*, int, size_t);
    void* (*memmove_)(void*, const void*, size_t);
} glue_fun_table = {memset, memmove};
#define mp_fun_table glue_fun_table
// dynruntime's m_realloc_maybe(ptr, new_size, allow_move); ports that count
// allocated bytes also take the old size, which only feeds their statistics.
#if MICROPY_MALLOC_USES_ALLOCATED_SIZE
#define m_realloc_maybe(ptr, new_num_bytes, allow_move) m_realloc_maybe((ptr), 0, (new_num_bytes), (allow_move))
#endif
// The glue is written for single-precision floats (what natmods get); a port
// with double-precision floats (unix, webassembly) warns on float32 stores.
#pragma GCC diagnostic ignored "-Wfloat-conversion"
#pragma GCC diagnostic ignored "-Wdouble-promotion"
#else
#include "py/dynruntime.h"
#endif
#include "py/smallint.h"  // MP_SMALL_INT_MAX (dynruntime.h does not include it)
#include "microlearn/microlearn.h"

// Appends the decimal digits of v to buf at *pos (buf must have room).
static inline void glue_append_uint(char* buf, size_t* pos, size_t v) {
    char digits[20];
    int n = 0;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    while (n > 0) buf[(*pos)++] = digits[--n];
}

// Appends s, the words after a count n (0 where none comes before). A count
// of 1 takes the singular: the first word's final s is left out when the
// word has 4 letters or more ("1 float", "1 byte, has"; "1 is", "1 has" stay).
// One copy per module.
__attribute__((noinline, unused)) static void glue_append_counted(char* buf, size_t* pos, size_t cap, const char* s,
                                                          size_t n) {
    size_t skip = (size_t)-1, k = 1;
    if (n == 1 && s[0] == ' ') {
        while (s[k] >= 'a' && s[k] <= 'z') ++k;
        if (k >= 5 && s[k - 1] == 's') skip = k - 1;
    }
    for (k = 0; s[k] != '\0' && *pos < cap; ++k)
        if (k != skip) buf[(*pos)++] = s[k];
}

static inline void glue_append_str(char* buf, size_t* pos, size_t cap, const char* s) {
    glue_append_counted(buf, pos, cap, s, 0);
}

// The one path every error of the glue takes (one copy of the message
// building per module): raises `type` with "<a><n1><b>[<n2><c>]", e.g.
// "expected 64 features, got 10" ("expected 1 feature": glue_append_counted); n1 left out when it is GLUE_NO_NUMBER,
// n2 and c when c is NULL. The message is copied into a str object, so a
// stack buffer is safe; a up to 90 characters, b up to 160 in all.
#define GLUE_NO_NUMBER ((size_t)-1)
NORETURN static inline void glue_raise_counts(const mp_obj_type_t* type, const char* a, size_t n1, const char* b,
                                              size_t n2, const char* c) {
    char buf[200];
    size_t pos = 0;
    glue_append_str(buf, &pos, sizeof buf - 110, a);
    if (n1 != GLUE_NO_NUMBER) glue_append_uint(buf, &pos, n1);
    glue_append_counted(buf, &pos, sizeof buf - 40, b, n1);
    if (c != NULL) {
        glue_append_uint(buf, &pos, n2);
        glue_append_counted(buf, &pos, sizeof buf, c, n2);
    }
    mp_raise_type_arg(type, mp_obj_new_str(buf, pos));
}

// ValueError("<prefix><what>"), the message built without the heap's
// string formatting (a native module has no vsnprintf).
NORETURN static inline void glue_raise_value_error(const char* prefix, const char* what) {
    glue_raise_counts(&mp_type_ValueError, prefix, GLUE_NO_NUMBER, what, 0, NULL);
}

// A size or count argument as size_t, range-checked: a ValueError for values
// below 0 or above `max` (named by `name`), including ints wider than a
// machine word, which mp_obj_get_int() would silently truncate (2**32 + 8 -> 8).
// A TypeError if `o` is not an int. `max` is capped at the small-int range.
static inline size_t glue_size_arg(mp_obj_t o, size_t max, const char* name) {
    if (max > (size_t)MP_SMALL_INT_MAX) max = (size_t)MP_SMALL_INT_MAX;
    if (mp_obj_is_small_int(o)) {
        const mp_int_t v = MP_OBJ_SMALL_INT_VALUE(o);
        if (v >= 0 && (size_t)v <= max) return (size_t)v;
    } else if (mp_obj_get_type(o) != &mp_type_int) {
        glue_raise_counts(&mp_type_TypeError, name, GLUE_NO_NUMBER, " must be an int", 0, NULL);
    }
    glue_raise_counts(&mp_type_ValueError, name, GLUE_NO_NUMBER, " out of range: must be 0..", max, "");
}

// The buffer of `o`, which must be an array of typecode `tc` ('f', 'd', 'h',
// 'b' or 'B'); *n gets its number of items. A TypeError naming `what` and
// the expected array otherwise.
static inline void* glue_get_array(mp_obj_t o, char tc, mp_uint_t flags, const char* what, size_t* n) {
    mp_buffer_info_t buf;
    if (!mp_get_buffer(o, &buf, flags) || buf.typecode != tc) {
        glue_raise_counts(&mp_type_TypeError, what, GLUE_NO_NUMBER,
                          tc == 'f'   ? " must be a float32 array: array('f', ...)"
                          : tc == 'd' ? " must be a float64 array: array('d', ...)"
                          : tc == 'h' ? " must be an int16 array: array('h', ...)"
                          : tc == 'b' ? " must be an int8 array: array('b', ...)"
                                      : " must be a uint8 array: array('B', ...)",
                          0, NULL);
    }
    // Item sizes by shifts: no division routine on Cortex-M0.
    *n = buf.len >> (tc == 'd' ? 3 : tc == 'f' ? 2 : tc == 'h' ? 1 : 0);
    return buf.buf;
}

// Raises ValueError for a failed model load, naming what is wrong.
NORETURN static inline void glue_raise_load_error(int status, const void* data, size_t size) {
    if (status == ML_UNSUPPORTED_VERSION) {
        const unsigned version = ml_file_version(data, size);
        const int newer = version > ml_reader_version();
        glue_raise_counts(&mp_type_ValueError, "model file format version ", version,
                          newer ? " is newer than the newest this microlearn reads ("
                                : " is older than the oldest this microlearn reads (",
                          newer ? ml_reader_version() : ml_reader_oldest_version(),
                          newer ? "): update microlearn on the board" : "): convert the model again");
    } else {
        glue_raise_value_error("invalid model file: ", ml_status_name(status));
    }
}

// Raises AttributeError (as the host's Model does) for a method this model
// does not have, e.g. "predict_proba() needs a classifier".
NORETURN static inline void glue_raise_no_method(const char* message) {
    glue_raise_counts((const mp_obj_type_t*)MP_OBJ_TO_PTR(mp_load_global(MP_QSTR_AttributeError)), "",
                      GLUE_NO_NUMBER, message, 0, NULL);
}

// The model's bytes for a family's load(): a read-only buffer (bytes, what
// a file read returns, a ROMFS file) is used in place; a writable one
// (bytearray, array, memoryview of those) is always copied, so that editing,
// reusing or growing it later cannot change what the loaded model reads (the
// engine checks the bytes once, at load, and then trusts them). *data
// becomes the object the model keeps; *buf its bytes.
static inline void glue_model_bytes(mp_obj_t* data, mp_buffer_info_t* buf) {
    if (mp_get_buffer(*data, buf, MP_BUFFER_WRITE)) *data = mp_obj_new_bytes(buf->buf, buf->len);
    mp_get_buffer_raise(*data, buf, MP_BUFFER_READ);
    if (((uintptr_t)buf->buf & 3) != 0) mp_raise_ValueError(MP_ERROR_TEXT("model buffer must be 4-byte aligned"));
}

// An int64 as a MicroPython int (a big int where it needs one).
static inline mp_obj_t glue_int64(int64_t v) {
    if (v >= MP_SMALL_INT_MIN && v <= MP_SMALL_INT_MAX) return MP_OBJ_NEW_SMALL_INT((mp_int_t)v);
    const mp_obj_t high = mp_binary_op(MP_BINARY_OP_LSHIFT, mp_obj_new_int((int32_t)(v >> 32)), MP_OBJ_NEW_SMALL_INT(32));
    return mp_binary_op(MP_BINARY_OP_OR, high, mp_obj_new_int_from_uint((uint32_t)v));
}

// A classifier's class labels (ints or strs) as an array of n_classes
// objects, or NULL when they are the indices 0..n-1. Built once at load, so
// that predict() returns one of them without allocating.
static inline mp_obj_t* glue_class_labels(const void* data, size_t size, uint32_t n_classes) {
    ml_labels_t labels;
    const int st = ml_labels_load(&labels, data, size, n_classes);
    if (st != ML_OK) glue_raise_load_error(st, data, size);
    const int kind = ml_labels_kind(&labels);
    if (kind == ML_LABELS_INDEX) return NULL;
    mp_obj_t* items = m_new(mp_obj_t, n_classes);
    for (uint32_t i = 0; i < n_classes; ++i) {
        size_t length = 0;
        const char* name = kind == ML_LABELS_NAMES ? ml_label_name(&labels, i, &length) : NULL;
        items[i] = name != NULL ? mp_obj_new_str(name, length) : glue_int64(ml_label_int(&labels, i));
    }
    return items;
}

// What predict() returns for class `index`: its label, or the index.
static inline mp_obj_t glue_class_of(const mp_obj_t* labels, int32_t index) {
    return labels != NULL ? labels[index] : MP_OBJ_NEW_SMALL_INT(index);
}

// The labels as a tuple, for info()["classes"].
static inline mp_obj_t glue_classes_tuple(const mp_obj_t* labels, uint32_t n_classes) {
    if (labels != NULL) return mp_obj_new_tuple(n_classes, labels);
    mp_obj_t* indices = m_new(mp_obj_t, n_classes);
    for (uint32_t i = 0; i < n_classes; ++i) indices[i] = MP_OBJ_NEW_SMALL_INT(i);
    return mp_obj_new_tuple(n_classes, indices);
}

// info()'s sizes: stores keys[i] -> values[i] (ints) into the dict d, in one
// loop (a store per line costs each family's glue about 30 bytes of code more
// per key on armv7m).
static inline void glue_store_sizes(mp_obj_t d, const qstr* keys, const uint32_t* values, size_t n) {
    for (size_t i = 0; i < n; ++i) mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(keys[i]), mp_obj_new_int((mp_int_t)values[i]));
}

// Gets the float32 or int16 vector `x` and checks its type and length.
// Returns the engine's scalar type (ML_F32 / ML_I16).
// `what` names the items, e.g. " features, got ".
static inline int glue_get_vector(mp_obj_t x, int scalar, size_t n, const char* what, void** data) {
    mp_buffer_info_t buf;
    const char want = scalar == ML_F32 ? 'f' : 'h';
    if (!mp_get_buffer(x, &buf, MP_BUFFER_READ) || buf.typecode != want) {  // lists and tuples too
        mp_raise_TypeError(scalar == ML_F32 ? MP_ERROR_TEXT("x must be a float32 array: array('f', ...)")
                                            : MP_ERROR_TEXT("x must be an int16 array: array('h', ...)"));
    }
    const size_t len = buf.len >> (scalar == ML_F32 ? 2 : 1);  // a shift: no division routine on Cortex-M0
    if (len != n) glue_raise_counts(&mp_type_ValueError, "expected ", n, what, len, "");
    *data = buf.buf;
    return scalar;
}

// A model's input, the same for every family: set up once at load
// (glue_input_init), then glue_input() checks each call's x (type, length)
// and returns the vector the family's engine takes. Preprocessing stored in
// the model file (a Pipeline's scalers, projections, ...) is applied here,
// into scratch allocated at load, so families never see raw features.
//
// A family's glue that defines MICROLEARN_PREPROCESS_MODULE (and its engine
// unit the same, for c_api/preprocess.hpp) leaves the preprocessing code out
// of its native module: a model file that carries a chain imports
// microlearn._preprocess at load (natmods/preprocess.c) and calls it through
// the function table below, so a board pays that RAM only for such models.
// (natmod_ld.py gives mpy_ld the preprocessed glue, glue.h included; on
// xtensa, whose link does not go through it, mpy_ld takes qstrs from the .c
// files only: that glue names the four MP_QSTR_ names glue_input_init uses.)
// Firmware builds (MICROLEARN_BUILTIN) hold one engine and call it directly.
typedef struct {
    mp_obj_base_t base;
    int (*load)(ml_preprocess_t*, const void*, size_t, uint32_t);
    void (*info)(const ml_preprocess_t*, ml_preprocess_info_t*);
    int (*apply)(const ml_preprocess_t*, const float*, size_t, float*, size_t, const float**);
} glue_preprocess_t;

#if defined(MICROLEARN_PREPROCESS_MODULE) && !defined(MICROLEARN_BUILTIN)
#define GLUE_PREPROCESS(in, fn) ((in)->pre->fn)
#else
#define GLUE_PREPROCESS(in, fn) ml_preprocess_##fn
#endif

typedef struct {
    uint32_t n_inputs;    // what the user passes (info()["n_features"])
    uint32_t n_features;  // what the engine takes
    int scalar;           // ML_F32 or ML_I16
    ml_preprocess_t chain;
    float* scratch;       // the chain's scratch, NULL without a chain
    size_t n_scratch;
    const glue_preprocess_t* pre;  // microlearn._preprocess's table (MICROLEARN_PREPROCESS_MODULE)
} glue_input_t;

static inline void glue_input_init(glue_input_t* in, const void* data, size_t size, int scalar, uint32_t n_features) {
    in->n_inputs = in->n_features = n_features;
    in->scalar = scalar;
    in->n_scratch = 0;
    in->scratch = NULL;
#if defined(MICROLEARN_PREPROCESS_MODULE) && !defined(MICROLEARN_BUILTIN)
    in->pre = NULL;
    if (!ml_preprocess_present(data, size)) return;
    // from microlearn import _preprocess
    mp_obj_t name = MP_OBJ_NEW_QSTR(MP_QSTR__preprocess);
    mp_obj_t module = mp_import_from(mp_import_name(MP_QSTR_microlearn, mp_obj_new_tuple(1, &name),
                                                    MP_OBJ_NEW_SMALL_INT(0)), MP_QSTR__preprocess);
    mp_obj_t table = mp_load_attr(module, MP_QSTR_table);
    if (mp_obj_get_type(table)->name != MP_QSTR_PreprocessTable)
        mp_raise_TypeError(MP_ERROR_TEXT("microlearn._preprocess.table is not microlearn's"));
    in->pre = (const glue_preprocess_t*)MP_OBJ_TO_PTR(table);
#endif
    const int st = GLUE_PREPROCESS(in, load)(&in->chain, data, size, n_features);
    if (st != ML_OK) glue_raise_load_error(st, data, size);
    ml_preprocess_info_t info;
    GLUE_PREPROCESS(in, info)(&in->chain, &info);
    if (info.n_steps == 0) return;
    // The converter refuses int16 models with preprocessing: the chain is float32.
    if (scalar != ML_F32) glue_raise_load_error(ML_TYPE_MISMATCH, data, size);
    in->n_inputs = info.n_inputs;
    in->n_scratch = info.scratch_size;
    in->scratch = m_new(float, info.scratch_size);
}

// A family whose x is always float32 (glue_input_init's scalar ML_F32) defines
// GLUE_F32_INPUT before including this file: glue_input() then leaves the
// int16 path and its message out of the module (about 50 bytes of RAM).
#ifdef GLUE_F32_INPUT
#define GLUE_INPUT_SCALAR(in) ML_F32
#else
#define GLUE_INPUT_SCALAR(in) ((in)->scalar)
#endif

static inline const void* glue_input(const glue_input_t* in, mp_obj_t x) {
    void* data;
    glue_get_vector(x, GLUE_INPUT_SCALAR(in), in->n_inputs, " features, got ", &data);
    if (in->scratch == NULL) return data;
    const float* out;
    GLUE_PREPROCESS(in, apply)(&in->chain, (const float*)data, in->n_inputs, in->scratch, in->n_scratch, &out);
    return out;
}

// A writable float32 array of at least n items, for results.
static inline float* glue_get_out(mp_obj_t out, size_t n) {
    mp_buffer_info_t buf;
    if (!mp_get_buffer(out, &buf, MP_BUFFER_WRITE) || buf.typecode != 'f') mp_raise_TypeError(MP_ERROR_TEXT("out must be a float32 array: array('f', ...)"));
    if ((buf.len >> 2) < n) glue_raise_counts(&mp_type_ValueError, "out must hold at least ", n, " floats", 0, NULL);
    return (float*)buf.buf;
}

// Where a method's n results go: the caller's `out` (args[2]) when given,
// else the model's own buffer `own` (allocated at load).
static inline float* glue_out(size_t n_args, const mp_obj_t* args, size_t n, float* own) {
    return n_args > 2 ? glue_get_out(args[2], n) : own;
}

// What a method returns: `out` when given, else a float (one value) or a
// new list of the n values.
static inline mp_obj_t glue_result(size_t n_args, const mp_obj_t* args, const float* values, size_t n) {
    if (n_args > 2) return args[2];
    if (n == 1) return mp_obj_new_float(values[0]);
    mp_obj_t items = mp_obj_new_list(0, NULL);
    for (size_t i = 0; i < n; ++i) mp_obj_list_append(items, mp_obj_new_float(values[i]));
    return items;
}

static inline void glue_check(int status) {
    if (status != ML_OK) glue_raise_value_error("microlearn: ", ml_status_name(status));
}

#endif
