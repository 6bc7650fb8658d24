// int8 kernels of the neural-network engine, bit-exact with LiteRT's
// reference kernels (tflite/kernels/internal/reference/integer_ops/).
//
// Conventions (TensorFlow Lite's): real = scale * (q - zero_point); tensors are
// row-major, channels last, without the batch axis. Every rescaling factor was
// turned into a fixed-point (multiplier, shift) at conversion
// (python/microlearn/converters/neural/int8_params.py); int8_engine.hpp
// reads them from the model and calls these kernels and is applied here as
// TFLite's MultiplyByQuantizedMultiplier: requantize() below; FULLY_CONNECTED
// rescales in double precision as LiteRT's reference does. The element-wise
// activations arrive as 256-entry tables (lut()), softmax as the scale of its
// exponentials (softmax()). Kernels only do integer arithmetic, take
// caller-owned pointers and never allocate.
//
// The convolution and dense kernels have a fast path for Cortex-M4/M7 (the DSP
// extension's dual 16-bit multiply-accumulate, __ARM_FEATURE_DSP), the
// convolutions one for x64 (SSE2); define MICROLEARN_INT8_PORTABLE to compile
// the portable loops only.
#pragma once
#include <stdint.h>

#include "int8_io.hpp"
#include "model.hpp"

#if defined(__ARM_FEATURE_DSP) && !defined(MICROLEARN_INT8_PORTABLE)
#include <arm_acle.h>
#define MICROLEARN_INT8_DSP 1
#else
#define MICROLEARN_INT8_DSP 0
#endif
#if defined(__SSE2__) && defined(__x86_64__) && !defined(MICROLEARN_INT8_PORTABLE)
#include <emmintrin.h>
#define MICROLEARN_INT8_SSE2 1
#else
#define MICROLEARN_INT8_SSE2 0
#endif

namespace microlearn {
namespace neural {
namespace int8 {

// --- fixed-point arithmetic (gemmlowp / TFLite) ------------------------------

// round(a * b / 2^31), saturating the one overflowing case (INT32_MIN^2).
// gemmlowp adds a nudge of 2^30 (1 - 2^30 below zero) and divides rounding
// toward zero; for either sign that is adding 2^30 and shifting right.
inline int32_t rounding_doubling_high_mul(int32_t a, int32_t b) {
    if (a == b && a == INT32_MIN) return INT32_MAX;
    return static_cast<int32_t>((static_cast<int64_t>(a) * b + (int64_t(1) << 30)) >> 31);
}

// x / 2^exponent, rounded half away from zero; exponent in [0, 31].
__attribute__((always_inline)) inline int32_t rounding_divide_by_pot(int32_t x, int exponent) {
    const int32_t mask = static_cast<int32_t>((1u << exponent) - 1u);
    const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> exponent) + ((x & mask) > threshold ? 1 : 0);
}

// x * multiplier * 2^(shift - 31), TFLite's MultiplyByQuantizedMultiplier:
// shift > 0 shifts left before the multiply, shift < 0 rounds right after:
// rounding_divide_by_pot(h, e) of h = rounding_doubling_high_mul(x, m), e = -shift.
// multiplier >= 0 (the loader checks every one), so the product never
// overflows and h has x's sign (or is 0). Both roundings then fold into one
// of the 64-bit product p = x * m, exactly (nested floors of divisions by
// 2^31 and 2^e are one floor): h >= 0 rounds half up, floor((h + 2^(e-1)) /
// 2^e) = floor((p + 2^30 + 2^(30+e)) / 2^(31+e)); h < 0 rounds half down,
// floor((h + 2^(e-1) - 1) / 2^e), the same with 2^31 less added; h = 0 gives
// 0 either way, so x's sign bit picks the form: one multiply-accumulate of
// x * m onto a 64-bit constant given as two words, and a shift of the high
// word (written with words so that GCC emits SMLAL on the Cortex-M3/M4).
// tests/cpp/test_neural_int8.cpp checks it against TFLite's two steps at
// ties of both roundings and at the extremes. requantize() takes the folded
// form where that multiply-accumulate is one instruction (SMLAL: Cortex-M3/M4),
// TFLite's two steps elsewhere.
#if defined(__ARM_ARCH_7M__) || defined(__ARM_ARCH_7EM__)
#define MICROLEARN_INT8_FOLDED 1
#else
#define MICROLEARN_INT8_FOLDED 0
#endif

struct RoundRight {        // for a right shift e = -shift in 1 .. 31:
    uint32_t lo;          // 2^30 + 2^(30+e): its low word
    int32_t hi;           // and its high word
    int32_t high_shift;   // e - 1
};

inline RoundRight round_right(int32_t shift) {
    const int e = -shift;
    const uint64_t up = (uint64_t(1) << 30) + (uint64_t(1u << (e - 1)) << 31);
    return {uint32_t(up), int32_t(up >> 32), e - 1};
}

__attribute__((always_inline)) inline int32_t requantize_right_folded(int32_t x, int32_t multiplier,
                                                                   const RoundRight& r) {
    // up - 2^31 when x < 0: bit 31 of the low word flips, borrowing from the high word if it was 0
    const uint32_t sign = uint32_t(x) & 0x80000000u, lo = r.lo ^ sign;
    const int32_t hi = r.hi + (static_cast<int32_t>(sign & ~r.lo) >> 31);
    const int64_t sum = int64_t(uint64_t(uint32_t(hi)) << 32 | lo) + static_cast<int64_t>(x) * multiplier;
    return static_cast<int32_t>(sum >> 32) >> r.high_shift;
}

// The same sum in one 64-bit register, for x64's 2-pixel convolution
// outputs (output_pair): up = round_right_wide(shift), total = 31 - shift.
// (requantize() keeps the two steps there: measured faster per single output.)
inline int64_t round_right_wide(int32_t shift) { return (int64_t(1) << 30) + (int64_t(1) << (30 - shift)); }

__attribute__((always_inline)) inline int32_t requantize_right_wide(int32_t x, int32_t multiplier, int64_t up,
                                                                 int total) {
    return static_cast<int32_t>((static_cast<int64_t>(x) * multiplier + up - (x < 0 ? int64_t(1) << 31 : 0)) >> total);
}

__attribute__((always_inline)) inline int32_t requantize_left(int32_t x, int32_t multiplier, int32_t shift) {
    x = static_cast<int32_t>(static_cast<uint32_t>(x) << shift);
    return static_cast<int32_t>((static_cast<int64_t>(x) * multiplier + (int64_t(1) << 30)) >> 31);
}

// rounding_doubling_high_mul(x, m) for m >= 0 (every multiplier) from 16-bit
// halves, for the Cortex-M0, which has no 32x32->64-bit multiply (libgcc's
// __aeabi_lmul is about 45 instructions): x = xh 2^16 + xl, m = mh 2^16 + ml
// (xh signed, the rest unsigned); x m + 2^30 = (xh mh + hi(b) + hi(c)) 2^32 +
// (lo(b) + lo(c) + hi(d) + 2^14) 2^16 + lo(d) with b = xh ml, c = xl mh,
// d = xl ml (hi: the floor of a division by 2^16, lo: the remainder), each
// product within 32 bits; the last term is below 2^16 and leaves the floor of
// the division by 2^31 alone. Tested against the 64-bit form in
// tests/cpp/test_neural_int8.cpp.
__attribute__((always_inline)) inline int32_t high_mul_halves(int32_t x, int32_t m) {
    const int32_t xh = x >> 16, mh = m >> 16;
    const uint32_t xl = uint32_t(x) & 0xFFFFu, ml = uint32_t(m) & 0xFFFFu;
    const int32_t b = xh * int32_t(ml);  // |b| < 2^31
    const uint32_t c = xl * uint32_t(mh), d = xl * ml;
    const uint32_t low = (uint32_t(b) & 0xFFFFu) + (c & 0xFFFFu) + (d >> 16) + (1u << 14);
    return int32_t(2u * uint32_t(xh * mh + (b >> 16) + int32_t(c >> 16)) + (low >> 15));
}

// The same as TFLite writes it, in two steps: what every target but the
// Cortex-M3/M4 runs (measured, docs/benchmarks-neural-int8.md: the folded
// form's extra words cost the Cortex-M0, which has no 32x32->64-bit multiply
// instruction, and x64 more than they save); the Cortex-M0 takes the product
// from 16-bit halves.
__attribute__((always_inline)) inline int32_t requantize_two_steps(int32_t x, int32_t multiplier, int32_t shift) {
    if (shift > 0) x = static_cast<int32_t>(static_cast<uint32_t>(x) << shift);
#if defined(__ARM_ARCH_6M__)
    const int32_t high = high_mul_halves(x, multiplier);
#else
    const int32_t high = static_cast<int32_t>((static_cast<int64_t>(x) * multiplier + (int64_t(1) << 30)) >> 31);
#endif
    return rounding_divide_by_pot(high, shift > 0 ? 0 : -shift);
}

__attribute__((always_inline)) inline int32_t requantize(int32_t x, int32_t multiplier, int32_t shift) {
#if MICROLEARN_INT8_FOLDED
    return shift >= 0 ? requantize_left(x, multiplier, shift)
                      : requantize_right_folded(x, multiplier, round_right(shift));
#else
    return requantize_two_steps(x, multiplier, shift);
#endif
}

using math::round_away;  // C's round(), halves away from zero

inline int8_t clamp8(int32_t v, int32_t lo, int32_t hi) {
    return static_cast<int8_t>(v < lo ? lo : (v > hi ? hi : v));
}

// --- parameters ---------------------------------------------------------------

// How an int32 accumulator becomes an int8 output: per output channel
// (multiplier, shift), then + output zero point, then the fused activation's
// [act_min, act_max].
struct Requant {
    const int32_t* multiplier;
    const int32_t* shift;
    int32_t output_offset;  // output zero point
    int32_t act_min, act_max;
};

// Window geometry: neural::Window (model.hpp), the float kernels' too.

// --- dense and convolutions ---------------------------------------------------

#if MICROLEARN_INT8_DSP
// Bytes 1 and 3 of v sign-extended into two 16-bit lanes (SXTB16 with its
// built-in rotation, which the ACLE intrinsic does not expose).
inline uint32_t sxtb16_ror8(uint32_t v) {
    uint32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(v));
    return r;
}

// a + sxtb16_ror8(v), lane by lane (SXTAB16).
inline uint32_t sxtab16_ror8(uint32_t a, uint32_t v) {
    uint32_t r;
    __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(a), "r"(v));
    return r;
}
#endif

