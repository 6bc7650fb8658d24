// microlearn._neighbors: neighbour and centroid models on MicroPython
// (dynamic native module): KNeighborsClassifier/Regressor, NearestCentroid,
// KMeans/MiniBatchKMeans, LocalOutlierFactor(novelty=True).
//
//   m = _neighbors.load(buf)          # validates once; a writable buf is copied
//                                     # (glue_model_bytes), a read-only one kept
//   m.predict(x[, out])               # class label / cluster / +1,-1; regressors:
//                                     # a float, or out[n_outputs]
//   m.predict_proba(x[, out])         # k-NN classifiers: vote shares
//   m.transform(x[, out])             # KMeans: distances to the centres
//   m.score_samples(x[, out])         # LOF: minus the local outlier factor
//   m.decision_function(x[, out])     # LOF: score_samples - offset
//   m.kneighbors(x, distances, indices)  # k-NN, LOF: the k nearest samples
//
//   km = _neighbors.kmeans(k, n_features)  # k-means learned here (memory fixed now)
//   km.fit(X[, max_iter[, init]])     # Lloyd's algorithm; -> iterations
//   km.partial_fit(x)                 # one online step; -> the centre moved
//   km.to_bytes()                     # the .mlm file, for microlearn.load() on the PC
//   kn = _neighbors.knn(capacity, n_features, n_classes, k[, 'f'|'h'[, distance]])
//   kn.add(x, label); kn.remove(i)    # -> samples held; kn.to_bytes() as above
// x is array('f') (or array('h') for int16 models) of n_features values.
// predict(), and every call given `out`, allocate nothing (the search's
// scratch is allocated at load); without `out`, one value comes back as a
// float and several as a new list.
// A model file that carries preprocessing (a Pipeline) imports
// microlearn._preprocess (glue.h), whose qstrs are named here, where mpy_ld
// looks for them: MP_QSTR_microlearn MP_QSTR__preprocess MP_QSTR_table MP_QSTR_PreprocessTable
#define MICROLEARN_PREPROCESS_MODULE
#include "glue.h"

typedef struct {
    mp_obj_base_t base;
    mp_obj_t data;  // the model bytes: the view below points into them
    ml_neighbors_t model;
    ml_neighbors_info_t info;
    glue_input_t input;
    mp_obj_t* labels;   // class labels, or NULL: predict() returns the index
    uint64_t* scratch;  // the engine's search scratch
    size_t n_scratch;
    float* values;      // results without `out`
    size_t n_values;
    int learner;        // 0 a loaded model, LEARNER_KMEANS (kmeans()), LEARNER_KNN (knn())
    uint8_t* file;      // learners: the model's own writable bytes (a valid .mlm file); NULL for loaded models
    size_t file_size;
    float* sums;        // learners: Lloyd's per-centre sums (k x n_features)
    uint32_t* counts;   // learners: rows per centre (the last fit's, then partial_fit's)
} neighbors_obj_t;

enum { LEARNER_KMEANS = 1, LEARNER_KNN = 2 };

mp_obj_full_type_t neighbors_type;

static neighbors_obj_t* neighbors_self(mp_obj_t self_in) { return MP_OBJ_TO_PTR(self_in); }

// Raises the error of a failed evaluation, naming the cause.
static void neighbors_check(int st) {
    if (st == ML_BAD_ARGUMENT)
        mp_raise_ValueError(MP_ERROR_TEXT("x holds NaN or infinity (or its norm overflows): features must be finite"));
    if (st == ML_OUT_OF_RANGE)
        mp_raise_ValueError(MP_ERROR_TEXT("x is too far from the stored points: its distances overflow float32"));
    glue_check(st);
}

