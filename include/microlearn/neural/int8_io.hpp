// An int8 network's input and output at the model's edge: the caller's int8
// (or uint8) values copied into the input tensor, the int8 output tensor
// dequantized into the caller's floats (real = scale * (q - zero_point)), and
// the DEQUANTIZE op. Every value of a benchmark's input and output passes
// here once per predict (docs/benchmarks-neural-int8.md: 4,096 of each in the
// 16x16x16 rows), so the loops hoist every parameter out of the loop and the
// targets without floating-point hardware build the product in integer
// arithmetic, bit-identical to the float multiply.
#pragma once
#include <stdint.h>

#include "../math.hpp"

namespace microlearn {
namespace neural {
namespace int8 {

// --- the product scale * d of a float32 scale and an integer d in [-255, 255] ---
//
// d = q - zero_point of int8 q and zero point has at most 8 significant bits,
// the scale's significand 24, so the exact product of their magnitudes is an
// integer p below 2^32 times a power of two, and the float32 result is p
// rounded once to 24 significant bits, to nearest even: the float multiply
// computes exactly that (its operands float(d) and the scale are exact). When
// the scale's biased exponent E is in [1, 245] (a normal scale whose products
// are all normal and finite: |d| < 2^8 adds at most 8 to E, a rounding carry 1)
// that rounding needs no special cases, and the result's bits are
// ((E - 1 + k) << 23) + (p >> k rounded), k = the bits of p beyond 24 (0..8):
// a rounding up to 2^24 carries into the exponent by itself. Soft-float
// targets (Cortex-M0/M3, rv32imc) take this instead of libgcc's __aeabi_i2f
// and __aeabi_fmul (together about 150 instructions per value on the
// Cortex-M0); other scales (subnormal, or above 2^118) take the float
// multiply. tests/cpp/test_neural_int8_io.cpp compares it with the float
// multiply for every d and many scales, the device tests on every target.
struct SoftScale {
    uint32_t significand;  // 2^23 + the scale's fraction bits
    uint32_t exponent;     // (E - 1) << 23
};

// false when the scale's exponent is outside [1, 245] (then the float multiply is used).
inline bool soft_scale_of(float scale, SoftScale& s) {
    uint32_t bits;
    __builtin_memcpy(&bits, &scale, 4);
    const uint32_t e = (bits >> 23) & 0xFFu;
    s.significand = (bits & 0x7FFFFFu) | 0x800000u;
    s.exponent = (e - 1) << 23;
    return (bits >> 31) == 0 && e >= 1 && e <= 245;
}

// The number of significant bits of t (0 .. 254): 0 for 0.
inline uint32_t bit_length8(uint32_t t) {
#if defined(__ARM_ARCH_6M__)  // no CLZ instruction (libgcc's __clzsi2 is a call)
    uint32_t n = 0;
    if (t >= 16) t >>= 4, n = 4;
    if (t >= 4) t >>= 2, n += 2;
    if (t >= 2) t >>= 1, n += 1;
    return n + t;
#else
    return t == 0 ? 0 : 32 - uint32_t(__builtin_clz(t));
#endif
}

// The bits of scale * float(d) for s = soft_scale_of(scale), d in [-255, 255].
// Always inlined but on the Cortex-M0: dequantize() runs it per output value
// (out of line, as GCC -Os chose on the Cortex-M3 once the softmax also
// called it, it cost 6 more instructions per value there; inlined, one more
// per value on the Cortex-M0).
#if defined(__ARM_ARCH_6M__)
#define MICROLEARN_SOFT_SCALED inline
#else
#define MICROLEARN_SOFT_SCALED __attribute__((always_inline)) inline
#endif
MICROLEARN_SOFT_SCALED uint32_t soft_scaled(int32_t d, const SoftScale& s) {
    if (d == 0) return 0;  // + 0 (the scale is positive)
    const uint32_t sign = uint32_t(d) & 0x80000000u;
    const uint32_t p = s.significand * uint32_t(d < 0 ? -d : d);  // in [2^23, 2^32)
    const uint32_t k = bit_length8(p >> 24);                       // p's bits beyond 24
    const uint32_t unit = 1u << k, q = p >> k;
    // round to nearest even: up when twice the remainder, plus q's last bit, exceeds the unit
    const uint32_t twice_rem = (p << 1) & (2 * unit - 1);
    return sign | (s.exponent + (k << 23) + q + (twice_rem + (q & 1) > unit ? 1u : 0u));
}
#undef MICROLEARN_SOFT_SCALED

// out[i] = scale * float(q[i] - zero_point) for i < n, bit-identical to the float multiply.
inline void dequantize(const int8_t* q, uint32_t n, float scale, int32_t zero_point, float* out) {
#if MICROLEARN_SOFT_FLOAT
    SoftScale s;
    if (soft_scale_of(scale, s)) {
        for (uint32_t i = 0; i < n; ++i) {
            const uint32_t bits = soft_scaled(int32_t(q[i]) - zero_point, s);
#if defined(__ARM_ARCH_6M__)  // a copy into out + i is a call to memcpy there (no unaligned stores)
            float v;
            __builtin_memcpy(&v, &bits, 4);
            out[i] = v;
#else  // (the float store above: Cortex-M3 +2 instructions per value)
            __builtin_memcpy(out + i, &bits, 4);
#endif
        }
        return;
    }
#endif
#if defined(__ARM_FEATURE_DSP) && defined(__ARM_FP) && (__ARM_FP & 4) && !defined(MICROLEARN_INT8_PORTABLE)
    // Cortex-M4F: 4 values per word, each byte sign-extended with the zero
    // point subtracted in one SXTAB, two VMOVs into s0-s3, 4 VCVT and VMUL,
    // one VSTM: 18 instructions per 4 values (GCC -Os: 30, with a SBFX and a
    // subtraction per value and a store each). The loop below is the reference.
    if (n >= 4) {
        const int8_t* const end = q + (n & ~3u);
        const int32_t nz = -zero_point;
        uint32_t w, a, b, c, d;
        __asm__(
            "1:\n\t"
            "ldr %[w], [%[q]], #4\n\t"
            "sxtab %[a], %[nz], %[w]\n\t"
            "sxtab %[b], %[nz], %[w], ror #8\n\t"
            "sxtab %[c], %[nz], %[w], ror #16\n\t"
            "sxtab %[d], %[nz], %[w], ror #24\n\t"
            "vmov s0, s1, %[a], %[b]\n\t"
            "vmov s2, s3, %[c], %[d]\n\t"
            "vcvt.f32.s32 s0, s0\n\t"
            "vcvt.f32.s32 s1, s1\n\t"
            "vcvt.f32.s32 s2, s2\n\t"
            "vcvt.f32.s32 s3, s3\n\t"
            "vmul.f32 s0, s0, %[s]\n\t"
            "vmul.f32 s1, s1, %[s]\n\t"
            "vmul.f32 s2, s2, %[s]\n\t"
            "vmul.f32 s3, s3, %[s]\n\t"
            "vstmia %[out]!, {s0-s3}\n\t"
            "cmp %[q], %[end]\n\t"
            "bne 1b"
            : [q] "+r"(q), [out] "+r"(out), [w] "=&r"(w), [a] "=&r"(a), [b] "=&r"(b), [c] "=&r"(c), [d] "=&r"(d)
            : [nz] "r"(nz), [s] "t"(scale), [end] "r"(end)
            : "s0", "s1", "s2", "s3", "memory", "cc");
        n &= 3;
    }
#endif
    for (uint32_t i = 0; i < n; ++i) out[i] = scale * float(int32_t(q[i]) - zero_point);
}

// The caller's n int8 values (flip = 0), or uint8 values as int8 (flip =
// 0x80: u - 128, TFLite's uint8 convention), into y: a word at a time when
// both are 4-byte aligned.
inline void copy_input(const uint8_t* x, uint32_t n, uint32_t flip, int8_t* y) {
    uint32_t i = 0;
    if (((reinterpret_cast<uintptr_t>(x) | reinterpret_cast<uintptr_t>(y)) & 3) == 0) {
        const uint32_t flip4 = flip * 0x01010101u;
        const uint8_t* xa = static_cast<const uint8_t*>(__builtin_assume_aligned(x, 4));
        int8_t* ya = static_cast<int8_t*>(__builtin_assume_aligned(y, 4));
        for (; i + 4 <= n; i += 4) {
            uint32_t w;
            __builtin_memcpy(&w, xa + i, 4);
            w ^= flip4;
            __builtin_memcpy(ya + i, &w, 4);
        }
    }
    for (; i < n; ++i) y[i] = static_cast<int8_t>(x[i] ^ flip);
}

}  // namespace int8
}  // namespace neural
}  // namespace microlearn