// out[r] += sum over k < n of w[r * stride + k] * (x[k] + input_offset), for
// the R (1 or 4) weight rows r < R: R outputs' inner products over one run of
// input, each input value loaded (and on Cortex-M4 unpacked) once for all R.
// The sums are named variables so that -Os keeps them in registers. Not
// inlined on x64: inlined into fully_connected, its one caller there, it
// took 9% more instructions (elsewhere the attribute moved GCC's register
// allocation in the op dispatch: +1 instruction per value of a table
// activation on the Cortex-M0).
#if MICROLEARN_INT8_SSE2
#define MICROLEARN_INT8_X64_NOINLINE __attribute__((noinline))
#else
#define MICROLEARN_INT8_X64_NOINLINE
#endif
template <int R>
MICROLEARN_INT8_X64_NOINLINE inline void dot_rows(const int8_t* x, const int8_t* w, int stride, int n, int32_t input_offset, int32_t* out) {
    static_assert(R == 1 || R == 4, "one or four rows");
    const int8_t *w1 = w + stride, *w2 = w1 + stride, *w3 = w2 + stride;
    int32_t a0 = out[0], a1 = R > 1 ? out[1] : 0, a2 = R > 1 ? out[2] : 0, a3 = R > 1 ? out[3] : 0;
    int k = 0;
#if MICROLEARN_INT8_DSP
    // Two 16-bit lanes per word: bytes 0 and 2, then bytes 1 and 3; SMLAD
    // multiplies both lane pairs and adds them to the sum.
    const uint32_t off2 = (static_cast<uint32_t>(input_offset) & 0xFFFFu) * 0x10001u;
    for (; k + 4 <= n; k += 4) {
        uint32_t xw;
        __builtin_memcpy(&xw, x + k, 4);
        const uint32_t x02 = __sxtab16(off2, xw), x13 = sxtab16_ror8(off2, xw);
        auto mac = [&](const int8_t* wr, int32_t a) __attribute__((always_inline)) {
            uint32_t ww;
            __builtin_memcpy(&ww, wr + k, 4);
            return static_cast<int32_t>(__smlad(x13, sxtb16_ror8(ww), __smlad(x02, __sxtb16(ww), a)));
        };
        a0 = mac(w, a0);
        if (R > 1) a1 = mac(w1, a1), a2 = mac(w2, a2), a3 = mac(w3, a3);
    }
#endif
    // Each product fits in 16 bits (|x + input_offset| <= 255), their sum in
    // int32 only up to 65,793 of them: past that (a filter the loader takes,
    // up to kMaxElements) it wraps modulo 2^32 as LiteRT's int32 sum does.
    uint32_t b0 = uint32_t(a0), b1 = uint32_t(a1), b2 = uint32_t(a2), b3 = uint32_t(a3);
    for (; k < n; ++k) {
        const int32_t v = static_cast<int32_t>(x[k]) + input_offset;
        b0 += uint32_t(int32_t(w[k]) * v);
        if (R > 1) b1 += uint32_t(int32_t(w1[k]) * v), b2 += uint32_t(int32_t(w2[k]) * v), b3 += uint32_t(int32_t(w3[k]) * v);
    }
    out[0] = int32_t(b0);
    if (R > 1) out[1] = int32_t(b1), out[2] = int32_t(b2), out[3] = int32_t(b3);
}

// acc + bias modulo 2^32, as the int32 sum LiteRT computes: a valid model's
// never overflows, and a corrupt bias must not make it undefined behaviour.
__attribute__((always_inline)) inline int32_t plus_bias(int32_t acc, int32_t bias) {
    return static_cast<int32_t>(static_cast<uint32_t>(acc) + static_cast<uint32_t>(bias));
}

// Not inlined (conv_2d_direct is its one caller): inlined there, the
// Cortex-M3's convolution took 0.7% more instructions.
__attribute__((noinline)) inline int8_t output(int32_t acc, const int32_t* bias, int c, const Requant& rq) {
    if (bias) acc = plus_bias(acc, bias[c]);
    acc = requantize(acc, rq.multiplier[c], rq.shift[c]) + rq.output_offset;
    return clamp8(acc, rq.act_min, rq.act_max);
}

// Channel c's outputs at two pixels (y0[c], y1[c]; y1 may be y0), its
// bias and rescaling read once. (outputs<2> below, the same arithmetic,
// took the Cortex-M3's small CNN 0.6% more instructions.)
__attribute__((always_inline)) inline void output_pair(int32_t a0, int32_t a1, const int32_t* bias, int c,
                                                      const Requant& rq, int8_t* y0, int8_t* y1) {
    const int32_t b = bias ? bias[c] : 0, m = rq.multiplier[c], shift = rq.shift[c];
    a0 = plus_bias(a0, b), a1 = plus_bias(a1, b);
    int32_t r0, r1;
    if (!MICROLEARN_INT8_FOLDED && !MICROLEARN_INT8_SSE2) {
        r0 = requantize(a0, m, shift), r1 = requantize(a1, m, shift);
    } else if (shift < 0 && MICROLEARN_INT8_SSE2) {  // x64: the folded sum in one register
        const int64_t up = round_right_wide(shift);
        r0 = requantize_right_wide(a0, m, up, 31 - shift), r1 = requantize_right_wide(a1, m, up, 31 - shift);
    } else if (shift < 0) {  // the rounding constant computed once for both
        const RoundRight r = round_right(shift);
        r0 = requantize_right_folded(a0, m, r), r1 = requantize_right_folded(a1, m, r);
    } else {
        r0 = requantize_left(a0, m, shift), r1 = requantize_left(a1, m, shift);
    }
    const int32_t offset = rq.output_offset, lo = rq.act_min, hi = rq.act_max;
    y0[c] = clamp8(r0 + offset, lo, hi);
    y1[c] = clamp8(r1 + offset, lo, hi);
}

// Channel c's outputs at N pixels (y[i][c]; several y[i] may be the same),
// its bias and rescaling read once for all N (the Cortex-M4's blocks of 4).
template <int N>
__attribute__((always_inline)) inline void outputs(int32_t* a, const int32_t* bias, int c, const Requant& rq,
                                                  int8_t* const* y) {
    const int32_t b = bias ? bias[c] : 0, m = rq.multiplier[c], shift = rq.shift[c];
#pragma GCC unroll 4
    for (int i = 0; i < N; ++i) a[i] = plus_bias(a[i], b);
    if (!MICROLEARN_INT8_FOLDED && !MICROLEARN_INT8_SSE2) {
#pragma GCC unroll 4
        for (int i = 0; i < N; ++i) a[i] = requantize(a[i], m, shift);
    } else if (shift < 0 && MICROLEARN_INT8_SSE2) {  // x64: the folded sum in one register
        const int64_t up = round_right_wide(shift);
#pragma GCC unroll 4
        for (int i = 0; i < N; ++i) a[i] = requantize_right_wide(a[i], m, up, 31 - shift);
    } else if (shift < 0) {  // the rounding constant computed once for all
        const RoundRight r = round_right(shift);
#pragma GCC unroll 4
        for (int i = 0; i < N; ++i) a[i] = requantize_right_folded(a[i], m, r);
    } else {
#pragma GCC unroll 4
        for (int i = 0; i < N; ++i) a[i] = requantize_left(a[i], m, shift);
    }
    const int32_t offset = rq.output_offset, lo = rq.act_min, hi = rq.act_max;
#pragma GCC unroll 4
    for (int i = 0; i < N; ++i) y[i][c] = clamp8(a[i] + offset, lo, hi);
}

// round_away(double(a) * s), capped at +-2^30 as round_away caps, for a
// finite s >= 0 given as its 8 little-endian bytes (unaligned is fine).
// Without double-precision hardware (the Cortex-M's: soft-double costs
// hundreds of instructions here) in integer arithmetic: IEEE's product
// rounded to 53 bits (to nearest, ties to even), then halves away from zero.
//
// Its two ends, shared with int16::scaled_round_integer (64-bit sums):
// split_double() gives s = m * 2^e (m < 2^53); round_power() rounds n * 2^e
// (n <= 2^53) half away from zero, capped at 2^30, with the sum's sign.
inline void split_double(const void* s, uint64_t& m, int& e) {
    uint64_t bits;
    __builtin_memcpy(&bits, s, 8);
    const int field = int(bits >> 52) & 0x7ff;
    m = bits & ((uint64_t(1) << 52) - 1);
    e = field ? field - 1075 : -1074;
    if (field) m |= uint64_t(1) << 52;
}

inline int32_t round_power(uint64_t n, int e, bool negative) {
    constexpr uint64_t cap = uint64_t(1) << 30;
    uint64_t r;
    if (e >= 0) r = n >= cap || e >= 30 ? (n ? cap : 0) : n << e;
    else r = e <= -63 ? 0 : (n + (uint64_t(1) << (-e - 1))) >> -e;
    if (r > cap) r = cap;
    return negative ? -int32_t(r) : int32_t(r);
}

inline int32_t scaled_round_integer(int32_t a, const void* s) {
    uint64_t m;
    int e;  // s = m * 2^e
    split_double(s, m, e);
    const uint32_t u = a < 0 ? 0u - uint32_t(a) : uint32_t(a);
    const uint64_t lo = uint64_t(u) * uint32_t(m);                    // u * m = h * 2^32 + l, exactly:
    const uint64_t h = uint64_t(u) * uint32_t(m >> 32) + (lo >> 32);  // h < 2^53
    const uint32_t l = uint32_t(lo);
    uint64_t n = h << 32 | l;  // the product rounded to 53 bits is n * 2^e
    if (h >> 21) {             // more than 53 bits: drop the d low ones (1 <= d <= 32)
        int d = 0;
        for (int step = 16; step; step >>= 1)
            if (h >> (21 + d + step)) d += step;
        ++d;
        const uint64_t rest = l & ((uint64_t(1) << d) - 1), half = uint64_t(1) << (d - 1);
        n = h << (32 - d) | uint64_t(l) >> d;
        if (rest > half || (rest == half && (n & 1))) ++n;
        e += d;
    }
    return round_power(n, e, a < 0);
}

inline int32_t scaled_round(int32_t a, const void* s) {
#if defined(__SSE2__) || (defined(__ARM_FP) && (__ARM_FP & 8))
    double scale;
    __builtin_memcpy(&scale, s, 8);
    return round_away(static_cast<double>(a) * scale);
#else
    return scaled_round_integer(a, s);
#endif
}

// FULLY_CONNECTED: w (out, in), bias (out,) or null. LiteRT's reference
// rescales each output in double precision: round(acc * scale[o]) with
// scale[o] = input_scale * weight_scale[o] / output_scale (the doubles need
// not be 8-byte aligned in the model): scaled_round(). Only `output_offset`,
// `act_min` and `act_max` of rq are used.
inline void fully_connected(const int8_t* x, int32_t input_offset, const int8_t* w, const int32_t* bias, int in,
                            int out, const void* scales, const Requant& rq, int8_t* y) {
    int32_t acc[4];
    for (int o = 0; o < out; ++o) {
        if ((o & 3) == 0) {  // four rows at a time while there are four
            acc[0] = acc[1] = acc[2] = acc[3] = 0;
            if (out - o >= 4) dot_rows<4>(x, w + o * in, in, in, input_offset, acc);
            else
                for (int r = 0; o + r < out; ++r) dot_rows<1>(x, w + (o + r) * in, in, in, input_offset, acc + r);
        }
        int32_t a = acc[o & 3];
        if (bias) a = plus_bias(a, bias[o]);
        y[o] = clamp8(scaled_round(a, static_cast<const uint8_t*>(scales) + 8 * o) + rq.output_offset, rq.act_min,
                      rq.act_max);
    }
}

// CONV_2D on Cortex-M4 and x64 works on two output pixels at a time: their input patches (the
// window's taps in the order of a filter row, (k_h, k_w, in_c)) plus
// input_offset, widened to 16 bits once into `col`, scratch memory the memory
// plan reserves for the op (conv_scratch_bytes()); taps outside the input
// stand for zero points and become 0. Each pass then computes two output
// channels at both pixels, every weight loaded (and on Cortex-M4 unpacked)
// once for two pixels, every patch value once for two channels.
//
// col's layout: groups of 4 taps, each 4 values of pixel 0 then 4 of pixel 1,
// the last group padded with 0. On Cortex-M4 a group's values are stored in
// the order 0, 2, 1, 3: the 16-bit pairs (0, 2) and (1, 3) that SXTB16 and
// its rotated form unpack from a word of 4 weights.
constexpr int kSlot[4] = {0, MICROLEARN_INT8_DSP ? 2 : 1, MICROLEARN_INT8_DSP ? 1 : 2, 3};

