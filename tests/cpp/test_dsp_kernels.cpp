// dsp family kernels against straightforward double-precision references.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <random>
#include <vector>

#include "microlearn/dsp/dct.hpp"
#include "microlearn/dsp/fft.hpp"
#include "microlearn/dsp/fir.hpp"
#include "microlearn/dsp/iir.hpp"

namespace dsp = microlearn::dsp;
namespace mmath = microlearn::math;
using microlearn::Status;
using cd = std::complex<double>;

namespace {

std::vector<cd> dft(const std::vector<cd>& x, bool inverse) {
    const size_t n = x.size();
    std::vector<cd> y(n);
    const double sign = inverse ? 1.0 : -1.0;
    for (size_t k = 0; k < n; ++k) {
        cd acc = 0;
        for (size_t t = 0; t < n; ++t) acc += x[t] * std::polar(1.0, sign * 2 * M_PI * double((k * t) % n) / double(n));
        y[k] = inverse ? acc / double(n) : acc;
    }
    return y;
}

std::vector<float> randn(size_t n, unsigned seed) {
    std::mt19937 g(seed);
    std::normal_distribution<float> d;
    std::vector<float> v(n);
    for (auto& x : v) x = d(g);
    return v;
}

double max_abs(const std::vector<cd>& v) {
    double m = 0;
    for (auto& c : v) m = std::max(m, std::abs(c));
    return m;
}

}  // namespace

TEST(DspMath, SinCosSqrtLogQuotient) {
    for (int i = -4000; i <= 4000; ++i) {
        const float t = i / 997.0f;
        float s, c;
        mmath::sincos_pi(t, s, c);
        EXPECT_NEAR(s, std::sin(M_PI * double(t)), 2e-7) << t;
        EXPECT_NEAR(c, std::cos(M_PI * double(t)), 2e-7) << t;
    }
    for (float x : {1e-40f, 1e-30f, 1e-10f, 0.5f, 1.0f, 2.0f, 3.0f, 10.0f, 12345.678f, 3e38f}) {
        EXPECT_NEAR(mmath::sqrt(x), std::sqrt(double(x)), 2e-7 * std::sqrt(double(x))) << x;
        EXPECT_NEAR(mmath::log(x), std::log(double(x)), 2e-7 * std::max(1.0, std::fabs(std::log(double(x))))) << x;
    }
    EXPECT_EQ(mmath::sqrt(0.0f), 0.0f);
    EXPECT_TRUE(mmath::is_nan(mmath::sqrt(-1.0f)));
    for (float b : {1e-30f, 3e-5f, 0.3f, -0.7f, 1.0f, 7.0f, -1e20f, 2e38f}) {
        const float q = mmath::quotient(1.2345f, b);
        EXPECT_NEAR(q, 1.2345 / double(b), 2e-7 * std::fabs(1.2345 / double(b))) << b;
    }
}

TEST(DspFft, ComplexMatchesDft) {
    for (size_t n = 8; n <= 4096; n *= 2) {
        std::vector<float> tw(n), data = randn(2 * n, unsigned(n));
        dsp::Fft f;
        ASSERT_EQ(dsp::fft_init(f, n, tw.data(), tw.size()), Status::ok);
        std::vector<cd> x(n);
        for (size_t i = 0; i < n; ++i) x[i] = cd(data[2 * i], data[2 * i + 1]);
        const auto ref = dft(x, false);
        ASSERT_EQ(dsp::fft_forward(f, data.data(), data.size()), Status::ok);
        double err = 0;
        for (size_t i = 0; i < n; ++i) err = std::max(err, std::abs(cd(data[2 * i], data[2 * i + 1]) - ref[i]));
        EXPECT_LT(err / max_abs(ref), 1e-6) << n;
        ASSERT_EQ(dsp::fft_inverse(f, data.data(), data.size()), Status::ok);
        err = 0;
        for (size_t i = 0; i < n; ++i) err = std::max(err, std::abs(cd(data[2 * i], data[2 * i + 1]) - x[i]));
        EXPECT_LT(err / max_abs(x), 1e-6) << n;
    }
}

