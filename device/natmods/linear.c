// microlearn._linear: linear models on MicroPython (dynamic native module):
// scikit-learn's linear classifiers and regressors, log-link GLMs, and SGD
// learning on the device.
//
//   m = _linear.load(buf)            # validates once; a writable buf is copied
//                                    # (glue_model_bytes), a read-only one kept
//                                    # (a trainable model's bytes are always copied)
//   m.predict(x[, out])              # class label; regressors: a float, or out[n_outputs]
//   m.decision_function(x[, out])    # classifiers: W x + b (a float when binary)
//   m.predict_proba(x[, out])        # LogisticRegression, SGD log_loss / modified_huber
//
//   c = _linear.SGDClassifier(n_features, n_classes, loss="hinge", alpha=0.0001,
//                             learning_rate="optimal", eta0=0.01, power_t=0.5,
//                             fit_intercept=True)   # labels 0..n_classes-1, zero weights
//   r = _linear.SGDRegressor(n_features, alpha=0.0001, learning_rate="invscaling",
//                            eta0=0.01, power_t=0.25, fit_intercept=True)
//   c.partial_fit(x, y)              # one SGD step, as scikit-learn's; also on a
//                                    # loaded SGDClassifier/SGDRegressor that is trainable
//   c.to_bytes(); c.save(path)       # the .mlm file (CRC rewritten), for the PC
// x is array('f') of n_features finite floats. predict(), partial_fit() and
// every call given `out` allocate nothing; without `out`, one value comes
// back as a float and several as a new list.
// A model file that carries preprocessing (a Pipeline) imports
// microlearn._preprocess (glue.h), whose qstrs are named here, where mpy_ld
// looks for them: MP_QSTR_microlearn MP_QSTR__preprocess MP_QSTR_table MP_QSTR_PreprocessTable
#define MICROLEARN_PREPROCESS_MODULE
#define GLUE_F32_INPUT  // x is array('f') (glue.h)
#include "glue.h"

typedef struct {
    mp_obj_base_t base;
    mp_obj_t data;  // the model bytes (loaded, not trainable): the view points into them
    ml_linear_t model;
    ml_linear_info_t info;
    glue_input_t input;
    mp_obj_t* labels;   // class labels, or NULL: predict() returns the index
    float* values;      // n_classes or n_outputs floats: scores, results without `out`
    uint8_t* file;      // trainable models: their own writable bytes, else NULL
    ml_linear_trainer_t* trainer;
} linear_obj_t;

mp_obj_full_type_t linear_type;

static linear_obj_t* linear_self(mp_obj_t self_in) { return MP_OBJ_TO_PTR(self_in); }

static void linear_check(int st) {
    if (st == ML_BAD_ARGUMENT) mp_raise_ValueError(MP_ERROR_TEXT("x holds NaN or infinity: features must be finite"));
    if (st == ML_OUT_OF_RANGE) mp_raise_ValueError(MP_ERROR_TEXT("the model's scores overflow float32"));
    glue_check(st);
}

// The model object over buf[0, len): a prediction view, plus a trainer when
// `file` (the object's own writable copy of buf) is given.
static mp_obj_t linear_new(mp_obj_t data, const void* buf, size_t len, uint8_t* file) {
    linear_obj_t* self = mp_obj_malloc(linear_obj_t, (mp_obj_type_t*)&linear_type);
    self->data = data;
    self->file = file;
    self->trainer = NULL;
    if (file != NULL) {
        self->trainer = m_new(ml_linear_trainer_t, 1);
        const int st = ml_linear_trainer_load(self->trainer, file, len);
        if (st != ML_OK) glue_raise_load_error(st, file, len);
        self->model = *ml_linear_trainer_model(self->trainer);  // same bytes: sees every update
    } else {
        const int st = ml_linear_load(&self->model, buf, len);
        if (st != ML_OK) glue_raise_load_error(st, buf, len);
    }
    ml_linear_info(&self->model, &self->info);
    glue_input_init(&self->input, buf, len, ML_F32, self->info.n_features);
    const int classifier = self->info.task == 1;
    self->labels = classifier ? glue_class_labels(buf, len, self->info.n_classes) : NULL;
    self->values = m_new(float, classifier ? self->info.n_classes : self->info.n_outputs);
    return MP_OBJ_FROM_PTR(self);
}