inline uint32_t conv_scratch_bytes(uint32_t filter) { return 4 * ((filter + 3) & ~3u); }

// Cortex-M4 builds run four output pixels per pass where they find the bytes
// for a second such pair of patches (two regions of conv_scratch_bytes(), the
// pixels 0-1 and 2-3 of a block of 4; conv_2d_patches()): in a scratch of
// conv_scratch_bytes_4() (the converter plans one where the arena's peak
// does not grow), else in the end of the op's output not written yet.
inline uint32_t conv_scratch_bytes_4(uint32_t filter) { return 2 * conv_scratch_bytes(filter); }

// Taps k .. k + n - 1 of one pixel (`slot`: col + 4 * pixel): src[i] +
// input_offset, or 0 when src is null (outside the input): single taps up to
// a group boundary, then whole groups of 4 taps in one step, then the rest.
inline void widen(const int8_t* src, int k, int n, int32_t input_offset, int16_t* slot) {
    int16_t* group = slot + (k & ~3) * 2;
    int j = k & 3;
    if (!src) {
        for (; n > 0; --n) {
            if (j == 0 && n >= 4) {  // a whole group
                const uint32_t zero = 0;
                __builtin_memcpy(group, &zero, 4);
                __builtin_memcpy(group + 2, &zero, 4);
                n -= 3, group += 8;
                continue;
            }
            group[kSlot[j]] = 0;
            if (++j == 4) j = 0, group += 8;
        }
        return;
    }
    for (; j != 0 && n > 0; --n) {
        group[kSlot[j]] = int16_t(*src++ + input_offset);
        if (++j == 4) j = 0, group += 8;
    }
#if MICROLEARN_INT8_DSP
    // whole groups: 6 instructions per 4 taps (GCC -Os took 12 with a count, 9 with an end pointer)
    if (n >= 4) {
        const uint32_t off2 = (static_cast<uint32_t>(input_offset) & 0xFFFFu) * 0x10001u;
        const int8_t* const end = src + (n & ~3);
        uint32_t v, even;
        __asm__(
            "1:\n\t"
            "ldr %[v], [%[src]], #4\n\t"
            "sxtab16 %[e], %[off], %[v]\n\t"
            "sxtab16 %[v], %[off], %[v], ror #8\n\t"
            "strd %[e], %[v], [%[g]], #16\n\t"
            "cmp %[src], %[end]\n\t"
            "bne 1b"
            : [src] "+r"(src), [g] "+r"(group), [v] "=&r"(v), [e] "=&r"(even)
            : [off] "r"(off2), [end] "r"(end)
            : "memory", "cc");
    }
#else
    for (; n >= 4; n -= 4, src += 4, group += 8)
        for (int t = 0; t < 4; ++t) group[t] = int16_t(src[t] + input_offset);
#endif
    for (j = 0, n &= 3; n > 0; --n, ++j) group[kSlot[j]] = int16_t(*src++ + input_offset);
}

// The patch of the output pixel whose window starts at input (y0, x0) into
// slot `pixel` (0 or 1) of col (the last group's padding stays as
// conv_2d_patches set it: 0).
inline void patch(const int8_t* x, int32_t input_offset, const Window& g, int y0, int x0, int pixel, int16_t* col) {
    const int c = int(g.in_c), in_w = int(g.in_w), k_w = int(g.k_w), k_h = int(g.k_h);
    int16_t* slot = col + 4 * pixel;
    if (g.dil_w == 1 && x0 >= 0 && x0 + k_w <= in_w && y0 >= 0 && y0 + (k_h - 1) * int(g.dil_h) < int(g.in_h)) {
        // the window inside the input: a run of k_w * c taps per kernel row
        const int run = k_w * c, step = int(g.dil_h) * in_w * c, filter = run * k_h;
        const int8_t* src = x + (y0 * in_w + x0) * c;
        if (run < 8) {  // short runs (1-2 input channels): tap by tap, no call per run
            for (int k = 0; k < filter; src += step)
                for (int i = 0; i < run; ++i, ++k) slot[(k & ~3) * 2 + kSlot[k & 3]] = int16_t(src[i] + input_offset);
            return;
        }
        for (int k = 0; k < filter; k += run, src += step) widen(src, k, run, input_offset, slot);
        return;
    }
    int k = 0;
    for (int ky = 0; ky < k_h; ++ky) {
        const int iy = y0 + ky * int(g.dil_h);
        const bool row = iy >= 0 && iy < int(g.in_h);
        const int8_t* xr = x + (row ? iy : 0) * in_w * c;
        if (g.dil_w == 1) {  // the taps inside form one run: zeros, the run, zeros
            int lo = x0 < 0 ? -x0 : 0, hi = in_w - x0 < k_w ? in_w - x0 : k_w;
            if (lo > k_w) lo = k_w;
            if (!row || hi < lo) hi = lo;
            if (lo > 0) widen(nullptr, k, lo * c, 0, slot);
            if (hi > lo) widen(xr + (x0 + lo) * c, k + lo * c, (hi - lo) * c, input_offset, slot);
            if (hi < k_w) widen(nullptr, k + hi * c, (k_w - hi) * c, 0, slot);
            k += k_w * c;
            continue;
        }
        for (int kx = 0; kx < k_w; ++kx, k += c) {
            const int ix = x0 + kx * int(g.dil_w);
            widen(row && ix >= 0 && ix < in_w ? xr + ix * c : nullptr, k, c, input_offset, slot);
        }
    }
}

#if MICROLEARN_INT8_DSP
// The Cortex-M4 inner loops' frame: %[n] groups of 4 taps (n > 0), each
// GROUP consuming 4 weight bytes from %[w]; four groups per pass, a count
// that is not a multiple of 4 entering at the second, third or fourth group
// (%[e] a scratch register; %[n] becomes the end of the weights).
#define MICROLEARN_INT8_GROUPS_OF_4(GROUP)                                   \
    "lsls %[e], %[n], #31\n\t"         /* N: bit 0 of the count, C: bit 1 */ \
    "add %[n], %[w], %[n], lsl #2\n\t" /* n: the end of the groups */        \
    "bcc 6f\n\t"                                                            \
    "bmi 2f\n\t" /* 3 (mod 4) groups: enter at the second */                \
    "b 3f\n\t"   /* 2: at the third */                                      \
    "6:\n\t"                                                                \
    "bmi 4f\n\t" /* 1: at the fourth */                                     \
    "1:\n\t" GROUP "2:\n\t" GROUP "3:\n\t" GROUP "4:\n\t" GROUP              \
    "cmp %[w], %[n]\n\t"                                                    \
    "bne 1b"
#endif

// acc[0..3] = the inner products of weight rows w0 and w0 + stride (filter
// taps each) with the two patches of col: (row 0, pixel 0), (row 0, pixel 1),
// (row 1, pixel 0), (row 1, pixel 1). col: 4-byte aligned.
inline void dot_2x2(const int16_t* col, const int8_t* w0, int stride, int filter, int32_t acc[4]) {
    int32_t a00 = 0, a01 = 0, a10 = 0, a11 = 0;
#if MICROLEARN_INT8_DSP
    // Per group: both pixels' 4 words of pairs loaded by one LDM, each row's
    // word unpacked into (0, 2) and (1, 3) pairs in turn (two registers for
    // the weights leave one for the row stride), 8 SMLAD: 15 instructions
    // for 16 multiply-accumulates; four groups per pass, a count that is not
    // a multiple of 4 entering at the second, third or fourth: 62 for 64
    // (written out: -Os keeps too few values in registers). The LDM's
    // registers are fixed, as its list loads them in ascending order.
    if (int n = filter >> 2) {
        register uint32_t p0 __asm__("r0"), q0 __asm__("r1"), p1 __asm__("r2"), q1 __asm__("r3");
        uint32_t e, v;
#define MICROLEARN_DOT_2X2_GROUP                      \
    "ldmia %[x]!, {%[p0], %[q0], %[p1], %[q1]}\n\t" \
    "ldr %[v], [%[w], %[s]]\n\t"                    \
    "sxtb16 %[e], %[v]\n\t"                         \
    "sxtb16 %[v], %[v], ror #8\n\t"                 \
    "smlad %[a10], %[p0], %[e], %[a10]\n\t"         \
    "smlad %[a10], %[q0], %[v], %[a10]\n\t"         \
    "smlad %[a11], %[p1], %[e], %[a11]\n\t"         \
    "smlad %[a11], %[q1], %[v], %[a11]\n\t"         \
    "ldr %[v], [%[w]], #4\n\t"                      \
    "sxtb16 %[e], %[v]\n\t"                         \
    "sxtb16 %[v], %[v], ror #8\n\t"                 \
    "smlad %[a00], %[p0], %[e], %[a00]\n\t"         \
    "smlad %[a00], %[q0], %[v], %[a00]\n\t"         \
    "smlad %[a01], %[p1], %[e], %[a01]\n\t"         \
    "smlad %[a01], %[q1], %[v], %[a01]\n\t"
        __asm__(MICROLEARN_INT8_GROUPS_OF_4(MICROLEARN_DOT_2X2_GROUP)
            : [w] "+r"(w0), [x] "+r"(col), [n] "+r"(n), [a00] "+r"(a00), [a01] "+r"(a01), [a10] "+r"(a10),
              [a11] "+r"(a11), [p0] "=&r"(p0), [q0] "=&r"(q0), [p1] "=&r"(p1), [q1] "=&r"(q1), [e] "=&r"(e),
              [v] "=&r"(v)
            : [s] "r"(stride)
            : "memory", "cc");
#undef MICROLEARN_DOT_2X2_GROUP
    }
#elif MICROLEARN_INT8_SSE2
    // x64: PMADDWD multiplies 8 16-bit lanes pairwise and adds neighbours: 8
    // taps (two groups: 16 patch values) per step, each row's 8 weights
    // widened once and their halves copied to both pixels' lanes; the sums'
    // lanes 0-1 are pixel 0's, 2-3 pixel 1's.
    __m128i s0 = _mm_setzero_si128(), s1 = s0;
    auto widen8 = [](const int8_t* b) __attribute__((always_inline)) {
        const __m128i v = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(b));
        return _mm_srai_epi16(_mm_unpacklo_epi8(v, v), 8);
    };
    auto mac = [](__m128i s, __m128i w, __m128i c0, __m128i c1) __attribute__((always_inline)) {
        s = _mm_add_epi32(s, _mm_madd_epi16(c0, _mm_shuffle_epi32(w, 0x44)));
        return _mm_add_epi32(s, _mm_madd_epi16(c1, _mm_shuffle_epi32(w, 0xEE)));
    };
    const int8_t* const end = w0 + (filter & ~3);
    for (; end - w0 >= 8; w0 += 8, col += 16) {
        const __m128i c0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(col));
        const __m128i c1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(col + 8));
        s0 = mac(s0, widen8(w0), c0, c1);
        s1 = mac(s1, widen8(w0 + stride), c0, c1);
    }
    if (w0 != end) {  // one group of 4 left: the upper half's weights are 0
        uint32_t u, v;
        __builtin_memcpy(&u, w0, 4);
        __builtin_memcpy(&v, w0 + stride, 4);
        const __m128i zero = _mm_setzero_si128(), c0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(col));
        const __m128i wu = _mm_srai_epi16(_mm_unpacklo_epi8(_mm_cvtsi32_si128(int(u)), _mm_cvtsi32_si128(int(u))), 8);
        const __m128i wv = _mm_srai_epi16(_mm_unpacklo_epi8(_mm_cvtsi32_si128(int(v)), _mm_cvtsi32_si128(int(v))), 8);
        s0 = mac(s0, wu, c0, zero), s1 = mac(s1, wv, c0, zero);
        w0 += 4, col += 8;
    }
    // lanes (0 + 1, 2 + 3) of each sum
    const __m128i t0 = _mm_add_epi32(s0, _mm_shuffle_epi32(s0, 0xB1)), t1 = _mm_add_epi32(s1, _mm_shuffle_epi32(s1, 0xB1));
    a00 = _mm_cvtsi128_si32(t0), a01 = _mm_cvtsi128_si32(_mm_shuffle_epi32(t0, 0x0A));
    a10 = _mm_cvtsi128_si32(t1), a11 = _mm_cvtsi128_si32(_mm_shuffle_epi32(t1, 0x0A));
