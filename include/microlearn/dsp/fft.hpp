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
// table is n int16, computed at init in integer arithmetic only (no float:
// the q15 module links no soft-float routines).
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

#if defined(__ARM_ARCH_7M__) || defined(__ARM_ARCH_7EM__) || defined(__ARM_ARCH_8M_MAIN__)
#define ML_FFT_RBIT 1
#endif

// The bit reversal over log2(m) bits of i (> 0), given that of i - 1 (j):
// one RBIT where the architecture has it, else a carry into j from the top.
ML_ALWAYS_INLINE uint32_t next_reversed(uint32_t i, uint32_t j, uint32_t m, uint32_t shift) {
#if defined(ML_FFT_RBIT)
    (void)j, (void)m;
    uint32_t r;
    __asm__("rbit %0, %1" : "=r"(r) : "r"(i));
    return r >> shift;
#else
    (void)i, (void)shift;
    uint32_t k = m >> 1;
    while (j & k) {
        j ^= k;
        k >>= 1;
    }
    return j | k;
#endif
}

// Where a word load may be unaligned, one complex value (two T) moves as one
// unsigned integer (LDR / LDRD on Cortex-M3/M4F). Elsewhere (armv6m,
// RISC-V, Xtensa) a memcpy from a T pointer is a library call: there values
// move element by element.
#if defined(__ARM_FEATURE_UNALIGNED) || defined(__x86_64__) || defined(__i386__) || defined(__aarch64__) || \
    defined(__wasm__)
#define ML_FFT_WORD_MOVES 1
#else
#define ML_FFT_WORD_MOVES 0
#endif

template <size_t kBytes>
struct ComplexWord;
template <>
struct ComplexWord<4> {
    using type = uint32_t;
};
template <>
struct ComplexWord<8> {
    using type = uint64_t;
};

// dst[0..1] = src[0..1]
template <typename T>
ML_ALWAYS_INLINE void copy_complex(T* dst, const T* src) {
#if ML_FFT_WORD_MOVES
    typename ComplexWord<2 * sizeof(T)>::type v;
    __builtin_memcpy(&v, src, sizeof v);
    __builtin_memcpy(dst, &v, sizeof v);
#else
    const T r = src[0], i = src[1];
    dst[0] = r;
    dst[1] = i;
#endif
}

template <typename T>
ML_ALWAYS_INLINE void swap_complex(T* d, uint32_t a, uint32_t b) {
    T* const x = d + 2 * a;
    T* const y = d + 2 * b;
#if ML_FFT_WORD_MOVES
    typename ComplexWord<2 * sizeof(T)>::type vx, vy;
    __builtin_memcpy(&vx, x, sizeof vx);
    __builtin_memcpy(&vy, y, sizeof vy);
    __builtin_memcpy(x, &vy, sizeof vy);
    __builtin_memcpy(y, &vx, sizeof vx);
#else
    const T xr = x[0], xi = x[1], yr = y[0], yi = y[1];
    x[0] = yr;
    x[1] = yi;
    y[0] = xr;
    y[1] = xi;
#endif
}

// Puts m (>= 4) complex values into bit-reversed order, in place. For i
// even and below m/2, j = rev(i) is too, rev(i + 1) = j + m/2 and
// rev(i + m/2 + 1) = j + m/2 + 1; the other values are the partners of
// these. So one reversal (of i/2, over log2(m) - 2 bits) places four values.
template <typename T>
inline void bit_reverse(T* d, uint32_t m) {
    const uint32_t quarter = m >> 2, half = m >> 1, shift = 34 - log2_exact(m);
    for (uint32_t i = 0, j = 0;;) {
        const uint32_t a = 2 * i, b = 2 * j;
        swap_complex(d, a + 1, b + half);
        if (a < b) {
            swap_complex(d, a, b);
            swap_complex(d, a + half + 1, b + half + 1);
        }
        if (++i == quarter) break;
        j = next_reversed(i, j, quarter, shift);
    }
}

// Packing a real input as m complex values: float copies it, q15 halves it
// with rounding (so that |x[2t] + i x[2t+1]| / 2 < 1 and no stage overflows).
ML_ALWAYS_INLINE void pack_value(float* dst, const float* src) { copy_complex(dst, src); }
inline int32_t half_round(int32_t v) { return (v + 1) >> 1; }
ML_ALWAYS_INLINE void pack_value(int16_t* dst, const int16_t* src) {
    const int32_t r = src[0], i = src[1];
    dst[0] = static_cast<int16_t>(half_round(r));
    dst[1] = static_cast<int16_t>(half_round(i));
}

