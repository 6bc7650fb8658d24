// Float32 CONV_2D and DEPTHWISE_CONV_2D (neural/float_ops.hpp) against plain
// tap-by-tap loops over many window shapes: odd channel counts, strides,
// dilations, paddings that leave border pixels with fewer taps, windows
// wider than the input, depth multipliers, with and without bias, every
// fused activation. The depthwise kernel's sums run tap by tap from the bias
// on every path, so its results are equal bit for bit; CONV_2D groups its
// sums by kernel row and block (kernels::dot's order inside a run), so its
// results are within n * 2^-23 of sum |terms| (n: the terms of the sum).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "microlearn/neural/float_ops.hpp"

namespace N = microlearn::neural;
namespace F = microlearn::neural::float_ops;

namespace {

struct Shape {
    uint32_t h, w, c, k_h, k_w, stride, dil, pad_t, pad_l, out_c_or_m;
};

N::Window window(const Shape& s, bool depthwise, N::Activation act) {
    N::Window g{};
    g.in_h = s.h, g.in_w = s.w, g.in_c = s.c, g.k_h = s.k_h, g.k_w = s.k_w;
    g.stride_h = g.stride_w = s.stride, g.dil_h = g.dil_w = s.dil, g.pad_t = s.pad_t, g.pad_l = s.pad_l;
    // 'same'-like output size when padded, 'valid' otherwise; at least 1.
    const auto out = [&](uint32_t n, uint32_t k, uint32_t pad) {
        const int32_t span = int32_t(n + 2 * pad) - int32_t((k - 1) * s.dil + 1);
        return span < 0 ? 1u : uint32_t(span) / s.stride + 1;
    };
    g.out_h = out(s.h, s.k_h, s.pad_t), g.out_w = out(s.w, s.k_w, s.pad_l);
    g.depth_multiplier = depthwise ? s.out_c_or_m : 1;
    g.out_c = depthwise ? s.c * s.out_c_or_m : s.out_c_or_m;
    g.activation = act;
    return g;
}

// The taps inside the input, in (ky, kx, c) order; *bound: the rounding
// error a sum in another order may have.
float reference(const N::Window& g, bool depthwise, const float* x, const float* W, const float* bias, uint32_t oy,
                uint32_t ox, uint32_t o, float* bound) {
    float s = depthwise && bias != nullptr ? bias[o] : 0.0f;
    double magnitude = bias != nullptr ? std::fabs(double(bias[o])) : 0.0;
    uint32_t n = 1;
    for (uint32_t ky = 0; ky < g.k_h; ++ky)
        for (uint32_t kx = 0; kx < g.k_w; ++kx) {
            const int32_t iy = int32_t(oy * g.stride_h + ky * g.dil_h) - int32_t(g.pad_t);
            const int32_t ix = int32_t(ox * g.stride_w + kx * g.dil_w) - int32_t(g.pad_l);
            if (iy < 0 || ix < 0 || iy >= int32_t(g.in_h) || ix >= int32_t(g.in_w)) continue;
            const float* xp = x + (size_t(iy) * g.in_w + size_t(ix)) * g.in_c;
            if (depthwise) {
                const float t = W[(ky * g.k_w + kx) * g.out_c + o] * xp[o / g.depth_multiplier];
                s += t, magnitude += std::fabs(double(t)), ++n;
            } else {
                for (uint32_t c = 0; c < g.in_c; ++c) {
                    const float t = W[((o * g.k_h + ky) * g.k_w + kx) * g.in_c + c] * xp[c];
                    s += t, magnitude += std::fabs(double(t)), ++n;
                }
            }
        }
    if (!depthwise && bias != nullptr) s = bias[o] + s;
    *bound = float(2.0 * n * magnitude / 8388608.0);
    return F::clamp_of(g.activation)(s);
}

void check(const Shape& s, bool depthwise, std::mt19937& rng) {
    std::normal_distribution<float> normal;
    for (int variant = 0; variant < 4; ++variant) {
        const N::Activation act = static_cast<N::Activation>(variant);
        const N::Window g = window(s, depthwise, act);
        std::vector<float> x(size_t(g.in_h) * g.in_w * g.in_c), bias(g.out_c);
        std::vector<float> W(depthwise ? size_t(g.k_h) * g.k_w * g.out_c : size_t(g.out_c) * g.k_h * g.k_w * g.in_c);
        for (float& v : x) v = normal(rng);
        for (float& v : W) v = normal(rng);
        for (float& v : bias) v = normal(rng);
        const float* b = variant == 2 ? nullptr : bias.data();
        std::vector<float> y(size_t(g.out_h) * g.out_w * g.out_c + 1, 12345.0f);  // + 1: no write past the end
        if (depthwise)
            F::depthwise_conv_2d(g, x.data(), W.data(), b, y.data());
        else
            F::conv_2d(g, x.data(), W.data(), b, y.data());
        ASSERT_EQ(y.back(), 12345.0f);
        for (uint32_t oy = 0; oy < g.out_h; ++oy)
            for (uint32_t ox = 0; ox < g.out_w; ++ox)
                for (uint32_t o = 0; o < g.out_c; ++o) {
                    float bound;
                    const float want = reference(g, depthwise, x.data(), W.data(), b, oy, ox, o, &bound);
                    const float got = y[(size_t(oy) * g.out_w + ox) * g.out_c + o];
                    ASSERT_TRUE(depthwise ? std::memcmp(&got, &want, 4) == 0 : std::fabs(got - want) <= bound)
                        << "h " << s.h << " w " << s.w << " c " << s.c << " k " << s.k_h << "x" << s.k_w
                        << " stride " << s.stride << " dil " << s.dil << " pad " << s.pad_t << "," << s.pad_l
                        << " out/M " << s.out_c_or_m << " act " << variant << " at " << oy << "," << ox << "," << o
                        << ": " << got << " != " << want;
                }
    }
}

std::vector<Shape> shapes(bool depthwise) {
    std::vector<Shape> v;
    const uint32_t cs[] = {1, 2, 3, 4, 5, 7, 8, 9, 12, 16, 17};
    const uint32_t outs[] = {1, 3, 4, 5, 8, 13};
    uint32_t i = 0;
    for (uint32_t c : cs)
        for (uint32_t k = 1; k <= 5; k += 2)
            for (uint32_t stride = 1; stride <= 2; ++stride)
                for (uint32_t dil = 1; dil <= 2; ++dil, ++i) {
                    const uint32_t h = 1 + (i * 7) % 9, w = 1 + (i * 5) % 11, pad = (k / 2) * dil;
                    const uint32_t m = depthwise ? 1 + (i % 4 == 3 ? 1 + i % 2 : 0) : outs[i % 6];
                    v.push_back({h, w, c, k, k, stride, dil, pad, pad, m});           // 'same'-like
                    v.push_back({h + k, w + k, c, k, k == 1 ? 1 : k - 1, stride, dil, 0, 0, m});  // 'valid', k_h != k_w
                }
    v.push_back({12, 12, 8, 3, 3, 1, 1, 1, 1, depthwise ? 1u : 16u});  // the benchmark's shapes
    v.push_back({12, 12, 16, 3, 3, 1, 1, 1, 1, depthwise ? 1u : 7u});
    v.push_back({2, 2, 4, 5, 5, 1, 1, 2, 2, depthwise ? 1u : 4u});  // a window wider than the input
    return v;
}

TEST(NeuralFloatOps, DepthwiseConvMatchesTapByTap) {
    std::mt19937 rng(1);
    for (const Shape& s : shapes(true)) check(s, true, rng);
}

TEST(NeuralFloatOps, ConvMatchesTapByTap) {
    std::mt19937 rng(2);
    for (const Shape& s : shapes(false)) check(s, false, rng);
}

}  // namespace