#else
    for (const int8_t* const end = w0 + (filter & ~3); w0 != end; w0 += 4, col += 8)
        for (int j = 0; j < 4; ++j) {
            const int32_t p0 = col[j], p1 = col[4 + j], u = w0[j], v = w0[stride + j];
            a00 += u * p0, a01 += u * p1, a10 += v * p0, a11 += v * p1;
        }
#endif
    if (__builtin_expect(filter & 3, 0))  // (its set-up off the common path: Cortex-M4F conv2d -0.9%)
        for (int j = 0; j < (filter & 3); ++j) {  // the last group's taps (col is at it)
            const int32_t p0 = col[kSlot[j]], p1 = col[4 + kSlot[j]], u = w0[j], v = w0[stride + j];
            a00 += u * p0, a01 += u * p1, a10 += v * p0, a11 += v * p1;
        }
    acc[0] = a00, acc[1] = a01, acc[2] = a10, acc[3] = a11;
}

// acc[0..3] = the inner products of weight row w (filter taps) with the
// patches of four pixels: 0 and 1 in c01, 2 and 3 in c23 (each pair laid out
// as dot_2x2's col; both 4-byte aligned).
inline void dot_4x1(const int16_t* c01, const int16_t* c23, const int8_t* w, int filter, int32_t acc[4]) {
    uint32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;  // (sums modulo 2^32, as SMLAD's and LiteRT's int32)
#if MICROLEARN_INT8_DSP
    // Per group: the row's weight word unpacked once for the four pixels
    // into (0, 2) and (1, 3) pairs, the pixels' 8 words of pairs in two LDM,
    // 8 SMLAD: 13 instructions for 16 multiply-accumulates; four groups per
    // pass, entered as dot_2x2's: 54 for 64. The LDM's registers are fixed
    // (r0-r3), as its list loads them in ascending order.
    if (int n = filter >> 2) {
        register uint32_t p0 __asm__("r0"), q0 __asm__("r1"), p1 __asm__("r2"), q1 __asm__("r3");
        uint32_t e, v;
#define MICROLEARN_DOT_4X1_GROUP                       \
    "ldr %[v], [%[w]], #4\n\t"                       \
    "sxtb16 %[e], %[v]\n\t"                          \
    "sxtb16 %[v], %[v], ror #8\n\t"                  \
    "ldmia %[c01]!, {%[p0], %[q0], %[p1], %[q1]}\n\t" \
    "smlad %[a0], %[p0], %[e], %[a0]\n\t"            \
    "smlad %[a0], %[q0], %[v], %[a0]\n\t"            \
    "smlad %[a1], %[p1], %[e], %[a1]\n\t"            \
    "smlad %[a1], %[q1], %[v], %[a1]\n\t"            \
    "ldmia %[c23]!, {%[p0], %[q0], %[p1], %[q1]}\n\t" \
    "smlad %[a2], %[p0], %[e], %[a2]\n\t"            \
    "smlad %[a2], %[q0], %[v], %[a2]\n\t"            \
    "smlad %[a3], %[p1], %[e], %[a3]\n\t"            \
    "smlad %[a3], %[q1], %[v], %[a3]\n\t"
        __asm__(MICROLEARN_INT8_GROUPS_OF_4(MICROLEARN_DOT_4X1_GROUP)
            : [w] "+r"(w), [c01] "+r"(c01), [c23] "+r"(c23), [n] "+r"(n), [a0] "+r"(a0), [a1] "+r"(a1),
              [a2] "+r"(a2), [a3] "+r"(a3), [p0] "=&r"(p0), [q0] "=&r"(q0), [p1] "=&r"(p1), [q1] "=&r"(q1),
              [e] "=&r"(e), [v] "=&r"(v)
            :
            : "memory", "cc");
#undef MICROLEARN_DOT_4X1_GROUP
    }
#else
    for (const int8_t* const end = w + (filter & ~3); w != end; w += 4, c01 += 8, c23 += 8)
        for (int j = 0; j < 4; ++j) {
            const int32_t u = w[j];
            a0 += uint32_t(u * c01[j]), a1 += uint32_t(u * c01[4 + j]);
            a2 += uint32_t(u * c23[j]), a3 += uint32_t(u * c23[4 + j]);
        }
#endif
    if (__builtin_expect(filter & 3, 0))
        for (int j = 0; j < (filter & 3); ++j) {  // the last group's taps (c01, c23 are at it)
            const int32_t u = w[j];
            a0 += uint32_t(u * c01[kSlot[j]]), a1 += uint32_t(u * c01[4 + kSlot[j]]);
            a2 += uint32_t(u * c23[kSlot[j]]), a3 += uint32_t(u * c23[4 + kSlot[j]]);
        }
    acc[0] = int32_t(a0), acc[1] = int32_t(a1), acc[2] = int32_t(a2), acc[3] = int32_t(a3);
}

// Every output channel at the four pixels whose patches are in c01 and c23
// (y[0..3]: their outputs), one channel per pass: its inner products, then
// its four rescalings with the channel's constants read once. Not inlined,
// as conv_channels_2x2.
__attribute__((noinline)) inline void conv_channels_4x1(const int16_t* c01, const int16_t* c23, const int8_t* w,
                                                        int filter, int out_c, const int32_t* bias,
                                                        const Requant& rq, int8_t* const* y) {
    for (int c = 0; c < out_c; ++c, w += filter) {
        int32_t acc[4];
        dot_4x1(c01, c23, w, filter, acc);
        outputs<4>(acc, bias, c, rq, y);
    }
}

// Every output channel at the two pixels whose patches are in col (y0, y1:
// their outputs), two channels per pass: the inner products, then the four
// requantizations inlined. Not inlined itself, so that -Os gives the loop
// its own registers (the caller's patch loop takes many).
__attribute__((noinline)) inline void conv_channels_2x2(const int16_t* col, const int8_t* w, int filter, int out_c,
                                                        const int32_t* bias, const Requant& rq, int8_t* y0,
                                                        int8_t* y1) {
    for (int c = 0; c < out_c; c += 2, w += 2 * filter) {
        const int c1 = c + 1 < out_c ? c + 1 : c;
        int32_t acc[4];
        dot_2x2(col, w, (c1 - c) * filter, filter, acc);
        output_pair(acc[0], acc[1], bias, c, rq, y0, y1);
        output_pair(acc[2], acc[3], bias, c1, rq, y0, y1);
    }
}

// CONV_2D over widened patches; col: col_bytes >= conv_scratch_bytes(filter)
// bytes, 4-byte aligned. Quad (the Cortex-M4's choice): blocks of four
// pixels (conv_channels_4x1) while a second pair of patches has room, in
// col when col_bytes >= conv_scratch_bytes_4(filter), else in the output's
// last bytes while the block's outputs end before them (y's bytes are the
// op's alone: the plan keeps them apart from x and col; every byte of y is
// written after that region's last use); then pairs (conv_channels_2x2). An
// odd last pixel or channel is computed again, in all places of its block.
template <bool Quad = bool(MICROLEARN_INT8_DSP)>
inline void conv_2d_patches(const int8_t* x, int32_t input_offset, const int8_t* w, const int32_t* bias,
                            const Window& g, const Requant& rq, int16_t* col, uint32_t col_bytes, int8_t* y) {
    const int filter = int(g.k_h * g.k_w * g.in_c), out_c = int(g.out_c), out_w = int(g.out_w);
    const int pixels = int(g.out_h) * out_w, pad = ((filter + 3) & ~3) - filter;
    const uint32_t pair = conv_scratch_bytes(uint32_t(filter));  // bytes of a pair's patches
    int oy = 0, ox = 0, q = 0;  // (oy, ox): pixel q's
    for (int p = 0; p < 2; ++p) widen(nullptr, filter, pad, 0, col + 4 * p);
    if (Quad) {
        const uint32_t y_bytes = uint32_t(pixels) * uint32_t(out_c);
        int16_t* c23 = nullptr;
        uint32_t limit = y_bytes;  // the blocks' outputs end at or before y + limit
        if (col_bytes >= 2 * pair) {
            c23 = col + pair / 2;
        } else if (y_bytes >= pair + 4) {  // the output's end, 4-byte aligned
            const uintptr_t at = (reinterpret_cast<uintptr_t>(y) + (y_bytes - pair)) & ~uintptr_t(3);
            limit = uint32_t(at - reinterpret_cast<uintptr_t>(y));
            c23 = reinterpret_cast<int16_t*>(y + limit);
        }
        if (c23)
            for (int p = 0; p < 2; ++p) widen(nullptr, filter, pad, 0, c23 + 4 * p);
        for (; c23 && q < pixels && uint32_t(q + 4 < pixels ? q + 4 : pixels) * uint32_t(out_c) <= limit; q += 4) {
            int8_t* yq[4];
            for (int i = 0; i < 4; ++i) {  // pixel q + i: its output place, its patch; then the next pixel, if any
                yq[i] = y + (q + i < pixels ? q + i : pixels - 1) * out_c;
                patch(x, input_offset, g, oy * int(g.stride_h) - int(g.pad_t), ox * int(g.stride_w) - int(g.pad_l),
                      i & 1, i < 2 ? col : c23);
                if (q + i + 1 < pixels && ++ox == out_w) ox = 0, ++oy;
            }
            conv_channels_4x1(col, c23, w, filter, out_c, bias, rq, yq);
        }
    }
    for (; q < pixels; q += 2) {
        int8_t* y0 = y + q * out_c;
        int8_t* y1 = q + 1 < pixels ? y0 + out_c : y0;
        for (int p = 0; p < 2; ++p) {
            patch(x, input_offset, g, oy * int(g.stride_h) - int(g.pad_t), ox * int(g.stride_w) - int(g.pad_l), p,
                  col);
            if (q + p + 1 < pixels && ++ox == out_w) ox = 0, ++oy;
        }
        conv_channels_2x2(col, w, filter, out_c, bias, rq, y0, y1);
    }
}