// ---- the transform: bit reversal, then radix-4 passes ---------------------
//
// Decimation in time over m complex values in bit-reversed order, in place.
// After the passes up to half-size h, each block of h values is the DFT of
// one subsequence; four neighbouring blocks B0..B3 (at j, j + h, j + 2h,
// j + 3h) hold the DFTs of the subsequences x[4t], x[4t + 2], x[4t + 1],
// x[4t + 3], so one radix-4 butterfly with c_r = W^(rj) B_r (W = W_4h) gives
//     y_q = sum_r (-i)^(qr) c_r
// at j + qh. A first pass with twiddles 1 (radix 4 when log2 m is even,
// radix 2 when it is odd) starts; radix-4 passes with twiddles follow. The
// twiddle table holds W_N^k for k < N / 2; W_N^3j past it is -W_N^(3j - N/2).
//
// Arithmetic types (Ops below): float, and q15 in int32 accumulators.
// Only the loads, the twiddle products and the stores differ; the butterfly's
// additions are this one network.

template <typename T>
struct Cx {
    T r, i;
};
template <typename T>
ML_ALWAYS_INLINE Cx<T> operator+(Cx<T> a, Cx<T> b) { return {a.r + b.r, a.i + b.i}; }
template <typename T>
ML_ALWAYS_INLINE Cx<T> operator-(Cx<T> a, Cx<T> b) { return {a.r - b.r, a.i - b.i}; }

// y_q = sum_r (-i)^(qr) c_r.
template <typename T>
ML_ALWAYS_INLINE void radix4_network(Cx<T> c0, Cx<T> c1, Cx<T> c2, Cx<T> c3, Cx<T>* y) {
    const Cx<T> t0 = c0 + c2, t1 = c0 - c2, t2 = c1 + c3, d = c1 - c3;
    const Cx<T> t3{d.i, -d.r};  // d times -i
    y[0] = t0 + t2;
    y[1] = t1 + t3;
    y[2] = t0 - t2;
    y[3] = t1 - t3;
}

// float: the butterfly in float, no scaling.
struct F32Ops {
    static constexpr bool kColumnCall = false;  // see radix4_column_call
    using T = float;
    using W = Cx<float>;
    using Acc = Cx<float>;
    ML_ALWAYS_INLINE static W twiddle(const float* tw, uint32_t k) { return {tw[2 * k], tw[2 * k + 1]}; }
    ML_ALWAYS_INLINE static W negate(W w) { return {-w.r, -w.i}; }
    ML_ALWAYS_INLINE static Acc base(const float* p) { return {p[0], p[1]}; }
    // b * w
    ML_ALWAYS_INLINE static Acc product(const float* p, W w) {
        const float br = p[0], bi = p[1];
        return {br * w.r - bi * w.i, br * w.i + bi * w.r};
    }
    ML_ALWAYS_INLINE static void store(float* p, Acc v) {
        p[0] = v.r;
        p[1] = v.i;
    }
    // The radix-2 pass: a + b, a - b.
    ML_ALWAYS_INLINE static void radix2(float* p) {
        const float ar = p[0], ai = p[1], br = p[2], bi = p[3];
        p[0] = ar + br;
        p[1] = ai + bi;
        p[2] = ar - br;
        p[3] = ai - bi;
    }
};

// q15: each pass divides by its radix, so the transform is fft / m. A
// radix-4 butterfly computes, in int32 (exact: |sum| < 2^30.5),
//     y_q = sat((2^13 c0 + 2^14 + sum_r>0 (-i)^(qr) ((b_r w^r) >> 2)) >> 15)
// with b_r w^r the exact complex product of q15 values (Q30, |.| < 2^30.5,
// floored to Q28): (c0 + sum) / 4 rounded once. The passes with twiddle 1
// take b_r w^r = 2^15 b_r exactly, and the radix-2 pass is (a +- b + 1) >> 1
// (no saturation needed there). This integer formula is the definition: the
// DSP-extension path (armv7em: SMUSD/SMUADX products of packed halves,
// SMLABB for 2^13 a + 2^14, SSAT with the shift) computes exactly it, so q15
// results are bit-identical on every target.

