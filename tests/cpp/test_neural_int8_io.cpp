// An int8 network's input copy and output dequantization
// (include/microlearn/neural/int8_io.hpp): the soft-float targets' integer
// product scale * d against the host's float multiply, for every d in
// [-255, 255] and scales across the float32 range (the fast range's edges,
// random significands, subnormal and huge scales, which take the float
// multiply); dequantize() and copy_input() at every alignment and length.
// tests/device/test_neural_int8_device.py checks the same outputs on every
// emulated target.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "microlearn/neural/int8_io.hpp"

namespace Q = microlearn::neural::int8;

namespace {

uint32_t bits_of(float v) {
    uint32_t b;
    std::memcpy(&b, &v, 4);
    return b;
}

float float_of(uint32_t b) {
    float v;
    std::memcpy(&v, &b, 4);
    return v;
}

// Scales: both ends of every binade's significands for each exponent, and random ones.
std::vector<float> scales() {
    std::vector<float> s;
    std::mt19937 rng(7);
    for (uint32_t e = 0; e <= 254; ++e)
        for (uint32_t frac : {0u, 1u, 0x400000u, 0x7FFFFFu, uint32_t(rng()) & 0x7FFFFFu, uint32_t(rng()) & 0x7FFFFFu})
            if (e != 0 || frac != 0) s.push_back(float_of(e << 23 | frac));
    for (int i = 0; i < 2000; ++i) s.push_back(float_of((1u + uint32_t(rng()) % 254u) << 23 | (uint32_t(rng()) & 0x7FFFFFu)));
    for (float v : {1.0f / 256, 0.0039215688f, 1e-30f, 1e30f, std::numeric_limits<float>::max(),
                    std::numeric_limits<float>::denorm_min(), std::numeric_limits<float>::min()})
        s.push_back(v);
    return s;
}

}  // namespace

TEST(NeuralInt8Io, SoftProductEqualsTheFloatMultiply) {
    size_t fast = 0;
    for (float scale : scales()) {
        Q::SoftScale s;
        if (!Q::soft_scale_of(scale, s)) {
            const uint32_t e = bits_of(scale) >> 23;
            EXPECT_TRUE(e == 0 || e > 245) << scale;
            continue;
        }
        ++fast;
        for (int32_t d = -255; d <= 255; ++d) {
            const float want = scale * float(d);
            ASSERT_EQ(Q::soft_scaled(d, s), bits_of(want)) << "scale " << scale << " (bits " << std::hex
                                                          << bits_of(scale) << std::dec << "), d " << d;
        }
    }
    EXPECT_GT(fast, 1000u);
}

TEST(NeuralInt8Io, BitLength) {
    for (uint32_t t = 0; t < 256; ++t) {
        uint32_t n = 0;
        while ((t >> n) != 0) ++n;
        EXPECT_EQ(Q::bit_length8(t), n) << t;
    }
}

// dequantize() through both paths (the soft one where soft_scale_of() takes the scale) for every q and zero point
TEST(NeuralInt8Io, DequantizeEveryValue) {
    std::vector<int8_t> q(256);
    for (int i = 0; i < 256; ++i) q[i] = int8_t(i - 128);
    std::vector<float> out(256);
    for (float scale : {0.05f, 1.0f / 256, 3.3e-39f, 2e38f, 0.0123f}) {
        for (int32_t z : {-128, -1, 0, 5, 127}) {
            Q::dequantize(q.data(), 256, scale, z, out.data());
            for (int i = 0; i < 256; ++i) {
                ASSERT_EQ(bits_of(out[i]), bits_of(scale * float(int32_t(q[i]) - z))) << scale << " " << z << " " << i;
                Q::SoftScale s;
                if (Q::soft_scale_of(scale, s)) {
                    ASSERT_EQ(Q::soft_scaled(int32_t(q[i]) - z, s), bits_of(out[i]));
                }
            }
        }
    }
}

TEST(NeuralInt8Io, CopyInputAtEveryAlignmentAndLength) {
    alignas(4) uint8_t src[64];
    alignas(4) int8_t dst[64];
    for (int i = 0; i < 64; ++i) src[i] = uint8_t(i * 37 + 11);
    for (uint32_t flip : {0u, 0x80u})
        for (int a = 0; a < 4; ++a)
            for (int b = 0; b < 4; ++b)
                for (uint32_t n = 0; n + 4 <= 60; ++n) {
                    std::memset(dst, 0x55, sizeof dst);
                    Q::copy_input(src + a, n, flip, dst + b);
                    for (int i = 0; i < 64; ++i) {
                        const int k = i - b;
                        const int8_t want = k >= 0 && uint32_t(k) < n ? int8_t(src[a + k] ^ flip) : int8_t(0x55);
                        ASSERT_EQ(dst[i], want) << flip << " " << a << " " << b << " " << n << " " << i;
                    }
                }
}
