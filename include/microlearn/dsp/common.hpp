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

// ---- q15 kernels on float32 data ------------------------------------------
//
// A float32 signal in [-1, 1) through a q15 kernel (the float API of the q15
// filters, for chips without an FPU: docs/dsp.md, "q15 kernels on float
// data"): each sample to q15 as round(x * 32768), halves away from zero,
// saturated to [-32768, 32767] (inf saturates; NaN has no q15 value), each
// result back as q / 32768, exactly. Both in integer operations: on the
// Cortex-M0 libgcc's float multiply and conversions cost ~150 instructions
// per sample, more than the fast q15 SOS itself.

// The q15 value of x, from its bits; x must not be NaN.
ML_ALWAYS_INLINE int16_t q15_of(float x) {
    const uint32_t bits = math::to_bits(x);
    const uint32_t e = (bits >> 23) & 0xffu;
    uint32_t magnitude;
    if (e >= 127) {
        magnitude = 32768;  // |x| >= 1
    } else if (e <= 110) {
        magnitude = 0;  // |x| < 2^-16: under half a q15 step
    } else {  // x * 32768 = m * 2^-(135 - e), m the 24-bit significand
        const uint32_t shift = 135 - e, m = (bits & 0x7fffffu) | 0x800000u;
        magnitude = (m + (1u << (shift - 1))) >> shift;
    }
    if (bits >> 31) return static_cast<int16_t>(-static_cast<int32_t>(magnitude));
    return static_cast<int16_t>(magnitude > 32767 ? 32767 : magnitude);
}

// q / 32768 as float32 (exact).
ML_ALWAYS_INLINE float float_of_q15(int16_t q) {
#if MICROLEARN_SOFT_FLOAT
    if (q == 0) return 0.0f;
    uint32_t a = static_cast<uint32_t>(q < 0 ? -int32_t(q) : int32_t(q));  // 1 .. 32768
    uint32_t top = 0;  // a's highest set bit (armv6m has no CLZ: four steps)
    if (a >= 256) top = 8;
    if ((a >> top) >= 16) top += 4;
    if ((a >> top) >= 4) top += 2;
    if ((a >> top) >= 2) top += 1;
    const uint32_t bits = (q < 0 ? 0x80000000u : 0u) | ((112u + top) << 23) | ((a << (23 - top)) & 0x7fffffu);
    return math::from_bits(bits);
#else
    return static_cast<float>(q) * (1.0f / 32768.0f);
#endif
}

// True if x[0 .. n) holds a NaN.
inline bool holds_nan(const float* x, size_t n) {
    for (size_t i = 0; i < n; ++i)
        if (math::is_nan_bits(math::to_bits(x[i]))) return true;
    return false;
}

// q[i] = q15_of(x[i]) for i < n (x holds no NaN): the one copy of the loop.
__attribute__((noinline)) inline void q15_of_each(const float* x, int16_t* q, size_t n) {
    for (size_t i = 0; i < n; ++i) q[i] = q15_of(x[i]);
}

// q[i] = q15_of(x[i]) for i < n; a NaN in x: out_of_range, q untouched.
inline Status q15_from_floats(const float* x, int16_t* q, size_t n) {
    if ((x == nullptr || q == nullptr) && n != 0) return Status::bad_argument;
    if (holds_nan(x, n)) return Status::out_of_range;
    q15_of_each(x, q, n);
    return Status::ok;
}

// A q15 kernel on float32 data: x converted block by block into q15,
// `kernel(context, in, m, out, cap, written)` (a q15 process(): m samples in,
// up to cap outputs), the outputs converted into y (capacity y_cap); n_y gets
// the number written. A NaN anywhere in x: out_of_range before anything is
// filtered (the kernel's state stays as it was). x and y may be the same
// array (outputs never pass the inputs read: a block is read in whole first).
// One function for every kernel (a pointer, not a template): a device module
// holding two q15 filters holds it once.
using Q15Kernel = Status (*)(void* context, const int16_t* x, size_t n, int16_t* y, size_t y_cap, size_t& n_y);

__attribute__((noinline)) inline Status q15_on_floats(const float* x, size_t n, float* y, size_t y_cap, size_t& n_y,
                                                      Q15Kernel kernel, void* context) {
    n_y = 0;
    if ((x == nullptr && n != 0) || (y == nullptr && y_cap != 0)) return Status::bad_argument;
    if (holds_nan(x, n)) return Status::out_of_range;  // once, before the kernel's state moves
    constexpr size_t kBlock = 64;
    int16_t in[kBlock], out[kBlock];
    for (size_t i = 0; i < n;) {
        const size_t m = n - i < kBlock ? n - i : kBlock;
        size_t written = 0;
        q15_of_each(x + i, in, m);
        const Status st = kernel(context, in, m, out, kBlock, written);
        if (st != Status::ok) return st;
        if (written > y_cap - n_y) return Status::size_mismatch;
        for (size_t k = 0; k < written; ++k) y[n_y + k] = float_of_q15(out[k]);
        n_y += written;
        i += m;
    }
    return Status::ok;
}

}  // namespace dsp
}  // namespace microlearn
