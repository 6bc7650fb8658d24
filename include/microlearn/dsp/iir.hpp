// IIR filters as cascades of second-order sections, in scipy's `sos` layout:
// one row [b0, b1, b2, a0, a1, a2] per section, as
// scipy.signal.butter(..., output='sos') gives. Streaming: the state carries
// across calls until reset; sos_reset(f, x0) starts the filter in the steady
// state of a constant input x0 (scipy: sosfilt(sos, x, zi=sosfilt_zi(sos) * x0)).
//
//   float coeffs[5 * n_sections], state[2 * n_sections];   // caller-owned
//   dsp::Sos f; dsp::sos_init(f, sos, 6 * n_sections, n_sections, coeffs, state);
//   dsp::sos_process(f, x, y, n);      // y may be x (in place); n may be 0
//
// float32: transposed direct form II (two state values per section),
// coefficients normalized by a0 at init.
//
// q15: direct form I, q15 in and out, integer arithmetic only. Every signal
// between sections is an int32 with its own binary point E_s (value =
// int * 2^-E_s), chosen at init from the peak gain of sections 1..s (the
// largest |H| over a frequency grid and the sections' resonances) so that
// it keeps 3 bits of headroom: intermediate signals keep ~28 significant
// bits whether scipy's pairing puts a gain of 1e-11 or 1e+11 in a section.
// a1, a2 are Q30; the b of each section are stored with 30 significant bits
// and their own binary point, folded with the change of signal format into
// one right shift per section:
//   y_s = (((b0 x + b1 x1 + b2 x2) >> shift_s) + 2^26 - ((a1 y1 + a2 y2) >> 3)) >> 27
// (64-bit sums; the b part is Q27 after its shift, so a section may gain up
// to 16x in its b alone). The input enters as Q28 (q15 * 2^13). Each
// section feeds the part of its sum that rounding dropped into its next
// sum (first-order error feedback, +-1 z^-1 by the side of its poles): the
// rounding noise gets a zero at DC (or Nyquist) where narrow sections
// amplify it most, and the dead band of plain rounding (a DC error of up
// to 0.5 / (1 + a1 + a2) units, 6 LSB for cheby2(2, 40, 0.01)) goes away.
// The stored residue carries the next rounding's 2^26 (one add for both).
// Section s's last two inputs are section s-1's last two outputs, so the
// state is 2 (n_sections + 1) + n_sections int32 (the last: the residues).
// Only the final output is rounded and saturated to q15. Refused
// (out_of_range): unstable sections and poles within 2^-16 of z = +-1
// (q15 needs |a2| < 1 and |a1| + 2^-16 <= 1 + a2: nearer, Q30's rounding
// moves the DC gain by more than 2 LSB), gains above 2^28, and the rare designs (band-stops with far-apart passbands) whose passband would
// fall more than 17 bits below the peak of a signal between sections.
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
    uint32_t out_shift = 0;           // binary point of the last signal, minus 15
    const int32_t* coeffs = nullptr;  // b0 b1 b2 a1 a2 shift per section
    int32_t* state = nullptr;         // sos_q15_state_size(n_sections): see below
};

// int32 per section of SosQ15::coeffs, and of its state.
constexpr size_t kSosQ15Coeffs = 6;
// State: the last two inputs of each section, the last two outputs, then
// each section's rounding residue.
inline size_t sos_q15_state_size(size_t n_sections) { return 3 * n_sections + 2; }

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

// ---- exact coefficient conversion for q15 (no float arithmetic, no libm,
// no division helper: float64 coefficients keep their precision on chips
// without a double-precision unit) -----------------------------------------

// A value m * 2^e; |m| < 2^34 after a quotient, 0 for zero.
struct Scaled {
    int64_t m = 0;
    int e = 0;
};

// |m| rounded to at most 31 significant bits (m * 2^e unchanged but for rounding).
inline Scaled narrow31(uint64_t mag, int e, bool neg) {
    while (mag >= (uint64_t(1) << 31)) {
        mag = (mag + 1) >> 1;
        ++e;
    }
    Scaled s;
    s.m = neg ? -static_cast<int64_t>(mag) : static_cast<int64_t>(mag);
    s.e = e;
    return s;
}

// A finite float or double, split from its bits; false for inf and NaN.
inline bool split(float v, Scaled& out) {
    const uint32_t b = math::to_bits(v);
    const int ex = static_cast<int>((b >> 23) & 0xffu);
    if (ex == 0xff) return false;
    const uint64_t frac = b & 0x7fffffu;
    out = narrow31(ex ? frac | 0x800000u : frac, (ex ? ex : 1) - 150, (b >> 31) != 0);
    return true;
}

inline bool split(double v, Scaled& out) {
    uint64_t b;
    __builtin_memcpy(&b, &v, sizeof b);
    const int ex = static_cast<int>((b >> 52) & 0x7ffu);
    if (ex == 0x7ff) return false;
    const uint64_t frac = b & ((uint64_t(1) << 52) - 1);
    out = narrow31(ex ? frac | (uint64_t(1) << 52) : frac, (ex ? ex : 1) - 1075, (b >> 63) != 0);
    return true;
}

