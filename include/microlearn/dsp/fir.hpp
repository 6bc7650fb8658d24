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
// The delay line holds each sample twice (at i and i + n_taps), so the last
// n_taps samples are always contiguous and one dot product gives an output.
//
// q15: taps must lie in [-1, 1) and are rounded to q15; products are summed
// in 64 bits, and each output is rounded and saturated to q15.
#pragma once
#include "common.hpp"

namespace microlearn {
namespace dsp {

template <typename T, typename Tap>
struct FirT {
    uint32_t n_taps = 0;
    uint32_t decimation = 1;
    uint32_t pos = 0;    // index of the newest sample in the delay line
    uint32_t phase = 0;  // samples until the next output
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
    f.pos = f.n_taps - 1;
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

inline float fir_dot(const float* t, const float* w, uint32_t n) {
    float acc0 = 0.0f, acc1 = 0.0f;
    uint32_t j = 0;
    for (; j + 1 < n; j += 2) {
        acc0 += t[j] * w[j];
        acc1 += t[j + 1] * w[j + 1];
    }
    if (j < n) acc0 += t[j] * w[j];
    return acc0 + acc1;
}

inline int16_t fir_dot(const int16_t* t, const int16_t* w, uint32_t n) {
    int64_t acc = 1 << 14;
    for (uint32_t j = 0; j < n; ++j) acc += static_cast<int32_t>(t[j]) * w[j];
    return saturate16(acc >> 15);
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
    for (size_t j = 0; j < n_taps; ++j) taps[j] = to_q15(h[n_taps - 1 - j]);
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
    uint32_t pos = f.pos, phase = f.phase;
    size_t k = 0;
    for (size_t i = 0; i < n; ++i) {
        pos = pos + 1 == nt ? 0 : pos + 1;
        const T v = x[i];
        f.delay[pos] = v;
        f.delay[pos + nt] = v;
        if (phase == 0) {
            y[k++] = detail::fir_dot(f.taps, f.delay + pos + 1, nt);
            phase = f.decimation;
        }
        --phase;
    }
    f.pos = pos;
    f.phase = phase;
    n_y = k;
    return Status::ok;
}

}  // namespace dsp
}  // namespace microlearn