// Twiddles within one ulp of e^{-2 pi i k / n} rounded to float, and at
// least 95 % exactly rounded (measured: 95.8 %; the polynomial in x = pi f
// rounded once had 75 % and errors of 2 ulps).
TEST(DspFft, TwiddlesWithinOneUlp) {
    size_t total = 0, exact = 0;
    for (size_t n = 8; n <= 4096; n *= 2) {
        std::vector<float> tw(n);
        dsp::Fft f;
        ASSERT_EQ(dsp::fft_init(f, n, tw.data(), tw.size()), Status::ok);
        for (size_t i = 0; i < n; ++i) {
            const double a = 2 * M_PI * double(i / 2) / double(n);
            const double want = i % 2 ? -std::sin(a) : std::cos(a);
            const float r = static_cast<float>(want);
            ++total;
            if (std::fabs(want) < 1e-9) {  // cos(pi / 2): the float is 0
                EXPECT_EQ(tw[i], 0.0f) << n << " " << i;
                ++exact;
                continue;
            }
            exact += tw[i] == r;
            EXPECT_LE(std::fabs(double(tw[i]) - want), std::ldexp(1.0, std::ilogb(r) - 23))
                << n << " " << i;
        }
    }
    EXPECT_GE(double(exact), 0.95 * double(total));
}

// The benchmark's signal (benchmarks/dsp/kbench.py, 1024 points): max error
// relative to the peak below 5e-8 complex (CMSIS-DSP's arm_cfft_f32: 3.94e-8;
// before the exact twiddle reduction: 7.32e-8) and 4e-8 real (3.98e-8).
TEST(DspFft, KbenchSignalErrorNearCmsis) {
    const size_t n = 1024;
    std::vector<float> x(n), data(2 * n), tw(n), out(n + 2);
    std::vector<cd> xc(n);
    for (size_t i = 0; i < n; ++i) {
        const double t = double(i);
        x[i] = float(0.45 * std::sin(0.05 * t) + 0.25 * std::sin(0.71 * t) + 0.15 * std::sin(0.002 * t * t));
        data[2 * i] = x[i];
        xc[i] = x[i];
    }
    const auto ref = dft(xc, false);
    dsp::Fft f;
    ASSERT_EQ(dsp::fft_init(f, n, tw.data(), tw.size()), Status::ok);
    ASSERT_EQ(dsp::fft_forward(f, data.data(), data.size()), Status::ok);
    double err = 0;
    for (size_t k = 0; k < n; ++k) err = std::max(err, std::abs(cd(data[2 * k], data[2 * k + 1]) - ref[k]));
    EXPECT_LT(err / max_abs(ref), 5e-8);
    dsp::Rfft r;
    ASSERT_EQ(dsp::rfft_init(r, n, tw.data(), tw.size()), Status::ok);
    ASSERT_EQ(dsp::rfft_forward(r, x.data(), n, out.data(), out.size()), Status::ok);
    err = 0;
    for (size_t k = 0; k <= n / 2; ++k) err = std::max(err, std::abs(cd(out[2 * k], out[2 * k + 1]) - ref[k]));
    EXPECT_LT(err / max_abs(ref), 4e-8);
}

TEST(DspFft, RealMatchesDft) {
    for (size_t n = 8; n <= 4096; n *= 2) {
        std::vector<float> tw(n), x = randn(n, unsigned(n + 1)), out(n + 2), back(n);
        dsp::Rfft r;
        ASSERT_EQ(dsp::rfft_init(r, n, tw.data(), tw.size()), Status::ok);
        std::vector<cd> xc(x.begin(), x.end());
        const auto ref = dft(xc, false);
        ASSERT_EQ(dsp::rfft_forward(r, x.data(), n, out.data(), out.size()), Status::ok);
        double err = 0;
        for (size_t k = 0; k <= n / 2; ++k) err = std::max(err, std::abs(cd(out[2 * k], out[2 * k + 1]) - ref[k]));
        EXPECT_LT(err / max_abs(ref), 1e-6) << n;
        ASSERT_EQ(dsp::rfft_inverse(r, out.data(), out.size(), back.data(), n), Status::ok);
        err = 0;
        double mx = 0;
        for (size_t i = 0; i < n; ++i) {
            err = std::max(err, std::fabs(double(back[i]) - x[i]));
            mx = std::max(mx, std::fabs(double(x[i])));
        }
        EXPECT_LT(err / mx, 1e-6) << n;
        // In place: x is out.
        std::vector<float> y(x);
        y.resize(n + 2);
        ASSERT_EQ(dsp::rfft_forward(r, y.data(), n, y.data(), y.size()), Status::ok);
        EXPECT_EQ(y, out);
    }
}

