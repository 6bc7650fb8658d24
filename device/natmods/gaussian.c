// microlearn._gaussian: Gaussian models on MicroPython (dynamic native
// module): GaussianNB, GaussianMixture, BayesianGaussianMixture,
// EllipticEnvelope.
//
//   m = _gaussian.load(buf)          # validates once; a writable buf is copied
//                                    # (glue_model_bytes), a read-only one kept
//   m.predict(x)                     # class label / component / +1,-1
//   m.predict_proba(x[, out])        # class or component probabilities
//   m.score_samples(x[, out])        # mixtures: log-likelihood; envelope: -mahalanobis
//   m.decision_function(x[, out])    # envelope: score_samples - offset
// x is array('f') of n_features finite floats. predict(), and every call
// given `out`, allocate nothing; without `out`, one value comes back as a
// float and several as a new list.
// A model file that carries preprocessing (a Pipeline) imports
// microlearn._preprocess (glue.h), whose qstrs are named here, where mpy_ld
// looks for them: MP_QSTR_microlearn MP_QSTR__preprocess MP_QSTR_table MP_QSTR_PreprocessTable
#define MICROLEARN_PREPROCESS_MODULE
#define GLUE_F32_INPUT  // x is array('f') (glue.h)
#include "glue.h"

typedef struct {
    mp_obj_base_t base;
    mp_obj_t data;  // the model bytes: the view below points into them
    ml_gaussian_t model;
    ml_gaussian_info_t info;
    glue_input_t input;
    mp_obj_t* labels;  // class labels, or NULL: predict() returns the index
    float* scratch;    // n_features floats for the engine
    float* values;     // n_components floats: results without `out`
} gaussian_obj_t;

mp_obj_full_type_t gaussian_type;

static gaussian_obj_t* gaussian_self(mp_obj_t self_in) { return MP_OBJ_TO_PTR(self_in); }

static mp_obj_t gaussian_load(mp_obj_t data) {
    mp_buffer_info_t buf;
    glue_model_bytes(&data, &buf);
    gaussian_obj_t* self = mp_obj_malloc(gaussian_obj_t, (mp_obj_type_t*)&gaussian_type);
    self->data = data;
    const int st = ml_gaussian_load(&self->model, buf.buf, buf.len);
    if (st != ML_OK) glue_raise_load_error(st, buf.buf, buf.len);
    ml_gaussian_info(&self->model, &self->info);
    glue_input_init(&self->input, buf.buf, buf.len, ML_F32, self->info.n_features);
    self->labels = self->info.task == 1 ? glue_class_labels(buf.buf, buf.len, self->info.n_classes) : NULL;
    self->scratch = m_new(float, ml_gaussian_scratch_size(&self->model));
    self->values = m_new(float, self->info.n_components);
    return MP_OBJ_FROM_PTR(self);
}
static MP_DEFINE_CONST_FUN_OBJ_1(gaussian_load_obj, gaussian_load);

// Raises the error of a failed evaluation: ValueError naming the cause.
static void gaussian_check(int st) {
    if (st == ML_BAD_ARGUMENT) mp_raise_ValueError(MP_ERROR_TEXT("x holds NaN or infinity: features must be finite"));
    if (st == ML_OUT_OF_RANGE)
        mp_raise_ValueError(MP_ERROR_TEXT("x is too far from every component for float32: its log-densities overflow"));
    glue_check(st);
}

