// The fast q15 SOS kernel (sos_q15_fast_*): against a float64 sosfilt, against
// an int64 model of its own arithmetic (no sum may leave int32, whatever the
// input), state across calls, reset to a steady state, refused designs.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "microlearn/dsp/iir.hpp"

using namespace microlearn;

namespace {

// sosfilt in long double, transposed direct form II (scipy's own form).
std::vector<double> sosfilt_ref(const std::vector<double>& sos, const std::vector<double>& x) {
    std::vector<long double> y(x.begin(), x.end());
    for (size_t s = 0; s < sos.size() / 6; ++s) {
        const double* c = &sos[6 * s];
        const long double a0 = c[3];
        long double z1 = 0, z2 = 0;
        for (auto& v : y) {
            const long double o = c[0] / a0 * v + z1;
            z1 = c[1] / a0 * v - c[4] / a0 * o + z2;
            z2 = c[2] / a0 * v - c[5] / a0 * o;
            v = o;
        }
    }
    return std::vector<double>(y.begin(), y.end());
}

// scipy.signal.butter(4, 0.1, output='sos') (the benchmarks' design), and
// butter(4, 0.1, 'high'): b = [1, -2, 1] in the last section.
const std::vector<double> kLow = {
    0.00041659920440659937, 0.0008331984088131987, 0.00041659920440659937, 1.0, -1.4796742169311934, 0.5558215432824889,
    1.0, 2.0, 1.0, 1.0, -1.7009643319435257, 0.7884997398152979,
};
const std::vector<double> kHigh = {
    0.6620158372026176, -1.3240316744052352, 0.6620158372026176, 1.0, -1.4796742169311934, 0.5558215432824889,
    1.0, -2.0, 1.0, 1.0, -1.7009643319435257, 0.7884997398152979,
};

struct Fast {
    std::vector<int32_t> coeffs, state;
    dsp::SosQ15Fast f;
    template <typename Real>
    Status init(const std::vector<Real>& sos) {
        const size_t ns = sos.size() / 6;
        coeffs.assign(dsp::kSosQ15Coeffs * ns, 0);
        state.assign(dsp::sos_q15_state_size(ns), 0);
        return dsp::sos_q15_fast_init(f, sos.data(), sos.size(), ns, coeffs.data(), state.data());
    }
    std::vector<int16_t> run(const std::vector<int16_t>& x) {
        std::vector<int16_t> y(x.size());
        EXPECT_EQ(dsp::sos_q15_fast_process(f, x.data(), y.data(), x.size()), Status::ok);
        return y;
    }
};

int64_t clamp16(int64_t v) { return v > 32767 ? 32767 : v < -32768 ? -32768 : v; }

// The kernel's arithmetic in int64, from its coefficients, one sample at a
// time and one section after the other: what every target must compute.
// Fails the test if a sum leaves int32 (the kernel's sums are int32).
std::vector<int16_t> model(const std::vector<int32_t>& c, size_t ns, const std::vector<int16_t>& x) {
    std::vector<int64_t> v(x.begin(), x.end());
    for (size_t s = 0; s < ns; ++s) {
        const int32_t* k = &c[dsp::kSosQ15Coeffs * s];
        const int64_t b0 = k[0], b1 = int16_t(k[1] & 0xffff), b2 = k[1] >> 16;
        const int64_t na1 = int16_t(k[2] & 0xffff), na2 = k[2] >> 16;
        const int frac = 13 - (k[3] >> 8);  // 12 in a last section whose b needs the room
        int64_t u1 = 0, u2 = 0, y1 = 0, y2 = 0, r = int64_t(1) << (frac - 1);
        for (auto& u : v) {
            const int64_t b = b0 * u + b1 * u1 + b2 * u2;
            const int64_t acc = (b >> (k[3] & 0xff)) + r + na1 * y1 + na2 * y2;
            EXPECT_EQ(acc, int64_t(int32_t(acc)));
            u2 = u1;
            u1 = u;
            y2 = y1;
            y1 = clamp16(acc >> frac);
            r = ((acc & ((1 << frac) - 1)) ^ k[4]) + k[5];
            u = s + 1 < ns ? y1 : clamp16(acc >> (frac - 1));  // the last section's output: q15, its state: 1 bit coarser
        }
    }
    return std::vector<int16_t>(v.begin(), v.end());
}

std::vector<int16_t> noise(size_t n, int amplitude, unsigned seed) {
    std::mt19937 g(seed);
    std::uniform_int_distribution<int> d(-amplitude, amplitude);
    std::vector<int16_t> x(n);
    for (auto& v : x) v = int16_t(d(g));
    return x;
}

double max_error(const std::vector<int16_t>& y, const std::vector<double>& sos, const std::vector<int16_t>& x) {
    const auto ref = sosfilt_ref(sos, std::vector<double>(x.begin(), x.end()));
    double e = 0;
    for (size_t i = 0; i < y.size(); ++i) e = std::max(e, std::fabs(y[i] - std::round(ref[i])));
    return e;
}

}  // namespace