// a / b for b != 0 (|a|, |b| < 2^31), by shift and subtract: 31+ significant bits.
inline uint64_t udiv64(uint64_t a, uint64_t b) {
    uint64_t q = 0, r = 0;
    for (int i = 63; i >= 0; --i) {
        r = (r << 1) | ((a >> i) & 1u);
        if (r >= b) {
            r -= b;
            q |= uint64_t(1) << i;
        }
    }
    return q;
}

inline Scaled scaled_quotient(Scaled a, Scaled b) {
    const bool neg = (a.m < 0) != (b.m < 0);
    const uint64_t am = static_cast<uint64_t>(a.m < 0 ? -a.m : a.m), bm = static_cast<uint64_t>(b.m < 0 ? -b.m : b.m);
    Scaled q;
    if (am == 0) return q;
    const uint64_t mag = udiv64(am << 32, bm);
    q.m = neg ? -static_cast<int64_t>(mag) : static_cast<int64_t>(mag);
    q.e = a.e - b.e - 32;
    return q;
}

// floor(log2 |v|) for v != 0.
inline int scaled_log2(Scaled v) {
    uint64_t mag = static_cast<uint64_t>(v.m < 0 ? -v.m : v.m);
    int k = -1;
    while (mag != 0) {
        mag >>= 1;
        ++k;
    }
    return k + v.e;
}

// round(v * 2^frac) as int64 (|result| must stay below 2^62: the callers
// choose frac so).
inline int64_t scaled_fixed(Scaled v, int frac) {
    const int sh = v.e + frac;
    if (sh >= 0) return v.m * (int64_t(1) << (sh > 30 ? 30 : sh));  // callers keep sh <= 30
    if (sh < -40) return 0;
    return (v.m + (int64_t(1) << (-sh - 1))) >> -sh;
}

inline int32_t saturate32(int64_t v) {
    const int32_t lo = static_cast<int32_t>(v);
    if (lo == v) return lo;
    return v < 0 ? -0x7fffffff : 0x7fffffff;
}

// |B|^2 / |A|^2 of one section at a frequency with cos = c, sin^2 = s2:
// |b0 + b1 z^-1 + b2 z^-2|^2 = (b0 - b2)^2 s2 + (b1 + (b0 + b2) c)^2,
// a sum of squares (no cancellation near the unit circle).
inline float section_gain2(const float* c5, float c, float s2) {
    const float u = c5[0] - c5[2], v = c5[1] + (c5[0] + c5[2]) * c;
    const float p = 1.0f - c5[4], q = c5[3] + (1.0f + c5[4]) * c;
    return math::quotient(u * u * s2 + v * v, p * p * s2 + q * q);
}

// The float view of a q15 section's coefficients, b as if Q30.
inline void q15_section_floats(const int32_t* c, float* out5) {
    for (int k = 0; k < 5; ++k) out5[k] = static_cast<float>(c[k]) * math::pow2i(-30);
}

constexpr uint32_t kGainGrid = 32;

// For frequency point p (p <= kGainGrid: p pi / kGainGrid; above: the
// frequency where section p - kGainGrid - 1's |A| is smallest), writes
// key[s] = a monotonic int32 log2 key of |H of sections 0..s|^2 (2^23 per
// octave) for each s until the product is 0, and returns how many it wrote
// (-1 if a gain is not finite). The running product is kept as a mantissa
// in [1, 2) and an exponent: a narrow design's partial products leave
// float's range.
inline int q15_partials(const int32_t* coeffs, size_t ns, size_t p, int32_t* key) {
    float c5[5], c, s2;
    if (p <= kGainGrid) {
        float sn;
        math::sincos_pi(static_cast<float>(p) * (1.0f / kGainGrid), sn, c);
        s2 = sn * sn;
    } else {
        q15_section_floats(coeffs + kSosQ15Coeffs * (p - kGainGrid - 1), c5);
        if (!(c5[4] > 0.0f)) return 0;
        c = math::quotient(-c5[3] * (1.0f + c5[4]), 4.0f * c5[4]);
        if (!(c > -1.0f && c < 1.0f)) return 0;
        s2 = (1.0f - c) * (1.0f + c);
    }
    float m = 1.0f;
    int e2 = 0;
    for (size_t s = 0; s < ns; ++s) {
        // b as if Q30 (|b| in [1/4, 1]); their true scale 2^(30 - frac_b)
        // goes to the exponent, so a b of 1e-20 does not underflow.
        const int32_t* r = coeffs + kSosQ15Coeffs * s;
        q15_section_floats(r, c5);
        m *= section_gain2(c5, c, s2);
        if (!math::is_finite(m)) return -1;
        if (!(m >= math::pow2i(-126))) return static_cast<int>(s);  // a zero of H: 0 from here on
        const uint32_t b = math::to_bits(m);
        e2 += static_cast<int>(b >> 23) - 127 + 2 * (30 - r[5]);
        m = math::from_bits((b & 0x7fffffu) | 0x3f800000u);
        const int ek = e2 < -250 ? -250 : e2 > 250 ? 250 : e2;
        key[s] = ek * (int32_t(1) << 23) + static_cast<int32_t>(b & 0x7fffffu);
    }
    return static_cast<int>(ns);
}

