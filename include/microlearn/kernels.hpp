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

}  // namespace kernels
}  // namespace microlearn
