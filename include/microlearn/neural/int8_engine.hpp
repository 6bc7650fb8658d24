// int8 ops in the neural-network interpreter: which ops run on int8, what
// their records hold beyond the float layout, the load-time checks of those
// parameters, and the dispatch to the kernels of int8_ops.hpp.
//
// An op whose first input is an int8 tensor (model.hpp's part_of(); DEQUANTIZE aside:
// engine.hpp runs it) is an int8 op. Its op_ints / op_floats entries are
// the float op's (docs/neural.md's table) followed by a tail the converter
// computed (python/microlearn/converters/neural/int8_params.py, extend()):
//
//   FULLY_CONNECTED     ints + input_offset, output_offset, act_min, act_max, then per output
//                       channel a float64 rescale factor as two int32 (low word first)
//   CONV_2D, DEPTHWISE  ints + input_offset, output_offset, act_min, act_max, multiplier[out_c], shift[out_c]
//
// An int8 CONV_2D has a second output: its scratch memory, an int8 tensor of
// at least int8::conv_scratch_bytes(filter) bytes that the plan places in the
// arena apart from every tensor alive while the op runs (the widened input
// patches of two output pixels; conv_scratch_bytes_4() holds four pixels',
// which the converter plans where the arena does not grow; the kernel is
// given the size and runs either).
//   MAX/AVERAGE_POOL    ints + act_min, act_max
//   MEAN                ints + input_zero_point, multiplier, shift, output_zero_point
//   QUANTIZE            (int8 -> int8, a requantize) ints: the same four as MEAN's
//   PAD                 ints + the value padded with (the zero point)
//   ADD, MUL            ints + the 11 AddParams fields (int8_ops.hpp)
//   RELU, RELU6, LEAKY_RELU, LOGISTIC, TANH, HARD_SWISH
//                       ints: the 256-entry int8 table packed 4 per int32 (little-endian)
//   SOFTMAX             floats + output_scale, s = float32(-input_scale * beta);
//                       ints: n exceptions (d, float bits of exp(s d)) as 2n int32, d increasing in [1, 255]
//                       (files written before 2026-11-26: floats + output_scale, exp_table[256], no ints)
//   REDUCE_MAX, RESHAPE, CONCATENATION: nothing more (their int8 output shares
//                       the input's quantization: bytes only move)
#pragma once
#include <stdint.h>

#include "int8_ops.hpp"
#include "model.hpp"

