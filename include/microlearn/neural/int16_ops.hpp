// int16 activations ("16x8": TensorFlow Lite's int16 activations with int8
// weights), bit-exact with LiteRT's reference kernels: symmetric int16
// activations (zero point 0), per-channel symmetric int8 weights, 64-bit
// accumulators. An op whose first input is an int16 tensor is an int16 op
// (model.hpp's part_of(): part_int16); this file holds its kernels, its
// load-time checks and its dispatch. Its op_ints extend the float layout as
// the int8 ops' do (int8_engine.hpp), with:
//
//   FULLY_CONNECTED           ints + 0, 0, act_min, act_max, then per output channel the
//                             float64 rescale factor as two int32 (low word first)
//   CONV_2D, DEPTHWISE        ints + 0, 0, act_min, act_max, multiplier[out_c], shift[out_c]
//   MAX/AVERAGE_POOL_2D       ints + act_min, act_max
//   RESHAPE                   nothing
//   ADD, MUL                  ints + the int8 layout's 11 (int8::AddParams: offsets 0)
//   SOFTMAX                   ints + multiplier, shift (input_scale * beta / (10 / 65535)), then
//                             LiteRT's two 513-entry int16 tables (exp on [-10, 0], 1 / (1 + x)
//                             on [0, 1]) as 513 int32, two entries each (the first in the low half)
//
// The arithmetic, as LiteRT computes it (ai-edge-litert's BUILTIN_REF
// kernels; tests/python/test_neural_int16.py compares every op):
// - FULLY_CONNECTED: acc = sum of w * x in 64 bits + bias, then
//   round(acc * scale) in double precision (scale = input_scale *
//   weight_scale / output_scale), clamped to the activation's range;
// - CONV_2D, DEPTHWISE_CONV_2D: the same sum, rescaled by TFLite's 64-bit
//   MultiplyByQuantizedMultiplier (the multiplier rounded to 16 bits, one
//   rounding shift): wide_requantize();
// - pooling: the int8 kernel's arithmetic on int16 values (int8::pool_2d);
// - ADD, MUL: int8::add_mul on int16 values (LiteRT's general-scale int16
//   ADD: 15 bits of headroom instead of 20; its power-of-two-scale ADD is
//   refused at conversion);
// - SOFTMAX: LiteRT's fixed-point softmax (softmax() below) on the tables
//   LiteRT fills at Prepare, which the converter computes as LiteRT does and
//   stores in the file (int8_params.int16_softmax_tables: 2,052 bytes).
// Biases are int64 in a .tflite file; the converter stores them as int32
// (refusing a model whose biases do not fit), so that no new constant type
// is needed; the loader bounds the window so that no sum overflows.
#pragma once
#include <stdint.h>

#include "int8_engine.hpp"
#include "int8_ops.hpp"
#include "model.hpp"