struct Q15Ops {
    static constexpr bool kColumnCall = true;
    using T = int16_t;
    using Acc = Cx<int32_t>;
#if defined(__ARM_FEATURE_DSP)
    using W = int32_t;  // re | im << 16, as SMUSD / SMUADX take it
    static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "re in the low half");
    ML_ALWAYS_INLINE static int32_t packed(const int16_t* p) {
        int32_t v;
        __builtin_memcpy(&v, p, 4);
        return v;
    }
    ML_ALWAYS_INLINE static W twiddle(const int16_t* tw, uint32_t k) { return packed(tw + 2 * k); }
    ML_ALWAYS_INLINE static W negate(W w) { return __qsub16(0, w); }
    ML_ALWAYS_INLINE static Acc base(const int16_t* p) {
        const int32_t v = packed(p), k = 1 << 13, r = 1 << 14;
        return {__smlabb(v, k, r), __smlatb(v, k, r)};
    }
    ML_ALWAYS_INLINE static Acc product(const int16_t* p, W w) {
        const int32_t b = packed(p);
        return {__smusd(b, w) >> 2, __smuadx(b, w) >> 2};
    }
    ML_ALWAYS_INLINE static void store(int16_t* p, Acc v) {
        uint32_t s;  // PKHBT: GCC packs with UXTH and ORR otherwise
        __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(s) : "r"(__ssat(v.r >> 15, 16)), "r"(__ssat(v.i >> 15, 16)));
        __builtin_memcpy(p, &s, 4);
    }
#else
#if UINTPTR_MAX > 0xFFFFFFFFu
    // A twiddle as two ints: one 64-bit register into the column's call.
    using W = Cx<int32_t>;
    ML_ALWAYS_INLINE static W twiddle(const int16_t* tw, uint32_t k) { return {tw[2 * k], tw[2 * k + 1]}; }
    ML_ALWAYS_INLINE static W negate(W w) { return {saturate16(-w.r), saturate16(-w.i)}; }
    ML_ALWAYS_INLINE static int32_t re(W w) { return w.r; }
    ML_ALWAYS_INLINE static int32_t im(W w) { return w.i; }
#else
    // As one word, re | im << 16, on 32-bit targets: as a struct, armv6m
    // copied each column's twiddles into the call with two memcpy calls, and
    // armv7m measured 2 % slower.
    using W = int32_t;
    ML_ALWAYS_INLINE static W pack(int32_t r, int32_t i) {
        return static_cast<int32_t>(static_cast<uint16_t>(r) | static_cast<uint32_t>(static_cast<uint16_t>(i)) << 16);
    }
    ML_ALWAYS_INLINE static int32_t re(W w) { return static_cast<int16_t>(w); }
    ML_ALWAYS_INLINE static int32_t im(W w) { return w >> 16; }
    ML_ALWAYS_INLINE static W twiddle(const int16_t* tw, uint32_t k) { return pack(tw[2 * k], tw[2 * k + 1]); }
    ML_ALWAYS_INLINE static W negate(W w) { return pack(saturate16(-re(w)), saturate16(-im(w))); }
#endif
    ML_ALWAYS_INLINE static Acc base(const int16_t* p) {
        return {p[0] * (1 << 13) + (1 << 14), p[1] * (1 << 13) + (1 << 14)};
    }
    ML_ALWAYS_INLINE static Acc product(const int16_t* p, W w) {
        const int32_t br = p[0], bi = p[1], wr = re(w), wi = im(w);
        return {(br * wr - bi * wi) >> 2, (br * wi + bi * wr) >> 2};
    }
    ML_ALWAYS_INLINE static void store(int16_t* p, Acc v) {
        p[0] = saturate16(v.r >> 15);
        p[1] = saturate16(v.i >> 15);
    }
#endif
    ML_ALWAYS_INLINE static void radix2(int16_t* p) {
        const int32_t ar = p[0], ai = p[1], br = p[2], bi = p[3];
        p[0] = static_cast<int16_t>((ar + br + 1) >> 1);
        p[1] = static_cast<int16_t>((ai + bi + 1) >> 1);
        p[2] = static_cast<int16_t>((ar - br + 1) >> 1);
        p[3] = static_cast<int16_t>((ai - bi + 1) >> 1);
    }
};