// The window of CONV_2D output channels oc .. oc + R - 1 at one output pixel
// (input origin y0, x0) into acc: taps outside the input are skipped (they
// stand for zero points); without horizontal dilation the taps of a kernel
// row that are inside form one contiguous run in x and in w.
template <int R>
inline void conv_window(const int8_t* x, int32_t input_offset, const int8_t* w, int filter, const Window& g, int y0,
                        int x0, int32_t* acc) {
    const int c = int(g.in_c), in_w = int(g.in_w), k_w = int(g.k_w);
    for (int r = 0; r < R; ++r) acc[r] = 0;
    for (int ky = 0; ky < int(g.k_h); ++ky) {
        const int iy = y0 + ky * int(g.dil_h);
        if (iy < 0 || iy >= int(g.in_h)) continue;
        const int8_t* xr = x + iy * in_w * c;
        const int8_t* wr = w + ky * k_w * c;
        if (g.dil_w == 1) {
            const int lo = x0 < 0 ? -x0 : 0, hi = in_w - x0 < k_w ? in_w - x0 : k_w;
            if (lo < hi) dot_rows<R>(xr + (x0 + lo) * c, wr + lo * c, filter, (hi - lo) * c, input_offset, acc);
            continue;
        }
        for (int kx = 0; kx < k_w; ++kx) {
            const int ix = x0 + kx * int(g.dil_w);
            if (ix >= 0 && ix < in_w) dot_rows<R>(xr + ix * c, wr + kx * c, filter, c, input_offset, acc);
        }
    }
}

// CONV_2D without scratch: per output pixel, four output channels at a
// time straight from the int8 input (what the portable builds run).
inline void conv_2d_direct(const int8_t* x, int32_t input_offset, const int8_t* w, const int32_t* bias,
                           const Window& g, const Requant& rq, int8_t* y) {
    const int filter = int(g.k_h * g.k_w * g.in_c), out_c = int(g.out_c);
    int32_t acc[4];
    for (int oy = 0; oy < int(g.out_h); ++oy) {
        const int y0 = oy * int(g.stride_h) - int(g.pad_t);
        for (int ox = 0; ox < int(g.out_w); ++ox) {
            const int x0 = ox * int(g.stride_w) - int(g.pad_l);
            for (int oc = 0; oc < out_c; ++oc) {
                if ((oc & 3) == 0) {
                    if (out_c - oc >= 4) conv_window<4>(x, input_offset, w + oc * filter, filter, g, y0, x0, acc);
                    else
                        for (int r = 0; oc + r < out_c; ++r)
                            conv_window<1>(x, input_offset, w + (oc + r) * filter, filter, g, y0, x0, acc + r);
                }
                *y++ = output(acc[oc & 3], bias, oc, rq);
            }
        }
    }
}

// CONV_2D: w (out_c, k_h, k_w, in_c). Cortex-M4 builds run the patches
// (34 instructions per 32 multiply-accumulates), x64 too (SSE2: 2.4-2.9x
// fewer instructions than the direct loop); the portable ones the direct
// loop, which GCC -Os compiles better for armv6m and armv7m than the
// portable form of the patches. Inputs of 1 to 3 channels (a kernel row's
// taps a short run, such as an image's first convolution) take the patches
// on the Cortex-M3 too: 11% fewer instructions on a small CNN for about
// 1.7 kB more code; on the Cortex-M0 they saved under 2% for 1.9 kB, so it
// keeps the direct loop, as the targets not measured do
// (docs/benchmarks-neural-int8.md). Both give the same bits; tests run
// both on the host.
// Not inlined on the Cortex-M3, as GCC left it before it took the scratch's
// size: inlined into the op dispatch, the small CNN took 0.2% more there.
#if defined(__ARM_ARCH_7M__)
__attribute__((noinline))
#endif
inline void conv_2d(const int8_t* x, int32_t input_offset, const int8_t* w, const int32_t* bias, const Window& g,
                    const Requant& rq, int16_t* col, uint32_t col_bytes, int8_t* y) {
#if MICROLEARN_INT8_DSP || MICROLEARN_INT8_SSE2
    conv_2d_patches(x, input_offset, w, bias, g, rq, col, col_bytes, y);
#else
#if defined(__ARM_ARCH_7M__)
    if (g.in_c < 4) return conv_2d_patches(x, input_offset, w, bias, g, rq, col, col_bytes, y);
#endif
    (void)col, (void)col_bytes;
    conv_2d_direct(x, input_offset, w, bias, g, rq, y);
#endif
}

// --- depthwise convolution ----------------------------------------------------
//
// DEPTHWISE_CONV_2D runs a block of N output channels (4, 8 on x64, or 1) over
// every output pixel before the next block: the block's rescaling constants
// are read once, and the input offset leaves the inner loop: the sum over the
// taps inside the input of w * (x + input_offset) is the sum of w * x plus
// input_offset * (the sum of those taps' w), and that term and the bias are
// computed once per block for a window wholly inside the input, per pixel at
// the borders (the sums are exact in any order; the constant term is summed
// modulo 2^32, unsigned, as the int32 total it is part of).

// One output channel's rescaling (requantize(), then the output zero point and
// the fused activation's clamp) with its constants prepared once. The
// Cortex-M3/M4: the folded form and its rounding constant. Elsewhere TFLite's
// two steps with the second rounding's comparison folded into adds and a
// shift: rounding_divide_by_pot(h, e) = floor((h + 2^(e-1) - [x < 0]) / 2^e)
// for e >= 1, because h has x's sign or is 0 (requantize_right_folded's
// argument), = (h >> e) + ((h mod 2^e + 2^(e-1) - [x < 0]) >> e), the second
// sum unsigned (it exceeds 2^31 for e = 31); the Cortex-M0 takes h from
// 16-bit halves (high_mul_halves). Tested against
// TFLite's steps at ties and extremes in tests/cpp/test_neural_int8.cpp.
struct ChannelScale {
    int32_t multiplier, shift;
#if MICROLEARN_INT8_FOLDED
    RoundRight round;
#else
    int32_t left, right;
    uint32_t mask, half, negative;  // 2^right - 1, 2^(right - 1) (0 for right = 0), 1 for right >= 1 (else 0)
#endif
    void set(int32_t m, int32_t s) {
        multiplier = m, shift = s;
#if MICROLEARN_INT8_FOLDED
        if (s < 0) round = round_right(s);
#else
        left = s > 0 ? s : 0, right = s > 0 ? 0 : -s;
        mask = (1u << right) - 1, half = mask - (mask >> 1), negative = right ? 1 : 0;
#endif
    }
    __attribute__((always_inline)) int32_t requantize(int32_t x) const {
#if MICROLEARN_INT8_FOLDED
        return shift >= 0 ? requantize_left(x, multiplier, shift) : requantize_right_folded(x, multiplier, round);
#else
        x = static_cast<int32_t>(static_cast<uint32_t>(x) << left);
#if defined(__ARM_ARCH_6M__)
        const int32_t h = high_mul_halves(x, multiplier);
#else
        const int32_t h = static_cast<int32_t>((static_cast<int64_t>(x) * multiplier + (int64_t(1) << 30)) >> 31);
#endif
        const uint32_t rest = (uint32_t(h) & mask) + half - ((uint32_t(x) >> 31) & negative);
        return (h >> right) + int32_t(rest >> right);
#endif
    }
    __attribute__((always_inline)) int8_t output(int32_t acc, int32_t offset, int32_t lo, int32_t hi) const {
        return clamp8(requantize(acc) + offset, lo, hi);
    }
};

// A rectangle of depthwise taps: `rows` x `cols` taps, x stepping x_col bytes
// per tap and x_skip more after each row (w: w_col, w_skip), and the sums of
// the block's channels (in and out). The Cortex-M0's assembly reads the
// fields at their offsets.
struct DepthwiseTaps {
    int32_t x_col, w_col, x_skip, w_skip, cols, rows;
    int32_t acc[8];
};

// sums[j] = b[j] + input_offset * (the sum of channel j's weights over the
// taps of t), j < n, summed modulo 2^32. Not inlined: one copy for every
// block width (it runs once per block, and at the border pixels).
__attribute__((noinline)) inline void depthwise_offset_terms(const int8_t* w, const DepthwiseTaps& t, int n,
                                                             const uint32_t* b, int32_t input_offset,
                                                             int32_t* sums) {
    for (int j = 0; j < n; ++j) {
        uint32_t s = 0;
        const int8_t* p = w + j;
        for (int r = t.rows; r > 0; --r, p += t.w_skip)
            for (int k = t.cols; k > 0; --k, p += t.w_col) s += uint32_t(int32_t(*p));
        sums[j] = int32_t(b[j] + uint32_t(input_offset) * s);
    }
}

// t.acc[j] += the sum over t's taps of x[j] * w[j] (j < N). Not inlined, so
// that -Os keeps the sums and pointers in registers.
template <int N>
__attribute__((noinline)) void depthwise_taps(const int8_t* x, const int8_t* w, DepthwiseTaps& t) {
    static_assert(N == 1 || N == 4 || N == 8, "one, four or eight channels");
    if (t.rows <= 0 || t.cols <= 0) return;
#if MICROLEARN_INT8_SSE2
    // x64, N = 8: a tap's 8 channels widened to 16-bit lanes, their 32-bit
    // products from the low and high halves (PMULLW, PMULHW) added to two sums.
    if (N == 8) {
        __m128i lo = _mm_loadu_si128(reinterpret_cast<const __m128i*>(t.acc));
        __m128i hi = _mm_loadu_si128(reinterpret_cast<const __m128i*>(t.acc + 4));
        for (int r = t.rows; r > 0; --r, x += t.x_skip, w += t.w_skip)
            for (int k = t.cols; k > 0; --k, x += t.x_col, w += t.w_col) {
                __m128i xv = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(x));
                __m128i wv = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(w));
                xv = _mm_srai_epi16(_mm_unpacklo_epi8(xv, xv), 8);
                wv = _mm_srai_epi16(_mm_unpacklo_epi8(wv, wv), 8);
                const __m128i pl = _mm_mullo_epi16(xv, wv), ph = _mm_mulhi_epi16(xv, wv);
                lo = _mm_add_epi32(lo, _mm_unpacklo_epi16(pl, ph));
                hi = _mm_add_epi32(hi, _mm_unpackhi_epi16(pl, ph));
            }
        _mm_storeu_si128(reinterpret_cast<__m128i*>(t.acc), lo);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(t.acc + 4), hi);
        return;
    }
