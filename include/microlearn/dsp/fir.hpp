// FIR filters with optional decimation, float32 and q15, streaming.
//
//   float taps_r[n_taps], delay[2 * n_taps];          // caller-owned
//   dsp::Fir f; dsp::fir_init(f, h, n_taps, decimation, taps_r, delay);
//   size_t n_y; dsp::fir_process(f, x, n, y, cap, n_y);
//
// y is scipy.signal.lfilter(h, 1, x)[::decimation], continued across calls:
// the k-th output of the stream is the filter's output at input sample
// k * decimation. Without decimation y may be x (in place).
//
// The delay line is 2 n_taps samples: the last n_taps inputs, oldest first,
// then room for the next chunk of up to n_taps inputs. Each chunk is copied
// in (so y may be x), its outputs computed from contiguous windows several
// at a time (float: eight without decimation, the window sliding through
// registers, else four; q15: four; each tap loaded once per pass), and the
// newest n_taps samples moved to the front. Every float output is the sum
// of its products in tap order from 0, whatever the blocking.
//
// q15: taps must lie in [-1, 1) and are rounded to q15; products are summed
// exactly (in 32 bits when the taps' absolute sum leaves the headroom, else
// 64), and each output is rounded and saturated to q15. On armv7em the sums
// use the DSP extension's dual multiply-accumulate (SMLAD): same integers.
#pragma once
#include "common.hpp"

