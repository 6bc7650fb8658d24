// microlearn._trees: tree ensembles on MicroPython (dynamic native module).
//
//   m = _trees.load(buf)          # validates once; a writable buf is copied
//                                 # (glue_model_bytes), a read-only one kept
//   m.predict(x)                  # class label / +1,-1 / regression value
//   m.predict(x, out)             # regression outputs into array('f')
//   m.predict_proba(x[, out])     # class probabilities into array('f')
//   m.decision_function(x[, out]) # boosting raw scores / anomaly decision
//   m.score_samples(x[, out])     # anomaly score
// x is array('f') (or array('h') for int16 models) of n_features items.
// predict() of a classifier, and every call given `out`, allocate nothing.
// Without `out`, results of several values come back as a new list.
// A model file that carries preprocessing imports microlearn._preprocess
// (glue.h), whose qstrs are named here, where mpy_ld looks for them:
// MP_QSTR_microlearn MP_QSTR__preprocess MP_QSTR_table MP_QSTR_PreprocessTable
#define MICROLEARN_PREPROCESS_MODULE
#include "glue.h"

// The outputs the engine unit computes (include/microlearn/trees.hpp): 7
// all; microlearn._trees_forest 1, forests and regressors, whose
// decision_function() and score_samples() only say what they need.
#ifndef MICROLEARN_TREES_TRANSFORMS
#define MICROLEARN_TREES_TRANSFORMS 7
#endif

typedef struct {
    mp_obj_base_t base;
    mp_obj_t data;  // the model bytes: the view below points into them
    ml_trees_t model;
    ml_trees_info_t info;
    glue_input_t input;
    mp_obj_t* labels;  // class labels, or NULL: predict() returns the class index
    float* scratch;  // n_outputs floats for predict()
    int32_t* keys;   // the input's split keys (packed models; soft-float deep refs-layout forests)
} trees_obj_t;

mp_obj_full_type_t trees_type;

static trees_obj_t* trees_self(mp_obj_t self_in) { return MP_OBJ_TO_PTR(self_in); }

static const void* trees_input(trees_obj_t* self, mp_obj_t x) { return glue_input(&self->input, x); }

// A prediction's status. ML_BAD_ARGUMENT: x (of the right type and length) holds a value the model
// refuses, as scikit-learn does (+-inf; NaN too for GradientBoosting: trees.hpp's flag_refuses_*).
static void trees_check(int st) {
    if (st == ML_BAD_ARGUMENT) mp_raise_ValueError(MP_ERROR_TEXT("x holds an infinity or NaN this model refuses "
                                                                 "(as scikit-learn does)"));
    glue_check(st);
}

static mp_obj_t trees_load(mp_obj_t data) {
    mp_buffer_info_t buf;
    glue_model_bytes(&data, &buf);
    trees_obj_t* self = mp_obj_malloc(trees_obj_t, (mp_obj_type_t*)&trees_type);
    self->data = data;
    const int st = ml_trees_load(&self->model, buf.buf, buf.len);
    if (st != ML_OK) glue_raise_load_error(st, buf.buf, buf.len);
    ml_trees_info(&self->model, &self->info);
    glue_input_init(&self->input, buf.buf, buf.len, self->info.feature_type, self->info.n_features);
    self->labels = self->info.task == 1 ? glue_class_labels(buf.buf, buf.len, self->info.n_classes) : NULL;
    self->scratch = m_new(float, self->info.n_outputs > self->info.n_classes ? self->info.n_outputs
                                                                              : self->info.n_classes);
    const size_t n_keys = ml_trees_key_buffer_size(&self->model);
    self->keys = n_keys ? m_new(int32_t, n_keys) : NULL;
    if (n_keys) ml_trees_attach_key_buffer(&self->model, self->keys, n_keys);
    return MP_OBJ_FROM_PTR(self);
}
static MP_DEFINE_CONST_FUN_OBJ_1(trees_load_obj, trees_load);