template <typename T>
struct CfftOps;
template <>
struct CfftOps<float> {
    using type = F32Ops;
};
template <>
struct CfftOps<int16_t> {
    using type = Q15Ops;
};

// One radix-4 butterfly on p[0], p[q], p[2q], p[3q] (q: scalars apart);
template <class Ops>
ML_ALWAYS_INLINE void radix4_butterfly(typename Ops::T* p0, typename Ops::T* p1, typename Ops::T* p2,
                                       typename Ops::T* p3, typename Ops::W w1, typename Ops::W w2,
                                       typename Ops::W w3) {
    using Acc = typename Ops::Acc;
    const Acc c0 = Ops::base(p0);
    const Acc c2 = Ops::product(p1, w2), c1 = Ops::product(p2, w1), c3 = Ops::product(p3, w3);
    Acc y[4];
    radix4_network(c0, c1, c2, c3, y);
    Ops::store(p0, y[0]);
    Ops::store(p1, y[1]);
    Ops::store(p2, y[2]);
    Ops::store(p3, y[3]);
}

// The butterflies of one pass that share their twiddles: p, p + 4q, ...
template <class Ops>
ML_ALWAYS_INLINE void radix4_column(typename Ops::T* p, const typename Ops::T* end, uint32_t q,
                                    typename Ops::W w1, typename Ops::W w2, typename Ops::W w3) {
    for (typename Ops::T* p2 = p + 2 * q; p < end; p += 4 * q, p2 += 4 * q)
        radix4_butterfly<Ops>(p, p + q, p2, p2 + q, w1, w2, w3);
}

// The same, not inlined: q15's butterfly needs every register, and a column
// as its own function keeps them for it (GCC at -Os still spilled the
// twiddles inside the loop: -O2 for this one function).
#if defined(__GNUC__) && !defined(__clang__)
#define ML_FFT_COLUMN_ATTR __attribute__((noinline, optimize("O2")))
#else
#define ML_FFT_COLUMN_ATTR __attribute__((noinline))
#endif
template <class Ops>
ML_FFT_COLUMN_ATTR void radix4_column_call(typename Ops::T* p, const typename Ops::T* end, uint32_t q,
                                           typename Ops::W w1, typename Ops::W w2, typename Ops::W w3) {
    radix4_column<Ops>(p, end, q, w1, w2, w3);
}

template <class Ops>
ML_ALWAYS_INLINE void radix4_column_run(typename Ops::T* p, const typename Ops::T* end, uint32_t q,
                                        typename Ops::W w1, typename Ops::W w2, typename Ops::W w3) {
    if (Ops::kColumnCall)
        radix4_column_call<Ops>(p, end, q, w1, w2, w3);
    else
        radix4_column<Ops>(p, end, q, w1, w2, w3);
}

// One radix-4 pass of half-size h (not inlined: its loops keep their values
// in registers). W_4h^j = W_N^(j step); W_N^half = -1.
template <class Ops>
__attribute__((noinline)) void radix4_pass(typename Ops::T* d, const typename Ops::T* end, uint32_t h,
                                           const typename Ops::T* tw, uint32_t step, uint32_t half) {
    using W = typename Ops::W;
    uint32_t k = 0;
    for (const typename Ops::T* const last = d + 2 * h; d < last; d += 2, k += step) {
        const uint32_t k3 = 3 * k;
        const W w1 = Ops::twiddle(tw, k), w2 = Ops::twiddle(tw, 2 * k);
        const W w3 = k3 < half ? Ops::twiddle(tw, k3) : Ops::negate(Ops::twiddle(tw, k3 - half));
        radix4_column_run<Ops>(d, end, 2 * h, w1, w2, w3);
    }
}

// The passes over m values already in bit-reversed order. tw is the table
// of a size-N transform (N = stride * m); this one uses every stride-th entry.
template <class Ops>
inline void cfft_passes(typename Ops::T* d, uint32_t m, const typename Ops::T* tw, uint32_t stride) {
    using T = typename Ops::T;
    T* const end = d + 2 * m;
    uint32_t h = 1;
    if (log2_exact(m) & 1) {
        for (T* p = d; p < end; p += 4) Ops::radix2(p);
        h = 2;
    }
    const uint32_t half = (stride * m) >> 1;  // W_N^half = -1
    // Twiddle step of the pass with half-size h: W_4h = W_N^(N / 4h).
    for (uint32_t step = half >> (log2_exact(h) + 1); h < m; h <<= 2, step >>= 2)
        radix4_pass<Ops>(d, end, h, tw, step, half);
}

