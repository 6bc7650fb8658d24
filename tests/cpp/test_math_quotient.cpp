// math::round_quotient(a, b) against the host's IEEE float32 division (what
// numpy's float32 a / b and LiteRT's QUANTIZE compute) rounded half away from
// zero. Built twice (tests/cpp/CMakeLists.txt): the default build checks the
// divide-instruction path, the MICROLEARN_SOFT_FLOAT=1 build the long division
// the Cortex-M0 / M3, rv32imc and ESP8266 take.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>

#include "microlearn/math.hpp"

namespace M = microlearn::math;

namespace {

// round(fl(a / b)) half away from zero, saturated at +-2^30, 0 for NaN.
int32_t reference(float a, float b) {
    volatile float q = a / b;  // IEEE float32 division, to nearest even
    const double d = static_cast<double>(q);
    if (std::isnan(d)) return 0;
    const double r = std::round(d);  // halves away from zero, exact for a float
    if (r >= 1073741824.0) return 1 << 30;
    if (r <= -1073741824.0) return -(1 << 30);
    return static_cast<int32_t>(r);
}

// How many of the pairs a, b differ from the reference (each printed, up to 10).
struct Mismatches {
    long n = 0, checked = 0;
    void check(float a, float b) {
        ++checked;
        const int32_t want = reference(a, b), got = M::round_quotient(a, b);
        if (got != want && n++ < 10)
            ADD_FAILURE() << "a = " << a << " (0x" << std::hex << M::to_bits(a) << "), b = " << b << " (0x"
                          << M::to_bits(b) << std::dec << "): " << got << ", want " << want;
    }
};

}  // namespace

TEST(RoundQuotient, EveryHalfwayPointAndItsNeighboursForManyScales) {
    // x = (k + 0.5) s rounded to float32 (as numpy's ((k + 0.5) * float32(s)).astype(float32)),
    // and the three floats either side: where fl(x / s) is k + 0.5 or next to it.
    std::mt19937 rng(5);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    Mismatches m;
    auto scan = [&](float s, int k_max) {
        for (int k = -k_max; k <= k_max; ++k) {
            const float x = static_cast<float>((k + 0.5) * static_cast<double>(s));
            const uint32_t u = M::to_bits(x);
            for (int d = -3; d <= 3; ++d) m.check(M::from_bits(u + uint32_t(d)), s);
        }
    };
    const float nice[] = {2.0f / 255.0f, 1.0f / 255.0f, 1.0f / 128.0f, 0.0039215689f, 0.1f, 0.3f, 1.0f, 3.0f,
                          1.0f / 3.0f, 0.00784313772f, 1e-3f, 12.5f};
    for (float s : nice) scan(s, 40000);
    for (int i = 0; i < 1500; ++i) {  // random scales over 2^-40 .. 2^10, int8's range and then some
        const float s = static_cast<float>(std::ldexp(1.0 + unit(rng), -40 + int(unit(rng) * 50)));
        scan(s, i < 20 ? 33000 : 300);
    }
    EXPECT_EQ(m.n, 0) << "of " << m.checked;
    EXPECT_GT(m.checked, 9000000);
}

TEST(RoundQuotient, RandomPairsOverTheWholeFloatRange) {
    std::mt19937 rng(7);
    std::uniform_int_distribution<uint32_t> bits;
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    Mismatches m;
    for (int i = 0; i < 3000000; ++i) {
        // b: any positive finite float (subnormals included); a: b times a magnitude
        // up to 2^31 (so the quotient falls across the integers), then its last bits random.
        const float b = M::from_bits(bits(rng) % 0x7f800000u);
        if (b == 0.0f) continue;
        const double mag = std::ldexp(unit(rng), int(unit(rng) * 33) - 2);
        const float a0 = static_cast<float>((bits(rng) & 1 ? -mag : mag) * static_cast<double>(b));
        const float a = M::from_bits(M::to_bits(a0) ^ (bits(rng) & 0xfu));
        if (!std::isfinite(a)) continue;
        m.check(a, b);
        m.check(M::from_bits(bits(rng) & 0xff7fffffu), b);  // any a (0x7f...: keep it finite)
        m.check(a, -b);
    }
    EXPECT_EQ(m.n, 0) << "of " << m.checked;
}