// Into peak[s]: ceil(log2 of the peak |H|) of sections 0..s, the largest
// over the grid and the sections' resonances. scratch: 2 n_sections int32.
// out_of_range if a gain is not finite, or if some signal between sections
// would hold the final passband (|H| >= max |H| / 4) more than 17 bits below
// its own peak (the rounding of that signal would then show at the output:
// seen only in band-stop designs whose two passbands lie far apart).
inline Status q15_peak_log2(const int32_t* coeffs, size_t ns, int32_t* peak, int32_t* scratch) {
    constexpr int32_t kNone = -0x7fffffff;
    int32_t *low = scratch, *key = scratch + ns;
    const size_t n_points = kGainGrid + 1 + ns;
    for (size_t s = 0; s < ns; ++s) {
        peak[s] = kNone;
        low[s] = 0x7fffffff;
    }
    int32_t top = kNone;  // of the whole cascade
    for (size_t p = 0; p < n_points; ++p) {
        const int n = q15_partials(coeffs, ns, p, key);
        if (n < 0) return Status::out_of_range;
        for (int s = 0; s < n; ++s) peak[s] = key[s] > peak[s] ? key[s] : peak[s];
        if (static_cast<size_t>(n) == ns && key[ns - 1] > top) top = key[ns - 1];
    }
    // Lowest level of each signal over the passband.
    for (size_t p = 0; p < n_points; ++p) {
        if (static_cast<size_t>(q15_partials(coeffs, ns, p, key)) != ns || key[ns - 1] < top - 4 * (int32_t(1) << 23))
            continue;
        for (size_t s = 0; s < ns; ++s) low[s] = key[s] < low[s] ? key[s] : low[s];
    }
    for (size_t s = 0; s < ns; ++s) {
        if (peak[s] != kNone && low[s] != 0x7fffffff && peak[s] - low[s] > 34 * (int32_t(1) << 23))
            return Status::out_of_range;
        // |H|^2 < 2^(e + 1), so |H| < 2^ceil((e + 1) / 2) = 2^floor((e + 2) / 2).
        const int e = peak[s] == kNone ? -250 : (peak[s] >> 23);
        peak[s] = (e + 2 + 512) / 2 - 256;
    }
    return Status::ok;
}

// Section s's row [b0 b1 b2 a0 a1 a2] (exact), normalized by a0, into
// coeffs: a1, a2 in Q30, b with 30 significant bits and their binary point
// in c[5] for now.
inline Status q15_section(Scaled* v, int32_t* c) {
    if (v[3].m == 0) return Status::bad_parameter;
    const Scaled a0 = v[3];
    for (int k = 0; k < 6; ++k) v[k] = scaled_quotient(v[k], a0);
    for (int k = 4; k < 6; ++k) {
        if (v[k].m != 0 && scaled_log2(v[k]) >= 1) return Status::out_of_range;  // |a| >= 2
        c[k - 1] = static_cast<int32_t>(scaled_fixed(v[k], 30));
    }
    // Stable (both poles inside the unit circle): |a2| < 1, |a1| < 1 + a2;
    // and |A(+-1)| = 1 +- a1 + a2 >= 2^-16: closer poles to z = +-1 make
    // the DC (Nyquist) gain more sensitive to Q30's rounding than 2 LSB.
    const int64_t one = int64_t(1) << 30, a1 = c[3], a2 = c[4];
    if (!(a2 < one && (a1 < 0 ? -a1 : a1) + (int64_t(1) << 14) <= one + a2)) return Status::out_of_range;
    int top = -1000;
    for (int k = 0; k < 3; ++k)
        if (v[k].m != 0 && scaled_log2(v[k]) > top) top = scaled_log2(v[k]);
    const int frac_b = top == -1000 ? 30 : 29 - top;  // max |b| * 2^frac_b in [2^29, 2^30]
    for (int k = 0; k < 3; ++k) c[k] = static_cast<int32_t>(scaled_fixed(v[k], frac_b));
    c[5] = frac_b;
    return Status::ok;
}

// After q15_section for every section: the binary points of the signals and
// each section's shift; f ready to run.
inline Status q15_finish(SosQ15& f, size_t n_sections, int32_t* coeffs, int32_t* state);