// A model object over the bytes buf[0, len) (kept alive by `data` or `file`).
static neighbors_obj_t* neighbors_new(mp_obj_t data, const void* buf, size_t len) {
    neighbors_obj_t* self = mp_obj_malloc(neighbors_obj_t, (mp_obj_type_t*)&neighbors_type);
    self->data = data;
    self->learner = 0;
    self->file = NULL;
    self->sums = NULL;
    self->counts = NULL;
    const int st = ml_neighbors_load(&self->model, buf, len);
    if (st != ML_OK) glue_raise_load_error(st, buf, len);
    const ml_neighbors_info_t* i = &self->info;
    ml_neighbors_info(&self->model, &self->info);
    glue_input_init(&self->input, buf, len, i->feature_type, i->n_features);
    self->labels = i->task == 1 ? glue_class_labels(buf, len, i->n_classes) : NULL;
    self->n_scratch = ml_neighbors_scratch_size(&self->model);
    self->scratch = m_new(uint64_t, self->n_scratch);
    size_t n = i->n_classes > i->n_outputs ? i->n_classes : i->n_outputs;
    if (i->task == 3) n = i->n_points;
    self->n_values = n > 0 ? n : 1;
    self->values = m_new(float, self->n_values);
    return self;
}

static mp_obj_t neighbors_load(mp_obj_t data) {
    mp_buffer_info_t buf;
    glue_model_bytes(&data, &buf);
    return MP_OBJ_FROM_PTR(neighbors_new(data, buf.buf, buf.len));
}
static MP_DEFINE_CONST_FUN_OBJ_1(neighbors_load_obj, neighbors_load);

// A learner's file: size bytes, 4-byte aligned (0: its sizes are too large).
static uint8_t* neighbors_new_file(size_t size) {
    if (size == 0) mp_raise_ValueError(MP_ERROR_TEXT("too many points x n_features: the model would exceed 2 GB"));
    return (uint8_t*)m_new(uint32_t, (size + 3) / 4);
}

// kmeans(k, n_features): a KMeans model learned here, all its memory taken
// now: its .mlm bytes (k zero centres), Lloyd's sums, the counts.
static mp_obj_t neighbors_kmeans(mp_obj_t k_in, mp_obj_t d_in) {
    const size_t k = glue_size_arg(k_in, 65535, "k"), d = glue_size_arg(d_in, 65535, "n_features");
    if (k == 0 || d == 0) mp_raise_ValueError(MP_ERROR_TEXT("k and n_features must be at least 1"));
    const size_t size = ml_neighbors_kmeans_file_size(k, d);
    uint8_t* file = neighbors_new_file(size);
    glue_check(ml_neighbors_write_kmeans_file(file, size, k, d));
    neighbors_obj_t* self = neighbors_new(mp_const_none, file, size);
    self->learner = LEARNER_KMEANS;
    self->file = file;
    self->file_size = size;
    self->sums = m_new(float, k * d);
    self->counts = m_new(uint32_t, k);
    for (size_t c = 0; c < k; ++c) self->counts[c] = 0;
    return MP_OBJ_FROM_PTR(self);
}
static MP_DEFINE_CONST_FUN_OBJ_2(neighbors_kmeans_obj, neighbors_kmeans);

static neighbors_obj_t* neighbors_learner(mp_obj_t self_in) {
    neighbors_obj_t* self = neighbors_self(self_in);
    if (self->learner != LEARNER_KMEANS)
        glue_raise_no_method("fit() and partial_fit() need a model made by kmeans(k, n_features)");
    return self;
}

