// int8 kernels' arithmetic (include/microlearn/neural/int8_ops.hpp) against
// independent formulas: TFLite's fixed-point rescaling, the correctly rounded
// reciprocal softmax needs, rounding half away from zero, and the inner
// products of one and four weight rows at every length (the 4-byte body and the tail). Whole ops are
// checked bit for bit against LiteRT in tests/python/test_neural_tflite*.py,
// and on every emulated target in tests/device/test_neural_int8_device.py
// (Cortex-M4F runs the DSP-extension path there, unix (x64) the SSE2 one, the others the portable one).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "microlearn/neural/engine.hpp"

namespace Q = microlearn::neural::int8;

namespace {

// round(v) with halves away from zero, on an exact rational n / 2^k.
int64_t round_half_away(__int128 n, int k) {
    const __int128 d = __int128(1) << k;
    const __int128 a = n < 0 ? -n : n;
    const __int128 r = (a + d / 2) / d;
    return int64_t(n < 0 ? -r : r);
}

}  // namespace

TEST(NeuralInt8, RoundingDoublingHighMulIsRoundedProductOver2To31) {
    EXPECT_EQ(Q::rounding_doubling_high_mul(INT32_MIN, INT32_MIN), INT32_MAX);  // the one overflow
    std::mt19937 g(1);
    for (int i = 0; i < 200000; ++i) {
        const int32_t a = int32_t(g()), b = int32_t(g());
        if (a == INT32_MIN && b == INT32_MIN) continue;
        EXPECT_EQ(Q::rounding_doubling_high_mul(a, b), round_half_away(__int128(a) * b, 31)) << a << " " << b;
    }
}

TEST(NeuralInt8, HighMulFromHalvesIsRoundedProductOver2To31) {
    // the Cortex-M0's form of the product (every multiplier >= 0) against
    // floor((x m + 2^30) / 2^31), gemmlowp's rounding (halves up): extremes of
    // both factors, halves 0 and 0xFFFF, ties (x odd, m = 2^30), then random
    // pairs, small and large
    auto want = [](int32_t x, int32_t m) { return int32_t((int64_t(x) * m + (int64_t(1) << 30)) >> 31); };
    const int32_t ms[] = {0, 1, 2, 0xFFFF, 0x10000, 0x7FFF0000, 0x7FFFFFFF, 1 << 30, (1 << 30) + 1, 1518500250};
    const int32_t xs[] = {0, 1, -1, 3, -3, 0xFFFF, -0xFFFF, 0x10000, -0x10000, 0x7FFF, 1 << 30, -(1 << 30),
                          INT32_MAX, INT32_MIN, INT32_MIN + 1, 0x7FFF0000, int32_t(0x8000FFFF)};
    for (int32_t m : ms)
        for (int32_t x : xs) {
            ASSERT_EQ(Q::high_mul_halves(x, m), want(x, m)) << x << " " << m;
            ASSERT_EQ(Q::rounding_doubling_high_mul(x, m), want(x, m)) << x << " " << m;
        }
    std::mt19937 g(11);
    for (int i = 0; i < 400000; ++i) {
        const int32_t m = int32_t(g() >> (i % 3 == 0 ? 1 + g() % 31 : 1));
        const int32_t x = i % 5 == 0 ? int32_t(g()) >> (g() % 32) : int32_t(g());
        ASSERT_EQ(Q::high_mul_halves(x, m), want(x, m)) << x << " " << m;
        const int32_t odd = int32_t(g() | 1u);
        ASSERT_EQ(Q::high_mul_halves(odd, 1 << 30), want(odd, 1 << 30)) << odd;
    }
}

TEST(NeuralInt8, RoundingDivideByPowerOfTwoRoundsHalvesAwayFromZero) {
    EXPECT_EQ(Q::rounding_divide_by_pot(5, 1), 3);
    EXPECT_EQ(Q::rounding_divide_by_pot(-5, 1), -3);
    EXPECT_EQ(Q::rounding_divide_by_pot(-6, 2), -2);
    std::mt19937 g(2);
    for (int i = 0; i < 200000; ++i) {
        const int32_t x = int32_t(g());
        const int e = int(g() % 32);
        EXPECT_EQ(Q::rounding_divide_by_pot(x, e), round_half_away(x, e)) << x << " " << e;
    }
}