#endif
#if (defined(__ARM_ARCH_7M__) || defined(__ARM_ARCH_7EM__)) && !defined(MICROLEARN_INT8_PORTABLE)
    // Cortex-M3/M4, N = 4: the window's rows and taps in one assembly block,
    // the 4 sums in registers (the row count kept in t.rows, which it counts
    // down; GCC's -Os loop kept the steps on the stack). Per tap, Cortex-M4:
    // one word of input and one of weights unpacked into the 16-bit pairs
    // (0, 2) and (1, 3), one 16 x 16-bit multiply-accumulate per channel, 14
    // instructions; Cortex-M3: 8 LDRSB and 4 MLA, 16 instructions.
    if (N > 1) {
        static_assert(__builtin_offsetof(DepthwiseTaps, acc) == 24, "the assembly's offsets");
        int32_t a0 = t.acc[0], a1 = t.acc[1], a2 = t.acc[2], a3 = t.acc[3];
        int k;
        uint32_t u, v, p, q;
#if MICROLEARN_INT8_DSP
#define MICROLEARN_DW_TAP                        \
    "ldr %[u], [%[xp]]\n\t" /* unaligned: fine */ \
    "ldr %[v], [%[wp]]\n\t"                      \
    "add %[xp], %[xp], %[xc]\n\t"                \
    "add %[wp], %[wp], %[wc]\n\t"                \
    "sxtb16 %[p], %[u]\n\t"                      \
    "sxtb16 %[u], %[u], ror #8\n\t"              \
    "sxtb16 %[q], %[v]\n\t"                      \
    "sxtb16 %[v], %[v], ror #8\n\t"              \
    "smlabb %[a0], %[p], %[q], %[a0]\n\t"        \
    "smlatt %[a2], %[p], %[q], %[a2]\n\t"        \
    "smlabb %[a1], %[u], %[v], %[a1]\n\t"        \
    "smlatt %[a3], %[u], %[v], %[a3]\n\t"
#else
#define MICROLEARN_DW_CHANNEL(a, i)       \
    "ldrsb %[u], [%[xp], #" i "]\n\t"     \
    "ldrsb %[v], [%[wp], #" i "]\n\t"     \
    "mla %[" a "], %[u], %[v], %[" a "]\n\t"
#define MICROLEARN_DW_TAP                                                                        \
    MICROLEARN_DW_CHANNEL("a0", "0") MICROLEARN_DW_CHANNEL("a1", "1") MICROLEARN_DW_CHANNEL("a2", "2") \
    MICROLEARN_DW_CHANNEL("a3", "3")                                                             \
    "add %[xp], %[xp], %[xc]\n\t"                                                                \
    "add %[wp], %[wp], %[wc]\n\t"
#endif
        __asm__(
            "2:\n\t"
            "ldr %[k], [%[t], #16]\n\t"  // cols
            "1:\n\t"
            MICROLEARN_DW_TAP
            "subs %[k], %[k], #1\n\t"
            "bne 1b\n\t"
            "ldr %[u], [%[t], #8]\n\t"  // x_skip, w_skip
            "ldr %[v], [%[t], #12]\n\t"
            "add %[xp], %[xp], %[u]\n\t"
            "add %[wp], %[wp], %[v]\n\t"
            "ldr %[u], [%[t], #20]\n\t"  // rows
            "subs %[u], %[u], #1\n\t"
            "str %[u], [%[t], #20]\n\t"
            "bne 2b"
            : [xp] "+r"(x), [wp] "+r"(w), [k] "=&r"(k), [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2),
              [a3] "+r"(a3), [u] "=&r"(u), [v] "=&r"(v), [p] "=&r"(p), [q] "=&r"(q)
            : [xc] "r"(t.x_col), [wc] "r"(t.w_col), [t] "r"(&t)
            : "memory", "cc");
#undef MICROLEARN_DW_TAP
#undef MICROLEARN_DW_CHANNEL
        (void)p, (void)q;
        t.acc[0] = a0, t.acc[1] = a1, t.acc[2] = a2, t.acc[3] = a3;
        return;
    }
#elif defined(__ARM_ARCH_6M__) && !defined(MICROLEARN_INT8_PORTABLE)
    // Cortex-M0, N = 4: the sums in r8-r11, the steps in ip and lr, so that
    // the 8 low registers hold the pointers, the loads and their index (LDRSB
    // has no immediate offset): 24 instructions per tap, 6 per multiply-
    // accumulate (GCC's -Os loop took 42 per tap, its sums on the stack).
    if (N > 1) {
        static_assert(__builtin_offsetof(DepthwiseTaps, acc) == 24, "the assembly's offsets");
        int32_t k, u, v, i;
#define MICROLEARN_DW_M0_CHANNEL(r)         \
    "ldrsb %[u], [%[xp], %[i]]\n\t"         \
    "ldrsb %[v], [%[wp], %[i]]\n\t"         \
    "muls %[u], %[v]\n\t"                   \
    "add " r ", %[u]\n\t"
        __asm__ volatile(
            ".syntax unified\n\t"
            "ldr %[u], [%[b], #0]\n\t"  // x_col, w_col (single loads: LDM's order is the registers')
            "ldr %[v], [%[b], #4]\n\t"
            "mov ip, %[u]\n\t"
            "mov lr, %[v]\n\t"
            "ldr %[k], [%[b], #24]\n\t"  // acc[0..3]
            "ldr %[u], [%[b], #28]\n\t"
            "ldr %[v], [%[b], #32]\n\t"
            "ldr %[i], [%[b], #36]\n\t"
            "mov r8, %[k]\n\t"
            "mov r9, %[u]\n\t"
            "mov r10, %[v]\n\t"
            "mov r11, %[i]\n\t"
            "2:\n\t"
            "ldr %[k], [%[b], #16]\n\t"  // cols
            "1:\n\t"
            "movs %[i], #0\n\t"
            MICROLEARN_DW_M0_CHANNEL("r8") "adds %[i], #1\n\t"
            MICROLEARN_DW_M0_CHANNEL("r9") "adds %[i], #1\n\t"
            MICROLEARN_DW_M0_CHANNEL("r10") "adds %[i], #1\n\t"
            MICROLEARN_DW_M0_CHANNEL("r11")
            "add %[xp], ip\n\t"
            "add %[wp], lr\n\t"
            "subs %[k], #1\n\t"
            "bne 1b\n\t"
            "ldr %[u], [%[b], #8]\n\t"  // x_skip
            "add %[xp], %[u]\n\t"
            "ldr %[u], [%[b], #12]\n\t"  // w_skip
            "add %[wp], %[u]\n\t"
            "ldr %[u], [%[b], #20]\n\t"  // rows
            "subs %[u], #1\n\t"
            "str %[u], [%[b], #20]\n\t"
            "bne 2b\n\t"
            "mov %[k], r8\n\t"
            "mov %[u], r9\n\t"
            "mov %[v], r10\n\t"
            "mov %[i], r11\n\t"
            "str %[k], [%[b], #24]\n\t"
            "str %[u], [%[b], #28]\n\t"
            "str %[v], [%[b], #32]\n\t"
            "str %[i], [%[b], #36]"
            : [xp] "+l"(x), [wp] "+l"(w), [k] "=&l"(k), [u] "=&l"(u), [v] "=&l"(v), [i] "=&l"(i)
            : [b] "l"(&t)
            : "r8", "r9", "r10", "r11", "ip", "lr", "memory", "cc");
#undef MICROLEARN_DW_M0_CHANNEL
        return;
    }
#endif
    // Modulo 2^32, as the assembly above: the sums start from the bias and
    // offset terms, which a corrupt model can put next to INT32_MAX.
    uint32_t a0 = uint32_t(t.acc[0]), a1 = uint32_t(t.acc[1]), a2 = uint32_t(t.acc[2]), a3 = uint32_t(t.acc[3]);
    for (int r = t.rows; r > 0; --r, x += t.x_skip, w += t.w_skip)
        for (int k = t.cols; k > 0; --k, x += t.x_col, w += t.w_col) {
            a0 += uint32_t(int32_t(w[0]) * x[0]);
            if (N > 1) {
                a1 += uint32_t(int32_t(w[1]) * x[1]);
                a2 += uint32_t(int32_t(w[2]) * x[2]);
                a3 += uint32_t(int32_t(w[3]) * x[3]);
            }
        }
    t.acc[0] = int32_t(a0);
    if (N > 1) t.acc[1] = int32_t(a1), t.acc[2] = int32_t(a2), t.acc[3] = int32_t(a3);
}

// The taps t < k whose input position o + t * dil is inside [0, n): [*lo, *hi)
// (no division for a window wholly inside; the border's form not inlined).
__attribute__((noinline)) inline void taps_inside_border(int o, int dil, int n, int k, int* lo, int* hi) {
    *lo = o >= 0 ? 0 : (-o + dil - 1) / dil;
    const int end = o >= n ? 0 : (n - 1 - o) / dil + 1;
    *hi = end < k ? end : k;
    if (*hi < *lo) *hi = *lo;
}

__attribute__((always_inline)) inline void taps_inside(int o, int dil, int n, int k, int* lo, int* hi) {
    if (o >= 0 && o + (k - 1) * dil < n) *lo = 0, *hi = k;
    else taps_inside_border(o, dil, n, k, lo, hi);
}

// y[j] = channel j's output of the sum acc[j], j < N. Not inlined on the
// Cortex-M0 and M4: its own registers for the constants (inlined, -Os read
// them from the stack for every output: the depthwise row +1.5% on the
// Cortex-M0, +2% on the M4F; inlined is 1% faster on the M3, 8% on x64).
#if defined(__ARM_ARCH_6M__) || MICROLEARN_INT8_DSP
#define MICROLEARN_DW_OUTPUTS __attribute__((noinline))
#else
#define MICROLEARN_DW_OUTPUTS __attribute__((always_inline)) inline
#endif
template <int N>
MICROLEARN_DW_OUTPUTS void depthwise_outputs(const int32_t* acc, const ChannelScale* scale, const Requant& rq,
                                                 int8_t* y) {
    const int32_t offset = rq.output_offset, lo = rq.act_min, hi = rq.act_max;
    for (int j = 0; j < N; ++j) y[j] = scale[j].output(acc[j], offset, lo, hi);
}
#undef MICROLEARN_DW_OUTPUTS

