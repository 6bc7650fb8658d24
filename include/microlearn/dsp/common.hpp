// Pieces shared by the dsp family: size checks and q15 helpers.
#pragma once
#include <stddef.h>
#include <stdint.h>

#if defined(__ARM_FEATURE_SAT) || defined(__ARM_FEATURE_DSP)
#include <arm_acle.h>
#endif

#include "../math.hpp"
#include "../status.hpp"

// Inner-loop helpers -Os would otherwise leave as calls (same text as trees.hpp's).
#define ML_ALWAYS_INLINE inline __attribute__((always_inline))

namespace microlearn {
namespace dsp {

// FFT sizes the dsp family supports: powers of two from 8 to 4096.
constexpr uint32_t kMinFftSize = 8;
constexpr uint32_t kMaxFftSize = 4096;

inline bool is_power_of_two(size_t n) { return n != 0 && (n & (n - 1)) == 0; }

inline bool is_fft_size(size_t n) {
    return is_power_of_two(n) && n >= kMinFftSize && n <= kMaxFftSize;
}

// log2 of a power of two.
inline uint32_t log2_exact(size_t n) {
    uint32_t k = 0;
    while ((size_t(1) << k) < n) ++k;
    return k;
}

// 1 / n for a power of two n, exactly (no float division: see math::divide).
inline float reciprocal_pow2(size_t n) { return math::pow2i(-static_cast<int>(log2_exact(n))); }

// a / b rounded down, by shift and subtract: Cortex-M0 has no divide
// instruction and the engine links no division helpers.
inline uint32_t udiv(uint32_t a, uint32_t b) {
    if (b == 0) return 0;
    uint32_t q = 0, r = 0;
    for (int i = 31; i >= 0; --i) {
        r = (r << 1) | ((a >> i) & 1u);
        if (r >= b) {
            r -= b;
            q |= 1u << i;
        }
    }
    return q;
}

// One SSAT where the architecture has it (armv7m and up), else a sign extension and a compare.
ML_ALWAYS_INLINE int16_t saturate16(int32_t v) {
#if defined(__ARM_FEATURE_SAT)
    return static_cast<int16_t>(__ssat(v, 16));
#else
    // One sign extension and one compare on the common path (Cortex-M0: SXTH, CMP, BNE).
    const int16_t t = static_cast<int16_t>(v);
    return t == v ? t : static_cast<int16_t>((v >> 31) ^ 0x7fff);
#endif
}

inline int16_t saturate16(int64_t v) {
    return static_cast<int16_t>(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
}

// a * b as int64 from two int32. Cortex-M0 (armv6m) has no 32x32 -> 64
// multiply: the compiler calls libgcc's 64x64 __aeabi_lmul (~50
// instructions with the call); four 16x16 products take ~40 with the call
// (forced inline they took more: register spills in the SOS loop).
// Elsewhere the plain product (one SMULL on armv7m, one imul on x64).
inline int64_t mul_wide_split(int32_t a, int32_t b) {
    const int32_t ah = a >> 16, bh = b >> 16;  // arithmetic shifts: signed high halves
    const uint32_t al = static_cast<uint32_t>(a) & 0xffffu, bl = static_cast<uint32_t>(b) & 0xffffu;
    const int64_t mid = static_cast<int64_t>(ah * static_cast<int32_t>(bl)) + bh * static_cast<int32_t>(al);
    return static_cast<int64_t>(static_cast<uint64_t>(static_cast<int64_t>(ah * bh)) << 32) +
           static_cast<int64_t>(static_cast<uint64_t>(mid) << 16) + (al * bl);
}

inline int64_t mul_wide(int32_t a, int32_t b) {
#if defined(__ARM_ARCH_6M__) || defined(MICROLEARN_MUL_SPLIT)
    return mul_wide_split(a, b);
#else
    return static_cast<int64_t>(a) * b;
#endif
}

// Rounds to the nearest integer, halves away from zero (no libm).
inline int32_t round_to_int(float x) {
    return static_cast<int32_t>(x + (x >= 0.0f ? 0.5f : -0.5f));
}

// float in [-1, 1) to q15, rounded and saturated.
inline int16_t to_q15(float x) {
    if (!(x < 1.0f)) return 32767;
    if (!(x >= -1.0f)) return -32768;
    return saturate16(round_to_int(x * 32768.0f));
}

}  // namespace dsp
}  // namespace microlearn
