// int16 kernels (include/microlearn/neural/int16_ops.hpp): the integer form
// of FULLY_CONNECTED's double-precision rescale, which the targets without
// double hardware run, against the double form the host runs (LiteRT's
// round(acc * scale)); TFLite's 64-bit MultiplyByQuantizedMultiplier; and the
// window kernel against a tap-by-tap sum. The whole ops are compared with
// LiteRT in tests/python/test_neural_int16.py and on the devices.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "microlearn/neural/int16_ops.hpp"

using namespace microlearn::neural;

namespace {

int32_t double_form(int64_t a, double s) {
    const double r = std::round(static_cast<double>(a) * s);
    return r >= double(1 << 30) ? (1 << 30) : r <= -double(1 << 30) ? -(1 << 30) : int32_t(r);
}

int32_t integer_form(int64_t a, double s) {
    uint8_t bytes[8];
    std::memcpy(bytes, &s, 8);
    return int16::scaled_round_integer(a, bytes);
}

}  // namespace

TEST(NeuralInt16, IntegerRescaleEqualsDoubleOnRandomSumsAndScales) {
    std::mt19937_64 rng(5);
    std::uniform_real_distribution<double> exponent(-40.0, 2.0);
    for (int i = 0; i < 400000; ++i) {
        const int bits = int(rng() % 47) + 1;  // sums up to 2^47 (the loader's bound)
        int64_t a = int64_t(rng() & ((uint64_t(1) << bits) - 1));
        if (rng() & 1) a = -a;
        const double s = std::ldexp(1.0 + double(rng() >> 11) * 0x1p-53, int(exponent(rng)));
        ASSERT_EQ(integer_form(a, s), double_form(a, s)) << a << " * " << s;
    }
}

TEST(NeuralInt16, IntegerRescaleRoundsTiesAwayFromZeroAndProductsAsIeee) {
    for (int64_t a = -1000; a <= 1000; ++a) {
        EXPECT_EQ(integer_form(a, 0.5), double_form(a, 0.5)) << a;    // exact halves
        EXPECT_EQ(integer_form(a, 0.25), double_form(a, 0.25)) << a;
        EXPECT_EQ(integer_form(a, 1.5), double_form(a, 1.5)) << a;
    }
    // products of more than 53 bits whose rounding to 53 bits decides the integer rounding
    const double just_below_half = 0.5 - 0x1p-54;
    for (int64_t a : {int64_t(1), int64_t(3), int64_t(1) << 20, (int64_t(1) << 40) + 1, (int64_t(1) << 46) - 1}) {
        EXPECT_EQ(integer_form(a, just_below_half), double_form(a, just_below_half)) << a;
        EXPECT_EQ(integer_form(-a, just_below_half), double_form(-a, just_below_half)) << a;
        const double s = std::nextafter(1.0 / double(a), 1.0);
        EXPECT_EQ(integer_form(a, s), double_form(a, s)) << a;
    }
    EXPECT_EQ(integer_form(0, 0.75), 0);
    EXPECT_EQ(integer_form(int64_t(1) << 46, 1.0), 1 << 30);  // capped as round_away caps
    EXPECT_EQ(integer_form(-(int64_t(1) << 46), 1.0), -(1 << 30));
}

TEST(NeuralInt16, WideRequantizeIsTflitesSixtyFourBitForm) {
    std::mt19937_64 rng(9);
    for (int i = 0; i < 100000; ++i) {
        const int64_t x = int64_t(rng() % (uint64_t(1) << 40)) - (int64_t(1) << 39);
        const int32_t m = int32_t((uint32_t(1) << 30) + uint32_t(rng() % (uint32_t(1) << 30)));
        const int32_t shift = int32_t(rng() % 39) - 31;  // [-31, 7]
        // the multiplier rounded to 16 bits, then x * m16 / 2^(15 - shift) rounded half up (floor of + half)
        const int64_t m16 = m < 0x7FFF0000 ? (int64_t(m) + (1 << 15)) >> 16 : 0x7FFF;
        const long double want = std::floor((static_cast<long double>(x) * m16) / std::ldexp(1.0L, 15 - shift) + 0.5L);
        if (std::fabs(want) >= 0x1p31L) continue;  // TFLite requires the result to fit int32
        ASSERT_EQ(int16::wide_requantize(x, m, shift), int64_t(want)) << x << " " << m << " " << shift;
    }
}