static mp_obj_t gaussian_predict(size_t n_args, const mp_obj_t* args) {
    gaussian_obj_t* self = gaussian_self(args[0]);
    const float* x = glue_input(&self->input, args[1]);
    // As every family's classifiers: `out` is for regressors' values (Gaussian models have none).
    if (n_args > 2) mp_raise_TypeError(MP_ERROR_TEXT("predict(x, out) is for regressors: this model returns a label"));
    int32_t index;
    gaussian_check(ml_gaussian_predict(&self->model, x, self->info.n_features, self->scratch, self->info.n_features,
                                       &index));
    return self->info.task == 1 ? glue_class_of(self->labels, index) : MP_OBJ_NEW_SMALL_INT(index);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(gaussian_predict_obj, 2, 3, gaussian_predict);

static mp_obj_t gaussian_predict_proba(size_t n_args, const mp_obj_t* args) {
    gaussian_obj_t* self = gaussian_self(args[0]);
    const float* x = glue_input(&self->input, args[1]);
    if (self->info.task == 2) glue_raise_no_method("predict_proba() needs a classifier or a mixture");
    const size_t n = self->info.n_components;
    float* out = glue_out(n_args, args, n, self->values);
    gaussian_check(ml_gaussian_predict_proba(&self->model, x, self->info.n_features, self->scratch,
                                             self->info.n_features, out, n));
    return glue_result(n_args, args, out, n);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(gaussian_predict_proba_obj, 2, 3, gaussian_predict_proba);

static mp_obj_t gaussian_score_samples(size_t n_args, const mp_obj_t* args) {
    gaussian_obj_t* self = gaussian_self(args[0]);
    const float* x = glue_input(&self->input, args[1]);
    if (self->info.task == 1) glue_raise_no_method("score_samples() needs a mixture or an EllipticEnvelope");
    float* out = glue_out(n_args, args, 1, self->values);
    gaussian_check(ml_gaussian_score_samples(&self->model, x, self->info.n_features, self->scratch,
                                             self->info.n_features, out));
    return glue_result(n_args, args, out, 1);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(gaussian_score_samples_obj, 2, 3, gaussian_score_samples);

static mp_obj_t gaussian_decision_function(size_t n_args, const mp_obj_t* args) {
    gaussian_obj_t* self = gaussian_self(args[0]);
    const float* x = glue_input(&self->input, args[1]);
    if (self->info.task != 2) glue_raise_no_method("decision_function() needs an EllipticEnvelope");
    float* out = glue_out(n_args, args, 1, self->values);
    gaussian_check(ml_gaussian_decision_function(&self->model, x, self->info.n_features, self->scratch,
                                                 self->info.n_features, out));
    return glue_result(n_args, args, out, 1);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(gaussian_decision_function_obj, 2, 3, gaussian_decision_function);

// info() -> dict of the model's sizes, for users and tests.
static mp_obj_t gaussian_info(mp_obj_t self_in) {
    gaussian_obj_t* self = gaussian_self(self_in);
    const ml_gaussian_info_t* i = &self->info;
    mp_obj_t d = mp_obj_new_dict(8);
    mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_n_features), mp_obj_new_int(self->input.n_inputs));
    mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_n_outputs), mp_obj_new_int(i->n_components));
    mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_n_classes), mp_obj_new_int(i->n_classes));
    mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_n_components), mp_obj_new_int(i->n_components));
    const qstr cov = i->covariance_type == 0   ? MP_QSTR_full
                     : i->covariance_type == 1 ? MP_QSTR_tied
                     : i->covariance_type == 2 ? MP_QSTR_diag
                                               : MP_QSTR_spherical;
    mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_covariance_type), MP_OBJ_NEW_QSTR(cov));
    const qstr task = i->task == 1 ? MP_QSTR_classification : i->task == 2 ? MP_QSTR_anomaly : MP_QSTR_clustering;
    mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_task), MP_OBJ_NEW_QSTR(task));
    mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_feature_type), MP_OBJ_NEW_QSTR(MP_QSTR_float32));
    if (i->task == 1) mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_classes), glue_classes_tuple(self->labels, i->n_classes));
    return d;
}
static MP_DEFINE_CONST_FUN_OBJ_1(gaussian_info_obj, gaussian_info);

mp_map_elem_t gaussian_locals_table[5];
static MP_DEFINE_CONST_DICT(gaussian_locals, gaussian_locals_table);

mp_obj_t mpy_init(mp_obj_fun_bc_t* self, size_t n_args, size_t n_kw, mp_obj_t* args) {
    MP_DYNRUNTIME_INIT_ENTRY

    gaussian_type.base.type = (void*)&mp_type_type;
    gaussian_type.flags = MP_TYPE_FLAG_NONE;
    gaussian_type.name = MP_QSTR_GaussianModel;
    gaussian_locals_table[0] = (mp_map_elem_t){MP_OBJ_NEW_QSTR(MP_QSTR_predict), MP_OBJ_FROM_PTR(&gaussian_predict_obj)};
    gaussian_locals_table[1] = (mp_map_elem_t){MP_OBJ_NEW_QSTR(MP_QSTR_predict_proba), MP_OBJ_FROM_PTR(&gaussian_predict_proba_obj)};
    gaussian_locals_table[2] = (mp_map_elem_t){MP_OBJ_NEW_QSTR(MP_QSTR_score_samples), MP_OBJ_FROM_PTR(&gaussian_score_samples_obj)};
    gaussian_locals_table[3] = (mp_map_elem_t){MP_OBJ_NEW_QSTR(MP_QSTR_decision_function), MP_OBJ_FROM_PTR(&gaussian_decision_function_obj)};
    gaussian_locals_table[4] = (mp_map_elem_t){MP_OBJ_NEW_QSTR(MP_QSTR_info), MP_OBJ_FROM_PTR(&gaussian_info_obj)};
    MP_OBJ_TYPE_SET_SLOT(&gaussian_type, locals_dict, (void*)&gaussian_locals, 0);

    mp_store_global(MP_QSTR_GaussianModel, MP_OBJ_FROM_PTR(&gaussian_type));
    mp_store_global(MP_QSTR_load, MP_OBJ_FROM_PTR(&gaussian_load_obj));

    MP_DYNRUNTIME_INIT_EXIT
}
