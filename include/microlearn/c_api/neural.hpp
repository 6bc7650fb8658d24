// Definitions of the neural-network C API functions (microlearn.h).
// Include from exactly one C++ translation unit.
#pragma once
#include "../microlearn.h"
#include "../neural/engine.hpp"

namespace microlearn {
namespace c_api {

// What ml_neural_t holds: the model view and the caller's arena.
struct Neural {
    neural::Model model;
    uint8_t* arena;
    uint32_t n_arena;
};

inline const Neural& neural_of(const ml_neural_t* m) { return *reinterpret_cast<const Neural*>(m); }
inline Neural& neural_of(ml_neural_t* m) { return *reinterpret_cast<Neural*>(m); }

inline int neural_input(const ml_neural_t* model, const void* x, size_t n, neural::Input type) {
    const Neural& h = neural_of(model);
    if (h.arena == nullptr) return ML_BAD_ARGUMENT;
    return static_cast<int>(neural::set_input(h.model, h.arena, x, n, type));
}

inline int neural_raw_outputs(const ml_neural_t* model, void* out, size_t n_out, DType type) {
    const Neural& h = neural_of(model);
    if (h.arena == nullptr) return ML_BAD_ARGUMENT;
    return static_cast<int>(neural::raw_outputs(h.model, h.arena, out, n_out, type));
}

}  // namespace c_api
}  // namespace microlearn

static_assert(sizeof(microlearn::c_api::Neural) <= sizeof(ml_neural_t), "ml_neural_t too small");
static_assert(alignof(microlearn::c_api::Neural) <= alignof(ml_neural_t), "ml_neural_t under-aligned");

extern "C" {

int ml_neural_load(ml_neural_t* model, const void* data, size_t size, void* arena, size_t arena_size) {
    if (model == nullptr) return ML_BAD_ARGUMENT;
    microlearn::c_api::Neural h{};
    const auto st = microlearn::neural::load(static_cast<const uint8_t*>(data), size, h.model);
    __builtin_memcpy(static_cast<void*>(model), &h, sizeof h);  // a failed load stores an empty model
    if (st != microlearn::Status::ok) return static_cast<int>(st);
    return arena == nullptr ? ML_OK : ml_neural_set_arena(model, arena, arena_size);
}

int ml_neural_set_arena(ml_neural_t* model, void* arena, size_t arena_size) {
    auto& h = microlearn::c_api::neural_of(model);
    uint8_t* a = static_cast<uint8_t*>(arena);
    const auto st = microlearn::neural::check_arena(h.model, a, arena_size);
    if (st != microlearn::Status::ok) return static_cast<int>(st);
    h.arena = a;
    h.n_arena = static_cast<uint32_t>(h.model.arena_size);
    microlearn::neural::reset(h.model, a);
    return ML_OK;
}

void ml_neural_info(const ml_neural_t* model, ml_neural_info_t* info) {
    const auto& m = microlearn::c_api::neural_of(model).model;
    const auto in = microlearn::neural::tensor(m, m.input, nullptr);
    const auto out = microlearn::neural::tensor(m, m.output, nullptr);
    info->n_inputs = in.count;
    info->n_outputs = out.count;
    info->n_classes = m.n_classes;
    info->task = static_cast<int>(m.task);
    info->probabilities = static_cast<int>(m.probabilities);
    info->input_type = static_cast<int>(in.dtype);
    info->output_type = static_cast<int>(out.dtype);
    info->arena_size = m.arena_size;
    info->n_ops = m.n_ops;
    info->n_tensors = m.n_tensors;
    info->output_scale = out.n_quant != 0 ? out.scale[0] : 1.0f;
    info->output_zero_point = out.n_quant != 0 ? out.zero[0] : 0;
}

int ml_neural_input_f32(const ml_neural_t* model, const float* x, size_t n) {
    return microlearn::c_api::neural_input(model, x, n, microlearn::neural::Input::f32);
}

int ml_neural_input_s8(const ml_neural_t* model, const int8_t* x, size_t n) {
    return microlearn::c_api::neural_input(model, x, n, microlearn::neural::Input::i8);
}

int ml_neural_input_u8(const ml_neural_t* model, const uint8_t* x, size_t n) {
    return microlearn::c_api::neural_input(model, x, n, microlearn::neural::Input::u8);
}

int ml_neural_input_s16(const ml_neural_t* model, const int16_t* x, size_t n) {
    return microlearn::c_api::neural_input(model, x, n, microlearn::neural::Input::i16);
}

int ml_neural_run(const ml_neural_t* model) {
    const auto& h = microlearn::c_api::neural_of(model);
    if (h.arena == nullptr) return ML_BAD_ARGUMENT;
    microlearn::neural::run(h.model, h.arena);
    return ML_OK;
}

int ml_neural_outputs(const ml_neural_t* model, float* out, size_t n_out) {
    const auto& h = microlearn::c_api::neural_of(model);
    if (h.arena == nullptr) return ML_BAD_ARGUMENT;
    return static_cast<int>(microlearn::neural::outputs(h.model, h.arena, out, n_out));
}

int ml_neural_outputs_s8(const ml_neural_t* model, int8_t* out, size_t n_out) {
    return microlearn::c_api::neural_raw_outputs(model, out, n_out, microlearn::DType::i8);
}

int ml_neural_outputs_s16(const ml_neural_t* model, int16_t* out, size_t n_out) {
    return microlearn::c_api::neural_raw_outputs(model, out, n_out, microlearn::DType::i16);
}

int ml_neural_class(const ml_neural_t* model, int32_t* out) {
    const auto& h = microlearn::c_api::neural_of(model);
    if (h.arena == nullptr || out == nullptr) return ML_BAD_ARGUMENT;
    return static_cast<int>(microlearn::neural::class_index(h.model, h.arena, *out));
}

int ml_neural_proba(const ml_neural_t* model, float* out, size_t n_out) {
    const auto& h = microlearn::c_api::neural_of(model);
    if (h.arena == nullptr) return ML_BAD_ARGUMENT;
    return static_cast<int>(microlearn::neural::proba(h.model, h.arena, out, n_out));
}

int ml_neural_reset(const ml_neural_t* model) {
    const auto& h = microlearn::c_api::neural_of(model);
    if (h.arena == nullptr) return ML_BAD_ARGUMENT;
    microlearn::neural::reset(h.model, h.arena);
    return ML_OK;
}

}  // extern "C"
