// microlearn._neural: neural networks on MicroPython (dynamic native
// module): scikit-learn MLPs, Keras models, .tflite files; float32, int8 or 16x8.
// The glue of six modules, the same but for the kernels their engine unit
// compiles (device/Makefile): _neural, _neural_rnn, _neural_int8_cnn, _neural_int8,
// _neural_int16, _neural_all;
// microlearn.load() imports the one the model file's header names.
//
//   m = _neural.load(buf)            # validates once, allocates the arena once
//   m = _neural.load(buf, arena)     # or works in the caller's bytearray
//   m.predict(x)                     # class label / value (a list for several)
//   m.predict(x, out)                # also writes the outputs into array('f') out, or the
//                                    # quantized outputs into array('b') / array('h') (an int8 /
//                                    # int16 output: info()'s output_scale, output_zero_point)
//   m.predict_proba(x[, out])        # classifiers with a softmax / logistic output
//   m.reset()                        # zeroes stateful layers' state
// x: array('f') of n_features values; an int8 model also takes array('b')
// (its quantized input) and array('B') (u - 128: TFLite's uint8 input), an
// int16 model array('h') (its quantized input).
// Weights are read in place from the model bytes. predict() of a classifier,
// and every call given `out`, allocate nothing; without `out` a regressor's
// value comes back as a new float (several: a new list), as in every family.
// A model file that carries preprocessing (a Pipeline) imports
// microlearn._preprocess (glue.h), whose qstrs are named here, where mpy_ld
// looks for them: MP_QSTR_microlearn MP_QSTR__preprocess MP_QSTR_table MP_QSTR_PreprocessTable
#define MICROLEARN_PREPROCESS_MODULE
#define GLUE_F32_INPUT  // x is array('f') (glue.h)
#include "glue.h"

typedef struct {
    mp_obj_base_t base;
    mp_obj_t data;   // the model bytes: the view below points into them
    mp_obj_t arena;  // the caller's arena object, or None (ours: arena_own)
    void* arena_own;
    ml_neural_t model;
    ml_neural_info_t info;
    glue_input_t input;
    mp_obj_t* labels;  // class labels, or NULL: predict() returns the index
    float* values;     // max(n_outputs, n_classes) floats: a result without `out`, until it is returned
} neural_obj_t;

mp_obj_full_type_t neural_type;

static neural_obj_t* neural_self(mp_obj_t self_in) { return MP_OBJ_TO_PTR(self_in); }