// knn(capacity, n_features, n_classes, k[, typecode[, distance]]): a k-NN
// classifier (euclidean) learned here from samples added one by one; all its
// memory (room for `capacity` samples) is taken now. typecode 'f' (float32,
// default) or 'h' (int16 samples); distance: weights='distance'.
static mp_obj_t neighbors_knn(size_t n_args, const mp_obj_t* args) {
    const size_t capacity = glue_size_arg(args[0], 65535, "capacity"), d = glue_size_arg(args[1], 65535, "n_features");
    const size_t n_classes = glue_size_arg(args[2], 65535, "n_classes"), k = glue_size_arg(args[3], 65535, "k");
    int type = ML_F32;
    if (n_args > 4) {
        const char* tc = mp_obj_str_get_str(args[4]);
        if ((tc[0] != 'f' && tc[0] != 'h') || tc[1] != 0) mp_raise_ValueError(MP_ERROR_TEXT("typecode must be 'f' or 'h'"));
        type = tc[0] == 'h' ? ML_I16 : ML_F32;
    }
    const int distance = n_args > 5 && mp_obj_is_true(args[5]);
    if (d == 0 || n_classes == 0 || k == 0 || k > capacity)
        mp_raise_ValueError(MP_ERROR_TEXT("knn() needs capacity >= k >= 1, n_features >= 1 and n_classes >= 1"));
    const size_t size = ml_neighbors_knn_file_size(capacity, d, n_classes, type);
    uint8_t* file = neighbors_new_file(size);
    glue_check(ml_neighbors_write_knn_file(file, size, capacity, d, n_classes, k, distance, type));
    neighbors_obj_t* self = mp_obj_malloc(neighbors_obj_t, (mp_obj_type_t*)&neighbors_type);
    self->data = mp_const_none;
    self->learner = LEARNER_KNN;
    self->file = file;
    self->file_size = size;
    self->sums = NULL;
    self->counts = NULL;
    ml_neighbors_info_t* i = &self->info;
    i->n_features = d, i->n_points = 0, i->n_classes = n_classes, i->n_outputs = 0, i->n_neighbors = k;
    i->task = 1, i->estimator = 0, i->metric = 0, i->distance_weights = distance, i->feature_type = type, i->p = 2.0f;
    i->has_proba = 1, i->decision_width = 0;
    glue_input_init(&self->input, file, size, type, d);
    self->labels = NULL;
    self->n_scratch = ml_neighbors_knn_scratch_size(k, d, n_classes);
    self->scratch = m_new(uint64_t, self->n_scratch);
    self->n_values = n_classes;
    self->values = m_new(float, n_classes);
    return MP_OBJ_FROM_PTR(self);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(neighbors_knn_obj, 4, 6, neighbors_knn);

static neighbors_obj_t* neighbors_knn_learner(mp_obj_t self_in) {
    neighbors_obj_t* self = neighbors_self(self_in);
    if (self->learner != LEARNER_KNN) glue_raise_no_method("add() and remove() need a model made by knn(...)");
    return self;
}

// After a change: the model over the file's samples (once there are k).
static mp_obj_t neighbors_knn_changed(neighbors_obj_t* self, int delta) {
    self->info.n_points += delta;
    if (self->info.n_points >= self->info.n_neighbors)
        glue_check(ml_neighbors_knn_sync(&self->model, self->file, self->file_size));
    return MP_OBJ_NEW_SMALL_INT(self->info.n_points);
}

// add(x, label) -> samples held. Allocates nothing.
static mp_obj_t neighbors_add(mp_obj_t self_in, mp_obj_t x_in, mp_obj_t label_in) {
    neighbors_obj_t* self = neighbors_knn_learner(self_in);
    const void* x = glue_input(&self->input, x_in);
    const size_t label = glue_size_arg(label_in, 65535, "label");
    const int st = ml_neighbors_knn_add(self->file, self->file_size, x, self->info.feature_type, label);
    if (st == ML_OUT_OF_RANGE)
        glue_raise_counts(&mp_type_ValueError, "label must be below n_classes (", self->info.n_classes, "), got ", label, "");
    if (st == ML_SIZE_MISMATCH)
        glue_raise_counts(&mp_type_ValueError, "the model is full: it holds ", self->info.n_points, " samples", 0, NULL);
    neighbors_check(st);
    return neighbors_knn_changed(self, 1);
}
static MP_DEFINE_CONST_FUN_OBJ_3(neighbors_add_obj, neighbors_add);

// remove(index) -> samples held; later samples move down one place.
static mp_obj_t neighbors_remove(mp_obj_t self_in, mp_obj_t index_in) {
    neighbors_obj_t* self = neighbors_knn_learner(self_in);
    const size_t index = glue_size_arg(index_in, 65535, "index");
    const int st = ml_neighbors_knn_remove(self->file, self->file_size, index);
    if (st == ML_OUT_OF_RANGE)
        glue_raise_counts(&mp_type_IndexError, "no sample ", index, ": the model holds ", self->info.n_points, "");
    neighbors_check(st);
    return neighbors_knn_changed(self, -1);
}
static MP_DEFINE_CONST_FUN_OBJ_2(neighbors_remove_obj, neighbors_remove);

// A k-NN learner with fewer than k samples cannot predict yet.
static void neighbors_ready(neighbors_obj_t* self) {
    if (self->learner == LEARNER_KNN && self->info.n_points < self->info.n_neighbors)
        glue_raise_counts(&mp_type_ValueError, "the model holds ", self->info.n_points, " samples; it needs k = ",
                          self->info.n_neighbors, "");
}

// The centres inside the learner's file (its last section).
static float* neighbors_centres(neighbors_obj_t* self) {
    return (float*)(self->file + self->file_size - 4 * (size_t)self->info.n_points * self->info.n_features);
}

// fit(X[, max_iter[, init]]) -> iterations: Lloyd's algorithm on the rows of
// X (array('f') of n x n_features), from init (array('f') of k x n_features)
// or the first k rows of X. Allocates nothing.
static mp_obj_t neighbors_fit(size_t n_args, const mp_obj_t* args) {
    neighbors_obj_t* self = neighbors_learner(args[0]);
    const size_t k = self->info.n_points, d = self->info.n_features;
    size_t n_values;
    const float* X = glue_get_array(args[1], 'f', MP_BUFFER_READ, "X", &n_values);
    const size_t n = n_values / d;
    if (n * d != n_values) glue_raise_counts(&mp_type_ValueError, "X must hold rows of ", d, " features, got ", n_values, " values");
    const size_t max_iter = n_args > 2 ? glue_size_arg(args[2], 0x7FFFFFFF, "max_iter") : 300;
    const float* init = X;
    if (n_args > 3) {
        size_t n_init;
        init = glue_get_array(args[3], 'f', MP_BUFFER_READ, "init", &n_init);
        if (n_init != k * d) glue_raise_counts(&mp_type_ValueError, "init must hold ", k * d, " values, got ", n_init, "");
    } else if (n < k) {
        glue_raise_counts(&mp_type_ValueError, "fit() without init needs at least ", k, " rows, got ", n, "");
    }
    float* centres = neighbors_centres(self);
    for (size_t i = 0; i < k * d; ++i) {
        const uint32_t bits = ((const uint32_t*)init)[i];
        if ((bits & 0x7F800000u) == 0x7F800000u) mp_raise_ValueError(MP_ERROR_TEXT("init holds NaN or infinity"));
    }
    for (size_t i = 0; i < k * d; ++i) self->sums[i] = centres[i], centres[i] = init[i];  // the old ones kept
    uint32_t n_iter = 0;
    const int st = ml_neighbors_kmeans_lloyd(&self->model, self->file, self->file_size, X, n, max_iter, self->scratch,
                                             self->n_scratch, self->sums, self->counts, &n_iter);
    if (st == ML_BAD_ARGUMENT)  // a row of X refused before any step (sums untouched): the centres as they were
        for (size_t i = 0; i < k * d; ++i) centres[i] = self->sums[i];
    if (st == ML_OUT_OF_RANGE) mp_raise_ValueError(MP_ERROR_TEXT("a centre's sum overflows float32"));
    neighbors_check(st);
    return mp_obj_new_int(n_iter);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(neighbors_fit_obj, 2, 4, neighbors_fit);

// partial_fit(x) -> the centre x moved: one online step.
static mp_obj_t neighbors_partial_fit(mp_obj_t self_in, mp_obj_t x_in) {
    neighbors_obj_t* self = neighbors_learner(self_in);
    const float* x = glue_input(&self->input, x_in);
    int32_t assigned;
    const int st = ml_neighbors_kmeans_partial_fit(&self->model, self->file, self->file_size, self->counts, x,
                                                   self->info.n_features, self->scratch, self->n_scratch, &assigned);
    if (st == ML_OUT_OF_RANGE) mp_raise_ValueError(MP_ERROR_TEXT("the centre would overflow float32"));
    neighbors_check(st);
    return MP_OBJ_NEW_SMALL_INT(assigned);
}
static MP_DEFINE_CONST_FUN_OBJ_2(neighbors_partial_fit_obj, neighbors_partial_fit);

// to_bytes() -> the learner's .mlm file (a new bytes object): save it, or
// load it on the PC with microlearn.load().
static mp_obj_t neighbors_to_bytes(mp_obj_t self_in) {
    neighbors_obj_t* self = neighbors_self(self_in);
    if (self->file == NULL) glue_raise_no_method("to_bytes() needs a model made by kmeans() or knn()");
    ml_neighbors_refresh_checksum(self->file, self->file_size);  // add() and remove() leave it stale
    return mp_obj_new_bytes(self->file, self->file_size);
}
static MP_DEFINE_CONST_FUN_OBJ_1(neighbors_to_bytes_obj, neighbors_to_bytes);

#define NEIGHBORS_CALL(self, x) &(self)->model, x, (self)->info.feature_type, (self)->info.n_features, \
    (self)->scratch, (self)->n_scratch

static mp_obj_t neighbors_predict(size_t n_args, const mp_obj_t* args) {
    neighbors_obj_t* self = neighbors_self(args[0]);
    neighbors_ready(self);
    const void* x = glue_input(&self->input, args[1]);
    const ml_neighbors_info_t* i = &self->info;
    if (i->task != 0) {
        if (n_args > 2)
            mp_raise_TypeError(MP_ERROR_TEXT("predict(x, out) is for regressors: this model returns a label"));
        int32_t index;
        neighbors_check(ml_neighbors_predict(NEIGHBORS_CALL(self, x), &index));
        return i->task == 1 ? glue_class_of(self->labels, index) : MP_OBJ_NEW_SMALL_INT(index);
    }
    if (n_args <= 2 && i->n_outputs != 1)
        mp_raise_ValueError(MP_ERROR_TEXT("multi-output model: pass out=array('f', n_outputs)"));
    float* out = glue_out(n_args, args, i->n_outputs, self->values);
    neighbors_check(ml_neighbors_predict_values(NEIGHBORS_CALL(self, x), out, i->n_outputs));
    return glue_result(n_args, args, out, i->n_outputs);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(neighbors_predict_obj, 2, 3, neighbors_predict);

static mp_obj_t neighbors_predict_proba(size_t n_args, const mp_obj_t* args) {
    neighbors_obj_t* self = neighbors_self(args[0]);
    neighbors_ready(self);
    const void* x = glue_input(&self->input, args[1]);
    if (!self->info.has_proba)
        glue_raise_no_method("predict_proba() needs a k-neighbours classifier or a euclidean NearestCentroid");
    const size_t n = self->info.n_classes;
    float* out = glue_out(n_args, args, n, self->values);
    neighbors_check(ml_neighbors_predict_proba(NEIGHBORS_CALL(self, x), out, n));
    return glue_result(n_args, args, out, n);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(neighbors_predict_proba_obj, 2, 3, neighbors_predict_proba);

static mp_obj_t neighbors_transform(size_t n_args, const mp_obj_t* args) {
    neighbors_obj_t* self = neighbors_self(args[0]);
    const void* x = glue_input(&self->input, args[1]);
    if (self->info.task != 3) glue_raise_no_method("transform() needs a KMeans model");
    const size_t n = self->info.n_points;
    float* out = glue_out(n_args, args, n, self->values);
    neighbors_check(ml_neighbors_transform(NEIGHBORS_CALL(self, x), out, n));
    return glue_result(n_args, args, out, n);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(neighbors_transform_obj, 2, 3, neighbors_transform);

static mp_obj_t neighbors_score_samples(size_t n_args, const mp_obj_t* args) {
    neighbors_obj_t* self = neighbors_self(args[0]);
    const void* x = glue_input(&self->input, args[1]);
    if (self->info.task != 2) glue_raise_no_method("score_samples() needs a LocalOutlierFactor");
    float* out = glue_out(n_args, args, 1, self->values);
    neighbors_check(ml_neighbors_score_samples(NEIGHBORS_CALL(self, x), out));
    return glue_result(n_args, args, out, 1);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(neighbors_score_samples_obj, 2, 3, neighbors_score_samples);

static mp_obj_t neighbors_decision_function(size_t n_args, const mp_obj_t* args) {
    neighbors_obj_t* self = neighbors_self(args[0]);
    const void* x = glue_input(&self->input, args[1]);
    const size_t n = self->info.decision_width;
    if (n == 0) glue_raise_no_method("decision_function() needs a LocalOutlierFactor or a euclidean NearestCentroid");
    float* out = glue_out(n_args, args, n, self->values);
    neighbors_check(ml_neighbors_decision_function(NEIGHBORS_CALL(self, x), out, n));
    return glue_result(n_args, args, out, n);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(neighbors_decision_function_obj, 2, 3, neighbors_decision_function);

// kneighbors(x, distances, indices): array('f') and array('i') of at least k
// items get the k nearest samples, nearest first; returns k.
static mp_obj_t neighbors_kneighbors(size_t n_args, const mp_obj_t* args) {
    (void)n_args;
    neighbors_obj_t* self = neighbors_self(args[0]);
    neighbors_ready(self);
    const void* x = glue_input(&self->input, args[1]);
    if (self->info.estimator != 0 && self->info.estimator != 3)
        glue_raise_no_method("kneighbors() needs a k-neighbours model or a LocalOutlierFactor");
    const size_t k = self->info.n_neighbors;
    float* distances = glue_get_out(args[2], k);
    mp_buffer_info_t buf;
    if (!mp_get_buffer(args[3], &buf, MP_BUFFER_WRITE) || (buf.typecode != 'i' && buf.typecode != 'l'))
        mp_raise_TypeError(MP_ERROR_TEXT("indices must be an int32 array: array('i', ...)"));
    if ((buf.len >> 2) < k) glue_raise_counts(&mp_type_ValueError, "indices must hold at least ", k, " items", 0, NULL);
    neighbors_check(ml_neighbors_kneighbors(NEIGHBORS_CALL(self, x), distances, (int32_t*)buf.buf, k));
    return MP_OBJ_NEW_SMALL_INT(k);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(neighbors_kneighbors_obj, 4, 4, neighbors_kneighbors);

// info() -> dict of the model's sizes, for users and tests.
static mp_obj_t neighbors_info(mp_obj_t self_in) {
    neighbors_obj_t* self = neighbors_self(self_in);
    const ml_neighbors_info_t* i = &self->info;
    mp_obj_t d = mp_obj_new_dict(10);
    const size_t n_outputs = i->task == 0 ? i->n_outputs : i->task == 2 ? 1 : i->task == 1 ? i->n_classes : i->n_points;
    mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_n_features), mp_obj_new_int(self->input.n_inputs));
    mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_n_outputs), mp_obj_new_int(n_outputs));
    mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_n_classes), mp_obj_new_int(i->n_classes));
    mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_n_points), mp_obj_new_int(i->n_points));
    mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_n_neighbors), mp_obj_new_int(i->n_neighbors));
    const qstr task = i->task == 0   ? MP_QSTR_regression
                      : i->task == 1 ? MP_QSTR_classification
                      : i->task == 2 ? MP_QSTR_anomaly
                                     : MP_QSTR_clustering;
    mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_task), MP_OBJ_NEW_QSTR(task));
    const qstr metric = i->metric == 0   ? MP_QSTR_euclidean
                        : i->metric == 1 ? MP_QSTR_manhattan
                        : i->metric == 2 ? MP_QSTR_chebyshev
                        : i->metric == 3 ? MP_QSTR_minkowski
                                         : MP_QSTR_cosine;
    mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_metric), MP_OBJ_NEW_QSTR(metric));
    mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_weights),
                      MP_OBJ_NEW_QSTR(i->distance_weights ? MP_QSTR_distance : MP_QSTR_uniform));
    mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_feature_type),
                      MP_OBJ_NEW_QSTR(i->feature_type == ML_I16 ? MP_QSTR_int16 : MP_QSTR_float32));
    if (i->task == 1) mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(MP_QSTR_classes), glue_classes_tuple(self->labels, i->n_classes));
    return d;
}
static MP_DEFINE_CONST_FUN_OBJ_1(neighbors_info_obj, neighbors_info);

