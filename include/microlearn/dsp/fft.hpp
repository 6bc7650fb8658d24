// Fast Fourier transforms: complex and real-input, float32 and q15.
//
//   float tw[n];                        // caller-owned twiddle table
//   dsp::Fft f; dsp::fft_init(f, n, tw, n);
//   dsp::fft_forward(f, data, 2 * n);   // in place, interleaved re, im
//
//   dsp::Rfft r; dsp::rfft_init(r, n, tw, n);
//   dsp::rfft_forward(r, x, n, out, n + 2);  // out: n/2 + 1 complex bins
//   dsp::rfft_inverse(r, spec, n + 2, x, n);
//
// Conventions are numpy's: forward unscaled, inverse scaled by 1/n,
// e^{-2 pi i k t / n} in the forward transform. Sizes: powers of two from 8
// to 4096. The twiddle table is n floats, w^k = e^{-2 pi i k / n} for
// k < n / 2, computed at init by math::sincos_pi (no libm, no division).
//
// q15: fft_q15_forward gives fft(x) / n and rfft_q15_forward rfft(x) / n,
// each butterfly stage halving with rounding, so nothing overflows for
// inputs of magnitude <= 1 (complex) or any q15 input (real). The twiddle
// table is n int16.
#pragma once
#include "common.hpp"

