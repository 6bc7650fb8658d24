// Elementary functions the engine needs, written out so that the engine links
// without libm (native modules for MicroPython link no C library on most
// architectures). Accurate to a few float ulps over the whole range.
#pragma once
#include <stdint.h>

// 1 where floats are emulated in software (Cortex-M0/M3, RV32 without F,
// ESP8266): there the engine compares float bit patterns as integers and
// skips adding zeros, since every float operation is a library call.
#ifndef MICROLEARN_SOFT_FLOAT
#if defined(__SOFTFP__) || (defined(__riscv) && !defined(__riscv_flen)) || defined(__XTENSA_SOFT_FLOAT__)
#define MICROLEARN_SOFT_FLOAT 1
#else
#define MICROLEARN_SOFT_FLOAT 0
#endif
#endif

namespace microlearn {
namespace math {

inline float from_bits(uint32_t u) {
    float f;
    __builtin_memcpy(&f, &u, sizeof f);
    return f;
}

inline bool is_nan(float x) { return x != x; }

inline uint32_t to_bits(float f) {
    uint32_t u;
    __builtin_memcpy(&u, &f, sizeof u);
    return u;
}

// True for NaN, from the bit pattern: exponent all ones, mantissa not zero.
inline bool is_nan_bits(uint32_t bits) { return (bits << 1) > 0xFF000000u; }

// False for +-inf and NaN (exponent all ones).
inline bool is_finite(float x) { return (to_bits(x) & 0x7F800000u) != 0x7F800000u; }

// Maps a non-NaN float's bits to an int32 with the same order as the floats
// (sign-magnitude to two's complement; -0.0 and +0.0 both map to 0), so
// `a <= b` for floats is `order_key(a) <= order_key(b)` for integers.
inline int32_t order_key(uint32_t bits) {
    const int32_t magnitude = static_cast<int32_t>(bits & 0x7FFFFFFFu);
    const int32_t sign = static_cast<int32_t>(bits) >> 31;  // 0 or -1
    return (magnitude ^ sign) - sign;
}

// A cheaper order_key for split thresholds (two instructions on Arm):
// flips the magnitude bits of negative values, so signed integer order is
// float order, except that -0.0 sorts just below +0.0. Exact for x <= t as
// long as t is never -0.0 (trees::load() rejects such thresholds).
inline int32_t split_key(uint32_t bits) {
    return static_cast<int32_t>(bits ^ (static_cast<uint32_t>(static_cast<int32_t>(bits) >> 31) >> 1));
}

// 2^k as a float, for k in [-126, 127].
inline float pow2i(int k) { return from_bits(static_cast<uint32_t>(k + 127) << 23); }

// e^x. Range reduction x = k ln2 + r with |r| <= ln2/2, then a degree-7
// Taylor polynomial (truncation error below 5e-9 relative).
inline float exp(float x) {
    if (is_nan(x)) return x;
    if (x > 88.7228394f) return from_bits(0x7f800000u);  // +inf
    if (x < -103.972084f) return 0.0f;
    const float log2e = 1.44269504f;
    const float ln2_hi = 0.693145752f;  // few mantissa bits: k * ln2_hi is exact
    const float ln2_lo = 1.42860677e-6f;
    const float kf = x * log2e;
    const int k = static_cast<int>(kf + (kf >= 0 ? 0.5f : -0.5f));
    const float r = (x - static_cast<float>(k) * ln2_hi) - static_cast<float>(k) * ln2_lo;
    float p = 1.0f / 5040.0f;
    p = p * r + 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    // Scale by 2^k in at most two steps so neither overflows nor flushes early.
    if (k > 127) return p * pow2i(127) * pow2i(k - 127);
    if (k < -126) return p * pow2i(-126) * pow2i(k + 126);
    return p * pow2i(k);
}

// 2^x.
inline float exp2(float x) { return exp(x * 0.693147181f); }

// a / b for 1 <= b < 2^100, within 1 ulp. The engine divides only through
// this (and round_quotient below): libgcc's soft-float division for Cortex-M0
// carries absolute relocations that MicroPython native modules cannot link,
// and one routine on every target keeps host and device results bit-identical.
inline float divide(float a, float b) {
    float r = from_bits(0x7EF311C3u - to_bits(b));  // 1/b within ~12%
    for (int i = 0; i < 4; ++i) r = r * (2.0f - b * r);  // Newton: error squares each step
    const float q = a * r;
    return q + r * (a - b * q);  // one correction of the quotient
}

// 1 / (1 + e^-x), without overflow for large |x|.
inline float logistic(float x) {
    if (x >= 0) return divide(1.0f, 1.0f + exp(-x));
    const float e = exp(x);
    return divide(e, 1.0f + e);
}

// a / b for any finite nonzero b (divide() above needs 1 <= b < 2^100): b's
// exponent is split off exactly, the mantissa goes through divide().
inline float quotient(float a, float b) {
    const uint32_t bits = to_bits(b);
    const int e = static_cast<int>((bits >> 23) & 0xffu) - 127;
    if (e == 128) return is_nan(b) ? b : a * 0.0f;  // b is +-inf or NaN
    if (e == -127) {                                // zero or subnormal b
        if ((bits & 0x7fffffffu) == 0) return a * from_bits(0x7f800000u);
        return quotient(a * pow2i(64), b * pow2i(64));
    }
    const float m = from_bits((bits & 0x007fffffu) | 0x3f800000u);  // |b| / 2^e in [1, 2)
    float q = divide(a, m);
    if (bits >> 31) q = -q;
    // q * 2^-e, in two steps when 2^-e alone is not a normal float.
    if (e > 126) return q * pow2i(-126) * 0.5f;  // 2^-127 is subnormal
    return q * pow2i(-e);
}

// Square root, correctly signed for 0, NaN for x < 0. A reciprocal square
// root by Newton steps from a bit-level guess, then one correction of the
// root: within 1 ulp, no libm and no division.
inline float sqrt(float x) {
    if (!(x > 0.0f)) return x == 0.0f ? x : from_bits(0x7fc00000u);
    if (x == from_bits(0x7f800000u)) return x;
    float s = 1.0f;  // scale subnormals into the normal range
    if (x < 1e-30f) { x *= pow2i(100); s = pow2i(-50); }
    float y = from_bits(0x5f3759dfu - (to_bits(x) >> 1));
    for (int i = 0; i < 3; ++i) y = y * (1.5f - 0.5f * x * y * y);
    const float r = x * y;
    return s * (r + 0.5f * y * (x - r * r));
}

// Natural logarithm for x > 0 (-inf at 0, NaN below). x = m 2^k with m in
// [sqrt(1/2), sqrt(2)); log m = 2 atanh(s), s = (m - 1) / (m + 1).
inline float log(float x) {
    if (is_nan(x) || x < 0.0f) return from_bits(0x7fc00000u);
    if (x == 0.0f) return -from_bits(0x7f800000u);
    if (x == from_bits(0x7f800000u)) return x;
    int k = 0;
    if (x < 1.17549435e-38f) { x *= pow2i(64); k = -64; }
    uint32_t bits = to_bits(x);
    k += static_cast<int>(bits >> 23) - 127;
    bits = (bits & 0x007fffffu) | 0x3f800000u;  // m in [1, 2)
    if (bits > 0x3fb504f3u) { bits -= 0x00800000u; ++k; }  // m > sqrt(2): halve
    const float m = from_bits(bits);
    const float s = divide(m - 1.0f, m + 1.0f);
    const float s2 = s * s;
    float p = 1.0f / 11.0f;
    p = p * s2 + 1.0f / 9.0f;
    p = p * s2 + 1.0f / 7.0f;
    p = p * s2 + 1.0f / 5.0f;
    p = p * s2 + 1.0f / 3.0f;
    const float lm = 2.0f * s + 2.0f * s * s2 * p;
    const float kf = static_cast<float>(k);
    return kf * 0.693145752f + (lm + kf * 1.42860677e-6f);
}

inline float log10(float x) { return log(x) * 0.434294482f; }

// v with its low 12 mantissa bits cleared: 12 significant bits, so the
// product of two such values is exact in float.
inline float high_half(float v) { return from_bits(to_bits(v) & 0xFFFFF000u); }

// sin(pi t) and cos(pi t) together, within 0.85 ulp of the exact value (0.78
// measured over [-2, 2]; FFT twiddles k / n: 96 % exactly rounded, the rest
// 1 ulp off: tests/cpp/test_math.cpp, test_dsp_kernels.cpp). t is reduced exactly to
// |f| <= 1/4 and a quadrant, so arguments such as k / n keep full accuracy for
// every k. x = pi f is carried as xh + xl (f's top 12 bits times pi's top 8:
// exact) and x^2 from exact partial products, so the only large roundings are
// the last additions. Taylor polynomials of degree 9 / 10 on [-pi/4, pi/4]
// (truncation below 1.8e-9, 0.03 ulp; degree 11 / 12 cost 32 B of armv6m
// code for 0.2 % more exactly rounded twiddles). Float operations only, in a
// fixed order (no fused multiply-adds: the same result on every target).
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("fp-contract=off")))
#endif
inline void sincos_pi(float t, float& s, float& c) {
#ifdef __clang__
#pragma clang fp contract(off)
#endif
    // q = round(2t); f = t - q / 2 is exact while |t| < 2^22.
    const float t2 = 2.0f * t;
    const int32_t q = static_cast<int32_t>(t2 + (t2 >= 0.0f ? 0.5f : -0.5f));
    const float f = t - 0.5f * static_cast<float>(q);
    // pi = 3.140625 + 9.67653585e-4 (+ 8.7e-12, below what float carries).
    const float fh = high_half(f), xh = fh * 3.140625f;
    const float xl = fh * 9.67653585e-4f + (f - fh) * 3.14159274f;
    // x^2 = a^2 + 2ab + b^2 + (2 xh + xl) xl with xh = a + b split exactly.
    const float a = high_half(xh), b = xh - a;
    const float x2 = a * a + (2.0f * a * b + (b * b + (2.0f * xh + xl) * xl));
    const float x = xh + xl;
    float ps = 1.0f / 362880.0f;
    ps = ps * x2 - 1.0f / 5040.0f;
    ps = ps * x2 + 1.0f / 120.0f;
    ps = ps * x2 - 1.0f / 6.0f;
    const float sx = xh + (xl + x * x2 * ps);
    float pc = -1.0f / 3628800.0f;
    pc = pc * x2 + 1.0f / 40320.0f;
    pc = pc * x2 - 1.0f / 720.0f;
    pc = pc * x2 + 1.0f / 24.0f;
    // cos x = w + (1 - w - x^2 / 2) + x^4 pc with w = 1 - x^2 / 2 rounded:
    // 1 - w and the difference are exact, so w's rounding is carried.
    const float hz = 0.5f * x2, w = 1.0f - hz;
    const float cx = w + (((1.0f - w) - hz) + x2 * x2 * pc);
    // Rotate by q quarter turns (no switch: jump tables relocate badly in
    // native modules).
    const bool odd = (q & 1) != 0, neg_s = (q & 2) != 0, neg_c = ((q + 1) & 2) != 0;
    const float s0 = odd ? cx : sx, c0 = odd ? sx : cx;
    s = neg_s ? -s0 : s0;
    c = neg_c ? -c0 : c0;
}