// Packs m (>= 4) complex values from src into dst in bit-reversed order and
// transforms them: one pass when src is not dst (pack_value on the way), else
// packed in place and then reversed.
template <typename T>
inline void pack_transform(const T* src, T* dst, uint32_t m, const T* tw, uint32_t stride) {
    using Ops = typename CfftOps<T>::type;
    if (src == dst) {
        for (uint32_t i = 0; i < m; ++i) pack_value(dst + 2 * i, dst + 2 * i);  // float: nothing to do
        bit_reverse(dst, m);
        cfft_passes<Ops>(dst, m, tw, stride);
        return;
    }
    // rev(a) = b, rev(a + 1) = b + m/2, rev(a + m/2) = b + 1 and
    // rev(a + m/2 + 1) = b + m/2 + 1 (as in bit_reverse).
    const uint32_t quarter = m >> 2, half = m >> 1, shift = 34 - log2_exact(m);
    for (uint32_t i = 0, j = 0;;) {
        const T* s = src + 4 * i;
        T* d = dst + 4 * j;
        pack_value(d, s);
        pack_value(d + 2 * half, s + 2);
        pack_value(d + 2, s + 2 * half);
        pack_value(d + 2 * half + 2, s + 2 * half + 2);
        if (++i == quarter) break;
        j = next_reversed(i, j, quarter, shift);
    }
    cfft_passes<Ops>(dst, m, tw, stride);
}

inline float negated(float v) { return -v; }
inline int16_t negated(int16_t v) { return saturate16(-static_cast<int32_t>(v)); }

// Negates the imaginary parts of m complex values (q15: saturating).
template <typename T>
inline void conjugate(T* d, uint32_t m) {
    for (uint32_t i = 1; i < 2 * m; i += 2) d[i] = negated(d[i]);
}

// The forward transform, unscaled (q15: divided by m). The inverse is
// conj(fft(conj(x))): one kernel serves both directions (half the code).
template <typename T>
inline void cfft(T* d, uint32_t m, const T* tw, uint32_t stride) {
    bit_reverse(d, m);
    cfft_passes<typename CfftOps<T>::type>(d, m, tw, stride);
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
    detail::cfft(data, f.n, f.twiddles, 1);
    return Status::ok;
}

