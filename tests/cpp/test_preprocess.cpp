// The preprocessing chain (preprocess.hpp): every step against a double
// reference, and load() refusing every corrupt size, index and parameter.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "microlearn/preprocess.hpp"
#include "mlm_builder.hpp"

namespace pre = microlearn::preprocess;
using microlearn::Status;

namespace {

constexpr uint16_t kSteps = microlearn::section_preprocess_steps;
constexpr uint16_t kParams = microlearn::section_preprocess_params;
constexpr uint16_t kIndices = microlearn::section_preprocess_indices;

struct File {
    std::vector<uint32_t> steps;
    std::vector<float> params;
    std::vector<uint32_t> indices;
    bool with_steps = true;

    std::vector<uint8_t> bytes() const {
        std::vector<mlmtest::Section> s;
        if (with_steps) s.push_back(mlmtest::section(kSteps, steps));
        if (!params.empty()) s.push_back(mlmtest::section(kParams, params));
        if (!indices.empty()) s.push_back(mlmtest::section(kIndices, indices));
        return mlmtest::build(1, s);
    }
};

Status load(const File& f, uint32_t n_features, pre::Chain& c, std::vector<uint8_t>& keep) {
    keep = f.bytes();
    return pre::load(keep.data(), keep.size(), n_features, c);
}

std::vector<float> run(const File& f, uint32_t n_features, const std::vector<float>& x) {
    pre::Chain c;
    std::vector<uint8_t> keep;
    EXPECT_EQ(load(f, n_features, c, keep), Status::ok);
    std::vector<float> scratch(c.scratch_size);
    const float* out = nullptr;
    EXPECT_EQ(pre::apply(c, x.data(), x.size(), scratch.data(), scratch.size(), &out), Status::ok);
    return std::vector<float>(out, out + c.n_outputs);
}

// A chain of every op: 3 -> affine 3 -> select 2 -> project 2 (mean) -> poly2 (bias) 6 -> normalize l2.
File every_op() {
    File f;
    f.params = {1, -2, 0.5f, 2, 0.25f, 4,     // affine: centers, scales
                0.5f, -1,                      // project: mean
                1, 2, -3, 0.5f};               // project: W (2 x 2)
    f.indices = {2, 0};
    f.steps = {1, 3, 3, 0, 0,  2, 3, 2, 0, 0,  3, 2, 2, 1, 6,  5, 2, 6, 1, 0,  4, 6, 6, 1, 0};
    return f;
}

}  // namespace

TEST(Preprocess, NoChainPassesTheInputThrough) {
    File f;
    f.with_steps = false;
    pre::Chain c;
    std::vector<uint8_t> keep;
    ASSERT_EQ(load(f, 4, c, keep), Status::ok);
    EXPECT_EQ(c.n_steps, 0u);
    EXPECT_EQ(c.n_inputs, 4u);
    const float x[4] = {1, 2, 3, 4};
    const float* out = nullptr;
    ASSERT_EQ(pre::apply(c, x, 4, nullptr, 0, &out), Status::ok);
    EXPECT_EQ(out, x);
}

TEST(Preprocess, EveryOpAgainstADoubleReference) {
    const std::vector<float> x = {3.0f, -1.5f, 7.0f};
    // reference in double
    const double a[3] = {(3.0 - 1) * 2, (-1.5 + 2) * 0.25, (7.0 - 0.5) * 4};
    const double s[2] = {a[2], a[0]};
    const double d[2] = {s[0] - 0.5, s[1] + 1};
    const double p[2] = {1 * d[0] + 2 * d[1], -3 * d[0] + 0.5 * d[1]};
    double q[6] = {1, p[0], p[1], p[0] * p[0], p[0] * p[1], p[1] * p[1]};
    double norm = 0;
    for (double v : q) norm += v * v;
    norm = std::sqrt(norm);
    const std::vector<float> y = run(every_op(), 6, x);
    ASSERT_EQ(y.size(), 6u);
    for (int i = 0; i < 6; ++i) EXPECT_NEAR(y[i], q[i] / norm, 1e-6) << i;
}