TEST(NeuralInt16, WindowKernelEqualsTapByTapSums) {
    std::mt19937 rng(3);
    for (int trial = 0; trial < 60; ++trial) {
        Window g{};
        g.in_h = 1 + rng() % 7, g.in_w = 1 + rng() % 7, g.in_c = 1 + rng() % 5;
        g.k_h = 1 + rng() % 3, g.k_w = 1 + rng() % 3, g.stride_h = 1 + rng() % 2, g.stride_w = 1 + rng() % 2;
        g.dil_h = 1 + rng() % 2, g.dil_w = 1 + rng() % 2, g.pad_t = rng() % 2, g.pad_l = rng() % 2;
        const bool depthwise = trial & 1;
        g.depth_multiplier = depthwise ? 1 + rng() % 2 : 1;
        g.out_c = depthwise ? g.in_c * g.depth_multiplier : 1 + rng() % 4;
        g.out_h = 1 + rng() % 4, g.out_w = 1 + rng() % 4;
        std::vector<int16_t> x(g.in_h * g.in_w * g.in_c);
        for (auto& v : x) v = int16_t(int32_t(rng() % 65536) - 32768);
        const uint32_t taps = g.k_h * g.k_w * (depthwise ? 1 : g.in_c);
        std::vector<int8_t> w(g.out_c * taps);
        for (auto& v : w) v = int8_t(int32_t(rng() % 256) - 128);
        std::vector<int32_t> bias(g.out_c), tail(2 * g.out_c);
        for (auto& v : bias) v = int32_t(rng() % 2000000) - 1000000;
        for (uint32_t c = 0; c < g.out_c; ++c) tail[c] = 1 << 30, tail[g.out_c + c] = -10;  // x / 2^11
        const int16::Rescale rs{tail.data(), g.out_c, true, -32768, 32767};
        std::vector<int16_t> y(g.out_h * g.out_w * g.out_c);
        int16::window_op(x.data(), w.data(), bias.data(), g, depthwise, rs, y.data());
        for (uint32_t oy = 0; oy < g.out_h; ++oy)
            for (uint32_t ox = 0; ox < g.out_w; ++ox)
                for (uint32_t oc = 0; oc < g.out_c; ++oc) {
                    int64_t acc = bias[oc];
                    for (uint32_t ky = 0; ky < g.k_h; ++ky)
                        for (uint32_t kx = 0; kx < g.k_w; ++kx) {
                            const int iy = int(oy * g.stride_h + ky * g.dil_h) - int(g.pad_t);
                            const int ix = int(ox * g.stride_w + kx * g.dil_w) - int(g.pad_l);
                            if (iy < 0 || ix < 0 || iy >= int(g.in_h) || ix >= int(g.in_w)) continue;
                            const int16_t* px = &x[(iy * g.in_w + ix) * g.in_c];
                            if (depthwise) {
                                acc += int64_t(w[(ky * g.k_w + kx) * g.out_c + oc]) * px[oc / g.depth_multiplier];
                            } else {
                                for (uint32_t c = 0; c < g.in_c; ++c)
                                    acc += int64_t(w[((oc * g.k_h + ky) * g.k_w + kx) * g.in_c + c]) * px[c];
                            }
                        }
                    ASSERT_EQ(y[(oy * g.out_w + ox) * g.out_c + oc], rs(acc, oc)) << trial;
                }
    }
}
