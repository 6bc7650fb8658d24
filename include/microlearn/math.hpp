// Elementary functions the engine needs, written out so that the engine links
// without libm (native modules for MicroPython link no C library on most
// architectures). Accurate to a few float ulps over the whole range.
#pragma once
#include <stdint.h>

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
// this: libgcc's soft-float division for Cortex-M0 carries absolute
// relocations that MicroPython native modules cannot link, and one routine
// on every target keeps host and device results bit-identical.
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

}  // namespace math
}  // namespace microlearn
