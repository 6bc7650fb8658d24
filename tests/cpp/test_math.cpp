#include <gtest/gtest.h>

#include <cmath>

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
