// The q15 filters on float32 data (dsp::q15_on_floats, ml_*_q15_process_f32):
// the integer conversions against float64 arithmetic (built a second time
// with MICROLEARN_SOFT_FLOAT=1, the path of chips without an FPU), and the
// float API against converting by hand around the q15 kernel, in place, with
// decimation, a NaN refused before anything is filtered, a short output refused.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

// The C API definitions in this test's own unit (src/microlearn_c.cpp is the firmware's).
#include "microlearn/c_api/common.hpp"
#include "microlearn/c_api/dsp.hpp"

using namespace microlearn;

namespace {

// round(x * 32768), halves away from zero, saturated: in float64, exact for float32 x.
int16_t q15_reference(float x) {
    const double v = static_cast<double>(x) * 32768.0;
    double r = std::floor(std::fabs(v) + 0.5);
    if (v < 0) r = -r;
    return static_cast<int16_t>(r > 32767 ? 32767 : r < -32768 ? -32768 : r);
}

TEST(DspQ15Floats, ConversionToQ15IsRoundedHalfAwayAndSaturated) {
    std::vector<float> xs = {0.0f, -0.0f, 1.0f, -1.0f, 0.999999f, -0.999999f, 2.0f, -3e38f,
                             std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(),
                             std::numeric_limits<float>::denorm_min(), -std::numeric_limits<float>::denorm_min()};
    for (int q = -32768; q <= 32767; ++q)  // every step and half step, and their neighbours
        for (float v : {q / 32768.0f, (q + 0.5f) / 32768.0f})
            xs.insert(xs.end(), {v, std::nextafter(v, 2.0f), std::nextafter(v, -2.0f)});
    std::mt19937 rng(7);
    for (int i = 0; i < 2000000; ++i) {
        const float v = math::from_bits(static_cast<uint32_t>(rng()));
        if (!std::isnan(v)) xs.push_back(v);
    }
    for (float x : xs) ASSERT_EQ(dsp::q15_of(x), q15_reference(x)) << x;
}

TEST(DspQ15Floats, ConversionFromQ15IsExact) {
    for (int q = -32768; q <= 32767; ++q) {
        const float f = dsp::float_of_q15(static_cast<int16_t>(q));
        ASSERT_EQ(static_cast<double>(f), q / 32768.0) << q;
        ASSERT_EQ(dsp::q15_of(f), q);
    }
}

struct Sos {
    explicit Sos(bool fast) : fast(fast) {
        const float sos[12] = {0.2f, 0.4f, 0.2f, 1.0f, -0.5f, 0.25f, 1.0f, -1.2f, 0.5f, 1.0f, -0.9f, 0.3f};
        EXPECT_EQ((fast ? ml_sos_q15_fast_init : ml_sos_q15_init)(&f, sos, 12, 2, coeffs, state), ML_OK);
    }
    ml_sos_t f;
    int32_t coeffs[12], state[8];
    bool fast;
};

std::vector<float> signal(size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> u(-1.2f, 1.2f);  // some samples saturate
    std::vector<float> x(n);
    for (auto& v : x) v = u(rng);
    return x;
}

TEST(DspQ15Floats, SosOnFloatsIsTheQ15KernelBetweenTheConversions) {
    for (bool fast : {false, true}) {
        Sos a(fast), b(fast);
        for (size_t n : {0u, 1u, 63u, 64u, 65u, 1000u}) {
            const std::vector<float> x = signal(n, static_cast<unsigned>(n));
            std::vector<int16_t> q(n);
            for (size_t i = 0; i < n; ++i) q[i] = dsp::q15_of(x[i]);
            ASSERT_EQ((fast ? ml_sos_q15_fast_process : ml_sos_q15_process)(&b.f, q.data(), q.data(), n), ML_OK);
            std::vector<float> y = x;  // in place
            ASSERT_EQ((fast ? ml_sos_q15_fast_process_f32 : ml_sos_q15_process_f32)(&a.f, y.data(), y.data(), n), ML_OK);
            for (size_t i = 0; i < n; ++i) ASSERT_EQ(y[i], q[i] / 32768.0f) << fast << " " << n << " " << i;
        }
    }
}

TEST(DspQ15Floats, ANanIsRefusedBeforeAnythingIsFiltered) {
    Sos a(false), b(false);
    std::vector<float> x = signal(300, 3), y(300);
    x[200] = std::nanf("");
    EXPECT_EQ(ml_sos_q15_process_f32(&a.f, x.data(), y.data(), x.size()), ML_OUT_OF_RANGE);
    x[200] = 0.5f;
    std::vector<float> ya(300), yb(300);
    ASSERT_EQ(ml_sos_q15_process_f32(&a.f, x.data(), ya.data(), x.size()), ML_OK);
    ASSERT_EQ(ml_sos_q15_process_f32(&b.f, x.data(), yb.data(), x.size()), ML_OK);
    EXPECT_EQ(ya, yb);  // the refused call left the state as it was
}

TEST(DspQ15Floats, FirWithDecimationWritesWhatFirOutputsSays) {
    std::vector<float> h(17);
    for (size_t i = 0; i < h.size(); ++i) h[i] = 0.05f * static_cast<float>(i % 5) - 0.08f;
    ml_fir_t a, b;
    int16_t ta[17], da[34], tb[17], db[34];
    ASSERT_EQ(ml_fir_q15_init(&a, h.data(), 17, 3, ta, da), ML_OK);
    ASSERT_EQ(ml_fir_q15_init(&b, h.data(), 17, 3, tb, db), ML_OK);
    for (size_t n : {5u, 64u, 100u, 257u}) {
        const std::vector<float> x = signal(n, static_cast<unsigned>(n + 9));
        std::vector<int16_t> q(n), qy(n);
        for (size_t i = 0; i < n; ++i) q[i] = dsp::q15_of(x[i]);
        size_t nq = 0, nf = 0;
        ASSERT_EQ(ml_fir_q15_process(&b, q.data(), n, qy.data(), n, &nq), ML_OK);
        std::vector<float> y = x;  // in place: outputs to the front
        const size_t want = ml_fir_outputs(&a, n);
        if (want > 0) {
            EXPECT_EQ(ml_fir_q15_process_f32(&a, y.data(), n, y.data(), want - 1, &nf), ML_SIZE_MISMATCH);
            EXPECT_EQ(nf, 0u);
        }
        ASSERT_EQ(ml_fir_q15_process_f32(&a, y.data(), n, y.data(), n, &nf), ML_OK);
        ASSERT_EQ(nf, nq);
        ASSERT_EQ(nf, want);
        for (size_t i = 0; i < nf; ++i) ASSERT_EQ(y[i], qy[i] / 32768.0f) << n << " " << i;
    }
}

}  // namespace