// Inverse, scaled by 1/n (numpy.fft.ifft): conj(fft(conj(x))) / n.
inline Status fft_inverse(const Fft& f, float* data, size_t n_data) {
    if (f.n == 0 || data == nullptr) return Status::bad_argument;
    if (n_data != 2 * f.n) return Status::size_mismatch;
    detail::conjugate(data, f.n);
    detail::cfft(data, f.n, f.twiddles, 1);
    const float scale = reciprocal_pow2(f.n);
    for (size_t i = 0; i < n_data; i += 2) {
        data[i] *= scale;
        data[i + 1] *= -scale;
    }
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
    detail::pack_transform(x, out, m, r.twiddles, 2);
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
    // conj(Z) is built, transformed forward and conjugated: the inverse.
    out[0] = scale * (spec[0] + spec[n]);
    out[1] = scale * (spec[n] - spec[0]);
    for (uint32_t k = 1; k <= m / 2; ++k) {
        const float* xa = spec + 2 * k;
        const float* xb = spec + 2 * (m - k);
        const float fer = scale * (xa[0] + xb[0]), fei = scale * (xa[1] - xb[1]);
        const float dr = scale * (xa[0] - xb[0]), di = scale * (xa[1] + xb[1]);
        // Fo = d * conj(w^k)
        const float wr = tw[2 * k], wi = -tw[2 * k + 1];
        const float for_ = dr * wr - di * wi, foi = dr * wi + di * wr;
        // Z[k] = Fe + i Fo, Z[m-k] = conj(Fe) + i conj(Fo); conjugated
        float* a = out + 2 * k;
        float* b = out + 2 * (m - k);
        a[0] = fer - foi;
        a[1] = -(fei + for_);
        b[0] = fer + foi;
        b[1] = fei - for_;
    }
    detail::cfft(out, m, tw, 2);
    detail::conjugate(out, m);
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

// sin x and cos x for 0 <= x <= pi / 4 given as x 2^63, in Q31 (cos 0 =
// 2^31): Taylor polynomials to x^11 and x^10 by Horner in Q31 fixed point,
// within 3 units of 2^-31 of the exact values. Integer only: the q15 module
// links no float routines.
inline void sincos_q31(uint64_t x63, uint32_t& s, uint32_t& c) {
    const auto mul = [](int32_t a, int32_t b) { return static_cast<int32_t>(mul_wide(a, b) >> 31); };
    const int32_t x = static_cast<int32_t>((x63 + (1u << 31)) >> 32);
    const int32_t x2 = mul(x, x);
    int32_t p = 54;  // 2^31 / 11!, then 9!, 7!, 5!, 3!
    p = 5918 - mul(x2, p);
    p = 426088 - mul(x2, p);
    p = 17895697 - mul(x2, p);
    p = 357913941 - mul(x2, p);
    s = static_cast<uint32_t>(x - mul(x, mul(x2, p)));
    p = 592;  // 2^31 / 10!, then 8!, 6!, 4!, 2!
    p = 53261 - mul(x2, p);
    p = 2982616 - mul(x2, p);
    p = 89478485 - mul(x2, p);
    p = 1073741824 - mul(x2, p);
    c = (1u << 31) - static_cast<uint32_t>(mul(x2, p));
}

// A Q31 magnitude (<= 2^31) rounded to q15, halves away from zero as
// q15_of does, with the sign given: +1 saturates to 32767, -1 is -32768.
ML_ALWAYS_INLINE int16_t q15_of_q31(uint32_t m, bool negative) {
    const int32_t r = static_cast<int32_t>((m + (1u << 15)) >> 16);
    return static_cast<int16_t>(negative ? -r : r - (r >> 15));
}

// w^k = e^{-2 pi i k / n} for k < n / 2, each part round(32768 v) saturated
// (what q15_of of the exact value gives; tests/cpp checks every size against
// double precision). One sincos_q31 per angle x = 2 pi u / n of the first
// octant gives the four entries at u, n/4 - u, n/4 + u and n/2 - u.
inline void make_twiddles_q15(int16_t* tw, uint32_t n) {
    // 2 pi / n as x 2^63: 2 pi / 4096 doubled (no variable 64-bit shift:
    // armv6m would call libgcc for it).
    uint64_t step = 14148475504056880ull;  // round(pi 2^52)
    for (uint32_t m = n; m < kMaxFftSize; m *= 2) step += step;
    const uint32_t q = n / 4;
    uint64_t x = 0;
    for (uint32_t u = 0; u <= n / 8; ++u, x += step) {
        uint32_t s, c;
        sincos_q31(x, s, c);
        const int16_t sp = q15_of_q31(s, false), sn = q15_of_q31(s, true);
        const int16_t cp = q15_of_q31(c, false), cn = q15_of_q31(c, true);
        int16_t* w = tw + 2 * u;  // angle x: (cos x, -sin x)
        w[0] = cp, w[1] = sn;
        w = tw + 2 * (q - u);  // pi/2 - x: (sin x, -cos x)
        w[0] = sp, w[1] = cn;
        w = tw + 2 * (q + u);  // pi/2 + x: (-sin x, -cos x)
        w[0] = sn, w[1] = cn;
        if (u == 0) continue;
        w = tw + 2 * (2 * q - u);  // pi - x: (-cos x, -sin x)
        w[0] = cn, w[1] = sn;
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
    detail::cfft(data, f.n, f.twiddles, 1);
    return Status::ok;
}

// In place: ifft(X) (numpy scaling) for X given in q15 as fft(x) / n, i.e.
// the inverse of fft_q15_forward up to rounding: sum_k X[k] w^-kt / n.
inline Status fft_q15_inverse(const FftQ15& f, int16_t* data, size_t n_data) {
    if (f.n == 0 || data == nullptr) return Status::bad_argument;
    if (n_data != 2 * f.n) return Status::size_mismatch;
    detail::conjugate(data, f.n);  // conj(fft(conj(X))), saturating
    detail::cfft(data, f.n, f.twiddles, 1);
    detail::conjugate(data, f.n);
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
    detail::pack_transform(x, out, m, r.twiddles, 2);  // now Z / n
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