// A writable 4-byte aligned copy of n bytes.
static uint8_t* linear_copy(const void* src, size_t n) {
    uint8_t* file = (uint8_t*)m_new(uint32_t, (n + 3) / 4);  // word-aligned, as the engine reads it
    mp_fun_table.memmove_(file, src, n);
    return file;
}

static mp_obj_t linear_load(mp_obj_t data) {
    mp_buffer_info_t buf;
    mp_get_buffer_raise(data, &buf, MP_BUFFER_READ);
    if (ml_linear_is_trainable(buf.buf, buf.len)) {  // learns on its own copy of the bytes: one copy
        uint8_t* file = linear_copy(buf.buf, buf.len);
        return linear_new(mp_const_none, file, buf.len, file);
    }
    glue_model_bytes(&data, &buf);
    return linear_new(data, buf.buf, buf.len, NULL);
}
static MP_DEFINE_CONST_FUN_OBJ_1(linear_load_obj, linear_load);

// ---- models created here ---------------------------------------------------

enum { A_N_FEATURES, A_N_CLASSES, A_LOSS, A_ALPHA, A_LEARNING_RATE, A_ETA0, A_POWER_T, A_FIT_INTERCEPT, A_COUNT };
mp_arg_t classifier_args[A_COUNT];  // filled in mpy_init (qstrs are known at load); not static: bss

// The index of `name` in the space-separated `names`, or a ValueError naming `what`.
static int linear_choice(mp_obj_t name, const char* names, const char* what) {
    size_t len;
    const char* s = mp_obj_str_get_data(name, &len);
    int index = 0;
    for (const char* p = names; *p != '\0'; ++index) {
        size_t n = 0;
        while (p[n] != '\0' && p[n] != ' ') ++n;
        if (n == len) {
            size_t i = 0;
            while (i < n && p[i] == s[i]) ++i;
            if (i == n) return index;
        }
        p += n + (p[n] == ' ');
    }
    char buf[120];
    size_t pos = 0;
    glue_append_str(buf, &pos, 30, what);
    glue_append_str(buf, &pos, 50, " must be one of: ");
    glue_append_str(buf, &pos, sizeof buf, names);
    mp_raise_type_arg(&mp_type_ValueError, mp_obj_new_str(buf, pos));
}