TEST(DspFft, RejectsBadSizes) {
    std::vector<float> tw(4096);
    dsp::Rfft r;
    EXPECT_EQ(dsp::rfft_init(r, 4, tw.data(), tw.size()), Status::bad_parameter);
    EXPECT_EQ(dsp::rfft_init(r, 100, tw.data(), tw.size()), Status::bad_parameter);
    EXPECT_EQ(dsp::rfft_init(r, 8192, tw.data(), tw.size()), Status::bad_parameter);
    EXPECT_EQ(dsp::rfft_init(r, 64, tw.data(), 32), Status::size_mismatch);
    EXPECT_EQ(dsp::rfft_init(r, 64, nullptr, 64), Status::bad_argument);
    ASSERT_EQ(dsp::rfft_init(r, 64, tw.data(), 64), Status::ok);
    std::vector<float> x(64), out(65);
    EXPECT_EQ(dsp::rfft_forward(r, x.data(), 64, out.data(), 65), Status::size_mismatch);
    EXPECT_EQ(dsp::rfft_forward(r, x.data(), 63, out.data(), 66), Status::size_mismatch);
}

TEST(DspFft, Q15MatchesScaledDft) {
    for (size_t n = 8; n <= 4096; n *= 2) {
        std::vector<int16_t> tw(n), x(n), out(n + 2), c(2 * n);
        std::mt19937 g{static_cast<unsigned>(n)};
        std::uniform_int_distribution<int> d(-20000, 20000);
        for (auto& v : x) v = int16_t(d(g));
        for (auto& v : c) v = int16_t(d(g) / 2);
        dsp::RfftQ15 r;
        ASSERT_EQ(dsp::rfft_q15_init(r, n, tw.data(), tw.size()), Status::ok);
        ASSERT_EQ(dsp::rfft_q15_forward(r, x.data(), n, out.data(), out.size()), Status::ok);
        std::vector<cd> xc(n);
        for (size_t i = 0; i < n; ++i) xc[i] = x[i];
        auto ref = dft(xc, false);
        double err = 0;
        for (size_t k = 0; k <= n / 2; ++k)
            err = std::max(err, std::abs(cd(out[2 * k], out[2 * k + 1]) - ref[k] / double(n)));
        // Rounding noise: about one LSB per stage.
        EXPECT_LT(err, 2.0 + std::log2(double(n))) << n;
        // In place (x is out: packed in place, then reversed) gives the same bits.
        std::vector<int16_t> y(x);
        y.resize(n + 2);
        ASSERT_EQ(dsp::rfft_q15_forward(r, y.data(), n, y.data(), y.size()), Status::ok);
        EXPECT_EQ(y, out) << n;

        dsp::FftQ15 f;
        ASSERT_EQ(dsp::fft_q15_init(f, n, tw.data(), tw.size()), Status::ok);
        for (size_t i = 0; i < n; ++i) xc[i] = cd(c[2 * i], c[2 * i + 1]);
        ref = dft(xc, false);
        ASSERT_EQ(dsp::fft_q15_forward(f, c.data(), c.size()), Status::ok);
        err = 0;
        for (size_t k = 0; k < n; ++k) err = std::max(err, std::abs(cd(c[2 * k], c[2 * k + 1]) - ref[k] / double(n)));
        EXPECT_LT(err, 2.0 + std::log2(double(n))) << n;
    }
}

