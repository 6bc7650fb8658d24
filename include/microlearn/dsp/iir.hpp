// IIR filters as cascades of second-order sections, in scipy's `sos` layout:
// one row [b0, b1, b2, a0, a1, a2] per section, as
// scipy.signal.butter(..., output='sos') gives. Streaming: the state carries
// across calls until reset.
//
//   float coeffs[5 * n_sections], state[2 * n_sections];   // caller-owned
//   dsp::Sos f; dsp::sos_init(f, sos, 6 * n_sections, n_sections, coeffs, state);
//   dsp::sos_process(f, x, y, n);      // y may be x (in place)
//
// float32: transposed direct form II (two state values per section),
// coefficients normalized by a0 at init.
//
// q15: direct form I, q15 in and out. The normalized coefficients are int32
// with F fractional bits, F as large as lets the largest |coefficient| fit
// (F = 31 - ceil(log2 max|c|), at most 30), so even the tiny b of a narrow
// low-pass keep their precision. The signal between sections and the state
// (x[n-1], x[n-2], y[n-1], y[n-2] per section) are int32 in Q8.23: 8 more
// fraction bits than q15, and headroom to +-256 before saturating. Each
// section sums its five products in 64 bits; only the final output is
// rounded and saturated to q15.
#pragma once
#include "common.hpp"

