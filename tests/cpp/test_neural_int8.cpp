// int8 kernels' arithmetic (include/microlearn/neural/int8_ops.hpp) against
// independent formulas: TFLite's fixed-point rescaling, the correctly rounded
// reciprocal softmax needs, rounding half away from zero, and the inner
// products of one and four weight rows at every length (the 4-byte body and the tail). Whole ops are
// checked bit for bit against LiteRT in tests/python/test_neural_tflite*.py,
// and on every emulated target in tests/device/test_neural_int8_device.py
// (Cortex-M4F runs the DSP-extension path there, the others the portable one).
#include <gtest/gtest.h>

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

TEST(NeuralInt8, ReciprocalIsCorrectlyRounded) {
    // every mantissa, at a few exponents: what IEEE division gives
    for (int e : {-9, -1, 0, 7, 30}) {
        for (uint32_t m = 0; m < (1u << 23); m += 7) {
            const float d = std::ldexp(1.0f + float(m) / 8388608.0f, e);
            volatile float want = 1.0f / d;
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
