// Neural networks: the model file's sections, the loader that validates them
// once, and views of tensors and ops for the interpreter (engine.hpp).
// python/microlearn/converters/neural/writer.py writes the sections;
// docs/neural.md describes them field by field.
//
// A network is a list of ops over a table of tensors. A tensor is a constant
// (weights, biases: read in place from the model bytes) or lives in one arena
// of RAM the caller provides, at an offset the converter planned (tensors
// that are never alive at the same time share bytes). load() checks every
// count, index, shape, offset and parameter the kernels rely on, and that no
// op can overwrite a tensor still needed, so evaluation runs unchecked.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "../math.hpp"
#include "../model_file.hpp"

namespace microlearn {
namespace neural {

enum Section : uint16_t {
    params = 1,       // u32[p_count]
    tensors = 2,      // u32[n_tensors * t_fields]
    ops = 3,          // u32[n_ops * o_fields]
    op_io = 4,        // u32: the ops' input then output tensor indices
    op_ints = 5,      // i32: the ops' integer parameters
    op_floats = 6,    // f32: the ops' float parameters
    const_f32 = 7,    // f32: float32 constants (optional)
    const_i8 = 8,     // i8: int8 constants (optional)
    const_i32 = 9,    // i32: int32 constants (optional)
    quant_scale = 10, // f32: quantization scales (optional)
    quant_zero = 11,  // i32: quantization zero points, one per scale
};

enum ParamIndex : uint32_t {
    p_n_tensors,
    p_n_ops,
    p_arena_size,     // bytes, a multiple of 4
    p_input,          // tensor index of the model's input
    p_output,         // tensor index of the model's output
    p_task,           // 0 regression, 1 classification
    p_n_classes,      // classification: >= 2; regression: 0
    p_probabilities,  // 1: the output holds probabilities (softmax, or logistic units)
    p_threshold_bits, // float bits: one-unit classifiers predict class 1 when output > this
    p_count
};

enum TensorField : uint32_t {
    t_dtype,        // DType: f32, i8, i16 (activations) or i32
    t_rank,         // 0..4
    t_dim0, t_dim1, t_dim2, t_dim3,  // dims beyond the rank are 1
    t_location,     // Location
    t_offset,       // arena: byte offset (multiple of 4); constant: element index in const_<dtype>
    t_producer,     // 1 + index of the op writing it; 0 for the input, constants and state
    t_quant_offset, // first entry in quant_scale / quant_zero
    t_quant_count,  // 0 (not quantized), 1 (per tensor) or dims[quant_axis] (per channel)
    t_quant_axis,
    t_fields
};

enum class Location : uint32_t {
    arena = 0,     // computed each call: the input and op outputs
    constant = 1,  // in the model bytes
    state = 2,     // arena bytes kept between calls (stateful recurrent layers), zeroed by reset()
};

enum OpField : uint32_t {
    o_kind,        // OpKind
    o_n_inputs,
    o_n_outputs,
    o_io,          // first of its n_inputs + n_outputs entries in op_io
    o_ints,        // first of its int parameters in op_ints
    o_n_ints,
    o_floats,      // first of its float parameters in op_floats
    o_n_floats,
    o_fields
};

// Op kinds, numbered as converters/neural/writer.py's OP_CODES (tests check
// they agree). Params per kind are listed in docs/neural.md.
enum class OpKind : uint32_t {
    fully_connected = 1,
    conv_2d = 2,
    depthwise_conv_2d = 3,
    max_pool_2d = 4,
    average_pool_2d = 5,
    mean = 6,
    reduce_max = 7,
    reshape = 8,
    pad = 9,
    add = 10,
    mul = 11,
    concatenation = 12,
    relu = 13,
    relu6 = 14,
    elu = 15,
    logistic = 16,
    tanh = 17,
    hard_swish = 18,
    hard_sigmoid = 19,
    leaky_relu = 20,
    softmax = 21,
    quantize = 22,
    dequantize = 23,
    simple_rnn = 24,
    gru = 25,
    lstm = 26,
    gelu = 27,
    silu = 28,
    count
};

// Fused activations (an op's `activation` int parameter).
enum class Activation : int32_t { none = 0, relu = 1, relu6 = 2, relu_n1_to_1 = 3 };

constexpr uint32_t kMaxRank = 4;
constexpr uint32_t kMaxDim = 1u << 24;
constexpr uint32_t kMaxElements = 1u << 28;
constexpr uint32_t kMaxOps = 4096;
constexpr uint32_t kMaxTensors = 8192;
constexpr uint32_t kMaxOpInputs = 64;

struct Model {
    uint32_t n_tensors = 0, n_ops = 0, arena_size = 0, input = 0, output = 0;
    uint32_t task = 0, n_classes = 0, probabilities = 0;
    float threshold = 0.5f;
    const uint32_t* tensors = nullptr;
    const uint32_t* ops = nullptr;
    const uint32_t* io = nullptr;
    const int32_t* ints = nullptr;
    const float* floats = nullptr;
    const float* const_f32 = nullptr;
    const int8_t* const_i8 = nullptr;
    const int32_t* const_i32 = nullptr;
    const float* scales = nullptr;
    const int32_t* zeros = nullptr;
};

// A tensor resolved for one evaluation: its data pointer (in the arena or
// the model bytes), shape and quantization.
struct Tensor {
    DType dtype = DType::f32;
    uint32_t rank = 0;
    uint32_t dims[kMaxRank] = {1, 1, 1, 1};
    uint32_t count = 1;
    void* data = nullptr;
    const float* scale = nullptr;   // n_quant scales, or null
    const int32_t* zero = nullptr;  // n_quant zero points
    uint32_t n_quant = 0, quant_axis = 0;