// SGDClassifier(...) / SGDRegressor(...): a trainable model with zero weights,
// its memory all taken now. The metadata is what the converter's
// linear.new_model_metadata() writes, so the PC reads the labels.
static mp_obj_t linear_create(size_t n_args, const mp_obj_t* args, mp_map_t* kw, int classifier) {
    mp_arg_val_t v[A_COUNT];
    classifier_args[A_N_CLASSES].flags = classifier ? MP_ARG_REQUIRED | MP_ARG_OBJ : MP_ARG_KW_ONLY | MP_ARG_OBJ;
    mp_arg_parse_all(n_args, args, kw, A_COUNT, classifier_args, v);
    if (!classifier && v[A_N_CLASSES].u_obj != mp_const_none)
        mp_raise_TypeError(MP_ERROR_TEXT("SGDRegressor() takes no n_classes"));
    ml_linear_new_t spec;
    spec.n_features = glue_size_arg(v[A_N_FEATURES].u_obj, 1u << 20, "n_features");
    spec.n_classes = classifier ? glue_size_arg(v[A_N_CLASSES].u_obj, 65535, "n_classes") : 0;
    if (spec.n_features == 0) mp_raise_ValueError(MP_ERROR_TEXT("n_features must be at least 1"));
    if (classifier && spec.n_classes < 2) mp_raise_ValueError(MP_ERROR_TEXT("n_classes must be at least 2"));
    spec.loss = v[A_LOSS].u_obj == mp_const_none ? (classifier ? 0 : 2)
                                                 : linear_choice(v[A_LOSS].u_obj, "hinge log_loss squared_error modified_huber", "loss");
    if ((spec.loss == 2) == classifier)
        mp_raise_ValueError(classifier ? MP_ERROR_TEXT("SGDClassifier's loss must be hinge, log_loss or modified_huber")
                                       : MP_ERROR_TEXT("SGDRegressor's loss must be squared_error"));
    spec.learning_rate = v[A_LEARNING_RATE].u_obj == mp_const_none
                             ? (classifier ? 1 : 2)
                             : linear_choice(v[A_LEARNING_RATE].u_obj, "constant optimal invscaling", "learning_rate");
    spec.alpha = v[A_ALPHA].u_obj == mp_const_none ? 1e-4f : mp_obj_get_float_to_f(v[A_ALPHA].u_obj);
    spec.eta0 = v[A_ETA0].u_obj == mp_const_none ? 0.01f : mp_obj_get_float_to_f(v[A_ETA0].u_obj);
    spec.power_t = v[A_POWER_T].u_obj == mp_const_none ? (classifier ? 0.5f : 0.25f)
                                                       : mp_obj_get_float_to_f(v[A_POWER_T].u_obj);
    spec.fit_intercept = v[A_FIT_INTERCEPT].u_obj == mp_const_none || mp_obj_is_true(v[A_FIT_INTERCEPT].u_obj);
    // {"classes":[0,1,...],"classes_dtype":"<i8","estimator":"SGDClassifier","feature_dtype":"float32"}
    char* meta = m_new(char, 100 + 7 * (size_t)spec.n_classes);
    size_t pos = 0;
    if (classifier) {
        glue_append_str(meta, &pos, 20, "{\"classes\":[");
        for (uint32_t i = 0; i < spec.n_classes; ++i) {
            if (i != 0) meta[pos++] = ',';
            glue_append_uint(meta, &pos, i);
        }
        glue_append_str(meta, &pos, pos + 60, "],\"classes_dtype\":\"<i8\",\"estimator\":\"SGDClassifier\",");
    } else {
        glue_append_str(meta, &pos, 40, "{\"estimator\":\"SGDRegressor\",");
    }
    glue_append_str(meta, &pos, pos + 30, "\"feature_dtype\":\"float32\"}");
    spec.metadata = meta;
    spec.n_metadata = pos;
    const size_t size = ml_linear_created_size(&spec);
    if (size == 0) mp_raise_ValueError(MP_ERROR_TEXT("n_features x n_classes too large: the model would exceed 2 GB"));
    uint8_t* file = (uint8_t*)m_new(uint32_t, (size + 3) / 4);
    const int st = ml_linear_create(&spec, file, size);
    m_del(char, meta, 100 + 7 * (size_t)spec.n_classes);
    if (st == ML_BAD_PARAMETER)
        mp_raise_ValueError(MP_ERROR_TEXT("invalid SGD options: alpha must be > 0 for learning_rate='optimal' (and "
                                          "<= 1e6), eta0 > 0 for 'constant' and 'invscaling', 0 <= power_t <= 100"));
    glue_check(st);
    return linear_new(mp_const_none, file, size, file);
}

static mp_obj_t linear_sgd_classifier(size_t n_args, const mp_obj_t* args, mp_map_t* kw) {
    return linear_create(n_args, args, kw, 1);
}
static MP_DEFINE_CONST_FUN_OBJ_KW(linear_sgd_classifier_obj, 2, linear_sgd_classifier);

static mp_obj_t linear_sgd_regressor(size_t n_args, const mp_obj_t* args, mp_map_t* kw) {
    return linear_create(n_args, args, kw, 0);
}
static MP_DEFINE_CONST_FUN_OBJ_KW(linear_sgd_regressor_obj, 1, linear_sgd_regressor);

static linear_obj_t* linear_learner(mp_obj_t self_in) {
    linear_obj_t* self = linear_self(self_in);
    if (self->trainer == NULL)
        glue_raise_no_method("partial_fit(), to_bytes() and save() need a trainable model: SGDClassifier(), "
                             "SGDRegressor(), or a converted SGD model");
    return self;
}