namespace microlearn {
namespace dsp {

struct Fft {
    uint32_t n = 0;
    const float* twiddles = nullptr;
};

struct Rfft {
    uint32_t n = 0;
    const float* twiddles = nullptr;
};

struct FftQ15 {
    uint32_t n = 0;
    const int16_t* twiddles = nullptr;
};

struct RfftQ15 {
    uint32_t n = 0;
    const int16_t* twiddles = nullptr;
};

// Floats (or int16) the twiddle table of a size-n transform needs.
// Twiddle table entries for size n; 0 when n is not a supported size.
inline size_t fft_twiddle_size(size_t n) { return is_fft_size(n) ? n : 0; }

namespace detail {

inline void make_twiddles(float* tw, uint32_t n) {
    const float step = 2.0f * reciprocal_pow2(n);  // exact: n is a power of two
    for (uint32_t k = 0; k < n / 2; ++k) {
        float s, c;
        math::sincos_pi(static_cast<float>(k) * step, s, c);
        tw[2 * k] = c;
        tw[2 * k + 1] = -s;
    }
}

template <typename T>
inline void bit_reverse(T* d, uint32_t m) {
    for (uint32_t i = 0, j = 0; i < m; ++i) {
        if (i < j) {
            const T r = d[2 * i], im = d[2 * i + 1];
            d[2 * i] = d[2 * j];
            d[2 * i + 1] = d[2 * j + 1];
            d[2 * j] = r;
            d[2 * j + 1] = im;
        }
        uint32_t k = m >> 1;
        while (j & k) {
            j ^= k;
            k >>= 1;
        }
        j |= k;
    }
}

// Copies m complex values from src to dst in bit-reversed order.
inline void bit_reverse_copy(const float* src, float* dst, uint32_t m) {
    for (uint32_t i = 0, j = 0; i < m; ++i) {
        uint64_t v;  // one complex value, moved as a whole
        __builtin_memcpy(&v, src + 2 * i, sizeof v);
        __builtin_memcpy(dst + 2 * j, &v, sizeof v);
        uint32_t k = m >> 1;
        while (j & k) {
            j ^= k;
            k >>= 1;
        }
        j |= k;
    }
}

// Radix-2 decimation-in-time stages over m complex values already in
// bit-reversed order, in place, unscaled. tw is the table of a size-N
// transform; this one uses every (N/m)-th entry.
template <bool kInverse>
inline void cfft_stages(float* d, uint32_t m, const float* tw, uint32_t stride) {
    float* const end = d + 2 * m;
    // Stages 1 and 2 together: their twiddles are 1 and -+i.
    for (float* p = d; p < end; p += 8) {
        const float t0r = p[0] + p[2], t0i = p[1] + p[3];
        const float t1r = p[0] - p[2], t1i = p[1] - p[3];
        const float t2r = p[4] + p[6], t2i = p[5] + p[7];
        const float t3r = p[4] - p[6], t3i = p[5] - p[7];
        // u = t3 * w4^1, w4^1 = -i forward, +i inverse.
        const float ur = kInverse ? -t3i : t3i, ui = kInverse ? t3r : -t3r;
        p[0] = t0r + t2r;
        p[1] = t0i + t2i;
        p[4] = t0r - t2r;
        p[5] = t0i - t2i;
        p[2] = t1r + ur;
        p[3] = t1i + ui;
        p[6] = t1r - ur;
        p[7] = t1i - ui;
    }
    // Twiddle step of the stage with half-size h: stride * m / (2h).
    uint32_t step = (stride * m) >> 3;
    for (uint32_t h = 4; h < m; h <<= 1, step >>= 1) {
        const uint32_t span = 4 * h;  // floats from one butterfly group to the next
        const float* w = tw;
        for (uint32_t j = 0; j < h; ++j, w += 2 * step) {
            const float wr = w[0];
            const float wi = kInverse ? -w[1] : w[1];
            for (float* a = d + 2 * j; a < end; a += span) {
                float* b = a + 2 * h;
                const float ar = a[0], ai = a[1], br = b[0], bi = b[1];
                const float tr = br * wr - bi * wi;
                const float ti = br * wi + bi * wr;
                a[0] = ar + tr;
                a[1] = ai + ti;
                b[0] = ar - tr;
                b[1] = ai - ti;
            }
        }
    }
}

template <bool kInverse>
inline void cfft(float* d, uint32_t m, const float* tw, uint32_t stride) {
    bit_reverse(d, m);
    cfft_stages<kInverse>(d, m, tw, stride);
}

// q15 version: every stage halves, so the result is fft / m. A butterfly
// with p = b * w (exact in int32: |b w| < 2^30.5) and A = 2^14 a + 2^14 gives
//     a' = sat((A + (p >> 1)) >> 15)    ~ (a + b w) / 2
//     b' = sat((A - (p >> 1)) >> 15)    ~ (a - b w) / 2
// (|A +- p / 2| < 2^30.3: no overflow). This integer formula is the
// definition: the DSP-extension path (armv7em: SMUSD/SMUADX products of
// packed halves, SMLABB for A, SSAT) computes exactly it, so q15 results are
// bit-identical on every target.
inline int32_t half_round(int32_t v) { return (v + 1) >> 1; }

ML_ALWAYS_INLINE int16_t half_sum_q15(int32_t a, int32_t p) { return saturate16((a + (p >> 1)) >> 15); }

ML_ALWAYS_INLINE int16_t half_diff_q15(int32_t a, int32_t p) { return saturate16((a - (p >> 1)) >> 15); }

#if defined(__ARM_FEATURE_DSP)
ML_ALWAYS_INLINE uint32_t low16(int16_t v) { return static_cast<uint32_t>(v) & 0xffffu; }

// One butterfly on packed (re | im << 16) values; w packed the same way.
template <bool kInverse>
ML_ALWAYS_INLINE void butterfly_q15(int16_t* a, int16_t* b, int32_t w) {
    int32_t av, bv;
    __builtin_memcpy(&av, a, 4);
    __builtin_memcpy(&bv, b, 4);
    // b * w, or b * conj(w) for the inverse.
    const int32_t pr = kInverse ? __smuad(bv, w) : __smusd(bv, w);
    const int32_t pi = kInverse ? __smusdx(w, bv) : __smuadx(bv, w);
    const int32_t k = 1 << 14;
    const int32_t ar = __smlabb(av, k, k), ai = __smlatb(av, k, k);  // 2^14 a + 2^14
    const uint32_t sa = low16(half_sum_q15(ar, pr)) | low16(half_sum_q15(ai, pi)) << 16;
    const uint32_t sb = low16(half_diff_q15(ar, pr)) | low16(half_diff_q15(ai, pi)) << 16;
    __builtin_memcpy(a, &sa, 4);
    __builtin_memcpy(b, &sb, 4);
}
#else
template <bool kInverse>
ML_ALWAYS_INLINE void butterfly_q15(int16_t* a, int16_t* b, int32_t wr, int32_t wi) {
    if (kInverse) wi = -wi;
    const int32_t pr = b[0] * wr - b[1] * wi;
    const int32_t pi = b[0] * wi + b[1] * wr;
    const int32_t ar = a[0] * (1 << 14) + (1 << 14), ai = a[1] * (1 << 14) + (1 << 14);
    a[0] = half_sum_q15(ar, pr);
    a[1] = half_sum_q15(ai, pi);
    b[0] = half_diff_q15(ar, pr);
    b[1] = half_diff_q15(ai, pi);
}
#endif

template <bool kInverse>
inline void cfft_q15(int16_t* d, uint32_t m, const int16_t* tw, uint32_t stride) {
    bit_reverse(d, m);
    int16_t* const end = d + 2 * m;
    uint32_t step = stride * m >> 1;
    for (uint32_t h = 1; h < m; h <<= 1, step >>= 1) {
        const int16_t* w = tw;
        for (uint32_t j = 0; j < h; ++j, w += 2 * step) {
#if defined(__ARM_FEATURE_DSP)
            int32_t wv;
            __builtin_memcpy(&wv, w, 4);
            for (int16_t* a = d + 2 * j; a < end; a += 4 * h) butterfly_q15<kInverse>(a, a + 2 * h, wv);
#else
            const int32_t wr = w[0], wi = w[1];
            for (int16_t* a = d + 2 * j; a < end; a += 4 * h) butterfly_q15<kInverse>(a, a + 2 * h, wr, wi);
#endif
        }
    }
}

inline Status init_table(uint32_t& n_out, size_t n, size_t tw_size, const void* tw) {
    if (!is_fft_size(n)) return Status::bad_parameter;
    if (tw == nullptr) return Status::bad_argument;
    if (tw_size < fft_twiddle_size(n)) return Status::size_mismatch;
    n_out = static_cast<uint32_t>(n);
    return Status::ok;
}

}  // namespace detail

// ---- complex float -------------------------------------------------------

inline Status fft_init(Fft& f, size_t n, float* twiddles, size_t tw_size) {
    f = Fft{};
    uint32_t nn;
    const Status st = detail::init_table(nn, n, tw_size, twiddles);
    if (st != Status::ok) return st;
    detail::make_twiddles(twiddles, nn);
    f.n = nn;
    f.twiddles = twiddles;
    return Status::ok;
}

// data: n complex values, interleaved (2n floats), transformed in place.
inline Status fft_forward(const Fft& f, float* data, size_t n_data) {
    if (f.n == 0 || data == nullptr) return Status::bad_argument;
    if (n_data != 2 * f.n) return Status::size_mismatch;
    detail::cfft<false>(data, f.n, f.twiddles, 1);
    return Status::ok;
}

// Inverse, scaled by 1/n (numpy.fft.ifft).
inline Status fft_inverse(const Fft& f, float* data, size_t n_data) {
    if (f.n == 0 || data == nullptr) return Status::bad_argument;
    if (n_data != 2 * f.n) return Status::size_mismatch;
    detail::cfft<true>(data, f.n, f.twiddles, 1);
    const float scale = reciprocal_pow2(f.n);
    for (size_t i = 0; i < n_data; ++i) data[i] *= scale;
    return Status::ok;
}

// ---- real-input float ----------------------------------------------------

inline Status rfft_init(Rfft& r, size_t n, float* twiddles, size_t tw_size) {
    r = Rfft{};
    uint32_t nn;
    const Status st = detail::init_table(nn, n, tw_size, twiddles);
    if (st != Status::ok) return st;
    detail::make_twiddles(twiddles, nn);
    r.n = nn;
    r.twiddles = twiddles;
    return Status::ok;
}

// x: n reals; out: n + 2 floats, the n/2 + 1 bins of numpy.fft.rfft
// interleaved. x may be out itself (its first n floats).
inline Status rfft_forward(const Rfft& r, const float* x, size_t n_x, float* out, size_t n_out) {
    if (r.n == 0 || x == nullptr || out == nullptr) return Status::bad_argument;
    if (n_x != r.n || n_out < r.n + 2) return Status::size_mismatch;
    const uint32_t n = r.n, m = n / 2;
    // Pack z[t] = x[2t] + i x[2t+1] in bit-reversed order, then transform.
    if (x != out)
        detail::bit_reverse_copy(x, out, m);
    else
        detail::bit_reverse(out, m);
    detail::cfft_stages<false>(out, m, r.twiddles, 2);
    // Split the packed transform Z (z[t] = x[2t] + i x[2t+1]) into X.
    const float z0r = out[0], z0i = out[1];
    out[0] = z0r + z0i;
    out[1] = 0.0f;
    out[n] = z0r - z0i;
    out[n + 1] = 0.0f;
    const float* tw = r.twiddles;
    for (uint32_t k = 1; k <= m / 2; ++k) {
        float* a = out + 2 * k;
        float* b = out + 2 * (m - k);
        const float fer = 0.5f * (a[0] + b[0]), fei = 0.5f * (a[1] - b[1]);
        const float for_ = 0.5f * (a[1] + b[1]), foi = -0.5f * (a[0] - b[0]);
        const float wr = tw[2 * k], wi = tw[2 * k + 1];
        const float tr = wr * for_ - wi * foi, ti = wr * foi + wi * for_;
        a[0] = fer + tr;
        a[1] = fei + ti;
        b[0] = fer - tr;  // X[m-k] = conj(Fe - w Fo)
        b[1] = ti - fei;
    }
    return Status::ok;
}

// spec: n + 2 floats (n/2 + 1 bins); out: n reals (numpy.fft.irfft with n).
// The imaginary parts of bins 0 and n/2 are ignored. spec and out must not
// overlap.
inline Status rfft_inverse(const Rfft& r, const float* spec, size_t n_spec, float* out, size_t n_out) {
    if (r.n == 0 || spec == nullptr || out == nullptr) return Status::bad_argument;
    if (n_spec < r.n + 2 || n_out != r.n) return Status::size_mismatch;
    const uint32_t n = r.n, m = n / 2;
    const float* tw = r.twiddles;
    const float scale = reciprocal_pow2(n);  // the 1/2 of Fe, Fo and the 1/m
    out[0] = scale * (spec[0] + spec[n]);
    out[1] = scale * (spec[0] - spec[n]);
    for (uint32_t k = 1; k <= m / 2; ++k) {
        const float* xa = spec + 2 * k;
        const float* xb = spec + 2 * (m - k);
        const float fer = scale * (xa[0] + xb[0]), fei = scale * (xa[1] - xb[1]);
        const float dr = scale * (xa[0] - xb[0]), di = scale * (xa[1] + xb[1]);
        // Fo = d * conj(w^k)
        const float wr = tw[2 * k], wi = -tw[2 * k + 1];
        const float for_ = dr * wr - di * wi, foi = dr * wi + di * wr;
        // Z[k] = Fe + i Fo, Z[m-k] = conj(Fe) + i conj(Fo)
        float* a = out + 2 * k;
        float* b = out + 2 * (m - k);
        a[0] = fer - foi;
        a[1] = fei + for_;
        b[0] = fer + foi;
        b[1] = for_ - fei;
    }
    detail::cfft<true>(out, m, tw, 2);
    return Status::ok;
}

// Power spectrum |rfft(x)|^2 into out[0 .. n/2]; out holds n + 2 floats
// (the transform is computed there first). x may be out.
inline Status rfft_power(const Rfft& r, const float* x, size_t n_x, float* out, size_t n_out) {
    const Status st = rfft_forward(r, x, n_x, out, n_out);
    if (st != Status::ok) return st;
    for (uint32_t k = 0; k <= r.n / 2; ++k) out[k] = out[2 * k] * out[2 * k] + out[2 * k + 1] * out[2 * k + 1];
    return Status::ok;
}

// Magnitude spectrum |rfft(x)| into out[0 .. n/2], as rfft_power.
inline Status rfft_magnitude(const Rfft& r, const float* x, size_t n_x, float* out, size_t n_out) {
    const Status st = rfft_power(r, x, n_x, out, n_out);
    if (st != Status::ok) return st;
    for (uint32_t k = 0; k <= r.n / 2; ++k) out[k] = math::sqrt(out[k]);
    return Status::ok;
}

// ---- q15 -------------------------------------------------------------------

namespace detail {

inline void make_twiddles_q15(int16_t* tw, uint32_t n) {
    const float step = 2.0f * reciprocal_pow2(n);
    for (uint32_t k = 0; k < n / 2; ++k) {
        float s, c;
        math::sincos_pi(static_cast<float>(k) * step, s, c);
        tw[2 * k] = to_q15(c);
        tw[2 * k + 1] = to_q15(-s);
    }
}

}  // namespace detail

inline Status fft_q15_init(FftQ15& f, size_t n, int16_t* twiddles, size_t tw_size) {
    f = FftQ15{};
    uint32_t nn;
    const Status st = detail::init_table(nn, n, tw_size, twiddles);
    if (st != Status::ok) return st;
    detail::make_twiddles_q15(twiddles, nn);
    f.n = nn;
    f.twiddles = twiddles;
    return Status::ok;
}

// In place on 2n int16 (interleaved): fft(x) / n in q15.
inline Status fft_q15_forward(const FftQ15& f, int16_t* data, size_t n_data) {
    if (f.n == 0 || data == nullptr) return Status::bad_argument;
    if (n_data != 2 * f.n) return Status::size_mismatch;
    detail::cfft_q15<false>(data, f.n, f.twiddles, 1);
    return Status::ok;
}

// In place: ifft(X) (numpy scaling) for X given in q15 as fft(x) / n, i.e.
// the inverse of fft_q15_forward up to rounding: sum_k X[k] w^-kt / n.
inline Status fft_q15_inverse(const FftQ15& f, int16_t* data, size_t n_data) {
    if (f.n == 0 || data == nullptr) return Status::bad_argument;
    if (n_data != 2 * f.n) return Status::size_mismatch;
    detail::cfft_q15<true>(data, f.n, f.twiddles, 1);
    return Status::ok;
}

inline Status rfft_q15_init(RfftQ15& r, size_t n, int16_t* twiddles, size_t tw_size) {
    r = RfftQ15{};
    uint32_t nn;
    const Status st = detail::init_table(nn, n, tw_size, twiddles);
    if (st != Status::ok) return st;
    detail::make_twiddles_q15(twiddles, nn);
    r.n = nn;
    r.twiddles = twiddles;
    return Status::ok;
}

// x: n q15 reals; out: n + 2 int16, rfft(x) / n as interleaved q15 bins.
inline Status rfft_q15_forward(const RfftQ15& r, const int16_t* x, size_t n_x, int16_t* out, size_t n_out) {
    if (r.n == 0 || x == nullptr || out == nullptr) return Status::bad_argument;
    if (n_x != r.n || n_out < r.n + 2) return Status::size_mismatch;
    const uint32_t n = r.n, m = n / 2;
    // Halve while packing: |x[2t] + i x[2t+1]| / 2 < 1, so no stage overflows.
    for (uint32_t i = 0; i < n; ++i) out[i] = static_cast<int16_t>(detail::half_round(x[i]));
    detail::cfft_q15<false>(out, m, r.twiddles, 2);  // now Z / n
    const int32_t z0r = out[0], z0i = out[1];
    out[0] = saturate16(z0r + z0i);
    out[1] = 0;
    out[n] = saturate16(z0r - z0i);
    out[n + 1] = 0;
    const int16_t* tw = r.twiddles;
    for (uint32_t k = 1; k <= m / 2; ++k) {
        int16_t* a = out + 2 * k;
        int16_t* b = out + 2 * (m - k);
        // Twice Fe and Fo, exact in int32.
        const int32_t fer = a[0] + b[0], fei = a[1] - b[1];
        const int32_t for_ = a[1] + b[1], foi = b[0] - a[0];
        const int32_t wr = tw[2 * k], wi = tw[2 * k + 1];
        const int32_t tr = (wr * for_ - wi * foi + (1 << 14)) >> 15;
        const int32_t ti = (wr * foi + wi * for_ + (1 << 14)) >> 15;
        a[0] = saturate16(detail::half_round(fer + tr));
        a[1] = saturate16(detail::half_round(fei + ti));
        b[0] = saturate16(detail::half_round(fer - tr));
        b[1] = saturate16(detail::half_round(ti - fei));
    }
    return Status::ok;
}

}  // namespace dsp
}  // namespace microlearn