namespace microlearn {
namespace neural {
namespace int8_engine {

inline DType dtype_of(const Model& m, uint32_t t) {
    return static_cast<DType>(detail::tensor_record(m, t)[t_dtype]);
}

// The float layout's counts for kind k (ints, floats); n_x_rank: x's rank (PAD).
inline void base_counts(const Op& o, uint32_t x_rank, uint32_t& n_ints, uint32_t& n_floats) {
    n_floats = 0;
    switch (o.kind) {
        case OpKind::fully_connected: case OpKind::add: case OpKind::mul: case OpKind::mean:
        case OpKind::reduce_max: n_ints = 1; return;
        case OpKind::conv_2d: case OpKind::max_pool_2d: case OpKind::average_pool_2d: n_ints = 9; return;
        case OpKind::depthwise_conv_2d: n_ints = 10; return;
        case OpKind::pad: n_ints = 2 * x_rank; return;
        case OpKind::concatenation: n_ints = 2; return;
        case OpKind::leaky_relu: case OpKind::softmax: n_ints = 0, n_floats = 1; return;
        default: n_ints = 0; return;
    }
}

// Tail sizes (ints, floats) for an int8 op with `channels` output channels;
// false for kinds with no int8 kernel.
inline bool tail_counts(OpKind k, uint32_t channels, uint32_t& n_ints, uint32_t& n_floats) {
    n_ints = n_floats = 0;
    switch (k) {
        case OpKind::fully_connected: n_ints = 4 + 2 * channels; return true;
        case OpKind::conv_2d: case OpKind::depthwise_conv_2d: n_ints = 4 + 2 * channels; return true;
        case OpKind::max_pool_2d: case OpKind::average_pool_2d: n_ints = 2; return true;
        case OpKind::mean: n_ints = 4; return true;
#if MICROLEARN_NEURAL_PARTS & 8  // part_int8_extra
        case OpKind::pad: n_ints = 1; return true;
        case OpKind::add: case OpKind::mul: n_ints = 11; return true;
        case OpKind::quantize: n_ints = 4; return true;
#endif
        case OpKind::relu: case OpKind::relu6: case OpKind::leaky_relu: case OpKind::logistic: case OpKind::tanh:
        case OpKind::hard_swish: n_ints = 64; return true;
        case OpKind::softmax: n_floats = 2; return true;  // + 2 ints per exception (check())
        case OpKind::reduce_max: case OpKind::reshape: return true;
#if MICROLEARN_NEURAL_PARTS & 8  // part_int8_extra
        case OpKind::concatenation: return true;
#endif
        default: return false;
    }
}

// SOFTMAX's tail as this op holds it: the table (257 floats) or 2 floats and
// an even number of ints up to 2 * 255 (the exceptions); anything else keeps
// the sizes tail_counts() gave, which then fail check()'s count comparison.
inline void softmax_tail(const Op& o, uint32_t& n_ints, uint32_t& n_floats) {
    if (o.n_floats == 1 + 257 && o.n_ints == 0) n_floats = 257;
    else if (o.n_ints % 2 == 0 && o.n_ints <= 2 * 255) n_ints = o.n_ints;
}

inline bool in8(int32_t v) { return v >= -128 && v <= 127; }
inline bool shift_ok(int32_t s) { return s >= -31 && s <= 30; }

// MEAN's and QUANTIZE's tail: input_zero_point, multiplier, shift, output_zero_point.
inline bool requantize_ok(const int32_t* t) { return in8(t[0]) && t[1] >= 0 && shift_ok(t[2]) && in8(t[3]); }

// 0 <= the float64 in two ints < 1e9 (NaN fails), from its bits: no float64
// compare, so a module without double hardware links no libgcc routine for it.
inline bool scale_in_range(const int32_t* two) {
    uint64_t bits;
    __builtin_memcpy(&bits, two, sizeof bits);
    const uint64_t kOneE9 = 0x41CDCD6500000000u;  // 1e9; smaller positive doubles have smaller bits
    return bits < kOneE9 || bits == (uint64_t(1) << 63);  // -0.0 compares equal to 0.0
}

// Checks an int8 op's dtypes, quantization and tail, and gives `base`: the op
// as the float layout sees it (its tail cut off), for detail::check_op's shape
// checks. Runs at load only.
inline Status check(const Model& m, const Op& o, Op& base) {
    const Tensor x = tensor(m, o.inputs[0], nullptr);
    const Tensor y = tensor(m, o.outputs[0], nullptr);
    uint32_t bi, bf, ti, tf;
    base_counts(o, x.rank, bi, bf);
    if (!tail_counts(o.kind, y.channels(), ti, tf)) return Status::unsupported_kind;
    if (o.kind == OpKind::softmax) softmax_tail(o, ti, tf);
    if (o.n_ints != bi + ti || o.n_floats != bf + tf) return Status::bad_parameter;
    if (y.dtype != DType::i8 || x.n_quant != 1 || y.n_quant != 1) return Status::type_mismatch;
    base = o;
    base.n_ints = bi, base.n_floats = bf;
    if (o.n_outputs != (o.kind == OpKind::conv_2d ? 2u : 1u)) return Status::bad_parameter;
    if (o.kind == OpKind::conv_2d) {  // the scratch: bytes enough, apart from y (the plan's check does the rest)
        const uint32_t* s = detail::tensor_record(m, o.outputs[1]);
        const Tensor w = tensor(m, o.inputs[1], nullptr);
        const uint64_t filter = uint64_t(w.dims[1]) * w.dims[2] * w.dims[3];
        if (static_cast<DType>(s[t_dtype]) != DType::i8 || filter > kMaxElements ||
            detail::byte_count(s) < int8::conv_scratch_bytes(uint32_t(filter)))
            return Status::bad_parameter;
        const uint32_t* yr = detail::tensor_record(m, o.outputs[0]);
        if (detail::overlap(s[t_offset], detail::byte_count(s), yr[t_offset], detail::byte_count(yr)))
            return Status::bad_parameter;
        base.n_outputs = 1;
    }
    const int32_t* t = o.ints + bi;
    const bool weighted = o.kind == OpKind::fully_connected || o.kind == OpKind::conv_2d ||
                          o.kind == OpKind::depthwise_conv_2d;
    for (uint32_t k = 1; k < o.n_inputs; ++k) {
        const DType d = dtype_of(m, o.inputs[k]);
        if (d != (weighted && k == 2 ? DType::i32 : DType::i8)) return Status::type_mismatch;
    }
    if (weighted) {
        if (t[0] < -127 || t[0] > 128 || !in8(t[1]) || !in8(t[2]) || !in8(t[3]) || t[2] > t[3])
            return Status::bad_parameter;
        for (uint32_t c = 0; c < y.channels(); ++c) {
            if (o.kind == OpKind::fully_connected) {
                if (!scale_in_range(t + 4 + 2 * c)) return Status::bad_parameter;
            } else if (t[4 + c] < 0 || !shift_ok(t[4 + y.channels() + c])) {
                return Status::bad_parameter;
            }
        }
        if (o.kind == OpKind::fully_connected && x.count != tensor(m, o.inputs[1], nullptr).dims[1] &&
            x.channels() != tensor(m, o.inputs[1], nullptr).dims[1])
            return Status::size_mismatch;
        return Status::ok;
    }
    switch (o.kind) {
        case OpKind::max_pool_2d: case OpKind::average_pool_2d:
            return in8(t[0]) && in8(t[1]) && t[0] <= t[1] ? Status::ok : Status::bad_parameter;
        case OpKind::mean:
        case OpKind::reduce_max:
            // global pooling only: every axis but the channels
            if (x.rank < 2 || uint32_t(o.ints[0]) != (1u << (x.rank - 1)) - 1) return Status::bad_parameter;
            if (o.kind == OpKind::mean && !requantize_ok(t)) return Status::bad_parameter;
            return Status::ok;
#if MICROLEARN_NEURAL_PARTS & 8  // part_int8_extra
        case OpKind::quantize: return requantize_ok(t) ? Status::ok : Status::bad_parameter;
        case OpKind::pad: return x.rank <= 3 && in8(t[0]) ? Status::ok : Status::bad_parameter;
        case OpKind::add:
        case OpKind::mul:
            for (int k = 0; k < 3; ++k)
                if (t[k] < -255 || t[k] > 255) return Status::bad_parameter;
            if (t[3] < 0 || t[5] < 0 || t[7] < 0 || !shift_ok(t[4]) || !shift_ok(t[6]) || !shift_ok(t[8]) ||
                !in8(t[9]) || !in8(t[10]) || t[9] > t[10] || tensor(m, o.inputs[1], nullptr).n_quant != 1)
                return Status::bad_parameter;
            return Status::ok;
#endif
        case OpKind::softmax: {
            // output scale about 1/256 (TFLite's); every exponential in [0, 1] (its float bits at most 1.0's),
            // exp(0) = 1: 1 / (sum * scale) stays normal; -inf < s <= 0
            const float* f = o.floats + bf;
            const uint32_t s = math::to_bits(f[1]), one = 0x3F800000u;
            if (!(f[0] > 0.001f && f[0] < 0.01f) || x.channels() >= (1u << 20)) return Status::bad_parameter;
            if (tf == 257) {  // the table
                for (uint32_t k = 1; k < tf; ++k)
                    if (math::to_bits(f[k]) > one) return Status::bad_parameter;
            } else if (s != 0 && (s < 0x80000000u || s >= 0xFF800000u)) {
                return Status::bad_parameter;
            }
            for (uint32_t i = 0; i < ti; i += 2)  // the exceptions: d increasing in [1, 255]
                if (t[i] < (i ? t[i - 2] + 1 : 1) || t[i] > 255 || uint32_t(t[i + 1]) > one) return Status::bad_parameter;
            return Status::ok;
        }
#if MICROLEARN_NEURAL_PARTS & 8  // part_int8_extra
        case OpKind::concatenation:
            for (uint32_t k = 0; k < o.n_inputs; ++k)
                if (tensor(m, o.inputs[k], nullptr).n_quant != 1) return Status::type_mismatch;
            return Status::ok;
#endif
        default: return Status::ok;
    }
}

// Runs an int8 op (model.hpp's part_of(): part_int8 or part_int8_extra) on the arena.
inline void eval(const Model& m, const Op& o, uint8_t* arena) {
    const Tensor x = tensor(m, o.inputs[0], arena);
    const Tensor y = tensor(m, o.outputs[0], arena);
    uint32_t bi, bf;
    base_counts(o, x.rank, bi, bf);
    const int32_t* t = o.ints + bi;
    const uint32_t ch = x.channels();
    switch (o.kind) {
        case OpKind::fully_connected:
        case OpKind::conv_2d:
        case OpKind::depthwise_conv_2d: {
            const Tensor w = tensor(m, o.inputs[1], arena);
            const int32_t* bias = o.n_inputs > 2 ? tensor(m, o.inputs[2], arena).i32() : nullptr;
            const uint32_t out_c = y.channels();
            const int8::Requant rq{t + 4, t + 4 + out_c, t[1], t[2], t[3]};
            if (o.kind == OpKind::fully_connected) {
                const uint32_t in = w.dims[1];
                for (uint32_t r = 0, rows = x.count / in; r < rows; ++r)
                    int8::fully_connected(x.i8() + r * in, t[0], w.i8(), bias, int(in), int(out_c), t + 4, rq,
                                          y.i8() + r * out_c);
            } else if (o.kind == OpKind::conv_2d) {
                const Tensor s = tensor(m, o.outputs[1], arena);
                int8::conv_2d(x.i8(), t[0], w.i8(), bias, window(o, x, y, &w), rq, reinterpret_cast<int16_t*>(s.data),
                              s.count, y.i8());
            } else {
                int8::depthwise_conv_2d(x.i8(), t[0], w.i8(), bias, window(o, x, y, &w), rq, y.i8());
            }
            return;
        }
        case OpKind::max_pool_2d:
        case OpKind::average_pool_2d:
            int8::pool_2d(x.i8(), window(o, x, y, nullptr), o.kind == OpKind::average_pool_2d, t[0], t[1], y.i8());
            return;
        case OpKind::mean: int8::mean(x.i8(), int(x.count / ch), int(ch), t[0], t[1], t[2], t[3], y.i8()); return;
        case OpKind::reduce_max: int8::reduce_max(x.i8(), int(x.count / ch), int(ch), y.i8()); return;
        case OpKind::reshape:
            if (x.data != y.data)
                for (uint32_t i = 0; i < x.count; ++i) y.i8()[i] = x.i8()[i];
            return;
#if MICROLEARN_NEURAL_PARTS & 8  // part_int8_extra
        case OpKind::pad: {
            uint32_t in[3] = {1, 1, 1}, before[3] = {0, 0, 0}, after[3] = {0, 0, 0};
            for (uint32_t k = 0, lead = 3 - x.rank; k < x.rank; ++k) {
                in[lead + k] = x.dims[k];
                before[lead + k] = uint32_t(o.ints[2 * k]), after[lead + k] = uint32_t(o.ints[2 * k + 1]);
            }
            int8::pad(x.i8(), in, before, after, static_cast<int8_t>(t[0]), y.i8());
            return;
        }
        case OpKind::add:
        case OpKind::mul: {
            const Tensor b = tensor(m, o.inputs[1], arena);
            const int8::AddParams p{t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8], t[9], t[10]};
            int8::add_mul(x.i8(), b.i8(), int(x.count), int(b.count), o.kind == OpKind::mul, p, y.i8());
            return;
        }
        case OpKind::quantize:  // each value requantized: a MEAN over one row
            int8::mean(x.i8(), 1, int(x.count), t[0], t[1], t[2], t[3], y.i8());
            return;
        case OpKind::concatenation: {
            uint32_t outer = 1;
            for (int32_t k = 0; k < o.ints[0]; ++k) outer *= y.dims[k];
            const uint32_t y_inner = y.count / outer;
            for (uint32_t i = 0, offset = 0; i < o.n_inputs; ++i) {
                const Tensor part = tensor(m, o.inputs[i], arena);
                const uint32_t inner = part.count / outer;
                int8::concat_part(part.i8(), outer, inner, y_inner, offset, y.i8());
                offset += inner;
            }
            return;
        }
#endif
        case OpKind::softmax: {
            const bool table = o.n_floats == bf + 257;
            const int8::SoftmaxExp e{table ? o.floats + bf + 1 : nullptr, table ? 0 : math::to_bits(o.floats[bf + 1]), t,
                                     (o.n_ints - bi) / 2};
            int8::softmax(x.i8(), int(x.count / ch), int(ch), e, o.floats[bf], y.i8());
            return;
        }
        default:  // RELU, RELU6, LEAKY_RELU, LOGISTIC, TANH, HARD_SWISH: a table
            int8::lut(x.i8(), int(x.count), reinterpret_cast<const int8_t*>(t), y.i8());
            return;
    }
}

}  // namespace int8_engine
}  // namespace neural
}  // namespace microlearn