// The arguments of a q15 init checked, then every row through q15_section:
// the exact conversion (the only step that depends on Real).
template <typename Real>
inline Status q15_rows(const Real* sos, size_t n_sos, size_t n_sections, int32_t* coeffs, const int32_t* state) {
    if (sos == nullptr || coeffs == nullptr || state == nullptr) return Status::bad_argument;
    if (n_sections == 0 || n_sections > 0xffffu) return Status::bad_parameter;
    if (n_sos != 6 * n_sections) return Status::size_mismatch;
    for (size_t s = 0; s < n_sections; ++s) {
        Scaled v[6];
        for (int k = 0; k < 6; ++k)
            if (!split(sos[6 * s + k], v[k])) return Status::bad_parameter;
        const Status st = q15_section(v, coeffs + kSosQ15Coeffs * s);
        if (st != Status::ok) return st;
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

// Steady state of a constant input x0 (x0 = 0: all zero), as
// scipy.signal.sosfilt_zi(sos) * x0: each section holds its DC response.
inline void sos_reset(Sos& f, float x0 = 0.0f) {
    float u = x0;
    for (uint32_t s = 0; s < f.n_sections; ++s) {
        const float* c = f.coeffs + 5 * s;
        const float v = u == 0.0f ? 0.0f : math::quotient((c[0] + c[1] + c[2]) * u, 1.0f + c[3] + c[4]);
        f.state[2 * s] = (c[1] + c[2]) * u - (c[3] + c[4]) * v;
        f.state[2 * s + 1] = c[2] * u - c[4] * v;
        u = v;
    }
}

// y = sosfilt(sos, x) continuing from the stored state; y may be x.
// Sections run two at a time (the intermediate signal stays in registers),
// then a last single one when their number is odd.
inline Status sos_process(Sos& f, const float* x, float* y, size_t n) {
    if (f.n_sections == 0 || ((x == nullptr || y == nullptr) && n != 0)) return Status::bad_argument;
    const float* in = x;
    uint32_t s = 0;
    for (; s + 1 < f.n_sections; s += 2) {
        const float* c = f.coeffs + 5 * s;
        const float b0 = c[0], b1 = c[1], b2 = c[2], a1 = c[3], a2 = c[4];
        const float d0 = c[5], d1 = c[6], d2 = c[7], e1 = c[8], e2 = c[9];
        float* st = f.state + 2 * s;
        float s1 = st[0], s2 = st[1], u1 = st[2], u2 = st[3];
        // One sample through both sections.
        auto pair = [&](float v) __attribute__((always_inline)) {
            const float o = b0 * v + s1;
            s1 = b1 * v - a1 * o + s2;
            s2 = b2 * v - a2 * o;
            const float p = d0 * o + u1;
            u1 = d1 * o - e1 * p + u2;
            u2 = d2 * o - e2 * p;
            return p;
        };
        size_t i = 0;
#if !defined(__SOFTFP__)
        // Hardware floats: two samples per pass halve the loop overhead (M4F
        // 19,512 -> 17,985 for 2 sections x 1024). Soft float: library calls
        // dominate, and the M3 ran 0.07 % slower so.
        for (; i + 1 < n; i += 2) {
            const float v0 = in[i], v1 = in[i + 1];
            y[i] = pair(v0);
            y[i + 1] = pair(v1);
        }
#endif
        for (; i < n; ++i) y[i] = pair(in[i]);
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

inline void sos_q15_reset(SosQ15& f, int16_t x0 = 0);

// q15 from float or double rows (double keeps scipy's coefficients exact:
// narrow designs need more than float32's 24 bits). coeffs: kSosQ15Coeffs *
// n_sections int32, state: sos_q15_state_size(n_sections) int32.
template <typename Real>
inline Status sos_q15_init(SosQ15& f, const Real* sos, size_t n_sos, size_t n_sections, int32_t* coeffs,
                           int32_t* state) {
    f = SosQ15{};
    const Status st = detail::q15_rows(sos, n_sos, n_sections, coeffs, state);
    return st != Status::ok ? st : detail::q15_finish(f, n_sections, coeffs, state);
}

namespace detail {

inline Status q15_finish(SosQ15& f, size_t n_sections, int32_t* coeffs, int32_t* state) {
    // Binary points of the signals from the peak gains of sections 0..s
    // (kept in state[] for now), then each section's shift.
    const Status gains = detail::q15_peak_log2(coeffs, n_sections, state, state + n_sections);
    if (gains != Status::ok) return gains;
    int e_prev = 28;  // the q15 input, times 2^13
    for (size_t s = 0; s < n_sections; ++s) {
        int32_t* c = coeffs + kSosQ15Coeffs * s;
        const bool last = s + 1 == n_sections;
        int e = 28 - state[s];  // 3 bits of headroom above the peak gain
        if (e > 120) e = 120;
        if (last && e > 46) e = 46;  // out_shift <= 31
        if (last && e < 16) e = 16;  // gains above 2^12 only saturate the q15 output
        int shift = c[5] - 27 - (e - e_prev);
        if (shift < 0) {  // |b| >= 16 in the new format: fewer fraction bits out
            e += shift;
            shift = 0;
        }
        if (e < (last ? 16 : 0)) return Status::out_of_range;
        if (shift > 62) {
            const int drop = shift - 62;  // |b| < 2^31: nothing is left after 32 bits (no shift >= 64)
            for (int k = 0; k < 3; ++k)
                c[k] = drop > 32 ? 0 : static_cast<int32_t>((static_cast<int64_t>(c[k]) + (int64_t(1) << (drop - 1))) >> drop);
            shift = 62;
        }
        c[5] = c[3] > 0 ? ~shift : shift;  // poles nearer Nyquist: residue fed back negated
        e_prev = e;
    }
    f.n_sections = static_cast<uint32_t>(n_sections);
    f.out_shift = static_cast<uint32_t>(e_prev - 15);
    f.coeffs = coeffs;
    f.state = state;
    sos_q15_reset(f);
    return Status::ok;
}

}  // namespace detail


// Steady state of a constant q15 input x0 (0: all zero): every section's
// last inputs and outputs hold its DC response, computed in integers (the
// fixed point of the recursion, to within one unit of its format).
inline void sos_q15_reset(SosQ15& f, int16_t x0) {
    const uint32_t ns = f.n_sections;
    int32_t u = x0 * 8192;
    for (uint32_t s = 0; s < ns; ++s) {
        f.state[2 * s] = f.state[2 * s + 1] = u;
        f.state[2 * ns + 2 + s] = 1 << 26;  // no residue yet, plus the rounding offset
        const int32_t* c = f.coeffs + kSosQ15Coeffs * s;
        const int shift = c[5] < 0 ? ~c[5] : c[5];
        // v (2^30 + a1 + a2) = 8 (((b0 + b1 + b2) u) >> shift)
        const int64_t num = (((int64_t(c[0]) + c[1] + c[2]) * u) >> shift) * 8;
        const uint64_t den = (uint64_t(1) << 30) + static_cast<uint64_t>(int64_t(c[3]) + c[4]);
        const uint64_t mag = static_cast<uint64_t>(num < 0 ? -num : num);
        const uint64_t q = detail::udiv64(mag + den / 2, den);
        u = detail::saturate32(q > 0x7fffffffu ? 0x7fffffff : (num < 0 ? -static_cast<int64_t>(q) : static_cast<int64_t>(q)));
    }
    f.state[2 * ns] = f.state[2 * ns + 1] = u;
}

namespace detail {

// One q15 section over m signal values in place (the section's input in,
// its output out). x1, x2: its last two inputs, carried in and out; st[0],
// st[1]: its last two outputs; *residue: its rounding residue. The state
// stays in registers for the whole run.
inline void sos_q15_section(const int32_t* c, int32_t& x1, int32_t& x2, int32_t* st, int32_t* residue, int32_t* v,
                            size_t m) {
    const int32_t neg = c[5] >> 31, shift = c[5] ^ neg;  // c[5] = shift or ~shift
    int32_t u1 = x1, u2 = x2, y1 = st[0], y2 = st[1], r = *residue;
    for (size_t k = 0; k < m; ++k) {
        const int32_t u = v[k];
        // Sums wrap (uint64) rather than overflow: only saturated
        // signals, never the headroom the formats keep, come near 2^63.
        const int64_t a = mul_wide(c[3], y1) + mul_wide(c[4], y2);  // first: fewer spills on the M0
        const int64_t b = static_cast<int64_t>(static_cast<uint64_t>(mul_wide(c[0], u)) +
                                               static_cast<uint64_t>(mul_wide(c[1], u1)) +
                                               static_cast<uint64_t>(mul_wide(c[2], u2)));
        // r: what the last rounding dropped (negated when neg), plus 2^26
        // for this one's rounding.
        const int64_t acc = static_cast<int64_t>(static_cast<uint64_t>(b >> shift) + static_cast<uint32_t>(r) -
                                                 static_cast<uint64_t>(a >> 3));
        u2 = u1;
        u1 = u;
        y2 = y1;
        y1 = saturate32(acc >> 27);
        v[k] = y1;
        const int32_t dropped = static_cast<int32_t>(acc & 0x7ffffff);  // residue + 2^26
        r = ((dropped ^ neg) - neg) + (neg & (1 << 27));
    }
    x1 = u1;
    x2 = u2;
    st[0] = y1;
    st[1] = y2;
    *residue = r;
}

}  // namespace detail

// Blocks of up to 32 samples go through one section after the other (an
// int32 buffer on the stack holds the signal between sections), so each
// section's coefficients and state stay in registers over the block.
inline Status sos_q15_process(SosQ15& f, const int16_t* x, int16_t* y, size_t n) {
    if (f.n_sections == 0 || ((x == nullptr || y == nullptr) && n != 0)) return Status::bad_argument;
    const uint32_t ns = f.n_sections, out_shift = f.out_shift;
    int32_t* const residues = f.state + 2 * ns + 2;
    constexpr size_t kBlock = 32;
    int32_t v[kBlock];
    for (size_t i = 0; i < n;) {
        const size_t m = n - i < kBlock ? n - i : kBlock;
        for (size_t k = 0; k < m; ++k) v[k] = x[i + k] * 8192;  // q15 to Q28
        // Section s's last inputs are section s - 1's last outputs: carried
        // from before s - 1 overwrote them.
        int32_t x1 = f.state[0], x2 = f.state[1];
        for (uint32_t s = 0; s < ns; ++s) {
            int32_t* st = f.state + 2 * s;
            const int32_t y1 = st[2], y2 = st[3];
            detail::sos_q15_section(f.coeffs + kSosQ15Coeffs * s, x1, x2, st + 2, residues + s, v, m);
            st[0] = x1;
            st[1] = x2;
            x1 = y1;
            x2 = y2;
        }
        for (size_t k = 0; k < m; ++k) y[i + k] = saturate16(((v[k] >> (out_shift - 1)) + 1) >> 1);
        i += m;
    }
    return Status::ok;
}

// ---- fast q15: 16-bit signals and coefficients, 32-bit sums --------------
//
// The same q15 in, q15 out as sos_q15_process, for users who trade accuracy
// for speed (docs/dsp.md: the bound). Every signal between sections is an
// int16 with its own binary point (from the peak gains of sections 0..s, as
// the exact kernel computes them, with 1 bit of headroom); a1, a2 are Q13
// (Q12 in a last section whose b part needs the room) and b int16 with their
// own binary point, folded with the change of format into one shift:
//   acc = ((b0 u + b1 u1 + b2 u2) >> shift) + r - (a1 y1 + a2 y2)
//   y = sat16(acc >> 13),   r = what >> 13 dropped (first-order error feedback)
// The last section's state has the same headroom bit above q15: the output is
// sat16(acc >> 12), so an output that clips does not clip the recursion.
// No sum can leave int32 whatever the int16 signals hold (so every target
// computes the same integers, the DSP extension's wrapping SMLAD included):
// init picks b's binary point so that (sum |b| + |a1| + |a2|) 2^15 + 2^13
// < 2^31 (as integers; |a1| + |a2| < 3 in Q13 leaves sum |b| >= 2^14.6).
// b is scaled at init so that the quantized section keeps the exact gain at
// z = 1 (z = -1 for poles nearer it): rounded poles then move the response
// only around the resonances, not its DC gain.
// armv7em runs the loop with the DSP extension (two products per SMLAD /
// SMUAD, SSAT with the shift); elsewhere plain C computes the same integers.
// Refused (out_of_range): unstable sections and far-apart band stops as in
// the exact kernel; and, where the exact kernel takes them, sections whose
// poles lie within kSosQ15FastMargin / 2^13 of z = +-1 (1 + a2 - |a1|
// smaller: Q13 moves such poles too far) and b that cannot keep 8
// significant bits.

struct SosQ15Fast {
    uint32_t n_sections = 0;
    const int32_t* coeffs = nullptr;  // kSosQ15Coeffs per section: see detail::q15_fast_section
    int32_t* state = nullptr;         // sos_q15_state_size(n_sections), laid out as SosQ15's
};

// Fraction bits of a1, a2 and of the sums, and the least 1 + a2 - |a1| in them.
constexpr int kSosQ15FastFrac = 13;
constexpr int32_t kSosQ15FastMargin = 128;  // 2^-6

namespace detail {

inline uint32_t pack16(int32_t lo, int32_t hi) {
    return (static_cast<uint32_t>(lo) & 0xffffu) | (static_cast<uint32_t>(hi) << 16);
}
inline int32_t low16(int32_t w) { return static_cast<int16_t>(static_cast<uint32_t>(w) & 0xffffu); }
inline int32_t high16(int32_t w) { return w >> 16; }

// The signed integer nearest num / den (den > 0).
inline int64_t round_quotient(int64_t num, uint64_t den) {
    const uint64_t mag = static_cast<uint64_t>(num < 0 ? -num : num);
    const int64_t q = static_cast<int64_t>(udiv64(mag + den / 2, den));
    return num < 0 ? -q : q;
}

// A section's row from q15_section (a in Q30, b with 30 bits and their
// binary point in c[5]) into the fast format with F fraction bits: b0,
// (b1, b2), (-a1, -a2) as int16 pairs, shift + (13 - F) * 256, and the
// residue's sign and offset. e_in: binary point of the section's input;
// e_out: the one wanted for its output (the last section's is 15), made
// coarser when the b part needs more room.
inline Status q15_fast_section(const int32_t* c, int32_t* out, int F, int e_in, int& e_out, bool last) {
    const int drop = 30 - F;
    const int32_t a1 = static_cast<int32_t>((int64_t(c[3]) + (1 << (drop - 1))) >> drop);
    const int32_t a2 = static_cast<int32_t>((int64_t(c[4]) + (1 << (drop - 1))) >> drop);
    const int32_t margin = kSosQ15FastMargin >> (kSosQ15FastFrac - F);
    if (a2 >= (1 << F) || (a1 < 0 ? -a1 : a1) + margin > (1 << F) + a2) return Status::out_of_range;
    // Keep the gain at z = 1 (poles nearer it) or z = -1 exact after rounding a.
    const bool nyquist = c[3] > 0;
    const int64_t exact = (int64_t(1) << 30) + (nyquist ? -int64_t(c[3]) : int64_t(c[3])) + c[4];
    const int64_t quant = (int64_t(1 << F) + (nyquist ? -a1 : a1) + a2) << drop;
    int64_t b[3];
    for (int k = 0; k < 3; ++k) b[k] = round_quotient(int64_t(c[k]) * quant, static_cast<uint64_t>(exact));
    // t: how far the b go right to become int16 with
    // (sum |b| + |a1| + |a2|) 2^15 + 2^F < 2^31: no sum can overflow.
    const int32_t room = 65535 - (a1 < 0 ? -a1 : a1) - (a2 < 0 ? -a2 : a2);
    auto fits = [&](int t, int32_t* q) {
        int32_t sum = 0;
        for (int k = 0; k < 3; ++k) {
            q[k] = static_cast<int32_t>((b[k] + (int64_t(1) << (t - 1))) >> t);
            const int32_t m = q[k] < 0 ? -q[k] : q[k];
            if (m > 32767) return false;
            sum += m;
        }
        return sum <= room;
    };
    int32_t q[3];
    int t = 14;  // |b| < 2^31: 2^17 at most
    while (!fits(t, q)) ++t;
    int shift = c[5] - t + e_in - e_out - F;
    if (shift < 0 && !last) {
        e_out += shift;  // a coarser signal
        shift = 0;
    }
    const bool zero = b[0] == 0 && b[1] == 0 && b[2] == 0;
    if (shift < 0 || shift > 30 || (!zero && (q[0] | q[1] | q[2]) == 0)) return Status::out_of_range;
    int32_t top = 0;
    for (int k = 0; k < 3; ++k) top = q[k] > top ? q[k] : -q[k] > top ? -q[k] : top;
    if (!zero && top < 128) return Status::out_of_range;
    out[0] = q[0];
    out[1] = static_cast<int32_t>(pack16(q[1], q[2]));
    out[2] = static_cast<int32_t>(pack16(-a1, -a2));  // -a: both products add
    out[3] = shift + (kSosQ15FastFrac - F) * 256;
    out[4] = nyquist ? -1 : 0;                // residue fed back negated ...
    out[5] = nyquist ? (1 << F) + 1 : 0;      // ... as 2^F - dropped: (dropped ^ out[4]) + out[5]
    return Status::ok;
}

}  // namespace detail

inline void sos_q15_fast_reset(SosQ15Fast& f, int16_t x0 = 0);

namespace detail {
inline Status q15_fast_finish(SosQ15Fast& f, size_t n_sections, int32_t* coeffs, int32_t* state);
}

// q15 fast filter from float or double rows; coeffs and state as large as
// sos_q15_init's (kSosQ15Coeffs * n_sections, sos_q15_state_size).
template <typename Real>
inline Status sos_q15_fast_init(SosQ15Fast& f, const Real* sos, size_t n_sos, size_t n_sections, int32_t* coeffs,
                                int32_t* state) {
    f = SosQ15Fast{};
    const Status st = detail::q15_rows(sos, n_sos, n_sections, coeffs, state);
    return st != Status::ok ? st : detail::q15_fast_finish(f, n_sections, coeffs, state);
}

namespace detail {

// After q15_section for every section: the peak gains of sections 0..s
// (state[s]: |H| < 2^state[s]), then each section in the fast format.
inline Status q15_fast_finish(SosQ15Fast& f, size_t n_sections, int32_t* coeffs, int32_t* state) {
    Status st = q15_peak_log2(coeffs, n_sections, state, state + n_sections);
    if (st != Status::ok) return st;
    int e_in = 15;
    for (size_t s = 0; s < n_sections; ++s) {
        const bool last = s + 1 == n_sections;
        int32_t* c = coeffs + kSosQ15Coeffs * s;
        int32_t row[kSosQ15Coeffs];
        for (size_t k = 0; k < kSosQ15Coeffs; ++k) row[k] = c[k];
        // 1 bit of headroom above |H| < 2^state[s] in an int16 (the peak
        // gain bounds sinusoids; other inputs overshoot it). The last
        // section's state is q15 with the same bit (binary point 14; its
        // output q15 itself): if its b part does not fit 13 fraction bits,
        // it takes 12 (Q12 poles).
        int e_out = last ? 14 : 14 - state[s];
        st = q15_fast_section(row, c, kSosQ15FastFrac, e_in, e_out, last);
        if (st != Status::ok && last) st = q15_fast_section(row, c, kSosQ15FastFrac - 1, e_in, e_out, last);
        if (st != Status::ok) return st;
        e_in = e_out;
    }
    f.n_sections = static_cast<uint32_t>(n_sections);
    f.coeffs = coeffs;
    f.state = state;
    sos_q15_fast_reset(f);
    return Status::ok;
}

}  // namespace detail

// Steady state of a constant q15 input x0, as sos_q15_reset.
inline void sos_q15_fast_reset(SosQ15Fast& f, int16_t x0) {
    const uint32_t ns = f.n_sections;
    int32_t u = x0;
    for (uint32_t s = 0; s < ns; ++s) {
        f.state[2 * s] = f.state[2 * s + 1] = u;
        const int32_t* c = f.coeffs + kSosQ15Coeffs * s;
        const int frac = kSosQ15FastFrac - (c[3] >> 8);
        f.state[2 * ns + 2 + s] = 1 << (frac - 1);  // no residue yet: the rounding offset
        // v (2^F + a1 + a2) = (b0 + b1 + b2) u >> shift
        const int32_t bsum = c[0] + detail::low16(c[1]) + detail::high16(c[1]);
        const int64_t den = (int64_t(1) << frac) - detail::low16(c[2]) - detail::high16(c[2]);
        const int64_t v = detail::round_quotient((bsum * u) >> (c[3] & 0xff), static_cast<uint64_t>(den));
        u = static_cast<int32_t>(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
    }
    f.state[2 * ns] = f.state[2 * ns + 1] = u;
}

namespace detail {

// One fast section over n samples, in to out (may be the same array). x1, x2:
// its last two inputs, carried in and out; st[0], st[1]: its last two
// outputs; *residue: its rounding residue.
// Last: the filter's output, q15, is acc >> (F - 1) (the state keeps 1 bit
// of headroom above it, so an output that clips does not clip the recursion).
template <int F, bool Last>
inline void sos_q15_fast_section(const int32_t* c, int32_t& x1, int32_t& x2, int32_t* st, int32_t* residue,
                                 const int16_t* in, int16_t* out, size_t n) {
    const int32_t b0 = c[0], b12 = c[1], na12 = c[2], shift = c[3] & 0xff, flip = c[4], off = c[5];
    int32_t r = *residue;
#if defined(__ARM_FEATURE_DSP)
    // (x1, x2) and (y1, y2) in the halves of one register each.
    int32_t xs = static_cast<int32_t>(pack16(x1, x2)), ys = static_cast<int32_t>(pack16(st[0], st[1]));
    for (size_t k = 0; k < n; ++k) {
        const int32_t u = in[k];
        const int32_t acc = __smlad(na12, ys, (__smlad(b12, xs, b0 * u) >> shift) + r);
        xs = static_cast<int32_t>(pack16(u, xs));  // PKHBT
        const int32_t y = __ssat(acc >> F, 16);
        ys = static_cast<int32_t>(pack16(y, ys));
        out[k] = static_cast<int16_t>(Last ? __ssat(acc >> (F - 1), 16) : y);
        r = ((acc & ((1 << F) - 1)) ^ flip) + off;
    }
    x1 = low16(xs);
    x2 = high16(xs);
    st[0] = low16(ys);
    st[1] = high16(ys);
#else
    const int32_t b1 = low16(b12), b2 = high16(b12), na1 = low16(na12), na2 = high16(na12);
    int32_t u1 = x1, u2 = x2, y1 = st[0], y2 = st[1];
    for (size_t k = 0; k < n; ++k) {
        const int32_t u = in[k];
        const int32_t acc = ((b0 * u + b1 * u1 + b2 * u2) >> shift) + r + na1 * y1 + na2 * y2;  // no overflow (init)
        u2 = u1;
        u1 = u;
        y2 = y1;
        y1 = saturate16(acc >> F);
        out[k] = Last ? saturate16(acc >> (F - 1)) : static_cast<int16_t>(y1);
        r = ((acc & ((1 << F) - 1)) ^ flip) + off;
    }
    x1 = u1;
    x2 = u2;
    st[0] = y1;
    st[1] = y2;
#endif
    *residue = r;
}

}  // namespace detail

// y = the fast filter of x continuing from the stored state; y may be x.
// Each section runs over the whole block (the first from x into y, the
// others in place in y), its state in registers.
inline Status sos_q15_fast_process(SosQ15Fast& f, const int16_t* x, int16_t* y, size_t n) {
    if (f.n_sections == 0 || ((x == nullptr || y == nullptr) && n != 0)) return Status::bad_argument;
    const uint32_t ns = f.n_sections;
    int32_t* const residues = f.state + 2 * ns + 2;
    int32_t x1 = f.state[0], x2 = f.state[1];
    const int16_t* in = x;
    for (uint32_t s = 0; s < ns; ++s) {
        int32_t* st = f.state + 2 * s;
        const int32_t y1 = st[2], y2 = st[3];  // section s + 1's last inputs
        const int32_t* c = f.coeffs + kSosQ15Coeffs * s;
        if (s + 1 < ns)
            detail::sos_q15_fast_section<kSosQ15FastFrac, false>(c, x1, x2, st + 2, residues + s, in, y, n);
        else if (c[3] >> 8)  // a last section whose b part needs 12 fraction bits
            detail::sos_q15_fast_section<kSosQ15FastFrac - 1, true>(c, x1, x2, st + 2, residues + s, in, y, n);
        else
            detail::sos_q15_fast_section<kSosQ15FastFrac, true>(c, x1, x2, st + 2, residues + s, in, y, n);
        st[0] = x1;
        st[1] = x2;
        x1 = y1;
        x2 = y2;
        in = y;
    }
    return Status::ok;
}

// ---- the q15 kernels on float32 data (common.hpp, q15_on_floats) ---------

namespace detail {
template <typename Filter, Status (*process)(Filter&, const int16_t*, int16_t*, size_t)>
Status sos_q15_block(void* f, const int16_t* x, size_t n, int16_t* y, size_t, size_t& n_y) {
    n_y = n;
    return process(*static_cast<Filter*>(f), x, y, n);
}
}  // namespace detail

// y = the q15 filter of x in [-1, 1), converted in and out; y may be x.
inline Status sos_q15_process_floats(SosQ15& f, const float* x, float* y, size_t n) {
    size_t n_y;
    return q15_on_floats(x, n, y, n, n_y, detail::sos_q15_block<SosQ15, sos_q15_process>, &f);
}
inline Status sos_q15_fast_process_floats(SosQ15Fast& f, const float* x, float* y, size_t n) {
    size_t n_y;
    return q15_on_floats(x, n, y, n, n_y, detail::sos_q15_block<SosQ15Fast, sos_q15_fast_process>, &f);
}

}  // namespace dsp
}  // namespace microlearn