namespace microlearn {
namespace dsp {

template <typename T, typename Tap>
struct FirT {
    uint32_t n_taps = 0;
    uint32_t decimation = 1;
    uint32_t phase = 0;   // samples until the next output
    uint32_t narrow = 0;  // q15: 1 when 32-bit sums cannot overflow
    const Tap* taps = nullptr;  // reversed: taps[j] = h[n_taps - 1 - j]
    T* delay = nullptr;         // 2 * n_taps
};

using Fir = FirT<float, float>;
using FirQ15 = FirT<int16_t, int16_t>;

inline size_t fir_outputs(uint32_t decimation, uint32_t phase, size_t n) {
    // Outputs come at samples phase, phase + D, ... of this block.
    if (n <= phase) return 0;
    return decimation == 1 ? n - phase : udiv(static_cast<uint32_t>(n - phase - 1), decimation) + 1;
}

template <typename T, typename Tap>
inline size_t fir_outputs(const FirT<T, Tap>& f, size_t n) {
    return fir_outputs(f.decimation, f.phase, n);
}

template <typename T, typename Tap>
inline void fir_reset(FirT<T, Tap>& f) {
    for (uint32_t i = 0; i < 2 * f.n_taps; ++i) f.delay[i] = 0;
    f.phase = 0;
}

namespace detail {

template <typename T, typename Tap>
inline Status fir_setup(FirT<T, Tap>& f, const float* h, size_t n_taps, size_t decimation, Tap* taps,
                        T* delay) {
    f = FirT<T, Tap>{};
    if (n_taps == 0 || n_taps > 0x7fffffffu || decimation == 0 || decimation > 0xffffu)
        return Status::bad_parameter;
    if (h == nullptr || taps == nullptr || delay == nullptr) return Status::bad_argument;
    f.n_taps = static_cast<uint32_t>(n_taps);
    f.decimation = static_cast<uint32_t>(decimation);
    f.taps = taps;
    f.delay = delay;
    fir_reset(f);
    return Status::ok;
}

// dst[j] = src[j] for j = 0, 1, ..., n - 1 in that order (dst may lie below
// src in the same array), four per pass: a quarter of the loop overhead.
template <typename T>
inline void copy_forward(T* dst, const T* src, uint32_t n) {
    uint32_t j = 0;
    for (; j + 4 <= n; j += 4) {
        const T v0 = src[j], v1 = src[j + 1], v2 = src[j + 2], v3 = src[j + 3];
        dst[j] = v0, dst[j + 1] = v1, dst[j + 2] = v2, dst[j + 3] = v3;
    }
    for (; j < n; ++j) dst[j] = src[j];
}

// Four outputs from the windows w, w + D, w + 2D, w + 3D (n taps each), four
// taps per pass with hardware floats. Not inlined: in its caller the
// Cortex-M4F ran out of core registers for the five pointers and spilled one
// in the loop.
__attribute__((noinline)) inline void fir_dot4(const float* t, const float* w, uint32_t n, uint32_t d, float* y) {
    float a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f;
    const float *w1 = w + d, *w2 = w1 + d, *w3 = w2 + d;
    uint32_t j = 0;
    auto tap = [&](uint32_t i) __attribute__((always_inline)) {
        const float ti = t[i];
        a0 += ti * w[i];
        a1 += ti * w1[i];
        a2 += ti * w2[i];
        a3 += ti * w3[i];
    };
#if !defined(__SOFTFP__)  // soft float (M3, decimate 4): unrolled was 1.8 % faster, 400 bytes larger
    for (; j + 4 <= n; j += 4) {
        tap(j);
        tap(j + 1);
        tap(j + 2);
        tap(j + 3);
    }
#endif
    for (; j < n; ++j) tap(j);
    y[0] = a0;
    y[1] = a1;
    y[2] = a2;
    y[3] = a3;
}

// Outputs per pass of the D = 1 float kernel. With hardware floats (and
// x64) eight: one load of each tap and of each sample per eight products
// (32 taps x 1024 from C: M4F 87,006 -> 60,715 instructions with the copies
// below, x64 -11 %). Soft float keeps four: there the eight-output kernel,
// every product a library call, was 0.5 % (M3) / 0.7 % (M0) faster but
// 1.5 kB larger, which is RAM on MicroPython.
#if defined(__SOFTFP__)
constexpr uint32_t kFirBlock = 4;
#else
constexpr uint32_t kFirBlock = 8;
#endif

// K outputs for the windows w, w + 1, ..., w + K - 1 (D = 1), taps unrolled
// by K with the window sliding through registers: 2 K loads per K^2
// products. Each sum adds t[j] w[j + k] for j = 0, 1, ... in order from 0,
// as fir_dot does: the same float results for any K.
template <uint32_t K>
inline void fir_dotk_step1(const float* t, const float* w, uint32_t n, float* y) {
    float a[K], x[K];
#pragma GCC unroll 8
    for (uint32_t k = 0; k < K; ++k) a[k] = 0.0f;
#pragma GCC unroll 8
    for (uint32_t k = 0; k + 1 < K; ++k) x[k] = w[k];
    // Tap j + r: x[(r + k) % K] holds w[j + r + k]; the slot of w[j + r - 1],
    // used up, takes w[j + r + K - 1] first (no load past the last window).
    uint32_t j = 0;
    for (; j + K <= n; j += K) {
#pragma GCC unroll 8
        for (uint32_t r = 0; r < K; ++r) {
            x[(r + K - 1) % K] = w[j + r + K - 1];
            const float tj = t[j + r];
#pragma GCC unroll 8
            for (uint32_t k = 0; k < K; ++k) a[k] += tj * x[(r + k) % K];
        }
    }
    for (; j < n; ++j) {
        x[K - 1] = w[j + K - 1];
        const float tj = t[j];
#pragma GCC unroll 8
        for (uint32_t k = 0; k < K; ++k) a[k] += tj * x[k];
#pragma GCC unroll 8
        for (uint32_t k = 0; k + 1 < K; ++k) x[k] = x[k + 1];
    }
#pragma GCC unroll 8
    for (uint32_t k = 0; k < K; ++k) y[k] = a[k];
}

inline float fir_dot(const float* t, const float* w, uint32_t n) {
    float acc = 0.0f;
    for (uint32_t j = 0; j < n; ++j) acc += t[j] * w[j];
    return acc;
}

// q15 sums: exact, rounded once to q15 (acc starts at 2^14).
template <typename Acc>
ML_ALWAYS_INLINE int16_t q15_out(Acc acc) {
    return saturate16(acc >> 15);
}

// Four outputs in exact 32-bit sums (the caller checked the headroom).
inline void fir_dot4_q15(const int16_t* t, const int16_t* w, uint32_t n, uint32_t d, int16_t* y) {
    int32_t a0 = 1 << 14, a1 = 1 << 14, a2 = 1 << 14, a3 = 1 << 14;
    const int16_t *w1 = w + d, *w2 = w1 + d, *w3 = w2 + d;
    uint32_t j = 0;
#if defined(__ARM_FEATURE_DSP)
    // Two taps per SMLAD: [t_j, t_j+1] . [w_j, w_j+1] (unaligned loads are fine on armv7em).
    for (; j + 1 < n; j += 2) {
        int32_t tp, x0, x1, x2, x3;
        __builtin_memcpy(&tp, t + j, 4);
        __builtin_memcpy(&x0, w + j, 4);
        __builtin_memcpy(&x1, w1 + j, 4);
        __builtin_memcpy(&x2, w2 + j, 4);
        __builtin_memcpy(&x3, w3 + j, 4);
        a0 = __smlad(tp, x0, a0);
        a1 = __smlad(tp, x1, a1);
        a2 = __smlad(tp, x2, a2);
        a3 = __smlad(tp, x3, a3);
    }
#endif
    for (; j < n; ++j) {
        const int32_t tj = t[j];
        a0 += tj * w[j];
        a1 += tj * w1[j];
        a2 += tj * w2[j];
        a3 += tj * w3[j];
    }
    y[0] = q15_out(a0);
    y[1] = q15_out(a1);
    y[2] = q15_out(a2);
    y[3] = q15_out(a3);
}

template <typename Acc>
inline int16_t fir_dot_q15(const int16_t* t, const int16_t* w, uint32_t n) {
    Acc acc = 1 << 14;
    for (uint32_t j = 0; j < n; ++j) acc += static_cast<int32_t>(t[j]) * w[j];
    return q15_out(acc);
}

// Outputs for the windows starting at w + o, o = first, first + D, ... < c;
// returns how many were written to y.
inline size_t fir_chunk(const FirT<float, float>& f, const float* w, uint32_t first, uint32_t c, float* y) {
    const uint32_t d = f.decimation, n = f.n_taps;
    size_t k = 0;
    uint32_t o = first;
    if (d == 1)
        for (; o + kFirBlock <= c; o += kFirBlock, k += kFirBlock) fir_dotk_step1<kFirBlock>(f.taps, w + o, n, y + k);
    for (; o + 3 * d < c; o += 4 * d, k += 4) fir_dot4(f.taps, w + o, n, d, y + k);
    for (; o < c; o += d) y[k++] = fir_dot(f.taps, w + o, n);
    return k;
}

// Taps whose absolute sum exceeds 2 (rare: 64-bit sums) take one output per
// pass, which keeps that path's code small (native code is RAM on MicroPython).
// One function per width: merged, the Cortex-M0 spilled registers in the loop.
template <typename Acc>
inline size_t fir_chunk_q15(const FirQ15& f, const int16_t* w, uint32_t first, uint32_t c, int16_t* y) {
    const uint32_t d = f.decimation, n = f.n_taps;
    size_t k = 0;
    uint32_t o = first;
    if (sizeof(Acc) == 4)
        for (; o + 3 * d < c; o += 4 * d, k += 4) fir_dot4_q15(f.taps, w + o, n, d, y + k);
    for (; o < c; o += d) y[k++] = fir_dot_q15<Acc>(f.taps, w + o, n);
    return k;
}

inline size_t fir_chunk(const FirQ15& f, const int16_t* w, uint32_t first, uint32_t c, int16_t* y) {
    return f.narrow ? fir_chunk_q15<int32_t>(f, w, first, c, y) : fir_chunk_q15<int64_t>(f, w, first, c, y);
}

}  // namespace detail

inline Status fir_init(Fir& f, const float* h, size_t n_taps, size_t decimation, float* taps, float* delay) {
    const Status st = detail::fir_setup(f, h, n_taps, decimation, taps, delay);
    if (st != Status::ok) return st;
    for (size_t j = 0; j < n_taps; ++j) taps[j] = h[n_taps - 1 - j];
    return Status::ok;
}

inline Status fir_q15_init(FirQ15& f, const float* h, size_t n_taps, size_t decimation, int16_t* taps,
                           int16_t* delay) {
    if (h != nullptr)
        for (size_t j = 0; j < n_taps; ++j)
            if (!(h[j] >= -1.0f && h[j] < 1.0f)) {
                f = FirQ15{};
                return Status::out_of_range;
            }
    const Status st = detail::fir_setup(f, h, n_taps, decimation, taps, delay);
    if (st != Status::ok) return st;
    uint32_t sum = 0;  // of |taps|, saturating at 2^16
    for (size_t j = 0; j < n_taps; ++j) {
        taps[j] = q15_of(h[n_taps - 1 - j]);  // exact (float's x * 32768 + 0.5 rounded 2^-16 - 2^-40 up to 1)
        sum += static_cast<uint32_t>(taps[j] < 0 ? -taps[j] : taps[j]);
        if (sum > 0xffffu) sum = 0x10000u;
    }
    // |sum of products| + 2^14 <= 65535 * 32768 + 2^14 < 2^31
    f.narrow = sum <= 0xffffu;
    return Status::ok;
}

// Filters n samples of x into y (capacity n_y_cap); n_y gets the number of
// outputs written, fir_outputs(f, n); n = 0 does nothing. Fails before
// consuming anything if y is too small.
template <typename T, typename Tap>
inline Status fir_process(FirT<T, Tap>& f, const T* x, size_t n, T* y, size_t n_y_cap, size_t& n_y) {
    n_y = 0;
    if (f.n_taps == 0 || (x == nullptr && n != 0) || (y == nullptr && n_y_cap != 0)) return Status::bad_argument;
    if (fir_outputs(f, n) > n_y_cap) return Status::size_mismatch;
    const uint32_t nt = f.n_taps;
    T* const d = f.delay;
    uint32_t phase = f.phase;
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        const uint32_t c = n - i < nt ? static_cast<uint32_t>(n - i) : nt;
        detail::copy_forward(d + nt, x + i, c);
        // Sample j of the chunk ends the window d[j + 1 .. j + nt].
        if (phase < c) {
            const size_t got = detail::fir_chunk(f, d + 1, phase, c, y + k);
            k += got;
            phase = phase + static_cast<uint32_t>(got) * f.decimation - c;
        } else {
            phase -= c;
        }
        detail::copy_forward(d, d + c, nt);
        i += c;
    }
    f.phase = phase;
    n_y = k;
    return Status::ok;
}

// The q15 FIR on float32 data in [-1, 1) (common.hpp, q15_on_floats): as
// fir_process, refusing a short y before converting anything.
inline Status fir_q15_process_floats(FirQ15& f, const float* x, size_t n, float* y, size_t n_y_cap, size_t& n_y) {
    n_y = 0;
    if (f.n_taps == 0) return Status::bad_argument;
    if (fir_outputs(f, n) > n_y_cap) return Status::size_mismatch;
    return q15_on_floats(x, n, y, n_y_cap, n_y, [](void* fir, const int16_t* q, size_t m, int16_t* out, size_t cap,
                                                   size_t& written) {
        return fir_process(*static_cast<FirQ15*>(fir), q, m, out, cap, written);
    }, &f);
}

}  // namespace dsp
}  // namespace microlearn
