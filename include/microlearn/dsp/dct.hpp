// DCT-II of length n, the first n_out coefficients, as scipy.fft.dct(x,
// type=2, norm=None | 'ortho')[:n_out]:
//   y[k] = 2 sum_t x[t] cos(pi k (2t + 1) / (2n))      (unnormalized)
//   ortho: y[0] *= sqrt(1 / (4n)), y[k > 0] *= sqrt(1 / (2n)).
// Any n (MFCC takes the DCT of e.g. 40 mel bands). The scaled cosine table
// (n_out * n floats, caller-owned) is computed at init, so a call is n_out
// dot products of length n.
#pragma once
#include "common.hpp"

namespace microlearn {
namespace dsp {

struct Dct {
    uint32_t n = 0, n_out = 0;
    const float* table = nullptr;  // n_out rows of n
};

inline bool dct_size_ok(size_t n, size_t n_out) { return n >= 1 && n <= 4096 && n_out >= 1 && n_out <= n; }

// Table floats for n inputs and n_out outputs; 0 when 1 <= n_out <= n <= 4096 fails.
inline size_t dct_table_size(size_t n, size_t n_out) { return dct_size_ok(n, n_out) ? n * n_out : 0; }

inline Status dct_init(Dct& d, size_t n, size_t n_out, bool ortho, float* table, size_t table_size) {
    d = Dct{};
    if (!dct_size_ok(n, n_out)) return Status::bad_parameter;
    if (table == nullptr) return Status::bad_argument;
    if (table_size < dct_table_size(n, n_out)) return Status::size_mismatch;
    const uint32_t nn = static_cast<uint32_t>(n), four_n = 4 * nn;
    const float nf = static_cast<float>(nn);
    const float s0 = ortho ? math::sqrt(math::quotient(1.0f, 4.0f * nf)) * 2.0f : 2.0f;
    const float sk = ortho ? math::sqrt(math::quotient(1.0f, 2.0f * nf)) * 2.0f : 2.0f;
    for (uint32_t k = 0; k < n_out; ++k) {
        const float scale = k == 0 ? s0 : sk;
        // cos(pi * j / (2n)) with j = k (2t + 1) mod 4n, kept reduced
        // exactly by stepping (no integer division: Cortex-M0 has none).
        uint32_t j = k, step = 2 * k;
        while (step >= four_n) step -= four_n;
        for (uint32_t t = 0; t < nn; ++t) {
            table[k * nn + t] = scale * math::cos_pi(math::quotient(static_cast<float>(j), 2.0f * nf));
            j += step;
            if (j >= four_n) j -= four_n;
        }
    }
    d.n = nn;
    d.n_out = static_cast<uint32_t>(n_out);
    d.table = table;
    return Status::ok;
}

inline Status dct_forward(const Dct& d, const float* x, size_t n_x, float* y, size_t n_y) {
    if (d.n == 0 || x == nullptr || y == nullptr) return Status::bad_argument;
    if (n_x != d.n || n_y < d.n_out) return Status::size_mismatch;
    for (uint32_t k = 0; k < d.n_out; ++k) {
        const float* row = d.table + k * d.n;
        float acc = 0.0f;
        for (uint32_t t = 0; t < d.n; ++t) acc += row[t] * x[t];
        y[k] = acc;
    }
    return Status::ok;
}

}  // namespace dsp
}  // namespace microlearn
