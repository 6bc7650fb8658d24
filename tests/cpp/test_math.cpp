#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "microlearn/math.hpp"

namespace M = microlearn::math;

TEST(Math, ExpWithinAFewUlpsOverTheWholeRange) {
    for (float x = -103.0f; x < 88.7f; x += 0.0137f) {
        const double want = std::exp(static_cast<double>(x));
        const float got = M::exp(x);
        if (want < 1.2e-38) continue;  // denormal results: absolute error is what matters
        EXPECT_NEAR(got / want, 1.0, 4e-7) << "x = " << x;
    }
    EXPECT_EQ(M::exp(0.0f), 1.0f);
    EXPECT_TRUE(std::isinf(M::exp(100.0f)));
    EXPECT_EQ(M::exp(-200.0f), 0.0f);
    EXPECT_TRUE(std::isnan(M::exp(std::nanf(""))));
}

// Error in ulps of the exactly rounded float (the float64 value rounded).
static double ulps_off(float got, double want) {
    const double ulp = std::ldexp(1.0, std::ilogb(static_cast<float>(want)) - 23);
    return std::fabs(double(got) - want) / ulp;
}

// Within 0.85 ulp over a dense grid of [-2, 2] and at the points k / 2^j the
// twiddle tables use (the polynomial in x = pi f rounded once gave up to 1.85).
TEST(Math, SinCosPiWithinOneUlp) {
    double worst = 0;
    std::mt19937 g(7);
    std::uniform_real_distribution<float> d(-2.0f, 2.0f);
    for (int i = 0; i < 200000; ++i) {
        const float t = i < 100000 ? d(g) : (i - 100000) / 25000.0f - 2.0f;
        float s, c;
        M::sincos_pi(t, s, c);
        const double ws = std::sin(M_PI * double(t)), wc = std::cos(M_PI * double(t));
        if (std::fabs(ws) > 1e-7) worst = std::max(worst, ulps_off(s, ws));
        if (std::fabs(wc) > 1e-7) worst = std::max(worst, ulps_off(c, wc));
    }
    EXPECT_LT(worst, 0.85);
    float s, c;
    M::sincos_pi(0.5f, s, c);
    EXPECT_EQ(s, 1.0f);
    EXPECT_EQ(c, 0.0f);
    M::sincos_pi(-1.0f, s, c);
    EXPECT_EQ(s, 0.0f);
    EXPECT_EQ(c, -1.0f);
}

TEST(Math, DivideWithinOneUlp) {
    for (float b = 1.0f; b < 1e6f; b *= 1.0137f) {
        for (float a : {1.0f, 0.3f, -7.25f, 123456.7f, 1e-20f}) {
            const float want = a / b;
            const float got = M::divide(a, b);
            EXPECT_LE(std::fabs(got - want), std::fabs(std::nextafter(want, 2 * want) - want)) << a << "/" << b;
        }
    }
}

TEST(Math, LogisticIsStableAtTheExtremes) {
    EXPECT_FLOAT_EQ(M::logistic(0.0f), 0.5f);
    EXPECT_EQ(M::logistic(200.0f), 1.0f);
    EXPECT_EQ(M::logistic(-200.0f), 0.0f);
    EXPECT_NEAR(M::logistic(3.0f), 1.0 / (1.0 + std::exp(-3.0)), 1e-7);
}