TEST(NeuralInt8, RequantizeRoundsTwiceAsTFLite) {
    // shift <= 0: round(round(x * m / 2^31) / 2^-shift); shift > 0: x shifted left first.
    std::mt19937 g(3);
    for (int i = 0; i < 200000; ++i) {
        const int32_t m = int32_t((1u << 30) + (g() % (1u << 30)));
        const int shift = int(g() % 40) - 31;
        const int32_t x = shift > 0 ? int32_t(g()) >> (shift + 1) : int32_t(g());
        const int64_t first = round_half_away(__int128(int64_t(x) * (int64_t(1) << (shift > 0 ? shift : 0))) * m, 31);
        const int64_t want = shift < 0 ? round_half_away(first, -shift) : first;
        EXPECT_EQ(Q::requantize(x, m, shift), want) << x << " " << m << " " << shift;
    }
}

namespace {

// TFLite's MultiplyByQuantizedMultiplier as its reference code writes it:
// gemmlowp's SaturatingRoundingDoublingHighMul (a nudge, then a division
// rounding toward zero) and RoundingDivideByPOT (mask and threshold), with
// the left shift wrapping as two's complement does.
int32_t tflite_requantize(int32_t x, int32_t m, int shift) {
    const int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
    const int32_t a = int32_t(uint32_t(x) << left);
    int32_t high;
    if (a == INT32_MIN && m == INT32_MIN) {
        high = INT32_MAX;
    } else {
        const int64_t ab = int64_t(a) * m;
        const int64_t nudge = ab >= 0 ? (int64_t(1) << 30) : (1 - (int64_t(1) << 30));
        high = int32_t((ab + nudge) / (int64_t(1) << 31));
    }
    const int32_t mask = int32_t((int64_t(1) << right) - 1);
    const int32_t threshold = (mask >> 1) + (high < 0 ? 1 : 0);
    return (high >> right) + ((high & mask) > threshold ? 1 : 0);
}

}  // namespace

TEST(NeuralInt8, RequantizeIsTFLitesTwoRoundingsAtTiesAndExtremes) {
    // requantize folds both roundings into one of the 64-bit product: check it
    // where that could go wrong: ties of the first rounding (x * m an odd
    // multiple of 2^30), of the second (h = k * 2^e + 2^(e-1), either sign),
    // both at once, INT32_MIN and INT32_MAX accumulators, every shift the
    // loader accepts (-31 .. 30), multipliers 0, 1, 2^30 and 2^31 - 1.
    const int32_t ms[] = {0, 1, 3, 1 << 30, (1 << 30) + 1, 1518500250, INT32_MAX - 1, INT32_MAX};
    const int32_t xs[] = {0, 1, -1, 2, -2, 3, -3, 127, -128, 1 << 30, -(1 << 30), INT32_MAX, INT32_MIN, INT32_MIN + 1};
    for (int shift = -31; shift <= 30; ++shift)
        for (int32_t m : ms)
            for (int32_t x : xs) {
                ASSERT_EQ(Q::requantize(x, m, shift), tflite_requantize(x, m, shift)) << x << " " << m << " " << shift;
                Q::ChannelScale s;  // the depthwise kernel's, its constants prepared once
                s.set(m, shift);
                ASSERT_EQ(s.requantize(x), tflite_requantize(x, m, shift)) << x << " " << m << " " << shift;
                if (shift < 0) {  // x64's form for two pixels (output_pair)
                    ASSERT_EQ(Q::requantize_right_wide(x, m, Q::round_right_wide(shift), 31 - shift),
                              tflite_requantize(x, m, shift)) << x << " " << m << " " << shift;
                }
            }
    std::mt19937 g(7);
    for (int i = 0; i < 400000; ++i) {
        const int shift = int(g() % 62) - 31;
        const int e = shift < 0 ? -shift : 0;
        int32_t x, m;
        switch (i % 4) {
            case 0:  // m = 2^30: h = floor((x + 1) / 2); x = 2h - 1 is a first-rounding tie
            case 1: {
                m = 1 << 30;
                const int64_t k = int64_t(int32_t(g())) >> (e + 2);
                const int64_t h = k * (int64_t(1) << e) + (e ? int64_t(1) << (e - 1) : 0);  // a second-rounding tie
                x = int32_t(i % 4 == 0 ? 2 * h - 1 : 2 * h);
                break;
            }
            case 2:  // odd multiples of 2^30 for any multiplier with that many trailing zeros
                m = int32_t((g() | 1u) << (g() % 31)) & INT32_MAX;
                x = int32_t(g()) >> (g() % 32);
                break;
            default:
                m = int32_t(g() >> 1), x = int32_t(g());
        }
        ASSERT_EQ(Q::requantize(x, m, shift), tflite_requantize(x, m, shift)) << x << " " << m << " " << shift;
        // both forms, whichever this build's requantize uses (the Cortex-M3/M4: the folded one)
        ASSERT_EQ(Q::requantize_two_steps(x, m, shift), tflite_requantize(x, m, shift)) << x << " " << m;
        Q::ChannelScale s;
        s.set(m, shift);
        ASSERT_EQ(s.requantize(x), tflite_requantize(x, m, shift)) << x << " " << m << " " << shift;
        if (shift < 0) {
            ASSERT_EQ(Q::requantize_right_folded(x, m, Q::round_right(shift)), tflite_requantize(x, m, shift)) << x << " " << m;
            ASSERT_EQ(Q::requantize_right_wide(x, m, Q::round_right_wide(shift), 31 - shift),
                      tflite_requantize(x, m, shift)) << x << " " << m;
        }
    }
}