    float* f32() const { return static_cast<float*>(data); }
    int8_t* i8() const { return static_cast<int8_t*>(data); }
    int32_t* i32() const { return static_cast<int32_t*>(data); }
    int16_t* i16() const { return static_cast<int16_t*>(data); }
    // The size of the last axis (channels), 1 for a scalar.
    uint32_t channels() const { return rank == 0 ? 1 : dims[rank - 1]; }
};

namespace detail {

inline const uint32_t* tensor_record(const Model& m, uint32_t i) { return m.tensors + size_t(i) * t_fields; }
inline const uint32_t* op_record(const Model& m, uint32_t i) { return m.ops + size_t(i) * o_fields; }

inline uint32_t element_count(const uint32_t* t) {
    return t[t_dim0] * t[t_dim1] * t[t_dim2] * t[t_dim3];  // load() bounds the product
}

inline uint32_t byte_count(const uint32_t* t) {
    return element_count(t) * uint32_t(dtype_size(static_cast<DType>(t[t_dtype])));
}

}  // namespace detail

// Tensor i (< n_tensors) of a loaded model, with arena tensors in `arena`.
inline Tensor tensor(const Model& m, uint32_t i, uint8_t* arena) {
    const uint32_t* t = detail::tensor_record(m, i);
    Tensor v;
    v.dtype = static_cast<DType>(t[t_dtype]);
    v.rank = t[t_rank];
    for (uint32_t k = 0; k < kMaxRank; ++k) v.dims[k] = t[t_dim0 + k];
    v.count = detail::element_count(t);
    const uint32_t off = t[t_offset];
    if (static_cast<Location>(t[t_location]) != Location::constant) {
        v.data = arena != nullptr ? arena + off : nullptr;  // null: shapes only (load())
    } else if (v.dtype == DType::f32) {
        v.data = const_cast<float*>(m.const_f32 + off);  // kernels only read constants
    } else if (v.dtype == DType::i8) {
        v.data = const_cast<int8_t*>(m.const_i8 + off);
    } else {
        v.data = const_cast<int32_t*>(m.const_i32 + off);
    }
    v.n_quant = t[t_quant_count];
    if (v.n_quant != 0) {
        v.scale = m.scales + t[t_quant_offset];
        v.zero = m.zeros + t[t_quant_offset];
        v.quant_axis = t[t_quant_axis];
    }
    return v;
}

// An op of a loaded model: its kind, tensors and parameters.
struct Op {
    OpKind kind = OpKind::count;
    uint32_t n_inputs = 0, n_outputs = 0, n_ints = 0, n_floats = 0;
    const uint32_t* inputs = nullptr;   // tensor indices
    const uint32_t* outputs = nullptr;
    const int32_t* ints = nullptr;
    const float* floats = nullptr;
};

inline Op op(const Model& m, uint32_t i) {
    const uint32_t* r = detail::op_record(m, i);
    Op o;
    o.kind = static_cast<OpKind>(r[o_kind]);
    o.n_inputs = r[o_n_inputs];
    o.n_outputs = r[o_n_outputs];
    o.inputs = m.io + r[o_io];
    o.outputs = o.inputs + o.n_inputs;
    o.n_ints = r[o_n_ints];
    o.ints = m.ints + r[o_ints];
    o.n_floats = r[o_n_floats];
    o.floats = m.floats + r[o_floats];
    return o;
}

// The shape of a 2-D window op (CONV_2D, DEPTHWISE_CONV_2D, *_POOL_2D) on an
// (H, W, C) input, from its tensors and int parameters [stride_h, stride_w,
// dilation_h, dilation_w, pad_top, pad_left, pad_bottom, pad_right,
// activation, depth_multiplier] (pools: [filter_h, filter_w, stride_h,
// stride_w, pad_top, pad_left, pad_bottom, pad_right, activation]).
struct Window {
    uint32_t in_h, in_w, in_c, out_h, out_w, out_c;
    uint32_t k_h, k_w, stride_h, stride_w, dil_h, dil_w, pad_t, pad_l;
    uint32_t depth_multiplier;
    Activation activation;
};

inline Window window(const Op& o, const Tensor& x, const Tensor& y, const Tensor* w) {
    Window g;
    g.in_h = x.dims[0], g.in_w = x.dims[1], g.in_c = x.dims[2];
    g.out_h = y.dims[0], g.out_w = y.dims[1], g.out_c = y.dims[2];
    const int32_t* p = o.ints;
    const bool pool = w == nullptr;
    g.k_h = pool ? uint32_t(p[0]) : w->dims[1];
    g.k_w = pool ? uint32_t(p[1]) : w->dims[2];
    g.stride_h = uint32_t(p[pool ? 2 : 0]), g.stride_w = uint32_t(p[pool ? 3 : 1]);
    g.dil_h = pool ? 1 : uint32_t(p[2]), g.dil_w = pool ? 1 : uint32_t(p[3]);
    g.pad_t = uint32_t(p[4]), g.pad_l = uint32_t(p[5]);
    g.activation = static_cast<Activation>(p[8]);
    g.depth_multiplier = o.kind == OpKind::depthwise_conv_2d ? uint32_t(p[9]) : 1;
    return g;
}

// The kernel sets an op needs (bits). A build may compile some of them only
// (MICROLEARN_NEURAL_PARTS, below), so that a device module holds the
// kernels its models use. The converter writes the bits of a model's ops
// into the file header's flags, for the device package to choose the module
// from; load() checks them (0: a file written before they were).
// QUANTIZE (float32 -> int8 / int16) and DEQUANTIZE need none: every build
// runs them; an int8 -> int8 QUANTIZE (a requantize) is part_int8_extra.
enum Part : uint32_t {
    part_f32 = 1,         // float32 ops (float_ops.hpp)
    part_int8 = 2,        // an int8 CNN's ops (int8_engine.hpp): FULLY_CONNECTED, CONV_2D, DEPTHWISE_CONV_2D,
                          // MAX/AVERAGE_POOL_2D, MEAN, REDUCE_MAX, RESHAPE, SOFTMAX and the table activations
                          // (RELU, RELU6, LEAKY_RELU, LOGISTIC, TANH, HARD_SWISH)
    part_recurrent = 4,   // SIMPLE_RNN, GRU, LSTM on float32 (recurrent.hpp)
    part_int8_extra = 8,  // the other int8 ops: ADD, MUL, CONCATENATION, PAD, QUANTIZE int8 -> int8
    part_int16 = 16,      // int16 activations, int8 weights (int16_ops.hpp): FULLY_CONNECTED, CONV_2D,
                          // DEPTHWISE_CONV_2D, MAX/AVERAGE_POOL_2D, MEAN, REDUCE_MAX, RESHAPE, SOFTMAX, ADD, MUL
    part_all = 31
};

// The kernel sets this build compiles (Part bits; default all). A device
// module holds some only (device/Makefile): a model with an op of a set left
// out loads as unsupported_kind, and the set's kernels and checks are not in
// the code (`if constexpr` in engine.hpp, `#if` in int8_engine.hpp and here).
#ifndef MICROLEARN_NEURAL_PARTS
#define MICROLEARN_NEURAL_PARTS 31
#endif

// An int8 op of a CNN's kernel set (part_int8), or of part_int8_extra.
inline bool int8_cnn_kind(OpKind k) {
    switch (k) {
        case OpKind::fully_connected: case OpKind::conv_2d: case OpKind::depthwise_conv_2d:
        case OpKind::max_pool_2d: case OpKind::average_pool_2d: case OpKind::mean: case OpKind::reduce_max:
        case OpKind::reshape: case OpKind::softmax: case OpKind::relu: case OpKind::relu6:
        case OpKind::leaky_relu: case OpKind::logistic: case OpKind::tanh: case OpKind::hard_swish: return true;
        default: return false;
    }
}

// The Part of op o: an op whose first input is int8 runs on int8 kernels
// (QUANTIZE too: int8 -> int8 requantizes).
inline uint32_t part_of(const Model& m, const Op& o) {
    switch (o.kind) {
        case OpKind::dequantize: return 0;
        case OpKind::simple_rnn: case OpKind::gru: case OpKind::lstm: return part_recurrent;
        default:
            const DType x = static_cast<DType>(m.tensors[size_t(o.inputs[0]) * t_fields + t_dtype]);
            if (o.kind == OpKind::quantize && x != DType::i8) return 0;
            if (x == DType::i16) return part_int16;
            if (x != DType::i8) return part_f32;
#if MICROLEARN_NEURAL_PARTS & (2 | 8)
            return int8_cnn_kind(o.kind) ? part_int8 : part_int8_extra;
#else
            return part_int8;  // a build without int8 kernels refuses every int8 op alike (unsupported_kind)
#endif
    }
}

namespace detail {

inline bool in_place_kind(OpKind k) {
    switch (k) {
        case OpKind::reshape: case OpKind::add: case OpKind::mul: case OpKind::relu: case OpKind::relu6:
        case OpKind::elu: case OpKind::logistic: case OpKind::tanh: case OpKind::hard_swish:
        case OpKind::hard_sigmoid: case OpKind::leaky_relu: case OpKind::softmax: case OpKind::gelu:
        case OpKind::silu: return true;
        default: return false;
    }
}

inline bool same_dims(const Tensor& a, const Tensor& b) {
    if (a.rank != b.rank) return false;
    for (uint32_t k = 0; k < kMaxRank; ++k)
        if (a.dims[k] != b.dims[k]) return false;
    return true;
}

inline bool valid_activation(int32_t a) { return a >= 0 && a <= 3; }

// out = (in + pads - ((k - 1) * dilation + 1)) / stride + 1, checked without
// a division: (out - 1) * stride + span <= in + pads < out * stride + span.
inline bool window_fits(uint32_t in, uint32_t pads, uint32_t k, uint32_t dil, uint32_t stride, uint32_t out) {
    const uint64_t span = uint64_t(k - 1) * dil + 1, total = uint64_t(in) + pads;
    return out >= 1 && uint64_t(out - 1) * stride + span <= total && total < uint64_t(out) * stride + span;
}

// Checks a window op's params and shapes; `w`: its weights (null for pools).
inline Status check_window(const Op& o, const Tensor& x, const Tensor& y, const Tensor* w) {
    const uint32_t n_ints = o.kind == OpKind::depthwise_conv_2d ? 10 : 9;
    if (o.n_ints != n_ints || x.rank != 3 || y.rank != 3) return Status::bad_parameter;
    for (uint32_t k = 0; k < 8; ++k)
        if (o.ints[k] < 0 || uint32_t(o.ints[k]) > kMaxDim) return Status::bad_parameter;
    if (!valid_activation(o.ints[8])) return Status::bad_parameter;
    const bool pool = w == nullptr;
    if (!pool && w->rank != 4) return Status::bad_parameter;
    if (pool && (o.ints[0] < 1 || o.ints[1] < 1)) return Status::bad_parameter;
    const Window g = window(o, x, y, w);
    if (g.stride_h < 1 || g.stride_w < 1 || g.dil_h < 1 || g.dil_w < 1 || g.depth_multiplier < 1)
        return Status::bad_parameter;
    const int32_t* p = o.ints;
    if (!window_fits(g.in_h, uint32_t(p[4]) + uint32_t(p[6]), g.k_h, g.dil_h, g.stride_h, g.out_h) ||
        !window_fits(g.in_w, uint32_t(p[5]) + uint32_t(p[7]), g.k_w, g.dil_w, g.stride_w, g.out_w))
        return Status::size_mismatch;
    if (o.kind == OpKind::conv_2d) {
        if (w->dims[0] != g.out_c || w->dims[3] != g.in_c) return Status::size_mismatch;
    } else if (o.kind == OpKind::depthwise_conv_2d) {
        if (w->dims[0] != 1 || uint64_t(g.in_c) * g.depth_multiplier != g.out_c || w->dims[3] != g.out_c)
            return Status::size_mismatch;
    } else if (g.out_c != g.in_c) {
        return Status::size_mismatch;
    }
    return Status::ok;
}

// The product of all dims but the last (rows of a FULLY_CONNECTED input).
inline uint32_t rows_of(const Tensor& x) {
    uint32_t r = 1;
    for (uint32_t k = 0; k + 1 < x.rank; ++k) r *= x.dims[k];
    return r;
}

// Checks an op's parameters and shapes in the float layout (docs/neural.md's
// table), whatever its dtypes: the float kernels rely on them, and so do the
// int8 ones once int8_engine::check() has cut off their tail. The ops of
// other layouts (QUANTIZE, DEQUANTIZE, recurrent) are checked where they
// run: engine.hpp's check_op() dispatches.
inline Status check_layout(const Model& m, const Op& o) {
    const uint32_t n_in = o.n_inputs;
    // Its first three inputs (or fewer) and its output.
    Tensor t[4];
    for (uint32_t k = 0; k < 3 && k < n_in; ++k) t[k] = tensor(m, o.inputs[k], nullptr);
    const Tensor& x = t[0];
    const Tensor y = tensor(m, o.outputs[0], nullptr);
    if (o.n_outputs != 1) return Status::bad_parameter;
    switch (o.kind) {
        case OpKind::fully_connected: {
            if ((n_in != 2 && n_in != 3) || o.n_ints != 1 || !valid_activation(o.ints[0])) return Status::bad_parameter;
            const Tensor& w = t[1];
            if (w.rank != 2) return Status::bad_parameter;
            const uint32_t out = w.dims[0], in = w.dims[1];
            if (n_in == 3 && t[2].count != out) return Status::size_mismatch;
            // x: rows of `in` values (its last axis, or all of it); y: rows of `out`.
            if (x.channels() != in && x.count != in) return Status::size_mismatch;
            const uint32_t rows = x.channels() == in ? rows_of(x) : 1;
            if (y.count != uint64_t(rows) * out || y.channels() != out) return Status::size_mismatch;
            return Status::ok;
        }
        case OpKind::conv_2d:
        case OpKind::depthwise_conv_2d:
            if (n_in != 2 && n_in != 3) return Status::bad_parameter;
            if (n_in == 3 && t[2].count != y.channels()) return Status::size_mismatch;
            return check_window(o, x, y, &t[1]);
        case OpKind::max_pool_2d:
        case OpKind::average_pool_2d:
            if (n_in != 1) return Status::bad_parameter;
            return check_window(o, x, y, nullptr);
        case OpKind::mean:
        case OpKind::reduce_max: {
            if (n_in != 1 || o.n_ints != 1) return Status::bad_parameter;
            const uint32_t mask = uint32_t(o.ints[0]);
            if (mask == 0 || (mask >> x.rank) != 0) return Status::bad_parameter;
            uint64_t kept = 1;
            for (uint32_t k = 0; k < x.rank; ++k)
                if (!(mask >> k & 1u)) kept *= x.dims[k];
            return y.count == kept ? Status::ok : Status::size_mismatch;
        }
        case OpKind::reshape:
            if (n_in != 1 || o.n_ints != 0) return Status::bad_parameter;
            return y.count == x.count ? Status::ok : Status::size_mismatch;
#if MICROLEARN_NEURAL_PARTS & 9  // PAD, CONCATENATION, ELU, HARD_SIGMOID (and ADD, MUL below): float32 or int8_extra kernels
        case OpKind::pad: {
            if (n_in != 1 || o.n_ints != 2 * x.rank || y.rank != x.rank) return Status::bad_parameter;
            for (uint32_t k = 0; k < x.rank; ++k) {
                const int32_t before = o.ints[2 * k], after = o.ints[2 * k + 1];
                if (before < 0 || after < 0 || uint32_t(before) > kMaxDim || uint32_t(after) > kMaxDim)
                    return Status::bad_parameter;
                if (uint64_t(x.dims[k]) + uint32_t(before) + uint32_t(after) != y.dims[k]) return Status::size_mismatch;
            }
            return Status::ok;
        }
#endif
#if MICROLEARN_NEURAL_PARTS & 25  // ADD, MUL: float32, int8_extra or int16 kernels
        case OpKind::add:
        case OpKind::mul: {
            if (n_in != 2 || o.n_ints != 1 || !valid_activation(o.ints[0])) return Status::bad_parameter;
            const uint32_t nb = t[1].count;
            if (y.count != x.count || (nb != x.count && nb != x.channels() && nb != 1)) return Status::size_mismatch;
            return Status::ok;
        }
#endif
#if MICROLEARN_NEURAL_PARTS & 9
        case OpKind::concatenation: {
            if (n_in < 1 || o.n_ints != 2 || !valid_activation(o.ints[1])) return Status::bad_parameter;
            const int32_t axis = o.ints[0];
            if (axis < 0 || uint32_t(axis) >= y.rank) return Status::bad_parameter;
            uint64_t along = 0;
            for (uint32_t i = 0; i < n_in; ++i) {
                const Tensor a = tensor(m, o.inputs[i], nullptr);
                if (a.rank != y.rank) return Status::size_mismatch;
                for (uint32_t k = 0; k < y.rank; ++k)
                    if (k != uint32_t(axis) && a.dims[k] != y.dims[k]) return Status::size_mismatch;
                along += a.dims[axis];
            }
            return along == y.dims[axis] ? Status::ok : Status::size_mismatch;
        }
#endif
#if MICROLEARN_NEURAL_PARTS & 1  // GELU (ints: approximate, 0 or 1), SILU: float32 only
        case OpKind::gelu: case OpKind::silu: {
            const uint32_t n_ints = o.kind == OpKind::gelu ? 1 : 0;
            if (n_in != 1 || o.n_ints != n_ints || o.n_floats != 0 || (n_ints && o.ints[0] != 0 && o.ints[0] != 1))
                return Status::bad_parameter;
            return y.count == x.count ? Status::ok : Status::size_mismatch;
        }
#endif
#if MICROLEARN_NEURAL_PARTS & 9
        case OpKind::elu: case OpKind::hard_sigmoid:
#endif
#if MICROLEARN_NEURAL_PARTS & 8  // QUANTIZE int8 -> int8 (the int8_extra kernels; other QUANTIZEs: engine.hpp)
        case OpKind::quantize:
#endif
        case OpKind::relu: case OpKind::relu6: case OpKind::logistic: case OpKind::tanh: case OpKind::hard_swish:
        case OpKind::leaky_relu: case OpKind::softmax: {
            const uint32_t n_floats = o.kind == OpKind::leaky_relu || o.kind == OpKind::softmax ? 1 : 0;
            if (n_in != 1 || o.n_ints != 0 || o.n_floats != n_floats) return Status::bad_parameter;
            if (n_floats && !math::is_finite(o.floats[0])) return Status::bad_parameter;
            return y.count == x.count ? Status::ok : Status::size_mismatch;
        }
        default: return Status::unsupported_kind;
    }
}

// Checks tensor record `t`: dtype, rank, dims, location, offset and
// quantization, against the model's sections. `*bytes` gets its size.
inline Status check_tensor(const uint32_t* t, uint32_t arena_size, size_t n_f32, size_t n_i8, size_t n_i32,
                           size_t n_quant, const float* scales, const int32_t* zeros) {
    const DType d = static_cast<DType>(t[t_dtype]);
    if (d != DType::f32 && d != DType::i8 && d != DType::i32 && d != DType::i16) return Status::bad_parameter;
    if (t[t_rank] > kMaxRank) return Status::bad_parameter;
    uint64_t count = 1;
    for (uint32_t k = 0; k < kMaxRank; ++k) {
        const uint32_t dim = t[t_dim0 + k];
        if (dim < 1 || dim > kMaxDim || (k >= t[t_rank] && dim != 1)) return Status::bad_parameter;
        count *= dim;
        if (count > kMaxElements) return Status::out_of_range;
    }
    const uint64_t bytes = count * dtype_size(d);
    const Location loc = static_cast<Location>(t[t_location]);
    const uint64_t off = t[t_offset];
    if (loc == Location::constant) {
        if (d == DType::i16) return Status::bad_parameter;  // int16 is for activations only: no constant section
        const size_t n = d == DType::f32 ? n_f32 : d == DType::i8 ? n_i8 : n_i32;
        if (off + count > n || t[t_producer] != 0) return Status::out_of_range;
    } else if (loc == Location::arena || loc == Location::state) {
        if (off % 4 != 0 || off + bytes > arena_size) return Status::out_of_range;
        if (loc == Location::state && t[t_producer] != 0) return Status::bad_parameter;
    } else {
        return Status::bad_parameter;
    }
    const uint32_t nq = t[t_quant_count];
    if (nq != 0) {
        if (t[t_quant_axis] >= kMaxRank) return Status::bad_parameter;
        if (nq != 1 && nq != t[t_dim0 + t[t_quant_axis]]) return Status::size_mismatch;
        if (uint64_t(t[t_quant_offset]) + nq > n_quant) return Status::out_of_range;
        for (uint32_t q = 0; q < nq; ++q) {
            const float s = scales[t[t_quant_offset] + q];
            const int32_t z = zeros[t[t_quant_offset] + q];
            if (!math::is_finite(s) || !(s > 0.0f)) return Status::bad_parameter;
            if (d == DType::i8 && (z < -128 || z > 127)) return Status::bad_parameter;
            if (d == DType::i16 && z != 0) return Status::bad_parameter;  // symmetric, as TFLite's int16
        }
    }
    return Status::ok;
}

// Byte ranges [a, a + na) and [b, b + nb) share a byte.
inline bool overlap(uint32_t a, uint32_t na, uint32_t b, uint32_t nb) { return a < b + nb && b < a + na; }

inline bool in_arena(const uint32_t* t) { return static_cast<Location>(t[t_location]) != Location::constant; }

// Op i's output `out` may share bytes with tensor `other`, which is alive at
// op i (an input of op i, or read after it), only when op i works in place
// on its first input: the same bytes exactly, read by nothing after op i.
inline bool may_share(const Model& m, uint32_t i, uint32_t out, uint32_t other, bool read_later) {
    const uint32_t *a = tensor_record(m, out), *b = tensor_record(m, other);
    if (!overlap(a[t_offset], byte_count(a), b[t_offset], byte_count(b))) return true;
    const Op o = op(m, i);
    return !read_later && in_place_kind(o.kind) && o.inputs[0] == other && a[t_offset] == b[t_offset] &&
           byte_count(a) == byte_count(b) && static_cast<Location>(b[t_location]) == Location::arena &&
           other != m.output;
}

// The memory plan: no op writes bytes of a tensor that is alive while it
// runs (its own inputs, except in place; anything a later op reads; the
// model's output once computed; any state tensor).
inline Status check_plan(const Model& m) {
    for (uint32_t i = 0; i < m.n_ops; ++i) {
        const Op o = op(m, i);
        for (uint32_t k = 0; k < o.n_outputs; ++k) {
            const uint32_t out = o.outputs[k];
            for (uint32_t j = 0; j < o.n_inputs; ++j)
                if (in_arena(tensor_record(m, o.inputs[j])) && !may_share(m, i, out, o.inputs[j], false))
                    return Status::bad_parameter;
            // Tensors computed before op i (or given) that op i + 1 .. n_ops - 1 read.
            for (uint32_t l = i + 1; l <= m.n_ops; ++l) {
                const Op later = l < m.n_ops ? op(m, l) : Op{};
                const uint32_t n = l < m.n_ops ? later.n_inputs : 1;
                for (uint32_t j = 0; j < n; ++j) {
                    const uint32_t t = l < m.n_ops ? later.inputs[j] : m.output;
                    const uint32_t* r = tensor_record(m, t);
                    if (t == out || !in_arena(r) || r[t_producer] > i) continue;
                    if (!may_share(m, i, out, t, true)) return Status::bad_parameter;
                }
            }
        }
    }
    for (uint32_t s = 0; s < m.n_tensors; ++s) {  // state: no other arena tensor shares its bytes
        const uint32_t* a = tensor_record(m, s);
        if (static_cast<Location>(a[t_location]) != Location::state) continue;
        for (uint32_t t = 0; t < m.n_tensors; ++t) {
            const uint32_t* b = tensor_record(m, t);
            if (t != s && in_arena(b) && overlap(a[t_offset], byte_count(a), b[t_offset], byte_count(b)))
                return Status::bad_parameter;
        }
    }
    return Status::ok;
}

// The dtype of each section, 1 .. quant_zero (a namespace-scope constant:
// mpy_ld cannot link a function-local static of a template).
constexpr DType kSectionTypes[quant_zero] = {DType::u32, DType::u32, DType::u32, DType::u32, DType::i32, DType::f32,
                                             DType::f32, DType::i8,  DType::i32, DType::f32, DType::i32};

// Section s as T values, from load_model()'s first bytes and counts of sections 1 ...
template <class T>
inline Span<T> span_at(const uint8_t* const* first, const uint32_t* count, Section s) {
    return Span<T>{reinterpret_cast<const T*>(first[s - 1]), count[s - 1]};
}

}  // namespace detail

// Validates the neural-network sections of an opened file and fills `out`;
// check_op(m, op) -> Status checks each op for the kernels that will run it
// (engine.hpp's load() passes its own dispatch's checks).
template <class CheckOp>
inline Status load_model(const ModelFile& f, Model& out, CheckOp check_op) {
    out = Model{};
    if (f.kind != ModelKind::neural_network) return Status::unsupported_kind;
    // Sections 1 .. quant_zero, read in one loop (one call site in the code,
    // not eleven); params to op_io are required.
    const uint8_t* sp[quant_zero];
    uint32_t sn[quant_zero];
    Status st;
    for (uint32_t s = 0; s < quant_zero; ++s)
        if ((st = f.section_bytes(uint16_t(s + 1), detail::kSectionTypes[s], sp[s], sn[s], s + 1 >= op_ints)) !=
            Status::ok)
            return st;
    using detail::span_at;
    const Span<uint32_t> ps = span_at<uint32_t>(sp, sn, params), ts = span_at<uint32_t>(sp, sn, tensors),
                         os = span_at<uint32_t>(sp, sn, ops), io = span_at<uint32_t>(sp, sn, op_io);
    const Span<int32_t> ints = span_at<int32_t>(sp, sn, op_ints), c_i32 = span_at<int32_t>(sp, sn, const_i32),
                        zeros = span_at<int32_t>(sp, sn, quant_zero);
    const Span<float> floats = span_at<float>(sp, sn, op_floats), c_f32 = span_at<float>(sp, sn, const_f32),
                      scales = span_at<float>(sp, sn, quant_scale);
    const Span<int8_t> c_i8 = span_at<int8_t>(sp, sn, const_i8);
    if (ps.size != p_count || scales.size != zeros.size) return Status::size_mismatch;

    Model m;
    const uint32_t* p = ps.data;
    m.n_tensors = p[p_n_tensors], m.n_ops = p[p_n_ops], m.arena_size = p[p_arena_size];
    m.input = p[p_input], m.output = p[p_output];
    m.task = p[p_task], m.n_classes = p[p_n_classes], m.probabilities = p[p_probabilities];
    m.threshold = math::from_bits(p[p_threshold_bits]);
    if (m.n_tensors == 0 || m.n_tensors > kMaxTensors || m.n_ops == 0 || m.n_ops > kMaxOps) return Status::bad_parameter;
    if (ts.size != size_t(m.n_tensors) * t_fields || os.size != size_t(m.n_ops) * o_fields) return Status::size_mismatch;
    if (m.arena_size % 4 != 0 || m.input >= m.n_tensors || m.output >= m.n_tensors) return Status::bad_parameter;
    if (m.task > 1 || m.probabilities > 1 || !math::is_finite(m.threshold)) return Status::bad_parameter;
    if (m.task == 1 ? m.n_classes < 2 : m.n_classes != 0) return Status::bad_parameter;
    m.tensors = ts.data, m.ops = os.data, m.io = io.data, m.ints = ints.data, m.floats = floats.data;
    m.const_f32 = c_f32.data, m.const_i8 = c_i8.data, m.const_i32 = c_i32.data;
    m.scales = scales.data, m.zeros = zeros.data;

    uint64_t extent = 0;  // the arena is exactly what the plan uses: the end of its highest tensor
    for (uint32_t i = 0; i < m.n_tensors; ++i) {
        const uint32_t* tr = detail::tensor_record(m, i);
        st = detail::check_tensor(tr, m.arena_size, c_f32.size, c_i8.size, c_i32.size, scales.size, scales.data,
                                  zeros.data);
        if (st != Status::ok) return st;
        if (detail::in_arena(tr)) {
            const uint64_t end = uint64_t(tr[t_offset]) + ((uint64_t(detail::byte_count(tr)) + 3) & ~uint64_t(3));
            extent = end > extent ? end : extent;
        }
    }
    if (extent != m.arena_size) return Status::size_mismatch;
    const uint32_t* in = detail::tensor_record(m, m.input);
    const uint32_t* res = detail::tensor_record(m, m.output);
    if (static_cast<Location>(in[t_location]) != Location::arena || in[t_producer] != 0) return Status::bad_parameter;
    if (res[t_producer] == 0) return Status::bad_parameter;
    if (static_cast<DType>(in[t_dtype]) == DType::i32 || static_cast<DType>(res[t_dtype]) == DType::i32)
        return Status::type_mismatch;
    const uint32_t n_out = detail::element_count(res);
    if (m.task == 1 && (n_out != (m.n_classes == 2 ? 1u : m.n_classes) && n_out != m.n_classes))
        return Status::size_mismatch;

    // Ops: records inside their sections, inputs computed before use, outputs
    // theirs alone, then each kind's shape and parameter checks.
    uint32_t used = 0;  // their Part bits
    for (uint32_t i = 0; i < m.n_ops; ++i) {
        const uint32_t* r = detail::op_record(m, i);
        if (r[o_kind] == 0 || r[o_kind] >= uint32_t(OpKind::count)) return Status::unsupported_kind;
        const uint32_t max_outputs = r[o_kind] == uint32_t(OpKind::conv_2d) ? 2 : 1;  // int8 CONV_2D: + its scratch
        if (r[o_n_inputs] < 1 || r[o_n_inputs] > kMaxOpInputs || r[o_n_outputs] < 1 || r[o_n_outputs] > max_outputs)
            return Status::bad_parameter;
        if (uint64_t(r[o_io]) + r[o_n_inputs] + r[o_n_outputs] > io.size ||
            uint64_t(r[o_ints]) + r[o_n_ints] > ints.size || uint64_t(r[o_floats]) + r[o_n_floats] > floats.size)
            return Status::out_of_range;
        const Op o = op(m, i);
        for (uint32_t k = 0; k < o.n_inputs + o.n_outputs; ++k) {
            const uint32_t ti = o.inputs[k];
            if (ti >= m.n_tensors) return Status::out_of_range;
            const uint32_t* tr = detail::tensor_record(m, ti);
            const bool is_output = k >= o.n_inputs;
            if (is_output ? tr[t_producer] != i + 1 || !detail::in_arena(tr) : tr[t_producer] > i)
                return Status::bad_parameter;
        }
        if ((st = check_op(m, o)) != Status::ok) return st;
        used |= part_of(m, o);
    }
    if (f.flags != 0 && f.flags != used) return Status::bad_parameter;  // the device chose its module by them
    for (uint32_t i = 0; i < m.n_tensors; ++i) {  // every op output is listed by its op
        const uint32_t* tr = detail::tensor_record(m, i);
        const uint32_t k = tr[t_producer];
        if (k == 0) continue;
        if (k > m.n_ops) return Status::bad_parameter;
        const Op o = op(m, k - 1);
        if (o.outputs[0] != i && o.outputs[o.n_outputs - 1] != i) return Status::bad_parameter;
    }
    if ((st = detail::check_plan(m)) != Status::ok) return st;
    out = m;
    return Status::ok;
}

}  // namespace neural
}  // namespace microlearn