static mp_obj_t neural_load(size_t n_args, const mp_obj_t* args) {
    mp_obj_t data = args[0];
    mp_buffer_info_t buf;
    glue_model_bytes(&data, &buf);
    neural_obj_t* self = mp_obj_malloc(neural_obj_t, (mp_obj_type_t*)&neural_type);
    self->data = data;
    self->arena = mp_const_none;
    self->arena_own = NULL;
    int st = ml_neural_load(&self->model, buf.buf, buf.len, NULL, 0);
    if (st != ML_OK) glue_raise_load_error(st, buf.buf, buf.len);
    ml_neural_info(&self->model, &self->info);
    glue_input_init(&self->input, buf.buf, buf.len, ML_F32, self->info.n_inputs);
    self->labels = self->info.task == 1 ? glue_class_labels(buf.buf, buf.len, self->info.n_classes) : NULL;
    self->values = m_new(float, self->info.n_outputs > self->info.n_classes ? self->info.n_outputs : self->info.n_classes);
    const size_t need = self->info.arena_size;
    void* arena;
    size_t n_arena = need;
    if (n_args > 1) {  // the caller's arena: a writable buffer of at least `need` bytes
        mp_buffer_info_t a;
        if (!mp_get_buffer(args[1], &a, MP_BUFFER_WRITE))
            mp_raise_TypeError(MP_ERROR_TEXT("arena must be a writable buffer: bytearray(n)"));
        if (a.len < need) glue_raise_counts(&mp_type_ValueError, "arena must hold at least ", need, " bytes, got ", a.len, "");
        arena = a.buf;
        n_arena = a.len;
        self->arena = args[1];
    } else {  // ours, once: a MemoryError that names the size, and nothing else changed
        arena = m_realloc_maybe(NULL, need > 0 ? need : 4, false);
        if (arena == NULL)
            glue_raise_counts((const mp_obj_type_t*)MP_OBJ_TO_PTR(mp_load_global(MP_QSTR_MemoryError)),
                              "the network's arena needs ", need, " bytes of RAM: free memory, or pass a "
                              "bytearray(", need, ") as load(buf, arena)");
        self->arena_own = arena;
    }
    if ((st = ml_neural_set_arena(&self->model, arena, n_arena)) != ML_OK) {
        if (st == ML_BAD_ARGUMENT) mp_raise_ValueError(MP_ERROR_TEXT("arena must be 4-byte aligned"));
        glue_check(st);
    }
    return MP_OBJ_FROM_PTR(self);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(neural_load_obj, 1, 2, neural_load);

static void neural_check(int st) {
    if (st == ML_BAD_ARGUMENT) mp_raise_ValueError(MP_ERROR_TEXT("x holds NaN or infinity: inputs must be finite"));
    glue_check(st);
}

// ML_NEURAL_INT16: this module has the int16 kernels (_neural_int16,
// _neural_all and the firmware's: device/Makefile, usermod). The others load
// no int16 model, so their glue leaves the array('h') path out.
#ifndef ML_NEURAL_INT16
#define ML_NEURAL_INT16 0
#endif

// Puts x into the network's input and runs it.
static void neural_run(neural_obj_t* self, mp_obj_t x) {
    mp_buffer_info_t buf;
    int st;
    const int type = self->info.input_type;
    if (type != ML_NEURAL_F32 && mp_get_buffer(x, &buf, MP_BUFFER_READ) && buf.typecode != 'f') {
        const int s16 = ML_NEURAL_INT16 && type == ML_NEURAL_S16;
        if (!s16 && buf.typecode != 'b' && buf.typecode != 'B')
            mp_raise_TypeError(MP_ERROR_TEXT("x must be array('f'), array('b') or array('B') for an int8 network"));
        if (s16 && buf.typecode != 'h')
            mp_raise_TypeError(MP_ERROR_TEXT("x must be array('f') or array('h') for an int16 network"));
        const size_t n = s16 ? buf.len / 2 : buf.len;
        if (n != self->info.n_inputs)
            glue_raise_counts(&mp_type_ValueError, "expected ", self->info.n_inputs, " features, got ", n, "");
        st = s16                   ? ml_neural_input_s16(&self->model, buf.buf, n)
             : buf.typecode == 'b' ? ml_neural_input_s8(&self->model, buf.buf, n)
                                   : ml_neural_input_u8(&self->model, buf.buf, n);
    } else {
        const float* v = glue_input(&self->input, x);
        st = ml_neural_input_f32(&self->model, v, self->info.n_inputs);
    }
    neural_check(st);
    neural_check(ml_neural_run(&self->model));
}

// predict()'s `out` other than array('f'): the output tensor's own values,
// array('b') for an int8 output, array('h') for an int16 one; its buffer
// (NULL for array('f')), checked before anything runs.
static void* neural_raw_out(neural_obj_t* self, mp_obj_t out) {
    mp_buffer_info_t buf;
    if (!mp_get_buffer(out, &buf, MP_BUFFER_WRITE) || buf.typecode == 'f') return NULL;
    const int type = self->info.output_type;
    const int s16 = ML_NEURAL_INT16 && type == ML_NEURAL_S16;
    if (type == ML_NEURAL_S8 ? buf.typecode != 'b' : !s16 || buf.typecode != 'h')
        mp_raise_TypeError(type == ML_NEURAL_S8 ? MP_ERROR_TEXT("out must be array('f') or array('b') (the quantized "
                                                                "outputs) for a network with an int8 output")
                           : s16 ? MP_ERROR_TEXT("out must be array('f') or array('h') (the quantized outputs) for "
                                                 "a network with an int16 output")
                                 : MP_ERROR_TEXT("out must be array('f') for a network with a float32 output"));
    const size_t n = s16 ? buf.len / 2 : buf.len;
    if (n < self->info.n_outputs)
        glue_raise_counts(&mp_type_ValueError, "out must hold at least ", self->info.n_outputs, " values, got ", n, "");
    return buf.buf;
}

static mp_obj_t neural_predict(size_t n_args, const mp_obj_t* args) {
    neural_obj_t* self = neural_self(args[0]);
    const size_t n = self->info.n_outputs;
    void* raw = n_args > 2 ? neural_raw_out(self, args[2]) : NULL;
    float* out = raw ? self->values : glue_out(n_args, args, n, self->values);
    neural_run(self, args[1]);
    if (raw) neural_check(ML_NEURAL_INT16 && self->info.output_type == ML_NEURAL_S16
                              ? ml_neural_outputs_s16(&self->model, raw, n)
                              : ml_neural_outputs_s8(&self->model, raw, n));
    if (self->info.task == 1) {
        int32_t index;
        neural_check(ml_neural_class(&self->model, &index));
        if (n_args > 2 && !raw) neural_check(ml_neural_outputs(&self->model, out, n));
        return glue_class_of(self->labels, index);
    }
    if (!raw) neural_check(ml_neural_outputs(&self->model, out, n));
    return glue_result(n_args, args, out, n);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(neural_predict_obj, 2, 3, neural_predict);

static mp_obj_t neural_predict_proba(size_t n_args, const mp_obj_t* args) {
    neural_obj_t* self = neural_self(args[0]);
    if (self->info.task != 1 || !self->info.probabilities)
        glue_raise_no_method("predict_proba() needs a classifier with a softmax or logistic output");
    const size_t n = self->info.n_classes;
    float* out = glue_out(n_args, args, n, self->values);
    neural_run(self, args[1]);
    neural_check(ml_neural_proba(&self->model, out, n));
    return glue_result(n_args, args, out, n);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(neural_predict_proba_obj, 2, 3, neural_predict_proba);

static mp_obj_t neural_reset(mp_obj_t self_in) {
    neural_check(ml_neural_reset(&neural_self(self_in)->model));
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(neural_reset_obj, neural_reset);

// info() -> dict of the model's sizes, for users and tests.
static mp_obj_t neural_info(mp_obj_t self_in) {
    neural_obj_t* self = neural_self(self_in);
    const ml_neural_info_t* i = &self->info;
    mp_obj_t d = mp_obj_new_dict(12);
    const qstr keys[] = {MP_QSTR_n_features, MP_QSTR_n_outputs, MP_QSTR_n_classes, MP_QSTR_arena_bytes, MP_QSTR_n_ops};
    const uint32_t values[] = {self->input.n_inputs, i->n_outputs, i->n_classes, i->arena_size, i->n_ops};
    glue_store_sizes(d, keys, values, 5);
    mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_task),
                      MP_OBJ_NEW_QSTR(i->task == 1 ? MP_QSTR_classification : MP_QSTR_regression));
    mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_feature_type), MP_OBJ_NEW_QSTR(MP_QSTR_float32));
    mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_input_dtype),
                      MP_OBJ_NEW_QSTR(i->input_type == ML_NEURAL_S8 ? MP_QSTR_int8
                                      : ML_NEURAL_INT16 && i->input_type == ML_NEURAL_S16 ? MP_QSTR_int16
                                                                                          : MP_QSTR_float32));
    const int out16 = ML_NEURAL_INT16 && i->output_type == ML_NEURAL_S16;
    mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_output_dtype),
                      MP_OBJ_NEW_QSTR(i->output_type == ML_NEURAL_S8 ? MP_QSTR_int8 : out16 ? MP_QSTR_int16 : MP_QSTR_float32));
    if (i->output_type == ML_NEURAL_S8 || out16) {  // real = output_scale * (q - output_zero_point)
        mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_output_scale), mp_obj_new_float(i->output_scale));
        mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_output_zero_point), mp_obj_new_int(i->output_zero_point));
    }
    if (i->task == 1) mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_classes), glue_classes_tuple(self->labels, i->n_classes));
    return d;
}
static MP_DEFINE_CONST_FUN_OBJ_1(neural_info_obj, neural_info);