TEST(NeuralInt8, RoundAwayMatchesCRound) {
    const float cases[] = {0.5f, -0.5f, 1.5f, -2.5f, 0.49999997f, -0.49999997f, 2.5000002f, 1e9f, -1e9f, 2e9f, -2e9f, 0.0f};
    for (float v : cases) EXPECT_EQ(Q::round_away(v), v > 1.5e9f ? 1 << 30 : v < -1.5e9f ? -(1 << 30) : int32_t(std::round(v)));
    std::mt19937 g(4);
    std::uniform_real_distribution<double> u(-3e5, 3e5);
    for (int i = 0; i < 100000; ++i) {
        const double d = u(g);
        EXPECT_EQ(Q::round_away(d), int32_t(std::round(d)));
        EXPECT_EQ(Q::round_away(float(d)), int32_t(std::round(float(d))));
    }
    EXPECT_EQ(Q::round_away(std::nan("")), 0);
}

TEST(NeuralInt8, ScaledRoundIsDoubleProductRounded) {
    // what FULLY_CONNECTED's reference computes in double precision, at random
    // accumulators and scales, and at products next to halves (where rounding
    // the product to 53 bits decides the result)
    auto check = [](int32_t a, double s) {
        ASSERT_EQ(Q::scaled_round_integer(a, &s), Q::round_away(double(a) * s)) << a << " " << s;
        ASSERT_EQ(Q::scaled_round(a, &s), Q::round_away(double(a) * s)) << a << " " << s;
    };
    for (int32_t a : {0, 1, -1, 7, -7, INT32_MAX, INT32_MIN, 1 << 30, -(1 << 30)})
        for (double s : {0.0, 5e-324, 1e-300, 1e-12, 0.5, 1.0, 1.5, 3.0, 1e5, 1e9, 1e300})
            check(a, s);
    std::mt19937 g(5);
    std::uniform_real_distribution<double> exponent(-45.0, 12.0);
    for (int i = 0; i < 300000; ++i) {
        const int32_t a = int32_t(g()) >> (g() % 32);
        check(a, std::exp2(exponent(g)));
        if (a == 0) continue;
        const double half = (double(int32_t(g() % 2001) - 1000) + 0.5) / a;  // a * half near k + 1/2
        double s = std::fabs(half);
        for (int k = int(g() % 3); k > 0; --k) s = std::nextafter(s, (g() & 1) ? 2.0 * s : 0.0);
        check(a, s);
    }
}

