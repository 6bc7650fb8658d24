// microlearn._svm: kernel SVMs on MicroPython (dynamic native module): SVC,
// NuSVC, SVR, NuSVR, OneClassSVM.
//
//   m = _svm.load(buf)               # validates once; a writable buf is copied
//                                    # (glue_model_bytes), a read-only one kept
//   m.predict(x)                     # class label / +1,-1 / value (regressors)
//   m.predict(x, out)                # regressors: the value into array('f')
//   m.decision_function(x[, out])    # 'ovo' / 'ovr' decisions as fitted (not regressors)
//   m.predict_proba(x[, out])        # SVC(probability=True) only
//   m.score_samples(x[, out])        # OneClassSVM only
// x is array('f') of n_features finite floats. Classifier and OneClassSVM
// predict(), and every call given `out`, allocate nothing; without `out`,
// one value comes back as a float and several as a new list.
// A model file that carries preprocessing (a Pipeline) imports
// microlearn._preprocess (glue.h), whose qstrs are named here, where mpy_ld
// looks for them: MP_QSTR_microlearn MP_QSTR__preprocess MP_QSTR_table MP_QSTR_PreprocessTable
#define MICROLEARN_PREPROCESS_MODULE
#define GLUE_F32_INPUT  // x is array('f') (glue.h)
#include "glue.h"

typedef struct {
    mp_obj_base_t base;
    mp_obj_t data;  // the model bytes: the view below points into them
    ml_svm_t model;
    ml_svm_info_t info;
    glue_input_t input;
    mp_obj_t* labels;  // class labels, or NULL: predict() returns the index
    float* scratch;    // ml_svm_scratch_size() floats for the engine
    size_t n_scratch;
    float* values;     // results without `out`
} svm_obj_t;

mp_obj_full_type_t svm_type;

static svm_obj_t* svm_self(mp_obj_t self_in) { return MP_OBJ_TO_PTR(self_in); }

static mp_obj_t svm_load(mp_obj_t data) {
    mp_buffer_info_t buf;
    glue_model_bytes(&data, &buf);
    svm_obj_t* self = mp_obj_malloc(svm_obj_t, (mp_obj_type_t*)&svm_type);
    self->data = data;
    const int st = ml_svm_load(&self->model, buf.buf, buf.len);
    if (st != ML_OK) glue_raise_load_error(st, buf.buf, buf.len);
    ml_svm_info(&self->model, &self->info);
    glue_input_init(&self->input, buf.buf, buf.len, ML_F32, self->info.n_features);
    self->labels = self->info.task == 1 ? glue_class_labels(buf.buf, buf.len, self->info.n_classes) : NULL;
    self->n_scratch = ml_svm_scratch_size(&self->model);
    self->scratch = m_new(float, self->n_scratch);
    const size_t n_values = self->info.n_classes > self->info.n_decisions ? self->info.n_classes : self->info.n_decisions;
    self->values = m_new(float, n_values);
    return MP_OBJ_FROM_PTR(self);
}
static MP_DEFINE_CONST_FUN_OBJ_1(svm_load_obj, svm_load);

// Raises the error of a failed evaluation: ValueError naming the cause.
static void svm_check(int st) {
    if (st == ML_BAD_ARGUMENT) mp_raise_ValueError(MP_ERROR_TEXT("x holds NaN or infinity: features must be finite"));
    if (st == ML_OUT_OF_RANGE) mp_raise_ValueError(MP_ERROR_TEXT("x is too large for float32: a decision value overflows"));
    glue_check(st);
}