// The q15 twiddles are computed in integers only (no float routines in the
// q15 module): each part must be round(32768 v) of the exact value, halves
// away from zero, +1 saturated to 32767, as q15_of of it, for every size.
// The closest exact value lies 38 units of 2^-31 from a rounding tie;
// sincos_q31 must stay within 3 of the exact values (the margin).
TEST(DspFft, Q15TwiddlesAreTheRoundedExactValues) {
    const double pi = std::acos(-1.0);
    double worst = 0;
    for (uint32_t u = 0; u <= 512; ++u) {
        uint32_t s, c;
        dsp::detail::sincos_q31(uint64_t(u) * 14148475504056880ull, s, c);
        const double x = 2 * pi * u / 4096;
        worst = std::max({worst, std::abs(s - std::sin(x) * 2147483648.0), std::abs(c - std::cos(x) * 2147483648.0)});
    }
    EXPECT_LT(worst, 3.0);
    const auto q15 = [](double v) {
        const double r = std::floor(std::abs(v) * 32768 + 0.5);
        return int(v < 0 ? -r : std::min(r, 32767.0));
    };
    for (uint32_t n = 8; n <= 4096; n *= 2) {
        std::vector<int16_t> tw(n, 12345);
        dsp::FftQ15 f;
        ASSERT_EQ(dsp::fft_q15_init(f, n, tw.data(), tw.size()), Status::ok);
        for (uint32_t k = 0; k < n / 2; ++k) {
            const double a = 2 * pi * k / n;
            ASSERT_EQ(tw[2 * k], q15(std::cos(a))) << n << " " << k;
            ASSERT_EQ(tw[2 * k + 1], q15(-std::sin(a))) << n << " " << k;
        }
    }
}

namespace {

// Direct-form sosfilt in double, as scipy.
std::vector<double> sosfilt_ref(const std::vector<double>& sos, const std::vector<double>& x) {
    std::vector<double> y(x);
    for (size_t s = 0; s < sos.size() / 6; ++s) {
        const double* c = &sos[6 * s];
        double x1 = 0, x2 = 0, y1 = 0, y2 = 0;
        for (auto& v : y) {
            const double o = (c[0] * v + c[1] * x1 + c[2] * x2 - c[4] * y1 - c[5] * y2) / c[3];
            x2 = x1; x1 = v; y2 = y1; y1 = o;
            v = o;
        }
    }
    return y;
}

// scipy.signal.butter(4, 0.1, output='sos'), scaled so a0 != 1 in section 2.
const std::vector<double> kButter4 = {
    0.00041659920440659937, 0.0008331984088131987, 0.00041659920440659937, 1.0, -1.4796742169311934, 0.5558215432824889,
    2.0, 4.0, 2.0, 2.0, -3.4019286638870514, 1.5769994796305958,
};

}  // namespace