TEST(NeuralInt8, ReciprocalIsCorrectlyRounded) {
    // every mantissa, at a few exponents: what IEEE division gives
    for (int e : {-9, -1, 0, 7, 30}) {
        for (uint32_t m = 0; m < (1u << 23); m += 7) {
            const float d = std::ldexp(1.0f + float(m) / 8388608.0f, e);
            volatile float want = 1.0f / d;
            ASSERT_EQ(Q::reciprocal_by_long_division(d), want) << d;
            ASSERT_EQ(Q::reciprocal(d), want) << d;
        }
    }
}

TEST(NeuralInt8, DotRowsAtEveryLengthOffsetAndRowCount) {
    std::mt19937 g(5);
    for (int n = 0; n < 40; ++n) {
        for (int32_t offset : {-127, -1, 0, 5, 128}) {
            const int stride = n + 3;
            std::vector<int8_t> x(n + 3), w(4 * stride);
            for (auto& v : x) v = int8_t(g());
            for (auto& v : w) v = int8_t(g());
            for (int start = 0; start < 3; ++start) {  // unaligned starts too
                int32_t want[4] = {7, -7, 0, 1}, one = want[0], four[4] = {7, -7, 0, 1};
                for (int r = 0; r < 4; ++r)
                    for (int k = 0; k < n; ++k)
                        want[r] += int32_t(w[r * stride + start + k]) * (int32_t(x[start + k]) + offset);
                Q::dot_rows<1>(x.data() + start, w.data() + start, stride, n, offset, &one);
                Q::dot_rows<4>(x.data() + start, w.data() + start, stride, n, offset, four);
                EXPECT_EQ(one, want[0]) << n << " " << offset;
                for (int r = 0; r < 4; ++r) EXPECT_EQ(four[r], want[r]) << n << " " << offset << " row " << r;
            }
        }
    }
}

TEST(NeuralInt8, PadAndConcatMoveBytes) {
    const int8_t x[6] = {1, 2, 3, 4, 5, 6};  // (2, 3)
    const uint32_t in[3] = {1, 2, 3}, before[3] = {0, 1, 0}, after[3] = {0, 0, 2};
    int8_t y[3 * 5];
    Q::pad(x, in, before, after, -7, y);
    const int8_t want[15] = {-7, -7, -7, -7, -7, 1, 2, 3, -7, -7, 4, 5, 6, -7, -7};
    for (int i = 0; i < 15; ++i) EXPECT_EQ(y[i], want[i]) << i;
    int8_t z[10] = {};
    const int8_t a[4] = {1, 2, 3, 4}, b[6] = {5, 6, 7, 8, 9, 10};  // (2, 2) and (2, 3) along axis 1
    Q::concat_part(a, 2, 2, 5, 0, z);
    Q::concat_part(b, 2, 3, 5, 2, z);
    const int8_t cat[10] = {1, 2, 5, 6, 7, 3, 4, 8, 9, 10};
    for (int i = 0; i < 10; ++i) EXPECT_EQ(z[i], cat[i]) << i;
}

namespace {

// One output of CONV_2D (depthwise: DEPTHWISE_CONV_2D) summed tap by tap as
// TFLite's reference kernels do, then requantized.
int8_t direct_output(const std::vector<int8_t>& x, const std::vector<int8_t>& w, const std::vector<int32_t>& bias,
                     const microlearn::neural::Window& g, bool depthwise, int32_t offset, const Q::Requant& rq, int oy,
                     int ox, int c) {
    int32_t acc = 0;
    for (uint32_t ky = 0; ky < g.k_h; ++ky)
        for (uint32_t kx = 0; kx < g.k_w; ++kx) {
            const int iy = oy * int(g.stride_h) - int(g.pad_t) + int(ky * g.dil_h);
            const int ix = ox * int(g.stride_w) - int(g.pad_l) + int(kx * g.dil_w);
            if (iy < 0 || ix < 0 || iy >= int(g.in_h) || ix >= int(g.in_w)) continue;
            const int8_t* px = &x[(iy * g.in_w + ix) * g.in_c];
            if (depthwise) {
                acc += int32_t(w[(ky * g.k_w + kx) * g.out_c + c]) * (px[c / g.depth_multiplier] + offset);
            } else {
                for (uint32_t i = 0; i < g.in_c; ++i)
                    acc += int32_t(w[((c * g.k_h + ky) * g.k_w + kx) * g.in_c + i]) * (px[i] + offset);
            }
        }
    const int32_t v = Q::requantize(acc + bias[c], rq.multiplier[c], rq.shift[c]) + rq.output_offset;
    return int8_t(v < rq.act_min ? rq.act_min : v > rq.act_max ? rq.act_max : v);
}

}  // namespace