namespace microlearn {
namespace dsp {

struct Sos {
    uint32_t n_sections = 0;
    const float* coeffs = nullptr;  // b0 b1 b2 a1 a2 per section, / a0
    float* state = nullptr;         // 2 per section
};

struct SosQ15 {
    uint32_t n_sections = 0;
    uint32_t frac_bits = 0;
    const int32_t* coeffs = nullptr;  // b0 b1 b2 a1 a2 per section, Q(frac_bits)
    int32_t* state = nullptr;         // x1 x2 y1 y2 per section, Q8.23
};

namespace detail {

// Normalizes rows [b0 b1 b2 a0 a1 a2] into [b0 b1 b2 a1 a2] / a0.
inline Status normalize_sos(const float* sos, size_t n_sos, size_t n_sections, float* out) {
    if (sos == nullptr || out == nullptr) return Status::bad_argument;
    if (n_sections == 0) return Status::bad_parameter;
    if (n_sos != 6 * n_sections) return Status::size_mismatch;
    for (size_t s = 0; s < n_sections; ++s) {
        const float* row = sos + 6 * s;
        const float a0 = row[3];
        if (!(a0 != 0.0f) || a0 - a0 != 0.0f) return Status::bad_parameter;  // zero, NaN or inf
        float* c = out + 5 * s;
        c[0] = math::quotient(row[0], a0);
        c[1] = math::quotient(row[1], a0);
        c[2] = math::quotient(row[2], a0);
        c[3] = math::quotient(row[4], a0);
        c[4] = math::quotient(row[5], a0);
        for (int i = 0; i < 5; ++i)
            if (c[i] - c[i] != 0.0f) return Status::bad_parameter;
    }
    return Status::ok;
}

}  // namespace detail

// sos: 6 * n_sections floats (scipy layout). coeffs: 5 * n_sections floats,
// state: 2 * n_sections floats, both caller-owned; the state starts at zero.
inline Status sos_init(Sos& f, const float* sos, size_t n_sos, size_t n_sections, float* coeffs,
                       float* state) {
    f = Sos{};
    if (state == nullptr) return Status::bad_argument;
    const Status st = detail::normalize_sos(sos, n_sos, n_sections, coeffs);
    if (st != Status::ok) return st;
    f.n_sections = static_cast<uint32_t>(n_sections);
    f.coeffs = coeffs;
    f.state = state;
    for (size_t i = 0; i < 2 * n_sections; ++i) state[i] = 0.0f;
    return Status::ok;
}

inline void sos_reset(Sos& f) {
    for (uint32_t i = 0; i < 2 * f.n_sections; ++i) f.state[i] = 0.0f;
}

// y = sosfilt(sos, x) continuing from the stored state; y may be x.
// Sections run two at a time (the intermediate signal stays in registers),
// then a last single one when their number is odd.
inline Status sos_process(Sos& f, const float* x, float* y, size_t n) {
    if (f.n_sections == 0 || x == nullptr || y == nullptr) return Status::bad_argument;
    const float* in = x;
    uint32_t s = 0;
    for (; s + 1 < f.n_sections; s += 2) {
        const float* c = f.coeffs + 5 * s;
        const float b0 = c[0], b1 = c[1], b2 = c[2], a1 = c[3], a2 = c[4];
        const float d0 = c[5], d1 = c[6], d2 = c[7], e1 = c[8], e2 = c[9];
        float* st = f.state + 2 * s;
        float s1 = st[0], s2 = st[1], u1 = st[2], u2 = st[3];
        for (size_t i = 0; i < n; ++i) {
            const float v = in[i];
            const float o = b0 * v + s1;
            s1 = b1 * v - a1 * o + s2;
            s2 = b2 * v - a2 * o;
            const float p = d0 * o + u1;
            u1 = d1 * o - e1 * p + u2;
            u2 = d2 * o - e2 * p;
            y[i] = p;
        }
        st[0] = s1;
        st[1] = s2;
        st[2] = u1;
        st[3] = u2;
        in = y;  // later sections run in place on the output
    }
    if (s < f.n_sections) {
        const float* c = f.coeffs + 5 * s;
        const float b0 = c[0], b1 = c[1], b2 = c[2], a1 = c[3], a2 = c[4];
        float s1 = f.state[2 * s], s2 = f.state[2 * s + 1];
        for (size_t i = 0; i < n; ++i) {
            const float v = in[i];
            const float o = b0 * v + s1;
            s1 = b1 * v - a1 * o + s2;
            s2 = b2 * v - a2 * o;
            y[i] = o;
        }
        f.state[2 * s] = s1;
        f.state[2 * s + 1] = s2;
    }
    return Status::ok;
}

// q15: coeffs is 5 * n_sections int32, state 4 * n_sections int32;
// scratch_5n (5 * n_sections floats) is only used during init.
inline Status sos_q15_init(SosQ15& f, const float* sos, size_t n_sos, size_t n_sections,
                           int32_t* coeffs, int32_t* state, float* scratch_5n) {
    f = SosQ15{};
    if (coeffs == nullptr || state == nullptr) return Status::bad_argument;
    const Status st = detail::normalize_sos(sos, n_sos, n_sections, scratch_5n);
    if (st != Status::ok) return st;
    float biggest = 0.0f;
    for (size_t i = 0; i < 5 * n_sections; ++i) {
        const float a = scratch_5n[i] < 0.0f ? -scratch_5n[i] : scratch_5n[i];
        if (a > biggest) biggest = a;
    }
    // F: largest with biggest * 2^F < 2^31, capped at 30.
    int frac = 30;
    while (frac > 0 && biggest * math::pow2i(frac) >= 2147483520.0f) --frac;
    if (biggest * math::pow2i(frac) >= 2147483520.0f) return Status::out_of_range;
    const float scale = math::pow2i(frac);
    for (size_t i = 0; i < 5 * n_sections; ++i) {
        const float v = scratch_5n[i] * scale;
        coeffs[i] = static_cast<int32_t>(v + (v >= 0.0f ? 0.5f : -0.5f));
    }
    f.n_sections = static_cast<uint32_t>(n_sections);
    f.frac_bits = static_cast<uint32_t>(frac);
    f.coeffs = coeffs;
    f.state = state;
    for (size_t i = 0; i < 4 * n_sections; ++i) state[i] = 0;
    return Status::ok;
}

inline void sos_q15_reset(SosQ15& f) {
    for (uint32_t i = 0; i < 4 * f.n_sections; ++i) f.state[i] = 0;
}

inline Status sos_q15_process(SosQ15& f, const int16_t* x, int16_t* y, size_t n) {
    if (f.n_sections == 0 || x == nullptr || y == nullptr) return Status::bad_argument;
    const uint32_t frac = f.frac_bits, ns = f.n_sections;
    const int64_t half = frac > 0 ? (int64_t(1) << (frac - 1)) : 0;
    const int64_t lim = 0x7fffffff;
    for (size_t i = 0; i < n; ++i) {
        int32_t v = static_cast<int32_t>(x[i]) * 256;  // q15 to Q8.23
        for (uint32_t s = 0; s < ns; ++s) {
            const int32_t* c = f.coeffs + 5 * s;
            int32_t* st = f.state + 4 * s;
            int64_t acc = half;
            acc += static_cast<int64_t>(c[0]) * v;
            acc += static_cast<int64_t>(c[1]) * st[0];
            acc += static_cast<int64_t>(c[2]) * st[1];
            acc -= static_cast<int64_t>(c[3]) * st[2];
            acc -= static_cast<int64_t>(c[4]) * st[3];
            acc >>= frac;
            const int32_t o = static_cast<int32_t>(acc > lim ? lim : acc < -lim ? -lim : acc);
            st[1] = st[0];
            st[0] = v;
            st[3] = st[2];
            st[2] = o;
            v = o;
        }
        y[i] = saturate16((v + 128) >> 8);
    }
    return Status::ok;
}

}  // namespace dsp
}  // namespace microlearn