inline float sin_pi(float t) { float s, c; sincos_pi(t, s, c); return s; }
inline float cos_pi(float t) { float s, c; sincos_pi(t, s, c); return c; }

// C's round(v) for |v| < 2^30 as an int32 (halves away from zero), without
// libm: the truncation's remainder v - t is exact, so no half is misjudged
// (v + 0.5 would round 0.49999997f up). Beyond +-2^30 it saturates there and
// NaN gives 0 (callers clamp to a narrow type afterwards).
template <typename Real>
inline int32_t round_away(Real v) {
    if (!(v < Real(1 << 30))) return v == v ? (1 << 30) : 0;
    if (!(v > -Real(1 << 30))) return -(1 << 30);
    int32_t t = static_cast<int32_t>(v);  // toward zero
    const Real frac = v - static_cast<Real>(t);
    if (frac >= Real(0.5)) ++t;
    else if (frac <= Real(-0.5)) --t;
    return t;
}

// round_away(a / b) with a / b the IEEE float32 quotient (correctly rounded,
// ties to even), as TFLite's QUANTIZE computes round(x / scale), for any a and
// b (QUANTIZE's scale: positive, finite, maybe subnormal). Saturates at +-2^30
// (so does +-inf, and a / 0) and gives 0 for NaN (and 0 / 0), as round_away.
// Rounding the quotient to float first matters: a / b just below k + 0.5
// (within half an ulp) is the float k + 0.5, which rounds to k + 1;
// quotient() (within 1 ulp) misjudged such points. Targets with a float divide
// instruction use it (IEEE division); the others (MICROLEARN_SOFT_FLOAT)
// divide the significands exactly by long division, one quotient bit a step,
// no libgcc: the same integer, and on the Cortex-M0 / M3 cheaper than
// quotient()'s soft-float Newton steps. tests/cpp/test_math_quotient.cpp
// (both builds) compares it with IEEE division over millions of pairs.
inline int32_t round_quotient(float a, float b) {
#if !MICROLEARN_SOFT_FLOAT && (defined(__x86_64__) || defined(__aarch64__) || \
                               (defined(__ARM_FP) && (__ARM_FP & 4)) || defined(__riscv_fdiv))
    return round_away(a / b);