TEST(DspSosFast, MatchesSosfiltWithinItsBound) {
    // Measured 4-5 (low pass) and 10-13 LSB (high pass) at half to full scale; the exact kernel: 1.
    for (const auto* sos : {&kLow, &kHigh}) {
        Fast q;
        ASSERT_EQ(q.init(*sos), Status::ok);
        const auto x = noise(4000, 16000, 5);
        EXPECT_LE(max_error(q.run(x), *sos, x), sos == &kLow ? 6.0 : 16.0);
    }
}

TEST(DspSosFast, IsItsIntegerModelForAnyInput) {
    // Full-scale noise, full-scale alternation at Nyquist and DC steps: the
    // kernel's int32 sums equal the int64 model's (none overflowed).
    std::vector<int16_t> x = noise(3000, 32768, 9);
    for (int i = 0; i < 1000; ++i) x.push_back(i % 2 ? -32768 : 32767);
    for (int i = 0; i < 1000; ++i) x.push_back(i < 500 ? 32767 : -32768);
    for (const auto* sos : {&kLow, &kHigh}) {
        Fast q;
        ASSERT_EQ(q.init(*sos), Status::ok);
        EXPECT_EQ(q.run(x), model(q.coeffs, 2, x));
    }
}

TEST(DspSosFast, StateCarriesAcrossCallsAndInPlace) {
    const auto x = noise(1000, 20000, 11);
    Fast whole, pieces, single;
    ASSERT_EQ(whole.init(kLow), Status::ok);
    ASSERT_EQ(pieces.init(kLow), Status::ok);
    ASSERT_EQ(single.init(kLow), Status::ok);
    const auto want = whole.run(x);
    std::vector<int16_t> y(x);  // in place, uneven blocks, an empty one
    size_t at = 0;
    for (size_t len : {1, 0, 7, 100, 392, 500}) {
        ASSERT_EQ(dsp::sos_q15_fast_process(pieces.f, y.data() + at, y.data() + at, len), Status::ok);
        at += len;
    }
    EXPECT_EQ(y, want);
    std::vector<int16_t> one(x.size());
    for (size_t i = 0; i < x.size(); ++i)
        ASSERT_EQ(dsp::sos_q15_fast_process(single.f, &x[i], &one[i], 1), Status::ok);
    EXPECT_EQ(one, want);
    // reset() starts over.
    dsp::sos_q15_fast_reset(whole.f);
    EXPECT_EQ(whole.run(x), want);
}

TEST(DspSosFast, ResetToTheSteadyStateOfAConstant) {
    Fast q;
    ASSERT_EQ(q.init(kLow), Status::ok);
    dsp::sos_q15_fast_reset(q.f, -12345);
    const auto y = q.run(std::vector<int16_t>(500, -12345));
    for (size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(y[i], -12345, 4) << i;  // DC gain 1, kept exact (measured 3: the state is 1 bit coarser)
}

TEST(DspSosFast, FloatRowsWork) {
    Fast q;
    ASSERT_EQ(q.init(std::vector<float>(kLow.begin(), kLow.end())), Status::ok);
    const auto x = noise(2000, 16000, 2);
    EXPECT_LE(max_error(q.run(x), kLow, x), 4.0);
}

TEST(DspSosFast, RefusesWhatItCannotHold) {
    Fast q;
    // Poles 0.0005 from z = 1 (1 + a2 - |a1| < 2^-6): the exact kernel takes it.
    const std::vector<double> narrow = {1, 0, 0, 1, -1.999, 0.9995};
    EXPECT_EQ(q.init(narrow), Status::out_of_range);
    std::vector<int32_t> c(6), st(5);
    dsp::SosQ15 exact;
    EXPECT_EQ(dsp::sos_q15_init(exact, narrow.data(), 6, 1, c.data(), st.data()), Status::ok);
    // What the exact kernel refuses.
    EXPECT_EQ(q.init(std::vector<double>{1, 0, 0, 1, -2.1, 1.2}), Status::out_of_range);
    EXPECT_EQ(q.init(std::vector<double>{1, 0, 0, 0, 0, 0}), Status::bad_parameter);
    // A last section whose b gains more than its sums can hold.
    EXPECT_EQ(q.init(std::vector<double>{8, 16, 8, 1, 0, 0}), Status::out_of_range);
    // Bad arguments.
    dsp::SosQ15Fast f;
    std::vector<int16_t> x(4);
    EXPECT_EQ(dsp::sos_q15_fast_process(f, x.data(), x.data(), 4), Status::bad_argument);
    EXPECT_EQ(dsp::sos_q15_fast_init(f, kLow.data(), 11, 2, c.data(), st.data()), Status::size_mismatch);
    EXPECT_EQ(dsp::sos_q15_fast_init(f, kLow.data(), 12, 2, nullptr, st.data()), Status::bad_argument);
}