namespace microlearn {
namespace neural {
namespace int16 {

// round(double(a) * s) half away from zero, capped at +-2^30 (every int16
// output clamps far below), for |a| < 2^53 and a finite s >= 0 given as its
// 8 little-endian bytes. Without double-precision hardware in integer
// arithmetic: the product of the two 53-bit integers in 128 bits, rounded to
// 53 bits as IEEE's multiply rounds (to nearest, ties to even), then to an
// integer. Tested against the double form in tests/cpp/test_neural_int16.cpp.
inline int bit_length(uint64_t v) {
    int n = 0;
    for (int step = 32; step; step >>= 1)
        if (v >> step) v >>= step, n += step;
    return n + int(v);
}

inline int32_t scaled_round_integer(int64_t a, const void* s) {
    uint64_t m;
    int e;  // s = m * 2^e
    int8::split_double(s, m, e);
    const uint64_t u = a < 0 ? 0 - uint64_t(a) : uint64_t(a);
    const uint32_t u0 = uint32_t(u), u1 = uint32_t(u >> 32), m0 = uint32_t(m), m1 = uint32_t(m >> 32);
    const uint64_t low = uint64_t(u0) * m0, mid = uint64_t(u0) * m1 + uint64_t(u1) * m0;  // mid < 2^54
    uint64_t lo = low + (mid << 32);
    uint64_t hi = uint64_t(u1) * m1 + (mid >> 32) + (lo < low ? 1 : 0);  // u * m = hi * 2^64 + lo
    uint64_t n = lo;
    const int length = hi != 0 ? 64 + bit_length(hi) : bit_length(lo);  // <= 106
    if (length > 53) {  // drop the d low bits (1 <= d <= 53), rounding to nearest, ties to even
        const int d = length - 53;
        const uint64_t rest = lo & ((uint64_t(1) << d) - 1), half = uint64_t(1) << (d - 1);
        n = (hi << (64 - d)) | (lo >> d);
        if (rest > half || (rest == half && (n & 1))) ++n;
        e += d;
    }
    return int8::round_power(n, e, a < 0);
}

inline int32_t scaled_round(int64_t a, const void* s) {
#if defined(__SSE2__) || (defined(__ARM_FP) && (__ARM_FP & 8))
    double scale;
    __builtin_memcpy(&scale, s, 8);
    return math::round_away(static_cast<double>(a) * scale);
#else
    return scaled_round_integer(a, s);
#endif
}

// TFLite's MultiplyByQuantizedMultiplier for a 64-bit x: the multiplier
// rounded to 16 bits, then x * m16 / 2^(15 - shift) rounded half up; shift
// in [-31, 7] (the loader checks), |x| < 2^47.
inline int32_t wide_requantize(int64_t x, int32_t multiplier, int32_t shift) {
    const int32_t m16 = multiplier < 0x7FFF0000 ? (multiplier + (1 << 15)) >> 16 : 0x7FFF;
    const int total = 15 - shift;
    return static_cast<int32_t>((x * m16 + (int64_t(1) << (total - 1))) >> total);
}

inline int16_t clamp16(int32_t v, int32_t lo, int32_t hi) {
    return static_cast<int16_t>(v < lo ? lo : (v > hi ? hi : v));
}

// How a 64-bit sum becomes an int16 output: per output channel a float64
// factor (scales: 8 bytes each, FULLY_CONNECTED) or a (multiplier, shift)
// (CONV_2D, DEPTHWISE_CONV_2D), then the activation's clamp.
struct Rescale {
    const int32_t* tail;  // the op's tail after act_min, act_max: scales, or multipliers then shifts
    uint32_t out_c;
    bool fixed_point;     // multiplier and shift (convolutions), else float64 factors
    int32_t act_min, act_max;

