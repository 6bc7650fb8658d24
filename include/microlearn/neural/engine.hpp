// Neural networks: the interpreter. load() (model.hpp's checks plus each
// op's, dispatched below) has checked every op, shape and offset; run()
// loops over the ops with one switch (one line per op kind), and
// predict()/predict_proba() wrap it for the model's input and output. The
// caller owns the arena (arena_size bytes, 4-byte aligned); the model is
// const, so one model can serve several arenas.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "float_ops.hpp"
#include "int16_ops.hpp"
#include "int8_engine.hpp"
#include "int8_io.hpp"
#include "model.hpp"
#include "recurrent.hpp"

// The kernel sets this build compiles: MICROLEARN_NEURAL_PARTS (model.hpp).

namespace microlearn {
namespace neural {

constexpr uint32_t kParts = MICROLEARN_NEURAL_PARTS;

// An int16 tensor in a build with the int16 kernels (part_int16): false at
// compile time in the others, so their code holds no int16 input, output or
// cast path (they refuse int16 models at load: check_cast, check_op).
inline bool is_i16(DType d) { return (kParts & part_int16) != 0 && d == DType::i16; }

// How the caller's input vector is typed (the device's array typecodes).
enum class Input : uint8_t {
    f32 = 0,  // array('f'): real values (quantized by the input tensor's scale and zero point for int8 models)
    i8 = 1,   // array('b'): an int8 model's quantized values, as they are
    u8 = 2,   // array('B'): an int8 model's values + 128 (TFLite's uint8 convention: q = u - 128)
    i16 = 3,  // array('h'): an int16 model's quantized values, as they are
};

// Checks an op of the float32 layout whose tensors are all float32.
inline Status check_f32(const Model& m, const Op& o) {
    for (uint32_t k = 0; k < o.n_inputs + o.n_outputs; ++k)
        if (static_cast<DType>(detail::tensor_record(m, o.inputs[k])[t_dtype]) != DType::f32)
            return Status::type_mismatch;
    if constexpr ((kParts & part_recurrent) != 0)
        if (part_of(m, o) == part_recurrent) return recurrent::check(m, o);
    return detail::check_layout(m, o);
}

// QUANTIZE (float32 -> int8 or int16) and DEQUANTIZE (int8 or int16 -> float32), per tensor.
inline Status check_cast(const Model& m, const Op& o) {
    const Tensor x = tensor(m, o.inputs[0], nullptr), y = tensor(m, o.outputs[0], nullptr);
    const bool q = o.kind == OpKind::quantize;
    const Tensor& i8 = q ? y : x;
    if (o.n_inputs != 1 || o.n_outputs != 1 || o.n_ints != 0) return Status::bad_parameter;
    if (i8.dtype == DType::i16 && !is_i16(i8.dtype)) return Status::unsupported_kind;  // a build without int16
    if ((q ? x : y).dtype != DType::f32 || (i8.dtype != DType::i8 && i8.dtype != DType::i16) || i8.n_quant != 1)
        return Status::type_mismatch;
    return y.count == x.count ? Status::ok : Status::size_mismatch;
}

inline void eval_cast(const Model& m, const Op& o, uint8_t* arena) {
    const Tensor x = tensor(m, o.inputs[0], arena), y = tensor(m, o.outputs[0], arena);
    const bool q = o.kind == OpKind::quantize;
    const float s = (q ? y : x).scale[0];
    const int32_t z = (q ? y : x).zero[0];
    if (is_i16(x.dtype) || is_i16(y.dtype)) return int16::cast(x, y);
    if (!q) return int8::dequantize(x.i8(), x.count, s, z, y.f32());
    for (uint32_t i = 0; i < x.count; ++i) y.i8()[i] = float_ops::quantize(x.f32()[i], s, z);
}

// Runs a float32 op of the float layout (float_ops.hpp's kernels).
inline void eval_f32(const Model& m, const Op& o, uint8_t* arena) {
    const Tensor x = tensor(m, o.inputs[0], arena);
    const Tensor y = tensor(m, o.outputs[0], arena);
    const float* bias = o.n_inputs > 2 ? tensor(m, o.inputs[2], arena).f32() : nullptr;
    switch (o.kind) {
        case OpKind::fully_connected: {
            const Tensor w = tensor(m, o.inputs[1], arena);
            const uint32_t rows = x.channels() == w.dims[1] ? detail::rows_of(x) : 1;
            float_ops::fully_connected(x.f32(), w.f32(), bias, rows, w.dims[1], w.dims[0],
                                       static_cast<Activation>(o.ints[0]), y.f32());
            return;
        }
        case OpKind::conv_2d:
        case OpKind::depthwise_conv_2d: {
            const Tensor w = tensor(m, o.inputs[1], arena);
            const Window g = window(o, x, y, &w);
            if (o.kind == OpKind::conv_2d) float_ops::conv_2d(g, x.f32(), w.f32(), bias, y.f32());
            else float_ops::depthwise_conv_2d(g, x.f32(), w.f32(), bias, y.f32());
            return;
        }
        case OpKind::max_pool_2d:
        case OpKind::average_pool_2d:
            float_ops::pool_2d(window(o, x, y, nullptr), o.kind == OpKind::average_pool_2d, x.f32(), y.f32());
            return;
        case OpKind::mean:
        case OpKind::reduce_max:
            float_ops::reduce(x, uint32_t(o.ints[0]), o.kind == OpKind::mean, y.f32(), y.count);
            return;
        case OpKind::reshape:
            if (x.data != y.data)
                for (uint32_t i = 0; i < x.count; ++i) y.f32()[i] = x.f32()[i];
            return;
        case OpKind::pad: float_ops::pad(x, o.ints, y); return;
        case OpKind::add:
        case OpKind::mul: {
            const Tensor b = tensor(m, o.inputs[1], arena);
            float_ops::binary(o.kind == OpKind::mul, x.f32(), x.count, b.f32(), b.count,
                              static_cast<Activation>(o.ints[0]), y.f32());
            return;
        }
        case OpKind::concatenation: float_ops::concatenation(m, o, arena, y); return;
        case OpKind::softmax: float_ops::softmax(x.f32(), x.count, x.channels(), o.floats[0], y.f32()); return;
        case OpKind::gelu: float_ops::unary(o.kind, x.f32(), x.count, float(o.ints[0]), y.f32()); return;
        default:  // the elementwise activations
            float_ops::unary(o.kind, x.f32(), x.count, o.n_floats != 0 ? o.floats[0] : 0.0f, y.f32());
            return;
    }
}

// The per-op checks of load(): an op whose kernels this build leaves out is
// unsupported_kind.
inline Status check_op(const Model& m, const Op& o) {
    const uint32_t part = part_of(m, o);
    if ((part & kParts) != part) return Status::unsupported_kind;
    if (part == 0) return check_cast(m, o);
    // `if constexpr`: the checks of the parts this build leaves out are not in its code either.
    if constexpr ((kParts & (part_int8 | part_int8_extra)) != 0)
        if (part == part_int8 || part == part_int8_extra) {
            Op base;  // dtypes and the int8 tail, then the float layout's shape checks
            const Status st = int8_engine::check(m, o, base);
            return st != Status::ok ? st : detail::check_layout(m, base);
        }
    if constexpr ((kParts & part_int16) != 0)
        if (part == part_int16) {
            Op base;  // dtypes and the int16 tail, then the float layout's shape checks
            const Status st = int16::check(m, o, base);
            return st != Status::ok ? st : detail::check_layout(m, base);
        }
    if constexpr ((kParts & (part_f32 | part_recurrent)) != 0) return check_f32(m, o);
    return Status::unsupported_kind;  // (unreachable: part is in kParts)
}

// Runs one (checked) op on the arena; `if constexpr` leaves out the kernels
// of the parts this build does not compile (load() refused their ops).
inline void eval_op(const Model& m, const Op& o, uint8_t* arena) {
    const uint32_t part = part_of(m, o);
    if (part == 0) return eval_cast(m, o, arena);
    if constexpr ((kParts & (part_int8 | part_int8_extra)) != 0)
        if (part == part_int8 || part == part_int8_extra) return int8_engine::eval(m, o, arena);
    if constexpr ((kParts & part_recurrent) != 0)
        if (part == part_recurrent) return recurrent::run(m, o, arena);
    if constexpr ((kParts & part_int16) != 0)
        if (part == part_int16) return int16::eval(m, o, arena);
    if constexpr ((kParts & part_f32) != 0) eval_f32(m, o, arena);
}

// Validates the neural-network sections of an opened file for this build's kernels and fills `out`.
inline Status load(const ModelFile& f, Model& out) {
    return load_model(f, out, [](const Model& m, const Op& o) { return check_op(m, o); });
}

inline Status load(const uint8_t* data, size_t size, Model& out) { return load_bytes(data, size, out, load); }

// Runs every op; the input must be in place (set_input).
inline void run(const Model& m, uint8_t* arena) {
    for (uint32_t i = 0; i < m.n_ops; ++i) eval_op(m, op(m, i), arena);
}

// Zeroes the state tensors (stateful recurrent layers): after load, and to
// start a new sequence.
inline void reset(const Model& m, uint8_t* arena) {
    for (uint32_t i = 0; i < m.n_tensors; ++i) {
        const uint32_t* t = detail::tensor_record(m, i);
        if (static_cast<Location>(t[t_location]) != Location::state) continue;
        uint8_t* p = arena + t[t_offset];
        for (uint32_t k = 0, n = detail::byte_count(t); k < n; ++k) p[k] = 0;
    }
}

inline Tensor input_tensor(const Model& m, uint8_t* arena) { return tensor(m, m.input, arena); }
inline Tensor output_tensor(const Model& m, uint8_t* arena) { return tensor(m, m.output, arena); }

// Number of values predict_values() gives (the output tensor's elements).
inline uint32_t n_outputs(const Model& m) { return tensor(m, m.output, nullptr).count; }
inline uint32_t n_inputs(const Model& m) { return tensor(m, m.input, nullptr).count; }

// Checks the arena a caller passes: at least arena_size bytes, 4-byte aligned.
inline Status check_arena(const Model& m, const uint8_t* arena, size_t n_arena) {
    if (arena == nullptr || reinterpret_cast<uintptr_t>(arena) % 4 != 0) return Status::bad_argument;
    return n_arena < m.arena_size ? Status::size_mismatch : Status::ok;
}

// Copies the caller's x (n_x values typed `type`) into the input tensor.
// Float input must be finite (bad_argument); int8 and uint8 input only
// for int8 models, int16 input only for int16 models (type_mismatch).
inline Status set_input(const Model& m, uint8_t* arena, const void* x, size_t n_x, Input type) {
    const Tensor in = input_tensor(m, arena);
    if (x == nullptr) return Status::bad_argument;
    if (n_x != in.count) return Status::size_mismatch;
    if ((type == Input::i16) != (in.dtype == DType::i16) && type != Input::f32) return Status::type_mismatch;
    if (is_i16(in.dtype) && type == Input::i16) {
        __builtin_memcpy(in.data, x, sizeof(int16_t) * in.count);
        return Status::ok;
    }
    if (type != Input::f32 && in.dtype != DType::i8) return Status::type_mismatch;
    if (type == Input::f32) {
        const float* v = static_cast<const float*>(x);
        for (uint32_t i = 0; i < in.count; ++i)
            if (!math::is_finite(v[i])) return Status::bad_argument;
        if (in.dtype == DType::f32) {
            __builtin_memcpy(in.data, v, sizeof(float) * in.count);
            return Status::ok;
        }
        if (is_i16(in.dtype))
            for (uint32_t i = 0; i < in.count; ++i) in.i16()[i] = int16::quantize(v[i], in.scale[0]);
        else
            for (uint32_t i = 0; i < in.count; ++i) in.i8()[i] = float_ops::quantize(v[i], in.scale[0], in.zero[0]);
        return Status::ok;
    }
    int8::copy_input(static_cast<const uint8_t*>(x), in.count, type == Input::i8 ? 0 : 0x80u, in.i8());  // u - 128
    return Status::ok;
}

// The output tensor's value i as a float (int8 outputs dequantized).
inline float output_value(const Tensor& y, uint32_t i) {
    return y.dtype == DType::f32   ? y.f32()[i]
           : is_i16(y.dtype)       ? y.scale[0] * float(y.i16()[i])
                                   : y.scale[0] * float(int32_t(y.i8()[i]) - y.zero[0]);
}

// After run(): the outputs (n_outputs floats) into out.
inline Status outputs(const Model& m, uint8_t* arena, float* out, size_t n_out) {
    const Tensor y = output_tensor(m, arena);
    if (out == nullptr || n_out < y.count) return Status::size_mismatch;
    if (y.dtype == DType::f32) __builtin_memcpy(out, y.data, sizeof(float) * y.count);
    else if (is_i16(y.dtype)) int16::dequantize(y.i16(), y.count, y.scale[0], out);
    else int8::dequantize(y.i8(), y.count, y.scale[0], y.zero[0], out);
    return Status::ok;
}

// After run(): the output tensor's own values, int8 or int16 (`type`, the
// model's output type, else type_mismatch), copied into out[n_out >=
// n_outputs]: an int8 or int16 network's quantized outputs, no float
// arithmetic (real = scale * (q - zero_point): the output tensor's scale[0], zero[0]).
inline Status raw_outputs(const Model& m, uint8_t* arena, void* out, size_t n_out, DType type) {
    const Tensor y = output_tensor(m, arena);
    if (y.dtype != type || type == DType::f32) return Status::type_mismatch;
    if (out == nullptr || n_out < y.count) return Status::size_mismatch;
    __builtin_memcpy(out, y.data, y.count * uint32_t(dtype_size(type)));
    return Status::ok;
}

// The index of the first of the largest of v[0 .. n).
template <typename T>
inline uint32_t argmax(const T* v, uint32_t n) {
    uint32_t best = 0;
    for (uint32_t i = 1; i < n; ++i)
        if (v[i] > v[best]) best = i;
    return best;
}

// After run(), classifiers: the class index, argmax of the outputs (the
// first of equal maxima), or for one output unit 1 when it is above the
// threshold. An int8 or int16 output's argmax is its quantized values'
// (a positive scale keeps their order, distinct values stay distinct).
inline Status class_index(const Model& m, uint8_t* arena, int32_t& out) {
    if (m.task != 1) return Status::unsupported_kind;
    const Tensor y = output_tensor(m, arena);
    if (y.count == 1) {
        out = output_value(y, 0) > m.threshold ? 1 : 0;
        return Status::ok;
    }
    const uint32_t best = y.dtype == DType::f32 ? argmax(y.f32(), y.count)
                          : is_i16(y.dtype)     ? argmax(y.i16(), y.count)
                                                : argmax(y.i8(), y.count);
    out = static_cast<int32_t>(best);
    return Status::ok;
}

// After run(), classifiers whose output is probabilities: n_classes of them
// into out (one logistic unit p gives 1 - p, p).
inline Status proba(const Model& m, uint8_t* arena, float* out, size_t n_out) {
    if (m.task != 1 || !m.probabilities) return Status::unsupported_kind;
    if (out == nullptr || n_out < m.n_classes) return Status::size_mismatch;
    if (n_outputs(m) == m.n_classes) return outputs(m, arena, out, n_out);
    const Status st = outputs(m, arena, out + 1, n_out - 1);
    out[0] = 1.0f - out[1];
    return st;
}

}  // namespace neural
}  // namespace microlearn