TEST(DspIir, FloatMatchesSosfiltAcrossBlocks) {
    const auto xf = randn(1000, 7);
    std::vector<double> xd(xf.begin(), xf.end());
    const auto ref = sosfilt_ref(kButter4, xd);
    std::vector<float> sos(kButter4.begin(), kButter4.end()), coeffs(10), state(4), y(xf);
    dsp::Sos f;
    ASSERT_EQ(dsp::sos_init(f, sos.data(), sos.size(), 2, coeffs.data(), state.data()), Status::ok);
    // Blocks of uneven sizes, in place.
    size_t at = 0;
    for (size_t len : {1, 7, 100, 392, 500}) {
        ASSERT_EQ(dsp::sos_process(f, y.data() + at, y.data() + at, len), Status::ok);
        at += len;
    }
    for (size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(y[i], ref[i], 1e-5) << i;
    dsp::sos_reset(f);
    std::vector<float> y2(xf);
    ASSERT_EQ(dsp::sos_process(f, y2.data(), y2.data(), y2.size()), Status::ok);
    EXPECT_EQ(y, y2);
}

// scipy.signal.butter(8, 0.035, output='sos'): b of the first section ~6e-11.
const std::vector<double> kButter8Narrow = {
    6.346567601987482e-11, 1.2693135203974965e-10, 6.346567601987482e-11, 1.0, -1.7947594902205297, 0.8056639754009535,
    1.0, 2.0, 1.0, 1.0, -1.8217079226909931, 0.8327761394377415,
    1.0, 2.0, 1.0, 1.0, -1.8736920559064603, 0.8850761145324988,
    1.0, 2.0, 1.0, 1.0, -1.946256258246416, 0.9580811978224408,
};

// A q15 filter over caller buffers sized by the engine's own constants.
struct Q15Filter {
    std::vector<int32_t> coeffs, state;
    dsp::SosQ15 f;
    template <typename Real>
    Status init(const std::vector<Real>& sos) {
        const size_t ns = sos.size() / 6;
        coeffs.assign(dsp::kSosQ15Coeffs * ns, 0);
        state.assign(dsp::sos_q15_state_size(ns), 0);
        return dsp::sos_q15_init(f, sos.data(), sos.size(), ns, coeffs.data(), state.data());
    }
};

TEST(DspIir, Q15MatchesSosfilt) {
    std::mt19937 g(3);
    std::uniform_int_distribution<int> d(-16000, 16000);
    std::vector<int16_t> x(1000);
    for (auto& v : x) v = int16_t(d(g));
    std::vector<double> xd(x.begin(), x.end());
    const auto ref = sosfilt_ref(kButter4, xd);
    std::vector<int16_t> y(x.size());
    Q15Filter q;
    ASSERT_EQ(q.init(kButter4), Status::ok);
    ASSERT_EQ(dsp::sos_q15_process(q.f, x.data(), y.data(), 300), Status::ok);
    ASSERT_EQ(dsp::sos_q15_process(q.f, x.data() + 300, y.data() + 300, 700), Status::ok);
    for (size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(y[i], std::round(ref[i]), 1.0) << i;
    // float32 rows take the same path (rounded coefficients, so a looser bound).
    const std::vector<float> rows(kButter4.begin(), kButter4.end());
    Q15Filter qf;
    ASSERT_EQ(qf.init(rows), Status::ok);
    ASSERT_EQ(dsp::sos_q15_process(qf.f, x.data(), y.data(), x.size()), Status::ok);
    for (size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(y[i], std::round(ref[i]), 2.0) << i;
}

// process() runs blocks of 32 samples section after section: any split of
// the input, in place or not, gives the outputs and state of one sample per
// call (where every section runs once per sample), saturating inputs included.
TEST(DspIir, Q15BlocksEqualSampleBySample) {
    std::mt19937 g(5);
    std::uniform_int_distribution<int> d(-32768, 32767);
    std::vector<int16_t> x(1000);
    for (size_t i = 0; i < x.size(); ++i) x[i] = (i / 97) % 3 == 1 ? int16_t(i % 2 ? 32767 : -32768) : int16_t(d(g));
    for (const auto* design : {&kButter4, &kButter8Narrow}) {
        Q15Filter whole, single;
        ASSERT_EQ(whole.init(*design), Status::ok);
        ASSERT_EQ(single.init(*design), Status::ok);
        std::vector<int16_t> y(x), one(x.size());
        size_t at = 0;
        for (size_t len : {1, 31, 32, 33, 5, 64, 834}) {  // in place
            ASSERT_EQ(dsp::sos_q15_process(whole.f, y.data() + at, y.data() + at, len), Status::ok);
            at += len;
        }
        ASSERT_EQ(at, x.size());
        for (size_t i = 0; i < x.size(); ++i) ASSERT_EQ(dsp::sos_q15_process(single.f, &x[i], &one[i], 1), Status::ok);
        EXPECT_EQ(y, one);
        EXPECT_EQ(whole.state, single.state);
    }
}

// The b of narrow designs (6e-11 here) used to round to 0 in one shared Q
// format: butter(8, 0.035) gave all zeros for a 16000 DC input.
TEST(DspIir, Q15NarrowDesignKeepsItsGain) {
    std::vector<int16_t> x(3000, 16000), y(x.size());
    std::vector<double> xd(x.begin(), x.end());
    const auto ref = sosfilt_ref(kButter8Narrow, xd);
    Q15Filter q;
    ASSERT_EQ(q.init(kButter8Narrow), Status::ok);
    ASSERT_EQ(dsp::sos_q15_process(q.f, x.data(), y.data(), x.size()), Status::ok);
    for (size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(y[i], std::round(ref[i]), 2.0) << i;
    EXPECT_EQ(y.back(), 16000);
}

// reset(x0) starts in the steady state of a constant input: the output of
// that input is constant from the first sample (scipy's sosfilt_zi * x0).
TEST(DspIir, ResetToSteadyState) {
    Q15Filter q;
    ASSERT_EQ(q.init(kButter8Narrow), Status::ok);
    dsp::sos_q15_reset(q.f, -12345);
    std::vector<int16_t> x(500, -12345), y(x.size());
    ASSERT_EQ(dsp::sos_q15_process(q.f, x.data(), y.data(), x.size()), Status::ok);
    for (auto v : y) EXPECT_NEAR(v, -12345, 1);
    std::vector<float> rows(kButter4.begin(), kButter4.end()), coeffs(10), state(4), xf(200, 0.75f), yf(200);
    dsp::Sos f;
    ASSERT_EQ(dsp::sos_init(f, rows.data(), rows.size(), 2, coeffs.data(), state.data()), Status::ok);
    dsp::sos_reset(f, 0.75f);
    ASSERT_EQ(dsp::sos_process(f, xf.data(), yf.data(), xf.size()), Status::ok);
    for (auto v : yf) EXPECT_NEAR(v, 0.75, 1e-5);
}

TEST(DspIir, Q15RefusesWhatItCannotRepresent) {
    Q15Filter q;
    // Unstable (a pole outside the unit circle), then a pole 1e-6 from z = 1.
    EXPECT_EQ(q.init(std::vector<double>{1, 0, 0, 1, -2.1, 1.2}), Status::out_of_range);
    EXPECT_EQ(q.init(std::vector<double>{1, 0, 0, 1, -0.999999, 0}), Status::out_of_range);
    EXPECT_EQ(q.init(std::vector<double>{1, 0, 0, 0, 0, 0}), Status::bad_parameter);
    EXPECT_EQ(q.init(std::vector<double>{1, 0, 0, 1, NAN, 0}), Status::bad_parameter);
    EXPECT_EQ(q.init(std::vector<double>{1, 0, 0, 1, -0.5, 0}), Status::ok);
}

// Empty blocks are no-ops, whatever the pointers.
TEST(DspIir, EmptyBlocksDoNothing) {
    Q15Filter q;
    ASSERT_EQ(q.init(kButter4), Status::ok);
    EXPECT_EQ(dsp::sos_q15_process(q.f, nullptr, nullptr, 0), Status::ok);
    std::vector<float> rows(kButter4.begin(), kButter4.end()), coeffs(10), state(4), taps(3), delay(6);
    dsp::Sos f;
    ASSERT_EQ(dsp::sos_init(f, rows.data(), rows.size(), 2, coeffs.data(), state.data()), Status::ok);
    EXPECT_EQ(dsp::sos_process(f, nullptr, nullptr, 0), Status::ok);
    const float h[3] = {0.25f, 0.5f, 0.25f};
    dsp::Fir fir;
    ASSERT_EQ(dsp::fir_init(fir, h, 3, 2, taps.data(), delay.data()), Status::ok);
    size_t n_y = 7;
    EXPECT_EQ(dsp::fir_process(fir, static_cast<const float*>(nullptr), 0, static_cast<float*>(nullptr), 0, n_y), Status::ok);
    EXPECT_EQ(n_y, 0u);
}

TEST(DspIir, RejectsBadCoefficients) {
    std::vector<float> sos = {1, 0, 0, 0, 0, 0}, c(5), st(2);
    dsp::Sos f;
    EXPECT_EQ(dsp::sos_init(f, sos.data(), 6, 1, c.data(), st.data()), Status::bad_parameter);
    EXPECT_EQ(dsp::sos_init(f, sos.data(), 5, 1, c.data(), st.data()), Status::size_mismatch);
    EXPECT_EQ(dsp::sos_init(f, sos.data(), 6, 0, c.data(), st.data()), Status::bad_parameter);
}

TEST(DspFir, MatchesLfilterWithDecimation) {
    const auto xf = randn(777, 9);
    std::vector<float> h = randn(31, 10);
    for (auto& v : h) v *= 0.05f;
    for (size_t dec : {1, 2, 3, 5}) {
        std::vector<float> taps(h.size()), delay(2 * h.size()), y(800);
        dsp::Fir f;
        ASSERT_EQ(dsp::fir_init(f, h.data(), h.size(), dec, taps.data(), delay.data()), Status::ok);
        size_t at = 0, got = 0;
        for (size_t len : {1, 10, 66, 700}) {
            size_t n_y;
            ASSERT_EQ(dsp::fir_process(f, xf.data() + at, len, y.data() + got, y.size() - got, n_y), Status::ok);
            at += len;
            got += n_y;
        }
        ASSERT_EQ(got, (777 + dec - 1) / dec);
        for (size_t k = 0; k < got; ++k) {
            double ref = 0;
            const size_t t = k * dec;
            for (size_t j = 0; j < h.size() && j <= t; ++j) ref += double(h[j]) * xf[t - j];
            EXPECT_NEAR(y[k], ref, 1e-5) << dec << " " << k;
        }
    }
}

// y may be x, with or without decimation: each chunk is copied into the
// delay line before any of its outputs is written. Same results as into a
// separate buffer, float and q15, across chunk sizes below and above n_taps.
TEST(DspFir, InPlaceMatchesSeparateOutput) {
    const auto xf = randn(500, 11);
    std::vector<float> h = randn(9, 12);
    for (auto& v : h) v *= 0.1f;
    for (size_t dec : {1, 3, 4}) {
        std::vector<float> taps(9), delay(18), taps2(9), delay2(18), y(500), inplace(xf);
        std::vector<int16_t> tq(9), dq(18), tq2(9), dq2(18), yq(500), xq(500);
        for (size_t i = 0; i < xq.size(); ++i) xq[i] = int16_t(xf[i] * 12000);
        std::vector<int16_t> inplace_q(xq);
        dsp::Fir a, b;
        dsp::FirQ15 qa, qb;
        ASSERT_EQ(dsp::fir_init(a, h.data(), 9, dec, taps.data(), delay.data()), Status::ok);
        ASSERT_EQ(dsp::fir_init(b, h.data(), 9, dec, taps2.data(), delay2.data()), Status::ok);
        ASSERT_EQ(dsp::fir_q15_init(qa, h.data(), 9, dec, tq.data(), dq.data()), Status::ok);
        ASSERT_EQ(dsp::fir_q15_init(qb, h.data(), 9, dec, tq2.data(), dq2.data()), Status::ok);
        size_t at = 0, got = 0, got_in = 0;
        for (size_t len : {2, 9, 10, 31, 448}) {
            size_t n_y, n_in, nq, nq_in;
            ASSERT_EQ(dsp::fir_process(a, xf.data() + at, len, y.data() + got, y.size() - got, n_y), Status::ok);
            ASSERT_EQ(dsp::fir_process(b, inplace.data() + at, len, inplace.data() + got_in, len, n_in), Status::ok);
            ASSERT_EQ(dsp::fir_process(qa, xq.data() + at, len, yq.data() + got, yq.size() - got, nq), Status::ok);
            ASSERT_EQ(dsp::fir_process(qb, inplace_q.data() + at, len, inplace_q.data() + got_in, len, nq_in),
                      Status::ok);
            ASSERT_EQ(n_y, n_in);
            ASSERT_EQ(nq, n_y);
            ASSERT_EQ(nq_in, n_y);
            // Packed to the front of this chunk's stretch of x.
            for (size_t k = 0; k < n_y; ++k) {
                EXPECT_EQ(inplace[at + k], y[got + k]) << dec;
                EXPECT_EQ(inplace_q[at + k], yq[got + k]) << dec;
            }
            at += len;
            got += n_y;
            got_in = at;
        }
    }
}

TEST(DspFir, Q15) {
    std::vector<float> h = {0.1f, 0.2f, 0.4f, 0.2f, 0.1f};
    std::vector<int16_t> taps(5), delay(10), x(100), y(100);
    for (size_t i = 0; i < x.size(); ++i) x[i] = int16_t((i * 7919) % 30000 - 15000);
    dsp::FirQ15 f;
    ASSERT_EQ(dsp::fir_q15_init(f, h.data(), 5, 1, taps.data(), delay.data()), Status::ok);
    size_t n_y;
    ASSERT_EQ(dsp::fir_process(f, x.data(), x.size(), y.data(), y.size(), n_y), Status::ok);
    ASSERT_EQ(n_y, 100u);
    for (size_t t = 0; t < 100; ++t) {
        double ref = 0;
        for (size_t j = 0; j < 5 && j <= t; ++j) ref += double(h[j]) * x[t - j];
        EXPECT_NEAR(y[t], ref, 2.0) << t;
    }
    std::vector<float> bad = {1.0f};
    EXPECT_EQ(dsp::fir_q15_init(f, bad.data(), 1, 1, taps.data(), delay.data()), Status::out_of_range);
    size_t small;
    dsp::Fir ff;
    std::vector<float> ft(5), fd(10), fx(10), fy(3);
    ASSERT_EQ(dsp::fir_init(ff, h.data(), 5, 2, ft.data(), fd.data()), Status::ok);
    EXPECT_EQ(dsp::fir_process(ff, fx.data(), 10, fy.data(), 3, small), Status::size_mismatch);
}

TEST(DspDct, MatchesDefinition) {
    for (size_t n : {8, 13, 40, 64}) {
        for (bool ortho : {false, true}) {
            const size_t n_out = n > 13 ? 13 : n;
            std::vector<float> table(n * n_out), x = randn(n, unsigned(n)), y(n_out);
            dsp::Dct d;
            ASSERT_EQ(dsp::dct_init(d, n, n_out, ortho, table.data(), table.size()), Status::ok);
            ASSERT_EQ(dsp::dct_forward(d, x.data(), n, y.data(), n_out), Status::ok);
            for (size_t k = 0; k < n_out; ++k) {
                double ref = 0;
                for (size_t t = 0; t < n; ++t) ref += 2.0 * x[t] * std::cos(M_PI * double(k * (2 * t + 1)) / (2.0 * n));
                if (ortho) ref *= k == 0 ? std::sqrt(1.0 / (4.0 * n)) : std::sqrt(1.0 / (2.0 * n));
                EXPECT_NEAR(y[k], ref, 1e-5 * std::sqrt(double(n)) * (ortho ? 1.0 : 4.0)) << n << " " << k;
            }
        }
    }
}

// The Cortex-M0 path of 32x32 -> 64 products (four 16x16 products) equals
// the plain int64 product: edges and random values.
TEST(DspCommon, SplitWideMultiplyIsExact) {
    const int32_t edges[] = {0, 1, -1, 2, -2, 0xffff, 0x10000, -0x10000, 0x7fff, -0x8000, 0x12345678, -0x12345678,
                             0x7fffffff, -0x7fffffff, INT32_MIN, 0x40000000, -0x40000000, 0x8000, -0x8001};
    for (int32_t a : edges)
        for (int32_t b : edges) ASSERT_EQ(dsp::mul_wide_split(a, b), int64_t(a) * b) << a << " " << b;
    std::mt19937 g(5);
    std::uniform_int_distribution<int32_t> d(INT32_MIN, INT32_MAX);
    for (int i = 0; i < 1000000; ++i) {
        const int32_t a = d(g), b = d(g);
        ASSERT_EQ(dsp::mul_wide_split(a, b), int64_t(a) * b) << a << " " << b;
    }
}