TEST(Preprocess, NormalizeL1MaxAndZeroRows) {
    for (uint32_t arg : {0u, 1u, 2u}) {
        File f;
        f.steps = {4, 3, 3, arg, 0};
        const std::vector<float> y = run(f, 3, {-2, 1, 4});
        const double norm = arg == 0 ? 7 : arg == 1 ? std::sqrt(21.0) : 4;
        EXPECT_NEAR(y[0], -2 / norm, 1e-7);
        EXPECT_NEAR(y[2], 4 / norm, 1e-7);
        EXPECT_EQ(run(f, 3, {0, 0, 0}), (std::vector<float>{0, 0, 0}));  // as scikit-learn: unchanged
    }
}

TEST(Preprocess, Poly2InteractionOnlyWithoutBias) {
    File f;
    f.steps = {5, 3, 6, 2, 0};  // x0 x1 x2 x0x1 x0x2 x1x2
    EXPECT_EQ(run(f, 6, {2, 3, 5}), (std::vector<float>{2, 3, 5, 6, 10, 15}));
    f.steps = {5, 3, 9, 0, 0};  // x, then x_i x_j for i <= j
    EXPECT_EQ(run(f, 9, {2, 3, 5}), (std::vector<float>{2, 3, 5, 4, 6, 10, 9, 15, 25}));
}

TEST(Preprocess, ProjectWithoutMean) {
    File f;
    f.params = {1, 2, 3, 4, 5, 6};
    f.steps = {3, 3, 2, 0, 0};
    EXPECT_EQ(run(f, 2, {1, 1, 2}), (std::vector<float>{9, 21}));
}

TEST(Preprocess, ProjectWithMeanAsTheOnlyStep) {
    File f;
    f.params = {1, 2, 3, 1, 2, 3, 4, 5, 6};  // mean, then W (2 x 3)
    f.steps = {3, 3, 2, 1, 0};
    pre::Chain c;
    std::vector<uint8_t> keep;
    ASSERT_EQ(load(f, 2, c, keep), Status::ok);
    EXPECT_EQ(c.scratch_size, 5u);  // 2 outputs, 3 centred inputs
    EXPECT_EQ(run(f, 2, {2, 4, 6}), (std::vector<float>{14, 32}));
}

TEST(Preprocess, ScratchAndInputChecked) {
    pre::Chain c;
    std::vector<uint8_t> keep;
    ASSERT_EQ(load(every_op(), 6, c, keep), Status::ok);
    EXPECT_EQ(c.n_inputs, 3u);
    EXPECT_EQ(c.scratch_size, 14u);  // two halves of the widest step, the projection's 2 centred inputs
    std::vector<float> scratch(c.scratch_size);
    const float x[3] = {1, 2, 3};
    const float* out = nullptr;
    EXPECT_EQ(pre::apply(c, x, 2, scratch.data(), scratch.size(), &out), Status::size_mismatch);
    EXPECT_EQ(pre::apply(c, x, 3, scratch.data(), scratch.size() - 1, &out), Status::bad_argument);
    EXPECT_EQ(pre::apply(c, x, 3, nullptr, 14, &out), Status::bad_argument);
    EXPECT_EQ(pre::apply(c, nullptr, 3, scratch.data(), 14, &out), Status::bad_argument);
    EXPECT_EQ(pre::apply(c, x, 3, scratch.data(), 14, &out), Status::ok);
}

