// int8 SOFTMAX without its table (include/microlearn/neural/int8_ops.hpp):
// softmax_exp_bits(), the integer exponential, against LiteRT's table
// (python/microlearn/converters/neural/int8_params.py softmax_table():
// expf(s * d) correctly rounded, s = float32(-input_scale * beta), here
// float(exp(double(s * d)))) for every d and many scales: input scales and
// betas across the float32 range, tiny ones (every entry 1), huge ones
// (subnormal entries, zeros), every exponent's edges, random ones; the
// exceptions a file carries for the entries that differ restore the table;
// and the kernel applies them (it gives other outputs without them). Also
// built with MICROLEARN_SOFT_FLOAT=1 (tests/cpp/CMakeLists.txt): the
// exponential uses integers only, so both builds must agree with the table;
// that build takes the Cortex-M0's 32 x 32 -> 64-bit products from 16-bit
// halves (MICROLEARN_PRODUCT_HALVES).
#if MICROLEARN_SOFT_FLOAT
#define MICROLEARN_PRODUCT_HALVES 1
#endif
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "microlearn/neural/int8_ops.hpp"

namespace Q = microlearn::neural::int8;

namespace {

using microlearn::math::from_bits;
using microlearn::math::to_bits;

// LiteRT's table entry d for s (<= 0).
uint32_t table_entry(float s, uint32_t d) {
    const float v = s * static_cast<float>(d);  // float32's product, as the table computes it
    return to_bits(static_cast<float>(std::exp(static_cast<double>(v))));
}

// s = float32(-input_scale * beta) over input scales and betas: every
// exponent's edges and middle, random significands, tiny and huge products.
std::vector<float> scales() {
    std::vector<float> s;
    std::mt19937 rng(11);
    for (uint32_t e = 0; e <= 254; ++e)
        for (uint32_t m : {0u, 1u, 0x400000u, 0x7FFFFFu, uint32_t(rng() & 0x7FFFFFu)}) s.push_back(-from_bits(e << 23 | m));
    std::uniform_real_distribution<float> exponent(-30.0f, 10.0f), beta(0.1f, 4.0f);
    for (int i = 0; i < 4000; ++i) {
        const float in_scale = std::exp2(exponent(rng));
        const float b = i % 4 == 0 ? 1.0f : beta(rng);
        s.push_back(-(in_scale * b));
    }
    s.push_back(-0.0f);
    s.push_back(0.0f);
    return s;
}

// The exceptions the converter writes (int8_params.softmax_exceptions): (d, bits) where the two differ.
std::vector<int32_t> exceptions(float s) {
    std::vector<int32_t> out;
    for (uint32_t d = 0; d < 256; ++d) {
        const uint32_t want = table_entry(s, d);
        if (Q::softmax_exp_bits(to_bits(s), d) != want) out.push_back(int32_t(d)), out.push_back(int32_t(want));
    }
    return out;
}

TEST(Int8Softmax, ExponentialsWithExceptionsAreTheTable) {
    size_t n_scales = 0, n_exceptions = 0, n_zero = 0, n_subnormal = 0, n_one = 0;
    for (float s : scales()) {
        const std::vector<int32_t> exc = exceptions(s);
        n_exceptions += exc.size() / 2;
        const Q::SoftmaxExp e{nullptr, to_bits(s), exc.data(), uint32_t(exc.size() / 2)};
        for (uint32_t d = 0; d < 256; ++d) {
            const uint32_t want = table_entry(s, d);
            ASSERT_EQ(to_bits(Q::softmax_exp(e, d)), want) << "s = " << s << ", d = " << d;
            n_zero += want == 0, n_subnormal += want != 0 && want < 0x800000u, n_one += d && want == 0x3F800000u;
        }
        for (size_t i = 0; i < exc.size(); i += 2) EXPECT_GE(exc[i], 1);  // exp(0) = 1 exactly
        ++n_scales;
    }
    // the edges are covered, and exceptions are rare (none on this host: the
    // exponential is within about 2^-50 of exp, below float32's half unit 2^-25)
    EXPECT_GT(n_scales, 5000u);
    EXPECT_GT(n_zero, 1000u);
    EXPECT_GT(n_subnormal, 1000u);
    EXPECT_GT(n_one, 1000u);
    EXPECT_LE(n_exceptions, 4u);
}

TEST(Int8Softmax, EveryScaleOfTheFloat32RangeAgreesWithoutExceptions) {
    // random bit patterns of s: 20,000 x 256 entries
    std::mt19937 rng(5);
    size_t differ = 0;
    for (int i = 0; i < 20000; ++i) {
        const float s = -from_bits(rng() % 0x7F800000u);
        for (uint32_t d = 0; d < 256; ++d) differ += Q::softmax_exp_bits(to_bits(s), d) != table_entry(s, d);
    }
    EXPECT_LE(differ, 4u);
}

// A row of 10 through the kernel: the table form, the computed form with an
// exception in place of one entry, and the same without that exception.
TEST(Int8Softmax, KernelAppliesExceptions) {
    const float s = -0.0625f, out_scale = 1.0f / 256;
    const int8_t x[10] = {-5, 3, 20, 19, 18, 0, 20, -128, 17, 16};
    std::vector<float> table(256);
    for (uint32_t d = 0; d < 256; ++d) table[d] = from_bits(table_entry(s, d));
    int8_t from_table[10], computed[10];
    Q::softmax(x, 1, 10, Q::SoftmaxExp{table.data(), 0, nullptr, 0}, out_scale, from_table);
    Q::softmax(x, 1, 10, Q::SoftmaxExp{nullptr, to_bits(s), nullptr, 0}, out_scale, computed);
    EXPECT_EQ(0, std::memcmp(from_table, computed, 10));

    // entries 1 and 2 replaced (a table of another rounding would differ so, rarely and by one unit; here by more,
    // so that the outputs show it): the exceptions must bring them in
    table[1] = 0.5f, table[2] = 0.25f;
    const int32_t exc[4] = {1, int32_t(to_bits(0.5f)), 2, int32_t(to_bits(0.25f))};
    int8_t with[10], without[10];
    Q::softmax(x, 1, 10, Q::SoftmaxExp{table.data(), 0, nullptr, 0}, out_scale, from_table);
    Q::softmax(x, 1, 10, Q::SoftmaxExp{nullptr, to_bits(s), exc, 2}, out_scale, with);
    Q::softmax(x, 1, 10, Q::SoftmaxExp{nullptr, to_bits(s), exc, 1}, out_scale, without);
    EXPECT_EQ(0, std::memcmp(from_table, with, 10));
    EXPECT_NE(0, std::memcmp(from_table, without, 10));
    EXPECT_NE(0, std::memcmp(from_table, computed, 10));
}

}  // namespace