TEST(RoundQuotient, SpecialValuesAndSaturation) {
    const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
    const float tiny = std::numeric_limits<float>::denorm_min(), big = std::numeric_limits<float>::max();
    EXPECT_EQ(M::round_quotient(nan, 0.5f), 0);
    EXPECT_EQ(M::round_quotient(-nan, 0.5f), 0);
    EXPECT_EQ(M::round_quotient(inf, 0.5f), 1 << 30);
    EXPECT_EQ(M::round_quotient(-inf, 0.5f), -(1 << 30));
    EXPECT_EQ(M::round_quotient(0.0f, 0.5f), 0);
    EXPECT_EQ(M::round_quotient(-0.0f, tiny), 0);
    EXPECT_EQ(M::round_quotient(big, tiny), 1 << 30);  // overflows to inf
    EXPECT_EQ(M::round_quotient(-1.0f, tiny), -(1 << 30));
    EXPECT_EQ(M::round_quotient(3.0f * tiny, 2.0f * tiny), 2);  // subnormal over subnormal: 1.5
    EXPECT_EQ(M::round_quotient(tiny, 1.0f), 0);
    EXPECT_EQ(M::round_quotient(1073741824.0f, 1.0f), 1 << 30);
    EXPECT_EQ(M::round_quotient(1073741760.0f, 1.0f), 1073741760);  // the float below 2^30
    EXPECT_EQ(M::round_quotient(-1073741760.0f, 1.0f), -1073741760);
    EXPECT_EQ(M::round_quotient(0.25f, 1.0f), 0);
    EXPECT_EQ(M::round_quotient(0.5f, 1.0f), 1);
    EXPECT_EQ(M::round_quotient(-0.5f, 1.0f), -1);
    EXPECT_EQ(M::round_quotient(std::nextafter(0.5f, 0.0f), 1.0f), 0);
    // 401.3952f / 0.042909317f is 9354.5 - 1.4e-5 exactly, within half an ulp
    // (2^-10) of 9354.5: its float is 9354.5, rounded away to 9355 (the exact
    // quotient rounded to an integer would be 9354; so would a quotient 1 ulp low).
    EXPECT_EQ(M::round_quotient(M::from_bits(0x43c8b296u), M::from_bits(0x3d2fc1aeu)), 9355);
    EXPECT_EQ(M::round_quotient(-M::from_bits(0x43c8b296u), M::from_bits(0x3d2fc1aeu)), -9355);
}

TEST(RoundQuotient, EveryPairOfSpecialValues) {
    // zeros, infinities, NaNs, subnormals, the largest floats, ones and halves of either sign
    const uint32_t special[] = {0x0u,        0x1u,        0x3u,        0x7fffffu,   0x800000u,   0x3f000000u,
                                0x3f800000u, 0x3fc00000u, 0x4e800000u, 0x7f7fffffu, 0x7f800000u, 0x7fc00000u,
                                0x7f800001u, 0x3effffffu, 0x4effffffu};
    Mismatches m;
    for (uint32_t a : special)
        for (uint32_t b : special)
            for (uint32_t signs = 0; signs < 4; ++signs)
                m.check(M::from_bits(a | (signs & 1) << 31), M::from_bits(b | (signs >> 1) << 31));
    EXPECT_EQ(m.n, 0) << "of " << m.checked;
}

TEST(RoundQuotient, QaPixelsOverTwo255ths) {
    // p / 255 pixels quantized with scale 2 / 255 and their neighbours (QA's report: "nice" inputs).
    Mismatches m;
    const float s = 2.0f / 255.0f;
    for (int p = -255; p <= 255; ++p) {
        const uint32_t u = M::to_bits(static_cast<float>(p) / 255.0f);
        for (int d = -2; d <= 2; ++d) m.check(M::from_bits(u + uint32_t(d)), s);
    }
    EXPECT_EQ(m.n, 0);
}