static mp_obj_t trees_predict(size_t n_args, const mp_obj_t* args) {
    trees_obj_t* self = trees_self(args[0]);
    const void* x = trees_input(self, args[1]);
    const ml_trees_info_t* info = &self->info;
    if (info->task != 0) {  // classifier or anomaly detector: one label
        if (n_args > 2)
            mp_raise_TypeError(MP_ERROR_TEXT("predict(x, out) is for regressors: a classifier returns its label; "
                                             "use predict_proba(x, out) for probabilities"));
        int32_t index;
        trees_check(ml_trees_predict_class(&self->model, x, info->feature_type, info->n_features,
                                          self->scratch, info->n_outputs, &index));
        return info->task == 1 ? glue_class_of(self->labels, index) : MP_OBJ_NEW_SMALL_INT(index);
    }
    float* out = glue_out(n_args, args, info->n_outputs, self->scratch);
    trees_check(ml_trees_raw_scores(&self->model, x, info->feature_type, info->n_features, out,
                                   info->n_outputs));
    if (n_args > 2) return args[2];
    if (info->n_outputs != 1)
        mp_raise_ValueError(MP_ERROR_TEXT("multi-output model: pass out=array('f', n_outputs)"));
    return mp_obj_new_float(out[0]);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(trees_predict_obj, 2, 3, trees_predict);

static mp_obj_t trees_predict_proba(size_t n_args, const mp_obj_t* args) {
    trees_obj_t* self = trees_self(args[0]);
    const void* x = trees_input(self, args[1]);
    if (self->info.task != 1) glue_raise_no_method("predict_proba() needs a classifier");
    // Without out: the probabilities go through scratch (n_outputs == n_classes for forests
    // and softmax; the logistic case writes 2 values, so scratch has room for n_classes).
    float* out = glue_out(n_args, args, self->info.n_classes, self->scratch);
    trees_check(ml_trees_predict_proba(&self->model, x, self->info.feature_type, self->info.n_features,
                                      out, self->info.n_classes));
    return n_args > 2 ? args[2] : glue_result(n_args, args, out, self->info.n_classes);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(trees_predict_proba_obj, 2, 3, trees_predict_proba);

#define TREES_NO_DECISION "decision_function() needs a boosting classifier or an anomaly detector"
static mp_obj_t trees_decision_function(size_t n_args, const mp_obj_t* args) {
    trees_obj_t* self = trees_self(args[0]);
    const void* x = trees_input(self, args[1]);
#if MICROLEARN_TREES_TRANSFORMS & 6  // boosting or anomaly scores: the engine knows which the model has
    const size_t n = self->info.task == 2 ? 1 : self->info.n_outputs;
    float* out = glue_out(n_args, args, n, self->scratch);
    const int st = ml_trees_decision_function(&self->model, x, self->info.feature_type,
                                              self->info.n_features, out, n);
    if (st == ML_UNSUPPORTED_KIND) glue_raise_no_method(TREES_NO_DECISION);
    trees_check(st);
    return glue_result(n_args, args, out, n);
#else
    (void)x;
    glue_raise_no_method(TREES_NO_DECISION);
    return mp_const_none;
#endif
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(trees_decision_function_obj, 2, 3, trees_decision_function);

static mp_obj_t trees_score_samples(size_t n_args, const mp_obj_t* args) {
    trees_obj_t* self = trees_self(args[0]);
    const void* x = trees_input(self, args[1]);
    if (!(MICROLEARN_TREES_TRANSFORMS & 4) || self->info.task != 2)
        glue_raise_no_method("score_samples() needs an anomaly detector");
#if MICROLEARN_TREES_TRANSFORMS & 4
    float* out = glue_out(n_args, args, 1, self->scratch);
    trees_check(ml_trees_score_samples(&self->model, x, self->info.feature_type, self->info.n_features, out));
    return glue_result(n_args, args, out, 1);
#else
    (void)x;
    return mp_const_none;
#endif
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(trees_score_samples_obj, 2, 3, trees_score_samples);

// info() -> dict of the model's sizes, for users and tests.
static mp_obj_t trees_info(mp_obj_t self_in) {
    const ml_trees_info_t* i = &trees_self(self_in)->info;
    mp_obj_t d = mp_obj_new_dict(8);
    const qstr keys[] = {MP_QSTR_n_features, MP_QSTR_n_outputs, MP_QSTR_n_classes, MP_QSTR_n_trees, MP_QSTR_n_nodes,
                         MP_QSTR_n_leaves};
    const uint32_t values[] = {trees_self(self_in)->input.n_inputs, i->n_outputs, i->n_classes, i->n_trees,
                               i->n_nodes, i->n_leaves};
    glue_store_sizes(d, keys, values, 6);
    const qstr task = i->task == 0 ? MP_QSTR_regression : i->task == 1 ? MP_QSTR_classification : MP_QSTR_anomaly;
    mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_task), MP_OBJ_NEW_QSTR(task));
    mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_feature_type),
                      MP_OBJ_NEW_QSTR(i->feature_type == ML_F32 ? MP_QSTR_float32 : MP_QSTR_int16));
    if (i->task == 1)
        mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_classes),
                          glue_classes_tuple(trees_self(self_in)->labels, i->n_classes));
    return d;
}
static MP_DEFINE_CONST_FUN_OBJ_1(trees_info_obj, trees_info);

mp_map_elem_t trees_locals_table[5];
static MP_DEFINE_CONST_DICT(trees_locals, trees_locals_table);

mp_obj_t mpy_init(mp_obj_fun_bc_t* self, size_t n_args, size_t n_kw, mp_obj_t* args) {
    MP_DYNRUNTIME_INIT_ENTRY

    trees_type.base.type = (void*)&mp_type_type;
    trees_type.flags = MP_TYPE_FLAG_NONE;
    trees_type.name = MP_QSTR_TreeEnsemble;
    trees_locals_table[0] = (mp_map_elem_t){MP_OBJ_NEW_QSTR(MP_QSTR_predict), MP_OBJ_FROM_PTR(&trees_predict_obj)};
    trees_locals_table[1] = (mp_map_elem_t){MP_OBJ_NEW_QSTR(MP_QSTR_predict_proba), MP_OBJ_FROM_PTR(&trees_predict_proba_obj)};
    trees_locals_table[2] = (mp_map_elem_t){MP_OBJ_NEW_QSTR(MP_QSTR_decision_function), MP_OBJ_FROM_PTR(&trees_decision_function_obj)};
    trees_locals_table[3] = (mp_map_elem_t){MP_OBJ_NEW_QSTR(MP_QSTR_score_samples), MP_OBJ_FROM_PTR(&trees_score_samples_obj)};
    trees_locals_table[4] = (mp_map_elem_t){MP_OBJ_NEW_QSTR(MP_QSTR_info), MP_OBJ_FROM_PTR(&trees_info_obj)};
    MP_OBJ_TYPE_SET_SLOT(&trees_type, locals_dict, (void*)&trees_locals, 0);

    mp_store_global(MP_QSTR_TreeEnsemble, MP_OBJ_FROM_PTR(&trees_type));
    mp_store_global(MP_QSTR_load, MP_OBJ_FROM_PTR(&trees_load_obj));

    MP_DYNRUNTIME_INIT_EXIT
}
