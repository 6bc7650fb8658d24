// Definitions of the linear-model C API functions (microlearn.h).
// Include from exactly one C++ translation unit.
#pragma once
#include "../linear.hpp"
#include "../microlearn.h"

static_assert(sizeof(microlearn::linear::Model) <= sizeof(ml_linear_t), "ml_linear_t too small");
static_assert(alignof(microlearn::linear::Model) <= alignof(ml_linear_t), "ml_linear_t under-aligned");
static_assert(sizeof(microlearn::linear::Trainer) <= sizeof(ml_linear_trainer_t), "ml_linear_trainer_t too small");
static_assert(alignof(microlearn::linear::Trainer) <= alignof(ml_linear_trainer_t),
              "ml_linear_trainer_t under-aligned");
// ml_linear_trainer_model() hands out the trainer's first member as an ml_linear_t.
static_assert(offsetof(microlearn::linear::Trainer, model) == 0, "Trainer::model must come first");

namespace microlearn {
namespace c_api {

inline const linear::Model& linear_of(const ml_linear_t* m) { return *reinterpret_cast<const linear::Model*>(m); }
inline linear::Trainer& trainer_of(ml_linear_trainer_t* t) { return *reinterpret_cast<linear::Trainer*>(t); }
inline const linear::Trainer& trainer_of(const ml_linear_trainer_t* t) {
    return *reinterpret_cast<const linear::Trainer*>(t);
}

}  // namespace c_api
}  // namespace microlearn

extern "C" {

int ml_linear_load(ml_linear_t* model, const void* data, size_t size) {
    if (model == nullptr) return ML_BAD_ARGUMENT;
    microlearn::linear::Model m;
    const auto st = microlearn::linear::load(static_cast<const uint8_t*>(data), size, m);
    __builtin_memcpy(static_cast<void*>(model), &m, sizeof m);  // a failed load stores an empty model
    return static_cast<int>(st);
}

void ml_linear_info(const ml_linear_t* model, ml_linear_info_t* info) {
    const auto& m = microlearn::c_api::linear_of(model);
    info->n_features = m.n_features;
    info->n_outputs = m.n_outputs;
    info->n_classes = m.n_classes;
    info->task = static_cast<int>(m.task);
    info->link = static_cast<int>(m.link);
    info->feature_type = ML_F32;
}

int ml_linear_decision_function(const ml_linear_t* model, const float* x, size_t n_x, float* out, size_t n_out) {
    return static_cast<int>(
        microlearn::linear::decision_function(microlearn::c_api::linear_of(model), x, n_x, out, n_out));
}

int ml_linear_predict(const ml_linear_t* model, const float* x, size_t n_x, float* scores, size_t n_scores,
                      int32_t* out) {
    if (out == nullptr) return ML_BAD_ARGUMENT;
    return static_cast<int>(
        microlearn::linear::predict(microlearn::c_api::linear_of(model), x, n_x, scores, n_scores, *out));
}

int ml_linear_predict_values(const ml_linear_t* model, const float* x, size_t n_x, float* out, size_t n_out) {
    return static_cast<int>(
        microlearn::linear::predict_values(microlearn::c_api::linear_of(model), x, n_x, out, n_out));
}

int ml_linear_predict_proba(const ml_linear_t* model, const float* x, size_t n_x, float* out, size_t n_out) {
    return static_cast<int>(
        microlearn::linear::predict_proba(microlearn::c_api::linear_of(model), x, n_x, out, n_out));
}

int ml_linear_is_trainable(const void* data, size_t size) {
    microlearn::ModelFile f;
    microlearn::SectionInfo s;
    // A probe: the load that follows checks the CRC, so it is not computed twice.
    return microlearn::open_model_file(static_cast<const uint8_t*>(data), size, f, false) == microlearn::Status::ok &&
           f.kind == microlearn::ModelKind::linear && f.find(microlearn::linear::sgd_params, s);
}

int ml_linear_trainer_load(ml_linear_trainer_t* trainer, void* data, size_t size) {
    if (trainer == nullptr) return ML_BAD_ARGUMENT;
    microlearn::linear::Trainer t;
    const auto st = microlearn::linear::load_trainer(static_cast<uint8_t*>(data), size, t);
    __builtin_memcpy(static_cast<void*>(trainer), &t, sizeof t);
    return static_cast<int>(st);
}

const ml_linear_t* ml_linear_trainer_model(const ml_linear_trainer_t* trainer) {
    return reinterpret_cast<const ml_linear_t*>(&microlearn::c_api::trainer_of(trainer).model);
}

int ml_linear_partial_fit(ml_linear_trainer_t* trainer, const float* x, size_t n_x, float y) {
    return static_cast<int>(microlearn::linear::partial_fit(microlearn::c_api::trainer_of(trainer), x, n_x, y));
}

float ml_linear_trainer_t_(const ml_linear_trainer_t* trainer) {
    const auto& t = microlearn::c_api::trainer_of(trainer);
    return t.t != nullptr ? *t.t : 0.0f;
}

void ml_linear_seal(ml_linear_trainer_t* trainer) {
    auto& t = microlearn::c_api::trainer_of(trainer);
    if (t.file != nullptr) microlearn::linear::seal(t);
}

static microlearn::linear::NewModel ml_linear_new_of(const ml_linear_new_t* s) {
    microlearn::linear::NewModel n;
    n.n_features = s->n_features;
    n.n_classes = s->n_classes;
    n.loss = static_cast<microlearn::linear::Loss>(s->loss);
    n.schedule = static_cast<microlearn::linear::Schedule>(s->learning_rate);
    n.fit_intercept = s->fit_intercept != 0;
    n.alpha = s->alpha;
    n.eta0 = s->eta0;
    n.power_t = s->power_t;
    n.metadata = reinterpret_cast<const uint8_t*>(s->metadata);
    n.n_metadata = s->metadata != nullptr && s->n_metadata <= 0xFFFFFFFFu ? static_cast<uint32_t>(s->n_metadata)
                                                                          : 0xFFFFFFFFu * (s->metadata != nullptr);
    return n;
}

size_t ml_linear_created_size(const ml_linear_new_t* spec) {
    if (spec == nullptr || spec->loss < 0 || spec->loss > 3 || spec->learning_rate < 0 || spec->learning_rate > 2)
        return 0;
    return microlearn::linear::created_size(ml_linear_new_of(spec));
}

int ml_linear_create(const ml_linear_new_t* spec, void* buf, size_t cap) {
    if (spec == nullptr) return ML_BAD_ARGUMENT;
    if (ml_linear_created_size(spec) == 0) return ML_BAD_PARAMETER;
    return static_cast<int>(microlearn::linear::create(ml_linear_new_of(spec), static_cast<uint8_t*>(buf), cap));
}

}  // extern "C"