// partial_fit(x, y): one SGD step on the sample; y is a class label
// (classifiers) or the target (regressors). Allocates nothing.
static mp_obj_t linear_partial_fit(mp_obj_t self_in, mp_obj_t x_in, mp_obj_t y_in) {
    linear_obj_t* self = linear_learner(self_in);
    const float* x = glue_input(&self->input, x_in);
    float y;
    if (self->info.task == 1) {
        uint32_t index = self->info.n_classes;
        for (uint32_t i = 0; i < self->info.n_classes && index == self->info.n_classes; ++i)
            if (mp_binary_op(MP_BINARY_OP_EQUAL, glue_class_of(self->labels, i), y_in) == mp_const_true) index = i;
        if (index == self->info.n_classes) mp_raise_ValueError(MP_ERROR_TEXT("y is not one of the model's classes"));
        y = (float)index;
    } else {
        y = mp_obj_get_float_to_f(y_in);
    }
    const int st = ml_linear_partial_fit(self->trainer, x, self->info.n_features, y);
    if (st == ML_BAD_ARGUMENT) mp_raise_ValueError(MP_ERROR_TEXT("x or y holds NaN or infinity: they must be finite"));
    if (st == ML_OUT_OF_RANGE) mp_raise_ValueError(MP_ERROR_TEXT("the weights overflow float32: lower eta0 or alpha"));
    glue_check(st);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_3(linear_partial_fit_obj, linear_partial_fit);

static mp_obj_t linear_to_bytes(mp_obj_t self_in) {
    linear_obj_t* self = linear_learner(self_in);
    ml_linear_seal(self->trainer);
    const uint32_t size = *(const uint32_t*)(self->file + 12);  // little-endian targets only, as the engine
    return mp_obj_new_bytes(self->file, size);
}
static MP_DEFINE_CONST_FUN_OBJ_1(linear_to_bytes_obj, linear_to_bytes);

// save(path): writes the .mlm file (open(path, "wb").write(...)).
static mp_obj_t linear_save(mp_obj_t self_in, mp_obj_t path) {
    const mp_obj_t bytes = linear_to_bytes(self_in);
    const mp_obj_t open_args[2] = {path, MP_OBJ_NEW_QSTR(MP_QSTR_wb)};
    const mp_obj_t f = mp_call_function_n_kw(mp_load_global(MP_QSTR_open), 2, 0, open_args);
    mp_call_function_n_kw(mp_load_attr(f, MP_QSTR_write), 1, 0, &bytes);
    mp_call_function_n_kw(mp_load_attr(f, MP_QSTR_close), 0, 0, NULL);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(linear_save_obj, linear_save);

// ---- evaluation --------------------------------------------------------------

static mp_obj_t linear_predict(size_t n_args, const mp_obj_t* args) {
    linear_obj_t* self = linear_self(args[0]);
    const float* x = glue_input(&self->input, args[1]);
    const size_t d = self->info.n_features, k = self->info.n_outputs;
    if (self->info.task == 1) {
        if (n_args > 2) mp_raise_TypeError(MP_ERROR_TEXT("predict() of a classifier takes no out array"));
        int32_t index;
        linear_check(ml_linear_predict(&self->model, x, d, self->values, k, &index));
        return glue_class_of(self->labels, index);
    }
    float* out = glue_out(n_args, args, k, self->values);
    linear_check(ml_linear_predict_values(&self->model, x, d, out, k));
    return glue_result(n_args, args, out, k);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(linear_predict_obj, 2, 3, linear_predict);

static mp_obj_t linear_decision_function(size_t n_args, const mp_obj_t* args) {
    linear_obj_t* self = linear_self(args[0]);
    const float* x = glue_input(&self->input, args[1]);
    if (self->info.task != 1) glue_raise_no_method("decision_function() needs a classifier");
    const size_t k = self->info.n_outputs;
    float* out = glue_out(n_args, args, k, self->values);
    linear_check(ml_linear_decision_function(&self->model, x, self->info.n_features, out, k));
    return glue_result(n_args, args, out, k);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(linear_decision_function_obj, 2, 3, linear_decision_function);

static mp_obj_t linear_predict_proba(size_t n_args, const mp_obj_t* args) {
    linear_obj_t* self = linear_self(args[0]);
    const float* x = glue_input(&self->input, args[1]);
    if (self->info.task != 1 || self->info.link == 0)
        glue_raise_no_method("predict_proba() needs a classifier with probabilities (log_loss, modified_huber)");
    const size_t k = self->info.n_classes;
    float* out = glue_out(n_args, args, k, self->values);
    linear_check(ml_linear_predict_proba(&self->model, x, self->info.n_features, out, k));
    return glue_result(n_args, args, out, k);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(linear_predict_proba_obj, 2, 3, linear_predict_proba);

static mp_obj_t linear_info(mp_obj_t self_in) {
    linear_obj_t* self = linear_self(self_in);
    const ml_linear_info_t* i = &self->info;
    const int classifier = i->task == 1;
    mp_obj_t d = mp_obj_new_dict(8);
    mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_n_features), mp_obj_new_int(self->input.n_inputs));
    mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_n_outputs), mp_obj_new_int(classifier ? i->n_classes : i->n_outputs));
    mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_n_classes), mp_obj_new_int(i->n_classes));
    const qstr links[5] = {MP_QSTR_identity, MP_QSTR_logistic, MP_QSTR_softmax, MP_QSTR_modified_huber, MP_QSTR_exp};
    mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_link), MP_OBJ_NEW_QSTR(links[i->link]));
    mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_task), MP_OBJ_NEW_QSTR(classifier ? MP_QSTR_classification : MP_QSTR_regression));
    mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_feature_type), MP_OBJ_NEW_QSTR(MP_QSTR_float32));
    mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_trainable), mp_obj_new_bool(self->trainer != NULL));
    if (self->trainer != NULL)
        mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_t_), mp_obj_new_float(ml_linear_trainer_t_(self->trainer)));
    if (classifier) mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_classes), glue_classes_tuple(self->labels, i->n_classes));
    return d;
}
static MP_DEFINE_CONST_FUN_OBJ_1(linear_info_obj, linear_info);