// The blocked kernels (two pixels x two channels and four pixels x one
// channel over the widened patches, the second pair of a block of four in the
// scratch or in the output's end; on x64 with SSE2 in steps of 8 and 4 taps;
// depthwise eight (x64) and four channels at a time) against tap-by-tap sums, on random windows: odd pixel
// and channel counts, filters of any length (the last group of 4 partial),
// padding, strides, dilation, depth multipliers.
TEST(NeuralInt8, ConvolutionsMatchTapByTapSums) {
    std::mt19937 gen(6);
    auto pick = [&](int lo, int hi) { return lo + int(gen() % uint32_t(hi - lo + 1)); };
    for (int trial = 0; trial < 400; ++trial) {
        const bool depthwise = trial % 2 == 1;
        microlearn::neural::Window g{};
        g.in_h = pick(1, 7), g.in_w = pick(1, 7), g.in_c = pick(1, depthwise ? 19 : 9);  // depthwise: groups of 8, 4, tails
        g.k_h = pick(1, 3), g.k_w = pick(1, 4), g.dil_h = pick(1, 2), g.dil_w = pick(1, 2);
        g.stride_h = pick(1, 2), g.stride_w = pick(1, 2), g.pad_t = pick(0, 2), g.pad_l = pick(0, 2);
        g.depth_multiplier = depthwise ? pick(1, 3) : 1;
        g.out_c = depthwise ? g.in_c * g.depth_multiplier : pick(1, 7);
        const int span_h = int((g.k_h - 1) * g.dil_h + 1), span_w = int((g.k_w - 1) * g.dil_w + 1);
        const int total_h = int(g.in_h + g.pad_t) + pick(0, 2), total_w = int(g.in_w + g.pad_l) + pick(0, 2);
        if (total_h < span_h || total_w < span_w) continue;
        g.out_h = uint32_t((total_h - span_h) / int(g.stride_h) + 1), g.out_w = uint32_t((total_w - span_w) / int(g.stride_w) + 1);
        const uint32_t filter = g.k_h * g.k_w * g.in_c;
        std::vector<int8_t> x(g.in_h * g.in_w * g.in_c), w(depthwise ? g.k_h * g.k_w * g.out_c : g.out_c * filter);
        for (auto& v : x) v = int8_t(gen());
        for (auto& v : w) v = int8_t(gen());
        std::vector<int32_t> bias(g.out_c), mult(g.out_c), shift(g.out_c);
        for (uint32_t c = 0; c < g.out_c; ++c)
            bias[c] = int32_t(gen() % 20001) - 10000, mult[c] = int32_t((1u << 30) + gen() % (1u << 30)),
            shift[c] = -int32_t(gen() % 12);
        const int32_t offset = pick(-127, 128);
        const Q::Requant rq{mult.data(), shift.data(), pick(-128, 127), -128 + pick(0, 20), 127 - pick(0, 20)};
        std::vector<int8_t> y(g.out_h * g.out_w * g.out_c, 99), z(y.size(), 99);
        std::vector<int32_t> col(Q::conv_scratch_bytes_4(filter) / 4);
        if (depthwise) {
            Q::depthwise_conv_2d(x.data(), offset, w.data(), bias.data(), g, rq, y.data());
        } else {  // every form (the host runs the portable loops of each)
            int16_t* const c = reinterpret_cast<int16_t*>(col.data());
            Q::conv_2d_direct(x.data(), offset, w.data(), bias.data(), g, rq, z.data());
            Q::conv_2d_patches<false>(x.data(), offset, w.data(), bias.data(), g, rq, c, Q::conv_scratch_bytes(filter),
                                      y.data());
            ASSERT_EQ(y, z) << "trial " << trial << " pairs";
            // blocks of 4 pixels: the second pair in the scratch, or in the output's end (then pairs)
            for (const uint32_t bytes : {Q::conv_scratch_bytes_4(filter), Q::conv_scratch_bytes(filter)}) {
                std::fill(y.begin(), y.end(), int8_t(99));
                Q::conv_2d_patches<true>(x.data(), offset, w.data(), bias.data(), g, rq, c, bytes, y.data());
                ASSERT_EQ(y, z) << "trial " << trial << " blocks of 4, scratch " << bytes;
            }
        }
        for (uint32_t oy = 0; oy < g.out_h; ++oy)
            for (uint32_t ox = 0; ox < g.out_w; ++ox)
                for (uint32_t c = 0; c < g.out_c; ++c)
                    ASSERT_EQ(y[(oy * g.out_w + ox) * g.out_c + c],
                              direct_output(x, w, bias, g, depthwise, offset, rq, int(oy), int(ox), int(c)))
                        << "trial " << trial << (depthwise ? " depthwise" : " conv") << " at " << oy << "," << ox
                        << " channel " << c;
    }
}