#else
    const uint32_t ab = to_bits(a), bb = to_bits(b);
    const uint32_t negative = (ab ^ bb) >> 31;
    const int32_t sat = negative ? -(1 << 30) : (1 << 30);
    int32_t ea = static_cast<int32_t>((ab >> 23) & 0xffu), eb = static_cast<int32_t>((bb >> 23) & 0xffu);
    if (ea == 0xff) return is_nan_bits(ab) || eb == 0xff ? 0 : sat;  // a +-inf or NaN
    if (eb == 0xff) return 0;  // a finite over +-inf (+-0) or NaN
    uint32_t ma = ab & 0x7fffffu, mb = bb & 0x7fffffu;
    if (ea != 0) ma |= 0x800000u;
    else if (ma == 0) return 0;  // +-0
    else ea = 1;                 // subnormal: 0.m * 2^-126
    if (eb != 0) mb |= 0x800000u;
    else if (mb == 0) return sat;  // a (not 0) / +-0: +-inf
    else eb = 1;
    for (; ma < 0x800000u; ma <<= 1) --ea;  // significands in [2^23, 2^24)
    for (; mb < 0x800000u; mb <<= 1) --eb;
    // |a / b| = (ma / mb) 2^e with ma / mb in [1, 2): ma < 2^25.
    int32_t e = ea - eb;
    if (ma < mb) ma <<= 1, --e;
    if (e >= 30) return sat;  // |a / b| >= 2^30: its float too
    if (e < -2) return 0;     // |a / b| < 1/4: its float <= 1/4
    // The quotient's 24 significant bits m (ma / mb = m 2^-23 + r / mb 2^-23)...
    uint32_t m = 0, r = ma;
    for (int i = 0; i < 24; ++i) {
        m <<= 1;
        if (r >= mb) r -= mb, m |= 1;
        r <<= 1;  // < 2 mb < 2^25
    }
    // ...rounded to nearest, ties to even (r is twice the remainder): the
    // float m 2^(e - 23), m in [2^23, 2^24].
    m += (r > mb || (r == mb && (m & 1))) ? 1u : 0u;
    // That float rounded half away from zero: its magnitude m 2^-s.
    const int32_t s = 23 - e;  // -6 .. 25
    const int32_t n = s <= 0 ? static_cast<int32_t>(m << -s) : static_cast<int32_t>((m + (1u << (s - 1))) >> s);
    return negative ? -n : n;
#endif
}

}  // namespace math
}  // namespace microlearn