mp_map_elem_t linear_locals_table[7];
static MP_DEFINE_CONST_DICT(linear_locals, linear_locals_table);

mp_obj_t mpy_init(mp_obj_fun_bc_t* self, size_t n_args, size_t n_kw, mp_obj_t* args) {
    MP_DYNRUNTIME_INIT_ENTRY

    const qstr names[A_COUNT] = {MP_QSTR_n_features, MP_QSTR_n_classes, MP_QSTR_loss, MP_QSTR_alpha,
                                 MP_QSTR_learning_rate, MP_QSTR_eta0, MP_QSTR_power_t, MP_QSTR_fit_intercept};
    for (int i = 0; i < A_COUNT; ++i) {
        classifier_args[i].qst = names[i];
        classifier_args[i].flags = (i == A_N_FEATURES ? MP_ARG_REQUIRED : MP_ARG_KW_ONLY) | MP_ARG_OBJ;
        classifier_args[i].defval.u_obj = mp_const_none;
    }
    classifier_args[A_N_CLASSES].flags = MP_ARG_REQUIRED | MP_ARG_OBJ;

    linear_type.base.type = (void*)&mp_type_type;
    linear_type.flags = MP_TYPE_FLAG_NONE;
    linear_type.name = MP_QSTR_LinearModel;
    linear_locals_table[0] = (mp_map_elem_t){MP_OBJ_NEW_QSTR(MP_QSTR_predict), MP_OBJ_FROM_PTR(&linear_predict_obj)};
    linear_locals_table[1] = (mp_map_elem_t){MP_OBJ_NEW_QSTR(MP_QSTR_decision_function), MP_OBJ_FROM_PTR(&linear_decision_function_obj)};
    linear_locals_table[2] = (mp_map_elem_t){MP_OBJ_NEW_QSTR(MP_QSTR_predict_proba), MP_OBJ_FROM_PTR(&linear_predict_proba_obj)};
    linear_locals_table[3] = (mp_map_elem_t){MP_OBJ_NEW_QSTR(MP_QSTR_info), MP_OBJ_FROM_PTR(&linear_info_obj)};
    linear_locals_table[4] = (mp_map_elem_t){MP_OBJ_NEW_QSTR(MP_QSTR_partial_fit), MP_OBJ_FROM_PTR(&linear_partial_fit_obj)};
    linear_locals_table[5] = (mp_map_elem_t){MP_OBJ_NEW_QSTR(MP_QSTR_to_bytes), MP_OBJ_FROM_PTR(&linear_to_bytes_obj)};
    linear_locals_table[6] = (mp_map_elem_t){MP_OBJ_NEW_QSTR(MP_QSTR_save), MP_OBJ_FROM_PTR(&linear_save_obj)};
    MP_OBJ_TYPE_SET_SLOT(&linear_type, locals_dict, (void*)&linear_locals, 0);

    mp_store_global(MP_QSTR_LinearModel, MP_OBJ_FROM_PTR(&linear_type));
    mp_store_global(MP_QSTR_load, MP_OBJ_FROM_PTR(&linear_load_obj));
    mp_store_global(MP_QSTR_SGDClassifier, MP_OBJ_FROM_PTR(&linear_sgd_classifier_obj));
    mp_store_global(MP_QSTR_SGDRegressor, MP_OBJ_FROM_PTR(&linear_sgd_regressor_obj));

    MP_DYNRUNTIME_INIT_EXIT
}