// Every corruption of a valid chain is refused with the status named.
TEST(Preprocess, CorruptChainsRefused) {
    struct Case {
        const char* what;
        void (*edit)(File&);
        uint32_t n_features;
        Status want;
    };
    const Case cases[] = {
        {"final width differs from the engine's", [](File&) {}, 5, Status::size_mismatch},
        {"steps not a multiple of 5 words", [](File& f) { f.steps.pop_back(); }, 6, Status::size_mismatch},
        {"empty steps", [](File& f) { f.steps.clear(); }, 6, Status::size_mismatch},
        {"unknown op", [](File& f) { f.steps[5] = 9; }, 6, Status::bad_parameter},
        {"op 0", [](File& f) { f.steps[0] = 0; }, 6, Status::bad_parameter},
        {"zero width", [](File& f) { f.steps[1] = 0; }, 6, Status::bad_parameter},
        {"huge width", [](File& f) { f.steps[1] = f.steps[2] = 1u << 30; }, 6, Status::bad_parameter},
        {"widths do not chain", [](File& f) { f.steps[6] = 4; }, 6, Status::size_mismatch},
        {"affine n_out != n_in", [](File& f) { f.steps[2] = 2; }, 6, Status::size_mismatch},
        {"affine arg", [](File& f) { f.steps[3] = 1; }, 6, Status::bad_parameter},
        {"affine params past the end", [](File& f) { f.steps[4] = 7; }, 6, Status::out_of_range},
        {"select index out of range", [](File& f) { f.indices[1] = 3; }, 6, Status::out_of_range},
        {"select indices past the end", [](File& f) { f.steps[9] = 1; }, 6, Status::out_of_range},
        {"select arg", [](File& f) { f.steps[8] = 1; }, 6, Status::bad_parameter},
        {"project params past the end", [](File& f) { f.steps[14] = 7; }, 6, Status::out_of_range},
        {"project offset overflow", [](File& f) { f.steps[14] = 0xFFFFFFFFu; }, 6, Status::out_of_range},
        {"project arg", [](File& f) { f.steps[13] = 2; }, 6, Status::bad_parameter},
        {"poly2 width", [](File& f) { f.steps[17] = f.steps[20] = f.steps[21] = 5; }, 5, Status::size_mismatch},
        {"poly2 arg", [](File& f) { f.steps[18] = 4; }, 6, Status::bad_parameter},
        {"poly2 offset", [](File& f) { f.steps[19] = 1; }, 6, Status::bad_parameter},
        {"normalize arg", [](File& f) { f.steps[23] = 3; }, 6, Status::bad_parameter},
        {"normalize n_out", [](File& f) { f.steps[22] = 5; }, 5, Status::size_mismatch},
        {"NaN parameter", [](File& f) { f.params[3] = NAN; }, 6, Status::bad_parameter},
        {"infinite parameter", [](File& f) { f.params[9] = INFINITY; }, 6, Status::bad_parameter},
        {"no indices section", [](File& f) { f.indices.clear(); }, 6, Status::out_of_range},
        {"no params section", [](File& f) { f.params.clear(); }, 6, Status::out_of_range},
        {"params without steps", [](File& f) { f.with_steps = false; }, 6, Status::bad_section},
    };
    for (const Case& c : cases) {
        File f = every_op();
        c.edit(f);
        pre::Chain chain;
        std::vector<uint8_t> keep;
        EXPECT_EQ(load(f, c.n_features, chain, keep), c.want) << c.what;
        EXPECT_EQ(chain.n_steps, 0u) << c.what;  // a failed load leaves no chain
    }
}

TEST(Preprocess, WrongSectionTypesRefused) {
    const File f = every_op();
    std::vector<float> steps_as_floats(f.steps.begin(), f.steps.end());
    std::vector<uint8_t> b = mlmtest::build(1, {mlmtest::section(kSteps, steps_as_floats),
                                                mlmtest::section(kParams, f.params),
                                                mlmtest::section(kIndices, f.indices)});
    pre::Chain c;
    EXPECT_EQ(pre::load(b.data(), b.size(), 6, c), Status::bad_section);
}

// Byte flips anywhere in a valid file never make load() accept a chain that
// apply() would read out of bounds (ASan checks the reads).
TEST(Preprocess, RandomCorruptionNeverReadsOutOfBounds) {
    const std::vector<uint8_t> good = every_op().bytes();
    uint32_t seed = 12345;
    for (int trial = 0; trial < 20000; ++trial) {
        std::vector<uint8_t> b = good;
        for (int k = 0; k < 3; ++k) {
            seed = seed * 1664525u + 1013904223u;
            b[(seed >> 8) % b.size()] ^= static_cast<uint8_t>(1u << (seed % 8));
        }
        pre::Chain c;
        if (pre::load(b.data(), b.size(), 6, c) != Status::ok) continue;
        std::vector<float> x(c.n_inputs, 1.0f), scratch(c.scratch_size);
        const float* out = nullptr;
        ASSERT_EQ(pre::apply(c, x.data(), x.size(), scratch.data(), scratch.size(), &out), Status::ok);
    }
}
