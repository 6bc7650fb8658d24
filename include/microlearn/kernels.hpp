// Numeric kernels shared by the model families (and later the neural
// networks): one implementation each, plain loops over pointers and lengths.
// Families call these instead of writing their own; an optimised variant for
// an architecture goes beside its reference here and must pass the same tests.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "math.hpp"

namespace microlearn {
namespace kernels {

// sum_i a[i] * b[i], accumulated in float in index order.
inline float dot(const float* a, const float* b, size_t n) {
    float s = 0.0f;
    for (size_t i = 0; i < n; ++i) s += a[i] * b[i];
    return s;
}

// y[j] = bias[j] + dot(W[j, :], x) for j < n_out; W row-major (n_out, n_in).
// bias may be null (zeros).
inline void affine(const float* W, const float* bias, const float* x, size_t n_in, size_t n_out, float* y) {
    for (size_t j = 0; j < n_out; ++j) y[j] = (bias ? bias[j] : 0.0f) + dot(W + j * n_in, x, n_in);
}

// sum_i (a[i] - b[i])^2
inline float squared_euclidean(const float* a, const float* b, size_t n) {
    float s = 0.0f;
    for (size_t i = 0; i < n; ++i) {
        const float d = a[i] - b[i];
        s += d * d;
    }
    return s;
}

// sum_i |a[i] - b[i]|
inline float manhattan(const float* a, const float* b, size_t n) {
    float s = 0.0f;
    for (size_t i = 0; i < n; ++i) {
        const float d = a[i] - b[i];
        s += d < 0.0f ? -d : d;
    }
    return s;
}

// max_i |a[i] - b[i]|
inline float chebyshev(const float* a, const float* b, size_t n) {
    float m = 0.0f;
    for (size_t i = 0; i < n; ++i) {
        float d = a[i] - b[i];
        d = d < 0.0f ? -d : d;
        if (d > m) m = d;
    }
    return m;
}

// Index of the first of equal maxima, as numpy's argmax. v must hold no NaN.
inline uint32_t argmax(const float* v, uint32_t n) {
    uint32_t best = 0;
#if MICROLEARN_SOFT_FLOAT
    // Integer keys with the floats' order: no library call per compare.
    int32_t top = math::order_key(math::to_bits(v[0]));
    for (uint32_t k = 1; k < n; ++k) {
        const int32_t key = math::order_key(math::to_bits(v[k]));
        if (key > top) top = key, best = k;
    }
#else
    for (uint32_t k = 1; k < n; ++k)
        if (v[k] > v[best]) best = k;
#endif
    return best;
}

// In place: v = exp(v - max v) / sum, as scipy.special.softmax.
inline void softmax(float* v, uint32_t n) {
    const float top = v[argmax(v, n)];
    float sum = 0.0f;
    for (uint32_t k = 0; k < n; ++k) sum += (v[k] = math::exp(v[k] - top));
    for (uint32_t k = 0; k < n; ++k) v[k] = math::divide(v[k], sum);  // not * (1 / sum): one rounding
}

// ---- distances with an early exit (neighbour searches) -----------------
// Each returns a key whose integer order is the distance's order: the bits
// of a non-negative float (float inputs; non-negative floats order as their
// bit patterns), or an exact integer (int16 inputs). Once the partial key
// reaches `bound` the loop stops and returns it: the full key would be at
// least as large (adding non-negative terms never lowers a sum, in float
// rounding too), so a caller that only keeps keys below `bound` loses nothing.

// The keys must order points alike on every target, so their sums are never
// fused into multiply-adds (GCC contracts s + d * d into one rounding where
// the FPU has an FMA, e.g. Cortex-M4F, and the host has none).
#if defined(__GNUC__) && !defined(__clang__)
#define MICROLEARN_SEPARATE_ROUNDING __attribute__((optimize("fp-contract=off")))
#else
#define MICROLEARN_SEPARATE_ROUNDING
#endif

// Bits of sum_i (a[i] - b[i])^2.
MICROLEARN_SEPARATE_ROUNDING inline uint32_t squared_euclidean_bounded(const float* a, const float* b, size_t n,
                                                                      uint32_t bound) {
#ifdef __clang__
#pragma clang fp contract(off)
#endif
    float s = 0.0f;
    for (size_t i = 0; i < n; ++i) {
        const float d = a[i] - b[i];
        s += d * d;
        if (math::to_bits(s) >= bound) break;
    }
    return math::to_bits(s);
}

// Bits of sum_i |a[i] - b[i]|.
inline uint32_t manhattan_bounded(const float* a, const float* b, size_t n, uint32_t bound) {
    float s = 0.0f;
    for (size_t i = 0; i < n; ++i) {
        const float d = a[i] - b[i];
        s += math::from_bits(math::to_bits(d) & 0x7FFFFFFFu);
        if (math::to_bits(s) >= bound) break;
    }
    return math::to_bits(s);
}

// |v|^p for p > 0: repeated products for whole p up to 16, else exp(p log |v|).
inline float abs_power(float v, float p) {
    v = math::from_bits(math::to_bits(v) & 0x7FFFFFFFu);
    if (v == 0.0f) return 0.0f;
    const uint32_t whole = static_cast<uint32_t>(p);
    if (static_cast<float>(whole) == p && whole <= 16) {
        float r = v;
        for (uint32_t i = 1; i < whole; ++i) r *= v;
        return r;
    }
    return math::exp(p * math::log(v));
}

// Bits of sum_i |a[i] - b[i]|^p (the p-th power of the minkowski distance).
MICROLEARN_SEPARATE_ROUNDING inline uint32_t minkowski_power_bounded(const float* a, const float* b, size_t n,
                                                                    float p, uint32_t bound) {
#ifdef __clang__
#pragma clang fp contract(off)
#endif
    float s = 0.0f;
    for (size_t i = 0; i < n; ++i) {
        s += abs_power(a[i] - b[i], p);
        if (math::to_bits(s) >= bound) break;
    }
    return math::to_bits(s);
}

// sum_i (a[i] - b[i])^2 of int16 vectors, exact.
inline uint64_t squared_euclidean_i16(const int16_t* a, const int16_t* b, size_t n, uint64_t bound) {
    uint64_t s = 0;
    for (size_t i = 0; i < n; ++i) {
        const int32_t d = int32_t(a[i]) - int32_t(b[i]);
        const uint32_t m = uint32_t(d < 0 ? -d : d);
        s += m * m;  // |d| <= 65535: the square fits in 32 bits unsigned (not signed)
        if (s >= bound) break;
    }
    return s;
}

// sum_i |a[i] - b[i]| of int16 vectors, exact.
inline uint64_t manhattan_i16(const int16_t* a, const int16_t* b, size_t n, uint64_t bound) {
    uint64_t s = 0;
    for (size_t i = 0; i < n; ++i) {
        const int32_t d = int32_t(a[i]) - int32_t(b[i]);
        s += uint32_t(d < 0 ? -d : d);
        if (s >= bound) break;
    }
    return s;
}

// max_i |a[i] - b[i]| of int16 vectors.
inline uint64_t chebyshev_i16(const int16_t* a, const int16_t* b, size_t n) {
    uint32_t m = 0;
    for (size_t i = 0; i < n; ++i) {
        const int32_t d = int32_t(a[i]) - int32_t(b[i]);
        const uint32_t v = uint32_t(d < 0 ? -d : d);
        if (v > m) m = v;
    }
    return m;
}

// ---- kernel-machine helpers (SVMs) -------------------------------------

// v^n for a whole n >= 0 by repeated squaring (v^0 = 1), as libsvm's powi.
inline float powi(float v, uint32_t n) {
    float r = 1.0f;
    for (; n != 0; n >>= 1, v *= v)
        if (n & 1u) r *= v;
    return r;
}

// tanh(z) = sign(z) (1 - 2 / (e^(2|z|) + 1)), within 2e-7 absolute error.
inline float tanh(float z) {
    const float a = z < 0.0f ? -z : z;
    const float t = a > 34.0f ? 1.0f : 1.0f - math::divide(2.0f, math::exp(2.0f * a) + 1.0f);
    return z < 0.0f ? -t : t;
}

}  // namespace kernels
}  // namespace microlearn
