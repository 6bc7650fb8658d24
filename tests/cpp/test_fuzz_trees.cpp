// Mass mutation of tree models: every byte of a valid file changed (with the
// CRC recomputed so the structural checks are reached) and many random
// multi-byte mutations. A load either fails with a status or gives a model
// that every call runs on without reading out of bounds or hanging. Run
// under AddressSanitizer + UBSan (MICROLEARN_SANITIZE=ON) in CI.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "trees_fixture.hpp"

using microlearn::Status;
namespace T = microlearn::trees;

namespace {

void exercise(std::vector<uint8_t> bytes, size_t& loaded) {
    mlmtest::Aligned a(bytes);
    T::Model m;
    if (T::load(a.data(), a.size, m) != Status::ok) return;
    ++loaded;
    const float inputs[][2] = {{0, 0}, {1e30f, -1e30f}, {std::nanf(""), 0.5f}, {-INFINITY, INFINITY}};
    float out[64];
    int32_t cls;
    float score;
    int32_t keys[2];
    for (int with_keys = 0; with_keys < 2; ++with_keys) {  // both walks of soft-float builds
        if (with_keys) (void)T::attach_key_buffer(m, keys, 2);
        for (const auto& x : inputs) {
            (void)T::predict_class(m, x, 2, out, 64, cls);
            (void)T::predict_proba(m, x, 2, out, 64);
            (void)T::decision_function(m, x, 2, out, 64);
            (void)T::score_samples(m, x, 2, score);
            (void)T::raw_scores(m, x, 2, out, 64);
        }
    }
}

}  // namespace

TEST(FuzzTrees, EveryByteEveryBit) {
    for (int variant = 0; variant < 3; ++variant) {
        treetest::Spec spec;
        spec.wide = variant == 1;
        spec.sparse = variant == 2;
        spec.nan_left = {0b011};
        const auto base = treetest::build(spec);
        size_t loaded = 0;
        for (size_t i = 0; i < base.size(); ++i) {
            if (i >= microlearn::kCrcOffset && i < microlearn::kCrcOffset + 4) continue;
            for (int bit = 0; bit < 8; ++bit) {
                auto b = base;
                b[i] ^= static_cast<uint8_t>(1u << bit);
                mlmtest::refresh_crc(b);
                exercise(b, loaded);
            }
        }
        EXPECT_GT(loaded, 0u);  // some mutations (e.g. of leaf values) are valid models
    }
}

TEST(FuzzTrees, RandomMultiByteMutations) {
    std::mt19937 rng(12345);
    const auto base = treetest::build(treetest::Spec{});
    size_t loaded = 0;
    for (int iter = 0; iter < 200000; ++iter) {
        auto b = base;
        const int edits = 1 + static_cast<int>(rng() % 4);
        for (int e = 0; e < edits; ++e) b[rng() % b.size()] = static_cast<uint8_t>(rng());
        if (rng() % 8 == 0) b.resize(rng() % b.size());
        if (b.size() >= microlearn::kHeaderSize) mlmtest::refresh_crc(b);
        exercise(b, loaded);
    }
    EXPECT_GT(loaded, 0u);
}