mp_map_elem_t neighbors_locals_table[12];
static MP_DEFINE_CONST_DICT(neighbors_locals, neighbors_locals_table);

mp_obj_t mpy_init(mp_obj_fun_bc_t* self, size_t n_args, size_t n_kw, mp_obj_t* args) {
    MP_DYNRUNTIME_INIT_ENTRY

    neighbors_type.base.type = (void*)&mp_type_type;
    neighbors_type.flags = MP_TYPE_FLAG_NONE;
    neighbors_type.name = MP_QSTR_NeighborsModel;
    neighbors_locals_table[0] = (mp_map_elem_t){MP_OBJ_NEW_QSTR(MP_QSTR_predict), MP_OBJ_FROM_PTR(&neighbors_predict_obj)};
    neighbors_locals_table[1] = (mp_map_elem_t){MP_OBJ_NEW_QSTR(MP_QSTR_predict_proba), MP_OBJ_FROM_PTR(&neighbors_predict_proba_obj)};
    neighbors_locals_table[2] = (mp_map_elem_t){MP_OBJ_NEW_QSTR(MP_QSTR_transform), MP_OBJ_FROM_PTR(&neighbors_transform_obj)};
    neighbors_locals_table[3] = (mp_map_elem_t){MP_OBJ_NEW_QSTR(MP_QSTR_score_samples), MP_OBJ_FROM_PTR(&neighbors_score_samples_obj)};
    neighbors_locals_table[4] = (mp_map_elem_t){MP_OBJ_NEW_QSTR(MP_QSTR_decision_function), MP_OBJ_FROM_PTR(&neighbors_decision_function_obj)};
    neighbors_locals_table[5] = (mp_map_elem_t){MP_OBJ_NEW_QSTR(MP_QSTR_kneighbors), MP_OBJ_FROM_PTR(&neighbors_kneighbors_obj)};
    neighbors_locals_table[6] = (mp_map_elem_t){MP_OBJ_NEW_QSTR(MP_QSTR_info), MP_OBJ_FROM_PTR(&neighbors_info_obj)};
    neighbors_locals_table[7] = (mp_map_elem_t){MP_OBJ_NEW_QSTR(MP_QSTR_fit), MP_OBJ_FROM_PTR(&neighbors_fit_obj)};
    neighbors_locals_table[8] = (mp_map_elem_t){MP_OBJ_NEW_QSTR(MP_QSTR_partial_fit), MP_OBJ_FROM_PTR(&neighbors_partial_fit_obj)};
    neighbors_locals_table[9] = (mp_map_elem_t){MP_OBJ_NEW_QSTR(MP_QSTR_to_bytes), MP_OBJ_FROM_PTR(&neighbors_to_bytes_obj)};
    neighbors_locals_table[10] = (mp_map_elem_t){MP_OBJ_NEW_QSTR(MP_QSTR_add), MP_OBJ_FROM_PTR(&neighbors_add_obj)};
    neighbors_locals_table[11] = (mp_map_elem_t){MP_OBJ_NEW_QSTR(MP_QSTR_remove), MP_OBJ_FROM_PTR(&neighbors_remove_obj)};
    MP_OBJ_TYPE_SET_SLOT(&neighbors_type, locals_dict, (void*)&neighbors_locals, 0);

    mp_store_global(MP_QSTR_NeighborsModel, MP_OBJ_FROM_PTR(&neighbors_type));
    mp_store_global(MP_QSTR_load, MP_OBJ_FROM_PTR(&neighbors_load_obj));
    mp_store_global(MP_QSTR_kmeans, MP_OBJ_FROM_PTR(&neighbors_kmeans_obj));
    mp_store_global(MP_QSTR_knn, MP_OBJ_FROM_PTR(&neighbors_knn_obj));

    MP_DYNRUNTIME_INIT_EXIT
}