    int16_t operator()(int64_t acc, uint32_t c) const {
        const int32_t v =
            fixed_point ? wide_requantize(acc, tail[c], tail[out_c + c]) : scaled_round(acc, tail + 2 * c);
        return clamp16(v, act_min, act_max);
    }
};

// CONV_2D (w: out_c, k_h, k_w, in_c), DEPTHWISE_CONV_2D (w: 1, k_h, k_w,
// out_c; output channel c reads input channel c / depth_multiplier) and
// FULLY_CONNECTED (a 1x1 CONV_2D over the rows: w: out, in): every output's
// window summed in 64 bits over the taps inside the input (taps outside
// stand for zero, the zero point), plus the bias, rescaled.
inline void window_op(const int16_t* x, const int8_t* w, const int32_t* bias, const Window& g, bool depthwise,
                      const Rescale& rescale, int16_t* y) {
    const int in_c = int(g.in_c), out_c = int(g.out_c), in_w = int(g.in_w), k_w = int(g.k_w);
    const int n_c = depthwise ? 1 : in_c;
    for (int oy = 0; oy < int(g.out_h); ++oy) {
        const int y0 = oy * int(g.stride_h) - int(g.pad_t);
        for (int ox = 0; ox < int(g.out_w); ++ox) {
            const int x0 = ox * int(g.stride_w) - int(g.pad_l);
            for (int oc = 0; oc < out_c; ++oc) {
                const int ic = depthwise ? oc / int(g.depth_multiplier) : 0;
                int64_t acc = 0;
                for (int ky = 0; ky < int(g.k_h); ++ky) {
                    const int iy = y0 + ky * int(g.dil_h);
                    if (iy < 0 || iy >= int(g.in_h)) continue;
                    for (int kx = 0; kx < k_w; ++kx) {
                        const int ix = x0 + kx * int(g.dil_w);
                        if (ix < 0 || ix >= in_w) continue;
                        const int16_t* xp = x + (iy * in_w + ix) * in_c + ic;
                        const int8_t* wp = depthwise ? w + (ky * k_w + kx) * out_c + oc
                                                     : w + ((oc * int(g.k_h) + ky) * k_w + kx) * in_c;
                        for (int k = 0; k < n_c; ++k) acc += int32_t(wp[k]) * xp[k];
                    }
                }
                if (bias) acc += bias[oc];
                *y++ = rescale(acc, uint32_t(oc));
            }
        }
    }
}

// The most weights one output sums (window taps x channels; FULLY_CONNECTED:
// inputs): each |w x| <= 2^22, so with an int32 bias a sum stays below 2^47,
// wide_requantize()'s range, and is exact as a double.
constexpr uint64_t kMaxTaps = uint64_t(1) << 24;

// --- SOFTMAX -----------------------------------------------------------------

// Entry k of the tables packed two to an int32 (the first in the low half).
inline int16_t packed_entry(const int32_t* packed, uint32_t k) {
    return static_cast<int16_t>(uint32_t(packed[k >> 1]) >> ((k & 1) * 16));
}

// LiteRT's int16 table lookup: the high 9 bits of v + 32768 index a
// 513-entry table, the low 7 interpolate linearly to the next entry.
inline int16_t lookup(int16_t v, const int32_t* packed, uint32_t first) {
    const uint32_t index = first + uint32_t(256 + (v >> 7));
    const int16_t base = packed_entry(packed, index);
    const int16_t slope = static_cast<int16_t>(packed_entry(packed, index + 1) - base);
    return static_cast<int16_t>(base + ((slope * (v & 0x7F) + 64) >> 7));
}

constexpr uint32_t kLutSize = 513;  // the exponentials, then the reciprocals (at kLutSize)

// One row's exponential of x - max (Q0.15) from the first table.
inline int16_t softmax_exp(int32_t diff, int32_t multiplier, int32_t shift, const int32_t* luts) {
    const int32_t scaled = int8::requantize_two_steps(diff, multiplier, shift) + 32767;
    return lookup(clamp16(scaled, -32768, 32767), luts, 0);
}

// rows x depth int16 values -> their softmax in Q0.15, as LiteRT's
// SoftmaxInt16: the exponentials go to y first (x may be y), their sum's
// reciprocal comes from the second table, each output is exp * reciprocal
// rounded. The loader checks that a row's sum stays in [2, 2^31).
inline void softmax(const int16_t* x, int rows, int depth, int32_t multiplier, int32_t shift,
                    const int32_t* luts, int16_t* y) {
    for (int r = 0; r < rows; ++r, x += depth, y += depth) {
        int16_t max = -32768;
        for (int c = 0; c < depth; ++c) max = x[c] > max ? x[c] : max;
        int32_t sum = 0;
        for (int c = 0; c < depth; ++c) sum += y[c] = softmax_exp(int32_t(x[c]) - max, multiplier, shift, luts);
        const int headroom = __builtin_clz(uint32_t(sum));  // sum >= 2: headroom <= 30
        const int32_t shifted = int32_t(((int64_t(sum) << (headroom - 1)) + (1 << 13)) >> 14);
        const int16_t reciprocal = lookup(clamp16(shifted - ((1 << 15) + (1 << 16)), -32768, 32767), luts, kLutSize);
        const int right = 31 - headroom;
        for (int c = 0; c < depth; ++c) {
            const int32_t v = int32_t((int64_t(y[c]) * reciprocal + (int64_t(1) << (right - 1))) >> right);
            y[c] = clamp16(v, 0, 32767);
        }
    }
}

// Whether every row's sum of exponentials lies in [2, 2^31) (the shifts above
// are defined): the exponential table's entries in [0, 32767], the
// exponential of 0 (a row's maximum) at least 2, at most 2^16 values a row.
inline bool softmax_ok(const int32_t* luts, uint32_t depth) {
    for (uint32_t k = 0; k < kLutSize; ++k)
        if (packed_entry(luts, k) < 0) return false;
    return lookup(32767, luts, 0) >= 2 && depth <= (1u << 16);
}

// --- the model's edges: QUANTIZE, DEQUANTIZE, input and outputs -------------

// float -> int16 as TFLite's QUANTIZE: the float32 quotient v / scale rounded
// half away from zero (math::round_quotient), clamped.
inline int16_t quantize(float v, float scale) {
    return clamp16(math::round_quotient(v, scale), -32768, 32767);
}

// out[i] = scale * float(q[i]) (zero point 0), as TFLite's DEQUANTIZE.
inline void dequantize(const int16_t* q, uint32_t n, float scale, float* out) {
    for (uint32_t i = 0; i < n; ++i) out[i] = scale * float(q[i]);
}

// QUANTIZE (float32 x -> int16 y) or DEQUANTIZE (int16 x -> float32 y).
inline void cast(const Tensor& x, const Tensor& y) {
    if (y.dtype == DType::i16)
        for (uint32_t i = 0; i < x.count; ++i) y.i16()[i] = quantize(x.f32()[i], y.scale[0]);
    else dequantize(x.i16(), x.count, x.scale[0], y.f32());
}

// --- load-time checks and dispatch ------------------------------------------

inline bool in16(int32_t v) { return v >= -32768 && v <= 32767; }

// The window of a FULLY_CONNECTED: rows of `in` values as a 1x1 convolution.
inline Window dense_window(uint32_t rows, uint32_t in, uint32_t out) {
    Window g{};
    g.in_h = g.out_h = 1, g.in_w = g.out_w = rows, g.in_c = in, g.out_c = out;
    g.k_h = g.k_w = g.stride_h = g.stride_w = g.dil_h = g.dil_w = g.depth_multiplier = 1;
    return g;
}

inline bool int16_kind(OpKind k) {
    switch (k) {
        case OpKind::fully_connected: case OpKind::conv_2d: case OpKind::depthwise_conv_2d:
        case OpKind::max_pool_2d: case OpKind::average_pool_2d: case OpKind::reshape: case OpKind::mean:
        case OpKind::reduce_max: case OpKind::softmax: case OpKind::add: case OpKind::mul: return true;
        default: return false;
    }
}

// Checks an int16 op's dtypes, quantization and tail, and gives `base`: the
// op as the float layout sees it, for detail::check_layout. Load only.
inline Status check(const Model& m, const Op& o, Op& base) {
    if (!int16_kind(o.kind)) return Status::unsupported_kind;
    const Tensor x = tensor(m, o.inputs[0], nullptr);
    const Tensor y = tensor(m, o.outputs[0], nullptr);
    const bool weighted = o.kind == OpKind::fully_connected || o.kind == OpKind::conv_2d ||
                          o.kind == OpKind::depthwise_conv_2d;
    uint32_t bi, bf;
    int8_engine::base_counts(o, x.rank, bi, bf);
    const uint32_t ti = weighted                          ? 4 + 2 * y.channels()
                        : o.kind == OpKind::mean          ? 4
                        : o.kind == OpKind::softmax       ? 2 + kLutSize
                        : o.kind == OpKind::add || o.kind == OpKind::mul ? 11
                        : o.kind == OpKind::reshape || o.kind == OpKind::reduce_max ? 0 : 2;
    if (o.n_ints != bi + ti || o.n_floats != bf || o.n_outputs != 1) return Status::bad_parameter;
    if (y.dtype != DType::i16 || x.n_quant != 1 || y.n_quant != 1) return Status::type_mismatch;
    base = o;
    base.n_ints = bi;
    const bool binary = o.kind == OpKind::add || o.kind == OpKind::mul;
    for (uint32_t k = 1; k < o.n_inputs; ++k)
        if (int8_engine::dtype_of(m, o.inputs[k]) != (binary ? DType::i16 : k == 2 ? DType::i32 : DType::i8))
            return Status::type_mismatch;
    const int32_t* t = o.ints + bi;
    if (o.kind == OpKind::reshape) return Status::ok;
    if (binary) {  // symmetric: no offsets; ADD's inputs rescaled by at most 1 so that their sum fits int32
        const bool add = o.kind == OpKind::add;
        const bool ok = t[0] == 0 && t[1] == 0 && t[2] == 0 && t[3] >= 0 && t[5] >= 0 && t[7] >= 0 &&
                        int8_engine::shift_ok(t[4]) && int8_engine::shift_ok(t[6]) && int8_engine::shift_ok(t[8]) &&
                        (!add || (t[4] <= 0 && t[6] <= 0)) && in16(t[9]) && in16(t[10]) && t[9] <= t[10] &&
                        tensor(m, o.inputs[1], nullptr).n_quant == 1;
        return ok ? Status::ok : Status::bad_parameter;
    }
    if (o.kind == OpKind::softmax)  // a zero point of 0 the tensors' checks ensured
        return t[0] >= 0 && int8_engine::shift_ok(t[1]) && softmax_ok(t + 2, x.channels()) ? Status::ok
                                                                                             : Status::bad_parameter;
    if (o.kind == OpKind::mean || o.kind == OpKind::reduce_max) {  // global pooling only, as int8's
        if (x.rank < 2 || uint32_t(o.ints[0]) != (1u << (x.rank - 1)) - 1) return Status::bad_parameter;
        if (o.kind == OpKind::reduce_max) return Status::ok;
        // zero points 0; an int32 sum of up to 2^16 int16 values
        const bool ok = t[0] == 0 && t[1] >= 0 && int8_engine::shift_ok(t[2]) && t[3] == 0 &&
                        x.count / x.channels() <= (1u << 16);
        return ok ? Status::ok : Status::bad_parameter;
    }
    const int32_t lo = t[weighted ? 2 : 0], hi = t[weighted ? 3 : 1];
    if (!in16(lo) || !in16(hi) || lo > hi) return Status::bad_parameter;
    if (!weighted)  // an average's int32 sum of up to 2^16 int16 values does not overflow
        return uint64_t(uint32_t(o.ints[0])) * uint32_t(o.ints[1]) <= (1u << 16) ? Status::ok : Status::bad_parameter;
    if (t[0] != 0 || t[1] != 0) return Status::bad_parameter;  // symmetric int16: no offsets
    const Tensor w = tensor(m, o.inputs[1], nullptr);
    if (w.count / w.dims[0] > kMaxTaps) return Status::bad_parameter;  // (dims are >= 1)
    for (uint32_t c = 0; c < y.channels(); ++c) {
        if (o.kind != OpKind::fully_connected) {
            const int32_t shift = t[4 + y.channels() + c];
            if (t[4 + c] < 0 || shift < -31 || shift > 7) return Status::bad_parameter;
        } else if (!int8_engine::scale_in_range(t + 4 + 2 * c)) {
            return Status::bad_parameter;
        }
    }
    return Status::ok;
}

// Runs an int16 op (load() checked it) on the arena.
inline void eval(const Model& m, const Op& o, uint8_t* arena) {
    const Tensor x = tensor(m, o.inputs[0], arena);
    const Tensor y = tensor(m, o.outputs[0], arena);
    uint32_t bi, bf;
    int8_engine::base_counts(o, x.rank, bi, bf);
    const int32_t* t = o.ints + bi;
    switch (o.kind) {
        case OpKind::fully_connected:
        case OpKind::conv_2d:
        case OpKind::depthwise_conv_2d: {
            const Tensor w = tensor(m, o.inputs[1], arena);
            const int32_t* bias = o.n_inputs > 2 ? tensor(m, o.inputs[2], arena).i32() : nullptr;
            const Rescale rs{t + 4, y.channels(), o.kind != OpKind::fully_connected, t[2], t[3]};
            const Window g = o.kind == OpKind::fully_connected
                                 ? dense_window(x.count / w.dims[1], w.dims[1], w.dims[0])
                                 : window(o, x, y, &w);
            window_op(x.i16(), w.i8(), bias, g, o.kind == OpKind::depthwise_conv_2d, rs, y.i16());
            return;
        }
        case OpKind::max_pool_2d:
        case OpKind::average_pool_2d:
            int8::pool_2d(x.i16(), window(o, x, y, nullptr), o.kind == OpKind::average_pool_2d, t[0], t[1], y.i16());
            return;
        case OpKind::mean: {
            const uint32_t ch = x.channels();
            int8::mean(x.i16(), int(x.count / ch), int(ch), t[0], t[1], t[2], t[3], y.i16());
            return;
        }
        case OpKind::add:
        case OpKind::mul: {
            const Tensor b = tensor(m, o.inputs[1], arena);
            const int8::AddParams p{t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8], t[9], t[10]};
            int8::add_mul<int16_t, 15>(x.i16(), b.i16(), int(x.count), int(b.count), o.kind == OpKind::mul, p,
                                       y.i16());
            return;
        }
        case OpKind::softmax:
            softmax(x.i16(), int(x.count / x.channels()), int(x.channels()), t[0], t[1], t + 2, y.i16());
            return;
        case OpKind::reduce_max:
            int8::reduce_max(x.i16(), int(x.count / x.channels()), int(x.channels()), y.i16());
            return;
        default:  // RESHAPE
            if (x.data != y.data)
                for (uint32_t i = 0; i < x.count; ++i) y.i16()[i] = x.i16()[i];
            return;
    }
}

}  // namespace int16
}  // namespace neural
}  // namespace microlearn
