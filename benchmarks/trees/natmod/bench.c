// _bench_trees: C-level tree benchmarks inside MicroPython (dynamic native module).
//
// Loops over n rows *inside C*, so the interpreter's per-call cost is paid once
// per call, not per prediction. Built per benchmark case by benchmarks/run.py
// with device/natmod.mk (the same compiler and flags as microlearn's _trees):
//   ml_size()                     bytes of an ml_trees_t
//   ml_load(state, mlm)           microlearn: load (validate) the model into state
//   ml_run(state, X, n, out)      microlearn engine: n predictions, rows of X
//   eml_run(method, X, n, out)    emlearn (0 loadable, 1 inline): n predictions
// X: array('f') or array('h') of n * n_features; out: array('i') of labels
// (classifiers) or array('f') of values (regressors).
#include "py/dynruntime.h"
#include "microlearn/microlearn.h"
#include "case.h"  // generated: N_FEATURES, N_OUTPUTS, CLASSIFIER, HAVE_EML

// armv6m: emlearn divides floats, and libgcc's Thumb-1 __aeabi_fdiv carries
// absolute relocations that a native module cannot hold: no emlearn there.
#if defined(__ARM_ARCH_6M__)
#undef HAVE_EML
#define HAVE_EML 0
#endif

#if HAVE_EML
#include "eml_loadable.h"
#include "eml_inline.h"
#endif

static void* buf_of(mp_obj_t o, size_t* len, int flags) {
    mp_buffer_info_t b;
    mp_get_buffer_raise(o, &b, flags);
    *len = b.len;
    return b.buf;
}

static mp_obj_t ml_size(void) { return mp_obj_new_int(sizeof(ml_trees_t)); }
static MP_DEFINE_CONST_FUN_OBJ_0(ml_size_obj, ml_size);

// Lent to the model where the engine would use it, as _trees does.
int32_t ml_keys[N_FEATURES];  // not static: mpy_ld links bss only through the GOT

static mp_obj_t ml_load(mp_obj_t state_in, mp_obj_t data_in) {
    size_t n, len;
    ml_trees_t* m = buf_of(state_in, &n, MP_BUFFER_WRITE);
    const void* data = buf_of(data_in, &len, MP_BUFFER_READ);
    const int st = ml_trees_load(m, data, len);
    if (st == ML_OK && ml_trees_key_buffer_size(m) > 0) ml_trees_attach_key_buffer(m, ml_keys, N_FEATURES);
    return mp_obj_new_int(st);
}
static MP_DEFINE_CONST_FUN_OBJ_2(ml_load_obj, ml_load);

static mp_obj_t ml_run(size_t n_args, const mp_obj_t* args) {
    (void)n_args;
    size_t len;
    const ml_trees_t* m = buf_of(args[0], &len, MP_BUFFER_READ);
    mp_buffer_info_t xb;
    mp_get_buffer_raise(args[1], &xb, MP_BUFFER_READ);
    const size_t n = mp_obj_get_int(args[2]);
    void* out = buf_of(args[3], &len, MP_BUFFER_WRITE);
    const int type = xb.typecode == 'f' ? ML_F32 : ML_I16;
    const size_t row = N_FEATURES * (xb.typecode == 'f' ? 4 : 2);
    const uint8_t* x = xb.buf;
    float scratch[N_OUTPUTS];
    int st = ML_OK;
    for (size_t i = 0; i < n; ++i, x += row) {
#if CLASSIFIER
        st |= ml_trees_predict_class(m, x, type, N_FEATURES, scratch, N_OUTPUTS, (int32_t*)out + i);
#else
        st |= ml_trees_raw_scores(m, x, type, N_FEATURES, (float*)out + i, 1);
#endif
    }
    (void)scratch;
    return mp_obj_new_int(st);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(ml_run_obj, 4, 4, ml_run);

static mp_obj_t eml_run(size_t n_args, const mp_obj_t* args) {
    (void)n_args;
#if HAVE_EML
    size_t len;
    const int method = mp_obj_get_int(args[0]);
    const int16_t* x = buf_of(args[1], &len, MP_BUFFER_READ);
    const size_t n = mp_obj_get_int(args[2]);
    void* out = buf_of(args[3], &len, MP_BUFFER_WRITE);
    if (method == 0) {
        EmlTrees t;
        eml_l_init(&t);
        for (size_t i = 0; i < n; ++i, x += N_FEATURES) {
#if CLASSIFIER
            ((int32_t*)out)[i] = eml_trees_predict(&t, x, N_FEATURES);
#else
            ((float*)out)[i] = eml_trees_regress1(&t, x, N_FEATURES);
#endif
        }
    } else {
        for (size_t i = 0; i < n; ++i, x += N_FEATURES) {
#if CLASSIFIER
            ((int32_t*)out)[i] = eml_i_predict(x, N_FEATURES);
#else
            ((float*)out)[i] = eml_i_predict(x, N_FEATURES);
#endif
        }
    }
    return mp_const_none;
#else
    (void)args;
    mp_raise_ValueError(MP_ERROR_TEXT("emlearn does not support this model"));
    return mp_const_none;
#endif
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(eml_run_obj, 4, 4, eml_run);

mp_obj_t mpy_init(mp_obj_fun_bc_t* self, size_t n_args, size_t n_kw, mp_obj_t* args) {
    MP_DYNRUNTIME_INIT_ENTRY
    mp_store_global(MP_QSTR_ml_size, MP_OBJ_FROM_PTR(&ml_size_obj));
    mp_store_global(MP_QSTR_ml_load, MP_OBJ_FROM_PTR(&ml_load_obj));
    mp_store_global(MP_QSTR_ml_run, MP_OBJ_FROM_PTR(&ml_run_obj));
    mp_store_global(MP_QSTR_eml_run, MP_OBJ_FROM_PTR(&eml_run_obj));
    MP_DYNRUNTIME_INIT_EXIT
}