// Output channels c .. c + N - 1 of DEPTHWISE_CONV_2D at every pixel (N > 1:
// depth multiplier 1). The pixels whose window is wholly inside the input
// (every row's run of columns [ox_lo, ox_hi) in the rows whose kernel rows
// are all inside) step their input pointer and start from the block's
// constant term; the border pixels find their taps inside and that term
// over them (computed again only when those taps change).
template <int N>
inline void depthwise_channels(const int8_t* x, int32_t input_offset, const int8_t* w, const int32_t* bias,
                               const Window& g, const Requant& rq, int c, int8_t* y) {
    const int in_w = int(g.in_w), in_c = int(g.in_c), out_c = int(g.out_c), out_w = int(g.out_w);
    const int k_h = int(g.k_h), k_w = int(g.k_w), dil_h = int(g.dil_h), dil_w = int(g.dil_w);
    const int stride_w = int(g.stride_w), pad_l = int(g.pad_l);
    x += c / int(g.depth_multiplier), w += c, y += c;
    ChannelScale scale[N];
    uint32_t b[N];
    int32_t full[N];
    DepthwiseTaps t;
    t.x_col = dil_w * in_c, t.w_col = out_c, t.rows = k_h, t.cols = k_w, t.w_skip = 0;
    const int32_t full_x_skip = dil_h * in_w * in_c - k_w * t.x_col;
    for (int j = 0; j < N; ++j) {
        scale[j].set(rq.multiplier[c + j], rq.shift[c + j]);
        b[j] = bias ? uint32_t(bias[c + j]) : 0u;
    }
    depthwise_offset_terms(w, t, N, b, input_offset, full);
    // the columns whose window is inside the input's width: x0 = ox * stride_w - pad_l >= 0
    // and x0 + (k_w - 1) * dil_w < in_w
    const int last = in_w - 1 - (k_w - 1) * dil_w + pad_l;
    const int ox_lo = (pad_l + stride_w - 1) / stride_w;
    int ox_hi = last < 0 ? 0 : last / stride_w + 1;
    if (ox_hi > out_w) ox_hi = out_w;
    // the border pixels' constant terms by the column's side of the inside
    // run (left, in it, right), kept while the taps inside stay the same:
    // a 'same' border column's from row to row, a border row's run
    struct BorderTerms {
        int32_t first, rows, cols;  // the rectangle of taps inside: its first tap's offset in w, its size
        int32_t terms[N];
    } border[3];
    for (BorderTerms& e : border) e.first = -1;
    for (int oy = 0; oy < int(g.out_h); ++oy) {
        const int y0 = oy * int(g.stride_h) - int(g.pad_t);
        int ky0, ky1;
        taps_inside(y0, dil_h, int(g.in_h), k_h, &ky0, &ky1);
        const bool rows_inside = ky1 - ky0 == k_h;
        int inside = (y0 * in_w + ox_lo * stride_w - pad_l) * in_c;  // the next inside pixel's first tap
        for (int ox = 0; ox < out_w; ++ox, y += out_c) {
            const int8_t *xs, *ws = w;
            const int32_t* terms = full;
            if (rows_inside && ox >= ox_lo && ox < ox_hi) {
                t.rows = k_h, t.cols = k_w, t.x_skip = full_x_skip, t.w_skip = 0;
                xs = x + inside, inside += stride_w * in_c;
            } else {  // a border: the taps inside, the offset term over them
                const int x0 = ox * stride_w - pad_l;
                int kx0, kx1;
                taps_inside_border(x0, dil_w, in_w, k_w, &kx0, &kx1);
                t.rows = ky1 - ky0, t.cols = kx1 - kx0;
                t.x_skip = dil_h * in_w * in_c - t.cols * t.x_col, t.w_skip = (k_w - t.cols) * out_c;
                // the first tap inside (not read when no tap is)
                xs = x + ((y0 + ky0 * dil_h) * in_w + x0 + kx0 * dil_w) * in_c;
                ws = w + (ky0 * k_w + kx0) * out_c;
                BorderTerms& e = border[ox < ox_lo ? 0 : ox < ox_hi ? 1 : 2];
                const int32_t first = int32_t(ws - w);
                if (e.first != first || e.rows != t.rows || e.cols != t.cols) {
                    depthwise_offset_terms(ws, t, N, b, input_offset, e.terms);
                    e.first = first, e.rows = t.rows, e.cols = t.cols;
                }
                terms = e.terms;
            }
            for (int j = 0; j < N; ++j) t.acc[j] = terms[j];
            depthwise_taps<N>(xs, ws, t);
            depthwise_outputs<N>(t.acc, scale, rq, y);
        }
    }
}

// DEPTHWISE_CONV_2D: w (1, k_h, k_w, out_c) with out_c = in_c * depth_multiplier;
// output channel c reads input channel c / depth_multiplier. With depth
// multiplier 1: blocks of 8 (x64) or 4 channels, a tail of 1-3 channels as
// the block of the last 4 (its first channels computed twice, the same
// bytes); otherwise, or under 4 channels, one channel at a time.
inline void depthwise_conv_2d(const int8_t* x, int32_t input_offset, const int8_t* w, const int32_t* bias,
                              const Window& g, const Requant& rq, int8_t* y) {
    const int out_c = int(g.out_c);
    int c = 0;
    if (g.depth_multiplier == 1 && out_c >= 4) {
#if MICROLEARN_INT8_SSE2
        for (; c + 8 <= out_c; c += 8) depthwise_channels<8>(x, input_offset, w, bias, g, rq, c, y);
#endif
        for (; c < out_c; c += 4) depthwise_channels<4>(x, input_offset, w, bias, g, rq, c + 4 <= out_c ? c : out_c - 4, y);
        return;
    }
    for (; c < out_c; ++c) depthwise_channels<1>(x, input_offset, w, bias, g, rq, c, y);
}

// --- pooling and reductions -------------------------------------------------

// o[i] = max(o[i], p[i]) for i < n: 16 and then 8 bytes per step on x64
// (SSE2 has no signed byte maximum: a comparison and a blend), 4 on the
// Cortex-M4 (SSUB8 sets a flag per byte where p - o >= 0, SEL picks by them).
inline void max_bytes(int8_t* o, const int8_t* p, int n) {
    int i = 0;
#if MICROLEARN_INT8_SSE2
    auto blend = [](__m128i a, __m128i b) __attribute__((always_inline)) {
        const __m128i gt = _mm_cmpgt_epi8(b, a);
        return _mm_or_si128(_mm_and_si128(gt, b), _mm_andnot_si128(gt, a));
    };
    for (; i + 16 <= n; i += 16) {
        const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(o + i));
        const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(o + i), blend(a, b));
    }
    if (i + 8 <= n) {
        const __m128i a = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(o + i));
        const __m128i b = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p + i));
        _mm_storel_epi64(reinterpret_cast<__m128i*>(o + i), blend(a, b));
        i += 8;
    }
#elif MICROLEARN_INT8_DSP
    for (; i + 4 <= n; i += 4) {
        uint32_t a, b;
        __builtin_memcpy(&a, o + i, 4);
        __builtin_memcpy(&b, p + i, 4);
        __ssub8(b, a);
        a = __sel(b, a);
        __builtin_memcpy(o + i, &a, 4);
    }
#endif
    for (; i < n; ++i)
        if (p[i] > o[i]) o[i] = p[i];
}

// MAX_POOL_2D (average = false) and AVERAGE_POOL_2D (average = true) over the
// window taps inside the input; out_c == in_c; the output shares the input's
// quantization (and never the input's bytes: pooling is not in place). Average
// rounds half away from zero, as TFLite's. Per output pixel the taps inside
// are found once; max keeps the running maxima in the pixel's outputs, the
// channels innermost (contiguous in x and y), average sums one channel at a
// time over the window's taps. Inlined into the op dispatch, its one caller,
// on the Cortex-M builds (out of line, GCC's register allocation there gave
// the dense layer 76 more instructions per predict on the Cortex-M3); x64
// keeps GCC's choice (inlined, 2 more there). T: int8_t, or int16_t for
// int16 models (int16_ops.hpp: LiteRT's int16 pooling is the same
// arithmetic; its maxima are taken one value at a time).
template <class T>
#if MICROLEARN_INT8_SSE2
inline
#else
__attribute__((always_inline)) inline
#endif
void pool_2d(const T* x, const Window& g, bool average, int32_t act_min, int32_t act_max, T* y) {
    constexpr int32_t lowest = sizeof(T) == 1 ? -128 : -32768, highest = -lowest - 1;
    const int in_w = int(g.in_w), in_c = int(g.in_c), k_h = int(g.k_h), k_w = int(g.k_w);
    for (int oy = 0; oy < int(g.out_h); ++oy) {
        const int y0 = oy * int(g.stride_h) - int(g.pad_t);
        int ky0, ky1;
        taps_inside(y0, 1, int(g.in_h), k_h, &ky0, &ky1);
        for (int ox = 0; ox < int(g.out_w); ++ox, y += in_c) {
            const int x0 = ox * int(g.stride_w) - int(g.pad_l);
            int kx0, kx1;
            taps_inside(x0, 1, in_w, k_w, &kx0, &kx1);
            const int cols = kx1 - kx0, skip = (in_w - cols) * in_c;
            // the first tap inside (not read when no tap is)
            const T* xs = x + ((y0 + ky0) * in_w + x0 + kx0) * in_c;
            const T* p = xs;
            if (!average) {
                for (int c = 0; c < in_c; ++c) y[c] = T(lowest);
                for (int r = ky0; r < ky1; ++r, p += skip)
                    for (int k = cols; k > 0; --k, p += in_c) {
                        if constexpr (sizeof(T) == 1) max_bytes(y, p, in_c);
                        else
                            for (int c = 0; c < in_c; ++c) y[c] = p[c] > y[c] ? p[c] : y[c];
                    }
                if (act_min > lowest || act_max < highest)
                    for (int c = 0; c < in_c; ++c) y[c] = T(y[c] < act_min ? act_min : y[c] > act_max ? act_max : y[c]);
                continue;
            }
            const int32_t count = (ky1 - ky0) * cols;
            for (int c = 0; c < in_c; ++c) {
                int32_t acc = 0;
                p = xs + c;
                for (int r = ky0; r < ky1; ++r, p += skip)
                    for (int k = cols; k > 0; --k, p += in_c) acc += *p;
                if (count > 0) acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
                y[c] = T(acc < act_min ? act_min : acc > act_max ? act_max : acc);
            }
        }
    }
}

// MEAN over the `outer` rows of `channels` values (global average pooling:
// outer = H * W): TFLite's QuantizedMeanOrSum, whose multiplier and shift
// already include 1 / outer.
// T: int8_t, or int16_t (int16_ops.hpp: the same arithmetic in LiteRT; the
// loader bounds outer so that the int32 sum does not overflow).
template <class T>
inline void mean(const T* x, int outer, int channels, int32_t input_zero_point, int32_t multiplier,
                 int32_t shift, int32_t output_zero_point, T* y) {
    constexpr int32_t lowest = sizeof(T) == 1 ? -128 : -32768;
    for (int c = 0; c < channels; ++c) {
        int32_t sum = 0;
        for (int i = 0; i < outer; ++i) sum += x[i * channels + c];
        const int32_t v = requantize(sum - input_zero_point * outer, multiplier, shift) + output_zero_point;
        y[c] = T(v < lowest ? lowest : v > -lowest - 1 ? -lowest - 1 : v);
    }
}

// REDUCE_MAX over the `outer` rows (global max pooling; same quantization in and out).
template <class T>
inline void reduce_max(const T* x, int outer, int channels, T* y) {
    for (int c = 0; c < channels; ++c) {
        T m = T(sizeof(T) == 1 ? -128 : -32768);
        for (int i = 0; i < outer; ++i)
            if (x[i * channels + c] > m) m = x[i * channels + c];
        y[c] = m;
    }
}

// --- element-wise ---------------------------------------------------------------

// Any int8 -> int8 function of one value: RELU, RELU6, LEAKY_RELU, LOGISTIC,
// TANH, HARD_SWISH (tables computed at conversion). In place is fine.
inline void lut(const int8_t* x, int n, const int8_t* table, int8_t* y) {
    for (int i = 0; i < n; ++i) y[i] = table[static_cast<uint8_t>(x[i]) ^ 0x80u];
}

struct AddParams {
    int32_t input1_offset, input2_offset, output_offset;
    int32_t input1_multiplier, input1_shift, input2_multiplier, input2_shift;
    int32_t output_multiplier, output_shift;
    int32_t act_min, act_max;
};

// ADD (mul = false) and MUL (mul = true) of a (n values) and b (n values, or
// one value per channel repeated along the last axis when b_n < n). T:
// int8_t, or int16_t (int16_ops.hpp: LiteRT's general-scale int16 ADD is the
// same arithmetic with 15 bits of headroom, kLeftShift).
template <typename T, int kLeftShift = 20>
inline void add_mul(const T* a, const T* b, int n, int b_n, bool mul, const AddParams& p, T* y) {
    for (int i = 0, j = 0; i < n; ++i, j = (j + 1 == b_n ? 0 : j + 1)) {
        const int32_t va = a[i] + p.input1_offset;
        const int32_t vb = b[j] + p.input2_offset;
        int32_t v;
        if (mul) {
            v = requantize(va * vb, p.output_multiplier, p.output_shift);
        } else {
            const int32_t sa = requantize(va * (1 << kLeftShift), p.input1_multiplier, p.input1_shift);
            const int32_t sb = requantize(vb * (1 << kLeftShift), p.input2_multiplier, p.input2_shift);
            v = requantize(sa + sb, p.output_multiplier, p.output_shift);
        }
        v += p.output_offset;
        y[i] = static_cast<T>(v < p.act_min ? p.act_min : (v > p.act_max ? p.act_max : v));
    }
}