mp_map_elem_t neural_locals_table[4];
static MP_DEFINE_CONST_DICT(neural_locals, neural_locals_table);

mp_obj_t mpy_init(mp_obj_fun_bc_t* self, size_t n_args, size_t n_kw, mp_obj_t* args) {
    MP_DYNRUNTIME_INIT_ENTRY

    neural_type.base.type = (void*)&mp_type_type;
    neural_type.flags = MP_TYPE_FLAG_NONE;
    neural_type.name = MP_QSTR_NeuralModel;
    neural_locals_table[0] = (mp_map_elem_t){MP_OBJ_NEW_QSTR(MP_QSTR_predict), MP_OBJ_FROM_PTR(&neural_predict_obj)};
    neural_locals_table[1] = (mp_map_elem_t){MP_OBJ_NEW_QSTR(MP_QSTR_predict_proba), MP_OBJ_FROM_PTR(&neural_predict_proba_obj)};
    neural_locals_table[2] = (mp_map_elem_t){MP_OBJ_NEW_QSTR(MP_QSTR_reset), MP_OBJ_FROM_PTR(&neural_reset_obj)};
    neural_locals_table[3] = (mp_map_elem_t){MP_OBJ_NEW_QSTR(MP_QSTR_info), MP_OBJ_FROM_PTR(&neural_info_obj)};
    MP_OBJ_TYPE_SET_SLOT(&neural_type, locals_dict, (void*)&neural_locals, 0);

    mp_store_global(MP_QSTR_NeuralModel, MP_OBJ_FROM_PTR(&neural_type));
    mp_store_global(MP_QSTR_load, MP_OBJ_FROM_PTR(&neural_load_obj));

    MP_DYNRUNTIME_INIT_EXIT
}