static mp_obj_t svm_predict(size_t n_args, const mp_obj_t* args) {
    svm_obj_t* self = svm_self(args[0]);
    const float* x = glue_input(&self->input, args[1]);
    const size_t n = self->info.n_features;
    if (self->info.task == 0) {
        float* out = glue_out(n_args, args, 1, self->values);
        svm_check(ml_svm_predict_value(&self->model, x, n, self->scratch, self->n_scratch, out));
        return glue_result(n_args, args, out, 1);
    }
    if (n_args > 2) mp_raise_TypeError(MP_ERROR_TEXT("predict(x, out) is for regressors: this model returns a label"));
    int32_t index;
    svm_check(ml_svm_predict(&self->model, x, n, self->scratch, self->n_scratch, &index));
    return self->info.task == 1 ? glue_class_of(self->labels, index) : MP_OBJ_NEW_SMALL_INT(index);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(svm_predict_obj, 2, 3, svm_predict);

static mp_obj_t svm_decision_function(size_t n_args, const mp_obj_t* args) {
    svm_obj_t* self = svm_self(args[0]);
    const float* x = glue_input(&self->input, args[1]);
    if (self->info.task == 0) glue_raise_no_method("decision_function() needs a classifier or a OneClassSVM");
    const size_t k = self->info.n_decisions;
    float* out = glue_out(n_args, args, k, self->values);
    svm_check(ml_svm_decision_function(&self->model, x, self->info.n_features, self->scratch, self->n_scratch, out, k));
    return glue_result(n_args, args, out, k);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(svm_decision_function_obj, 2, 3, svm_decision_function);

static mp_obj_t svm_predict_proba(size_t n_args, const mp_obj_t* args) {
    svm_obj_t* self = svm_self(args[0]);
    const float* x = glue_input(&self->input, args[1]);
    if (!self->info.probability) glue_raise_no_method("predict_proba() needs an SVC fitted with probability=True");
    const size_t k = self->info.n_classes;
    float* out = glue_out(n_args, args, k, self->values);
    svm_check(ml_svm_predict_proba(&self->model, x, self->info.n_features, self->scratch, self->n_scratch, out, k));
    return glue_result(n_args, args, out, k);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(svm_predict_proba_obj, 2, 3, svm_predict_proba);

static mp_obj_t svm_score_samples(size_t n_args, const mp_obj_t* args) {
    svm_obj_t* self = svm_self(args[0]);
    const float* x = glue_input(&self->input, args[1]);
    if (self->info.task != 2) glue_raise_no_method("score_samples() needs a OneClassSVM");
    float* out = glue_out(n_args, args, 1, self->values);
    svm_check(ml_svm_score_samples(&self->model, x, self->info.n_features, self->scratch, self->n_scratch, out));
    return glue_result(n_args, args, out, 1);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(svm_score_samples_obj, 2, 3, svm_score_samples);

// info() -> dict of the model's sizes, for users and tests.
static mp_obj_t svm_info(mp_obj_t self_in) {
    svm_obj_t* self = svm_self(self_in);
    const ml_svm_info_t* i = &self->info;
    mp_obj_t d = mp_obj_new_dict(9);
    mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_n_features), mp_obj_new_int(self->input.n_inputs));
    mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_n_outputs), mp_obj_new_int(i->task == 1 ? i->n_classes : 1));
    mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_n_classes), mp_obj_new_int(i->n_classes));
    mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_n_support_vectors), mp_obj_new_int(i->n_support_vectors));
    mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_n_decisions), mp_obj_new_int(i->n_decisions));
    const qstr kernel = i->kernel == 0 ? MP_QSTR_linear : i->kernel == 1 ? MP_QSTR_poly : i->kernel == 2 ? MP_QSTR_rbf : MP_QSTR_sigmoid;
    mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_kernel), MP_OBJ_NEW_QSTR(kernel));
    const qstr task = i->task == 0 ? MP_QSTR_regression : i->task == 1 ? MP_QSTR_classification : MP_QSTR_anomaly;
    mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_task), MP_OBJ_NEW_QSTR(task));
    mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_feature_type), MP_OBJ_NEW_QSTR(MP_QSTR_float32));
    if (i->task == 1) mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_classes), glue_classes_tuple(self->labels, i->n_classes));
    return d;
}
static MP_DEFINE_CONST_FUN_OBJ_1(svm_info_obj, svm_info);

mp_map_elem_t svm_locals_table[5];
static MP_DEFINE_CONST_DICT(svm_locals, svm_locals_table);

mp_obj_t mpy_init(mp_obj_fun_bc_t* self, size_t n_args, size_t n_kw, mp_obj_t* args) {
    MP_DYNRUNTIME_INIT_ENTRY

    svm_type.base.type = (void*)&mp_type_type;
    svm_type.flags = MP_TYPE_FLAG_NONE;
    svm_type.name = MP_QSTR_SvmModel;
    svm_locals_table[0] = (mp_map_elem_t){MP_OBJ_NEW_QSTR(MP_QSTR_predict), MP_OBJ_FROM_PTR(&svm_predict_obj)};
    svm_locals_table[1] = (mp_map_elem_t){MP_OBJ_NEW_QSTR(MP_QSTR_decision_function), MP_OBJ_FROM_PTR(&svm_decision_function_obj)};
    svm_locals_table[2] = (mp_map_elem_t){MP_OBJ_NEW_QSTR(MP_QSTR_predict_proba), MP_OBJ_FROM_PTR(&svm_predict_proba_obj)};
    svm_locals_table[3] = (mp_map_elem_t){MP_OBJ_NEW_QSTR(MP_QSTR_score_samples), MP_OBJ_FROM_PTR(&svm_score_samples_obj)};
    svm_locals_table[4] = (mp_map_elem_t){MP_OBJ_NEW_QSTR(MP_QSTR_info), MP_OBJ_FROM_PTR(&svm_info_obj)};
    MP_OBJ_TYPE_SET_SLOT(&svm_type, locals_dict, (void*)&svm_locals, 0);

    mp_store_global(MP_QSTR_SvmModel, MP_OBJ_FROM_PTR(&svm_type));
    mp_store_global(MP_QSTR_load, MP_OBJ_FROM_PTR(&svm_load_obj));

    MP_DYNRUNTIME_INIT_EXIT
}