// MAX_POOL_2D and AVERAGE_POOL_2D against the window's taps one by one
// (TFLite's reference: the taps inside the input, the average rounded half
// away from zero) on random windows: 1 to 19 channels, padding on every side,
// strides, windows wider than the input, activation clamps.
TEST(NeuralInt8, PoolingMatchesTapByTap) {
    std::mt19937 gen(12);
    auto pick = [&](int lo, int hi) { return lo + int(gen() % uint32_t(hi - lo + 1)); };
    for (int trial = 0; trial < 400; ++trial) {
        const bool average = trial % 2 == 1;
        microlearn::neural::Window g{};
        g.in_h = pick(1, 7), g.in_w = pick(1, 7), g.in_c = pick(1, 19), g.out_c = g.in_c;
        g.k_h = pick(1, 4), g.k_w = pick(1, 4), g.dil_h = g.dil_w = 1, g.depth_multiplier = 1;
        g.stride_h = pick(1, 3), g.stride_w = pick(1, 3), g.pad_t = pick(0, 2), g.pad_l = pick(0, 2);
        const int total_h = int(g.in_h + g.pad_t) + pick(0, 2), total_w = int(g.in_w + g.pad_l) + pick(0, 2);
        if (total_h < int(g.k_h) || total_w < int(g.k_w)) continue;
        g.out_h = uint32_t((total_h - int(g.k_h)) / int(g.stride_h) + 1);
        g.out_w = uint32_t((total_w - int(g.k_w)) / int(g.stride_w) + 1);
        std::vector<int8_t> x(g.in_h * g.in_w * g.in_c), y(g.out_h * g.out_w * g.in_c, 99);
        for (auto& v : x) v = int8_t(gen());
        const int32_t lo = -128 + pick(0, 30), hi = 127 - pick(0, 30);
        Q::pool_2d(x.data(), g, average, lo, hi, y.data());
        for (uint32_t oy = 0; oy < g.out_h; ++oy)
            for (uint32_t ox = 0; ox < g.out_w; ++ox)
                for (uint32_t c = 0; c < g.in_c; ++c) {
                    int32_t acc = average ? 0 : -128, count = 0;
                    for (uint32_t ky = 0; ky < g.k_h; ++ky)
                        for (uint32_t kx = 0; kx < g.k_w; ++kx) {
                            const int iy = int(oy * g.stride_h + ky) - int(g.pad_t);
                            const int ix = int(ox * g.stride_w + kx) - int(g.pad_l);
                            if (iy < 0 || ix < 0 || iy >= int(g.in_h) || ix >= int(g.in_w)) continue;
                            const int32_t v = x[(uint32_t(iy) * g.in_w + uint32_t(ix)) * g.in_c + c];
                            acc = average ? acc + v : std::max(acc, v);
                            ++count;
                        }
                    if (average && count) acc = int32_t(std::lround(double(acc) / count));  // halves away from zero
                    acc = std::min(std::max(acc, lo), hi);
                    ASSERT_EQ(y[(oy * g.out_w + ox) * g.in_c + c], acc)
                        << "trial " << trial << (average ? " average" : " max") << " at " << oy << "," << ox << " channel " << c;
                }
    }
}