// 1 / d rounded to nearest (ties to even) as IEEE division gives it, for a
// positive normal d in [2^-125, 2^125]: integer long division of the
// mantissa, for targets without a floating-point divide instruction (there
// float division links code native modules cannot load on armv6m, and
// math::divide is not always correctly rounded).
inline float reciprocal_by_long_division(float d) {
    const uint32_t bits = math::to_bits(d);
    const int e = int((bits >> 23) & 0xffu) - 127;
    const uint32_t m = (bits & 0x7fffffu) | 0x800000u;  // d = m * 2^(e - 23)
    if (m == 0x800000u) return math::from_bits(uint32_t(127 - e) << 23);
    uint32_t q = 0, r = 1;  // 2^48 / m in (2^24, 2^25) by long division (no 64-bit division routine)
    for (int i = 0; i < 48; ++i) {
        r <<= 1, q <<= 1;
        if (r >= m) r -= m, q |= 1u;
    }
    uint32_t mant = q >> 1;  // 24 bits; q's last bit is the rounding bit
    if ((q & 1u) && (r != 0 || (mant & 1u))) ++mant;
    int exponent = 126 - e;                    // 1 / d = mant * 2^(-23 - 1 - e)
    if (mant == 0x1000000u) mant >>= 1, ++exponent;
    return math::from_bits(uint32_t(exponent) << 23 | (mant & 0x7fffffu));
}

// 1 / d as above: one instruction where the hardware divides float32 (the
// Cortex-M4F's FPU, x64), the long division elsewhere.
inline float reciprocal(float d) {
#if (defined(__ARM_FP) && (__ARM_FP & 4)) || defined(__SSE2__)
    return 1.0f / d;
#else
    return reciprocal_by_long_division(d);
#endif
}

// --- SOFTMAX ----------------------------------------------------------------------
//
// LiteRT's int8 softmax tables exp_table[d] = expf(s * d), s = float32(-input_scale
// * beta), for the 256 distances d of a value below its row's maximum, sums the
// entries of a row in float32 in order and writes round(p / output_scale) - 128
// (TFLite's output quantization: scale 1/256, zero point -128). Files written
// before 2026-11-26 hold that table (1 kB); newer ones hold s and the few
// entries softmax_exp_bits() does not reproduce (`exceptions`), and the kernel
// computes each entry as it needs it, in integer arithmetic only (no libm, no
// soft-float routine), so every target gets the same bits.

// a * b of 32-bit values: one UMULL where there is one; on the Cortex-M0
// (32-bit products only, libgcc's 64-bit multiply a call) from 16-bit halves
// (MICROLEARN_PRODUCT_HALVES: there too; tests/cpp/test_neural_int8_softmax.cpp).
inline uint64_t wide_product(uint32_t a, uint32_t b) {
#if defined(__ARM_ARCH_6M__) || defined(MICROLEARN_PRODUCT_HALVES)
    const uint32_t a0 = a & 0xFFFFu, a1 = a >> 16, b0 = b & 0xFFFFu, b1 = b >> 16;
    const uint32_t low = a0 * b0, cross = a1 * b0, mid = a0 * b1 + (low >> 16) + (cross & 0xFFFFu);  // < 2^32
    return uint64_t(a1 * b1 + (cross >> 16) + (mid >> 16)) << 32 | ((mid << 16) | (low & 0xFFFFu));
#else
    return uint64_t(a) * b;
#endif
}

// (a * b) >> 64 without the low halves' product: at most 2 below the exact
// value, the same on every target (the exponential below needs no more).
__attribute__((noinline)) inline uint64_t mul_high(uint64_t a, uint64_t b) {
    const uint32_t a0 = uint32_t(a), a1 = uint32_t(a >> 32), b0 = uint32_t(b), b1 = uint32_t(b >> 32);
    return wide_product(a1, b1) + (wide_product(a1, b0) >> 32) + (wide_product(a0, b1) >> 32);
}

// 2^64 / n!, n = 2 .. 10 (namespace scope: a native module cannot hold a function's static)
constexpr uint64_t kInvFactorial[] = {0x8000000000000000u, 0x2AAAAAAAAAAAAAABu, 0x0AAAAAAAAAAAAAABu,
                                      0x0222222222222222u, 0x005B05B05B05B05Bu, 0x000D00D00D00D00Du,
                                      0x0001A01A01A01A02u, 0x00002E3BC74AAD8Eu, 0x0000049F93EDDE28u};

// The bits of exp(-v), to nearest, for v = fl32(|s| * d) (float32's product, as
// LiteRT's table computes it) with s's bits s_bits (sign ignored), d in [0, 255].
// v = a 2^e exactly (a: 24 bits); t = v log2(e) in 56 fraction bits = k + f,
// then 2^-f = exp(-x) with x = f ln2 < ln2 from 1 - exp(-x / 4) by its series
// to x^10 (error below 2^-52) squared twice (1 - (1 - u)^2 = 2u - u^2), and
// the result, (1 - u) 2^-k, rounded to float32 (subnormals and 0 included). It
// differs from the correctly rounded value only when that lies within about
// 2^-50 of a rounding boundary; the converter lists such entries as exceptions.
__attribute__((noinline)) inline uint32_t softmax_exp_bits(uint32_t s_bits, uint32_t d) {
    constexpr uint32_t kOne = 0x3F800000u;
    const uint32_t biased = (s_bits >> 23) & 0xFFu;
    if (d == 0 || biased == 0) return kOne;  // s = 0 or subnormal: v < 2^-118, exp(-v) rounds to 1
    if (biased > 245) return 0;              // v >= 2^118 (or inf, NaN)
    const SoftScale scale{(s_bits & 0x7FFFFFu) | 0x800000u, (biased - 1) << 23};
    const uint32_t v = soft_scaled(int32_t(d), scale);  // a normal float32: e = (v >> 23) - 150
    const int shift = 133 - int(v >> 23);                // -(e + 17)
    if (shift < 0) return 0;                             // v >= 128: exp(-v) < 2^-184
    if (shift > 47) return kOne;                         // v < 2^-40
    constexpr uint64_t kLog2e = 0xB8AA3B295C17F0BCu, kLn2 = 0xB17217F7D1CF79ACu;  // 2^63 log2(e), 2^64 ln(2)
    const uint64_t t = mul_high(uint64_t((v & 0x7FFFFFu) | 0x800000u) << 40, kLog2e) >> shift;  // a log2(e) 2^39
    const int k = int(t >> 56);
    const uint64_t y = mul_high(t << 8, kLn2) >> 2;  // x / 4 in 64 fraction bits
    uint64_t p = kInvFactorial[8];
    for (int n = 7; n >= 0; --n) p = kInvFactorial[n] - mul_high(y, p);
    uint64_t u = y - mul_high(y, mul_high(y, p));  // 1 - exp(-x / 4)
    for (int i = 0; i < 2; ++i) u = (u << 1) - mul_high(u, u);
    // exp(-v) = r 2^(-63 - k), r = (2^64 - 1 - u) / 2 in [2^62, 2^63) (u = 0,
    // exactly 2^-k: r = 2^63 - 1 rounds up to it), rounded half up: exp(-v)
    // is irrational for v != 0, so no tie is real, and a rounding the other
    // way than the correctly rounded value's is within the error above: an exception.
    const uint64_t r = ~u >> 1;
    const int exponent = 126 - k;  // biased, for r in [2^62, 2^63)
    const int drop = 39 + (exponent < 1 ? 1 - exponent : 0);
    if (drop > 63) return 0;  // below half the least subnormal
    const uint32_t mant = uint32_t(((r >> (drop - 1)) + 1) >> 1);
    return (exponent > 1 ? uint32_t(exponent - 1) << 23 : 0u) + mant;  // a carry into the exponent is right
}

// Where a row's exponentials come from: the table of a file written before
// 2026-11-26 (table != nullptr), or s's bits and the exceptions: n pairs
// (d, float bits), d increasing.
struct SoftmaxExp {
    const float* table;
    uint32_t s_bits;
    const int32_t* exceptions;
    uint32_t n_exceptions;
};

inline float softmax_exp(const SoftmaxExp& e, uint32_t d) {
    if (e.table) return e.table[d];
    for (uint32_t i = 0; i < e.n_exceptions; ++i)
        if (uint32_t(e.exceptions[2 * i]) == d) return math::from_bits(uint32_t(e.exceptions[2 * i + 1]));
    return math::from_bits(softmax_exp_bits(e.s_bits, d));
}

// SOFTMAX over rows of `depth` values. The exponentials of a row's first 32
// values are kept on the stack for the output pass, later ones computed again.
inline void softmax(const int8_t* x, int rows, int depth, const SoftmaxExp& e, float output_scale, int8_t* y) {
    constexpr int kKept = 32;
    float kept[kKept];
    for (int r = 0; r < rows; ++r, x += depth, y += depth) {
        int8_t max = -128;
        for (int c = 0; c < depth; ++c)
            if (x[c] > max) max = x[c];
        float sum = 0.0f;
        for (int c = 0; c < depth; ++c) {
            const float v = softmax_exp(e, uint32_t(max - x[c]));
            if (c < kKept) kept[c] = v;
            sum += v;
        }
        const float inv = reciprocal(sum * output_scale);
        for (int c = 0; c < depth; ++c) {
            const float v = c < kKept ? kept[c] : softmax_exp(e, uint32_t(max - x[c]));
            y[c] = clamp8(round_away(v * inv) - 128, -128, 127);
        }
    }
}

// --- layout (RESHAPE needs nothing: the bytes do not move) ------------------------

// PAD: x of shape in[0..2] into y (in[k] + before[k] + after[k] per axis),
// padding with `value` (the zero point). Ranks below 3 put 1s in front.
inline void pad(const int8_t* x, const uint32_t in[3], const uint32_t before[3], const uint32_t after[3],
                int8_t value, int8_t* y) {
    const uint32_t o0 = in[0] + before[0] + after[0], o1 = in[1] + before[1] + after[1];
    const uint32_t o2 = in[2] + before[2] + after[2];
    for (uint32_t i = 0; i < o0; ++i) {
        const uint32_t si = i - before[0];  // wraps when outside: then >= in[0]
        for (uint32_t j = 0; j < o1; ++j) {
            const uint32_t sj = j - before[1];
            int8_t* row = y + (i * o1 + j) * o2;
            const bool inside = si < in[0] && sj < in[1];
            for (uint32_t k = 0; k < o2; ++k) {
                const uint32_t sk = k - before[2];
                row[k] = inside && sk < in[2] ? x[(si * in[1] + sj) * in[2] + sk] : value;
            }
        }
    }
}

// CONCATENATION, one input at a time: `outer` blocks of `inner` bytes from x
// into y's blocks of `y_inner` bytes, starting `offset` bytes in. TFLite
// requires every input to share the output's quantization: bytes only move.
inline void concat_part(const int8_t* x, uint32_t outer, uint32_t inner, uint32_t y_inner, uint32_t offset,
                        int8_t* y) {
    for (uint32_t o = 0; o < outer; ++o)
        for (uint32_t k = 0; k < inner; ++k) y[o * y_inner + offset + k] = x[o * inner + k];
}

}  // namespace int8
}  // namespace neural
}  // namespace microlearn
