// Gaussian models (include/microlearn/gaussian.hpp): evaluation against a
// double-precision reference computed here, and load() rejecting every
// corrupt size, index and parameter.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "microlearn/gaussian.hpp"
#include "mlm_builder.hpp"

using microlearn::Status;
namespace G = microlearn::gaussian;

namespace {

// A model's sections, editable by the tests. Default: a 2-feature, 2-component
// mixture with full covariances.
struct Spec {
    uint32_t n_features = 2, n_components = 2, n_classes = 0, task = 3, covariance = 0, feature_type = 0;
    std::vector<float> means = {0.0f, 0.0f, 3.0f, -1.0f};
    std::vector<float> constants = {-1.5f, -2.0f};
    // full: per component the upper triangle column by column: P00, P01, P11.
    std::vector<float> factors = {1.0f, 0.5f, 2.0f, 0.7f, -0.2f, 1.3f};
    std::vector<float> float_params = {};
    std::vector<float> centring = {};  // c, then (a common term) m - c and G's columns
    uint16_t kind = static_cast<uint16_t>(microlearn::ModelKind::gaussian);
    bool drop_params = false, drop_means = false, drop_constants = false, drop_factors = false;
    bool means_as_u32 = false;
};

std::vector<uint8_t> build(const Spec& s) {
    std::vector<mlmtest::Section> sections;
    if (!s.drop_params)
        sections.push_back(mlmtest::section<uint32_t>(
            G::params, {s.n_features, s.n_components, s.n_classes, s.task, s.covariance, s.feature_type}));
    if (!s.float_params.empty()) sections.push_back(mlmtest::section(G::float_params, s.float_params));
    if (!s.drop_means) {
        if (s.means_as_u32)
            sections.push_back(mlmtest::section(G::means, std::vector<uint32_t>(s.means.size(), 0)));
        else
            sections.push_back(mlmtest::section(G::means, s.means));
    }
    if (!s.drop_constants) sections.push_back(mlmtest::section(G::constants, s.constants));
    if (!s.drop_factors) sections.push_back(mlmtest::section(G::factors, s.factors));
    if (!s.centring.empty()) sections.push_back(mlmtest::section(G::centring, s.centring));
    return mlmtest::build(s.kind, sections);
}

struct Loaded {
    mlmtest::Aligned bytes;
    G::Model model;
    Status status;
    explicit Loaded(const Spec& spec) : bytes(build(spec)) { status = G::load(bytes.data(), bytes.size, model); }
};

Status load_status(const Spec& spec) { return Loaded(spec).status; }

// Reference q_k(x) in double: || P^T (x - mu) ||^2 with P from the spec's layout.
double reference_q(const Spec& s, uint32_t k, const std::vector<float>& x) {
    const uint32_t d = s.n_features;
    std::vector<double> diff(d);
    for (uint32_t i = 0; i < d; ++i) diff[i] = double(x[i]) - s.means[k * d + i];
    double q = 0;
    if (s.covariance <= 1) {
        const size_t tri = d * (d + 1) / 2;
        const float* col = s.factors.data() + (s.covariance == 0 ? k * tri : 0);
        for (uint32_t j = 0; j < d; ++j) {
            double y = 0;
            for (uint32_t i = 0; i <= j; ++i) y += double(col[i]) * diff[i];
            col += j + 1;
            q += y * y;
        }
    } else {
        for (uint32_t i = 0; i < d; ++i) {
            const double p = s.covariance == 2 ? s.factors[k * d + i] : s.factors[k];
            q += (diff[i] * p) * (diff[i] * p);
        }
    }
    return q;
}

std::vector<double> reference_log_probs(const Spec& s, const std::vector<float>& x) {
    std::vector<double> v(s.n_components);
    for (uint32_t k = 0; k < s.n_components; ++k) v[k] = s.constants[k] - 0.5 * reference_q(s, k, x);
    return v;
}

Spec with_covariance(uint32_t covariance) {
    Spec s;
    s.covariance = covariance;
    if (covariance == 1) s.factors = {1.0f, 0.5f, 2.0f};
    if (covariance == 2) s.factors = {1.0f, 2.0f, 0.7f, 1.3f};
    if (covariance == 3) s.factors = {1.5f, 0.6f};
    return s;
}

const std::vector<std::vector<float>> kRows = {
    {0.0f, 0.0f}, {3.0f, -1.0f}, {1.0f, 2.0f}, {-4.5f, 0.25f}, {1.6f, -0.4f}, {100.0f, -250.0f}};

}  // namespace

TEST(Gaussian, LogProbsMatchDoublePrecisionForEveryCovarianceType) {
    for (uint32_t cov = 0; cov < 4; ++cov) {
        const Spec s = with_covariance(cov);
        Loaded l{s};
        ASSERT_EQ(l.status, Status::ok) << cov;
        float scratch[2], out[2];
        for (const auto& x : kRows) {
            ASSERT_EQ(G::log_probs(l.model, x.data(), 2, scratch, 2, out, 2), Status::ok);
            const auto want = reference_log_probs(s, x);
            for (int k = 0; k < 2; ++k) EXPECT_NEAR(out[k], want[k], 1e-6 * (1 + std::fabs(want[k]))) << cov;
            int32_t cls = -1;
            ASSERT_EQ(G::predict(l.model, x.data(), 2, scratch, 2, cls), Status::ok);
            EXPECT_EQ(cls, want[1] > want[0] ? 1 : 0);
            float proba[2] = {0.0f, 0.0f};  // (GCC -O3 cannot see log_probs fill it)
            ASSERT_EQ(G::predict_proba(l.model, x.data(), 2, scratch, 2, proba, 2), Status::ok);
            const double top = std::max(want[0], want[1]);
            const double norm = std::exp(want[0] - top) + std::exp(want[1] - top);
            for (int k = 0; k < 2; ++k) EXPECT_NEAR(proba[k], std::exp(want[k] - top) / norm, 1e-6);
            float score = 0;
            ASSERT_EQ(G::score_samples(l.model, x.data(), 2, scratch, 2, score), Status::ok);
            EXPECT_NEAR(score, top + std::log(norm), 1e-6 * (1 + std::fabs(top)));
        }
    }
}

TEST(Gaussian, TiesGoToTheFirstComponent) {
    Spec s = with_covariance(3);
    s.means = {1.0f, 0.0f, -1.0f, 0.0f};
    s.factors = {1.0f, 1.0f};
    s.constants = {-1.0f, -1.0f};
    Loaded l{s};
    float scratch[2];
    int32_t cls = -1;
    const float x[2] = {0.0f, 7.0f};  // equally far from both means
    ASSERT_EQ(G::predict(l.model, x, 2, scratch, 2, cls), Status::ok);
    EXPECT_EQ(cls, 0);
    const float nearer_second[2] = {-std::nextafter(0.0f, 1.0f) * 1e30f, 7.0f};
    ASSERT_EQ(G::predict(l.model, nearer_second, 2, scratch, 2, cls), Status::ok);
    EXPECT_EQ(cls, 0);  // a difference below float32's resolution stays a tie
    const float x2[2] = {-0.01f, 0.0f};
    ASSERT_EQ(G::predict(l.model, x2, 2, scratch, 2, cls), Status::ok);
    EXPECT_EQ(cls, 1);
}

TEST(Gaussian, FarAwayRows) {
    // One component so narrow that q overflows float32 (-inf log-density)
    // while the other stays finite: predict and score use the finite one.
    Spec s = with_covariance(3);
    s.factors = {1e19f, 1.0f};
    Loaded l{s};
    float scratch[2], proba[2], score = 0;
    int32_t cls = -1;
    const float x[2] = {1e3f, 1e3f};
    ASSERT_EQ(G::predict(l.model, x, 2, scratch, 2, cls), Status::ok);
    EXPECT_EQ(cls, 1);
    ASSERT_EQ(G::predict_proba(l.model, x, 2, scratch, 2, proba, 2), Status::ok);
    EXPECT_EQ(proba[0], 0.0f);
    EXPECT_EQ(proba[1], 1.0f);
    ASSERT_EQ(G::score_samples(l.model, x, 2, scratch, 2, score), Status::ok);
    EXPECT_TRUE(std::isfinite(score));
    // Every component -inf: no class can be chosen (out_of_range); the
    // log-likelihood is -inf in float32.
    s.factors = {1e19f, 1e19f};
    Loaded both{s};
    EXPECT_EQ(G::predict(both.model, x, 2, scratch, 2, cls), Status::out_of_range);
    EXPECT_EQ(G::predict_proba(both.model, x, 2, scratch, 2, proba, 2), Status::out_of_range);
    ASSERT_EQ(G::score_samples(both.model, x, 2, scratch, 2, score), Status::ok);
    EXPECT_TRUE(std::isinf(score) && score < 0);
}

TEST(Gaussian, DifferencesBeyondFloat32AreRefusedNotNaN) {
    // x - mu overflows to inf and meets a zero factor entry: inf * 0 = NaN.
    // Every evaluation says out_of_range instead of returning NaN.
    Spec s;
    s.means = {-3e38f, 0.0f, 0.0f, 0.0f};
    s.factors = {0.0f, 1.0f, 1.0f, 0.0f, 1.0f, 1.0f};
    Loaded l{s};
    ASSERT_EQ(l.status, Status::ok);
    const float x[2] = {3e38f, 0.0f};
    float scratch[2], out[2], v;
    int32_t cls;
    EXPECT_EQ(G::predict(l.model, x, 2, scratch, 2, cls), Status::out_of_range);
    EXPECT_EQ(G::predict_proba(l.model, x, 2, scratch, 2, out, 2), Status::out_of_range);
    EXPECT_EQ(G::log_probs(l.model, x, 2, scratch, 2, out, 2), Status::out_of_range);
    EXPECT_EQ(G::score_samples(l.model, x, 2, scratch, 2, v), Status::out_of_range);
    Spec ee = s;
    ee.task = 2;
    ee.n_components = 1;
    ee.means = {-3e38f, 0.0f};
    ee.constants = {0.0f};
    ee.factors = {0.0f, 1.0f, 1.0f};
    Loaded e{ee};
    ASSERT_EQ(e.status, Status::ok);
    EXPECT_EQ(G::predict(e.model, x, 2, scratch, 2, cls), Status::out_of_range);
    EXPECT_EQ(G::score_samples(e.model, x, 2, scratch, 2, v), Status::out_of_range);
    EXPECT_EQ(G::decision_function(e.model, x, 2, scratch, 2, v), Status::out_of_range);
}

TEST(Gaussian, EllipticEnvelope) {
    Spec s;
    s.task = 2;
    s.n_components = 1;
    s.means = {1.0f, 2.0f};
    s.constants = {0.0f};
    s.factors = {1.0f, 0.0f, 1.0f};  // identity: q = squared Euclidean distance
    s.float_params = {-1.0f};        // offset_: inliers within distance 1
    Loaded l{s};
    ASSERT_EQ(l.status, Status::ok);
    float scratch[2], v = 0;
    int32_t label = 0;
    const float on_boundary[2] = {2.0f, 2.0f};  // q = 1: decision exactly 0 -> inlier, as scikit-learn (>= 0)
    ASSERT_EQ(G::score_samples(l.model, on_boundary, 2, scratch, 2, v), Status::ok);
    EXPECT_EQ(v, -1.0f);
    ASSERT_EQ(G::decision_function(l.model, on_boundary, 2, scratch, 2, v), Status::ok);
    EXPECT_EQ(v, 0.0f);
    ASSERT_EQ(G::predict(l.model, on_boundary, 2, scratch, 2, label), Status::ok);
    EXPECT_EQ(label, 1);
    const float outside[2] = {std::nextafter(2.0f, 3.0f), 2.0f};
    ASSERT_EQ(G::predict(l.model, outside, 2, scratch, 2, label), Status::ok);
    EXPECT_EQ(label, -1);
    const float far[2] = {3e30f, -3e30f};  // q overflows: -inf score, an outlier
    ASSERT_EQ(G::predict(l.model, far, 2, scratch, 2, label), Status::ok);
    EXPECT_EQ(label, -1);
}

TEST(Gaussian, MethodsEachTaskLacks) {
    float scratch[2], out[2], v;
    const float x[2] = {0.0f, 0.0f};
    Spec nb = with_covariance(2);
    nb.task = 1;
    nb.n_classes = 2;
    Loaded c{nb};
    ASSERT_EQ(c.status, Status::ok);
    EXPECT_EQ(G::score_samples(c.model, x, 2, scratch, 2, v), Status::unsupported_kind);
    EXPECT_EQ(G::decision_function(c.model, x, 2, scratch, 2, v), Status::unsupported_kind);
    Loaded mix{Spec{}};
    EXPECT_EQ(G::decision_function(mix.model, x, 2, scratch, 2, v), Status::unsupported_kind);
    Spec ee;
    ee.task = 2;
    ee.n_components = 1;
    ee.means = {0.0f, 0.0f};
    ee.constants = {0.0f};
    ee.factors = {1.0f, 0.0f, 1.0f};
    Loaded e{ee};
    ASSERT_EQ(e.status, Status::ok);
    EXPECT_EQ(G::predict_proba(e.model, x, 2, scratch, 2, out, 2), Status::unsupported_kind);
    EXPECT_EQ(G::log_probs(e.model, x, 2, scratch, 2, out, 2), Status::unsupported_kind);
}

TEST(Gaussian, BadArguments) {
    Loaded l{Spec{}};
    float scratch[2], out[2], v;
    int32_t cls;
    const float x[2] = {0.0f, 0.0f};
    const float nan_x[2] = {0.0f, std::nanf("")};
    const float inf_x[2] = {-INFINITY, 0.0f};
    EXPECT_EQ(G::predict(l.model, nan_x, 2, scratch, 2, cls), Status::bad_argument);
    EXPECT_EQ(G::predict(l.model, inf_x, 2, scratch, 2, cls), Status::bad_argument);
    EXPECT_EQ(G::score_samples(l.model, nan_x, 2, scratch, 2, v), Status::bad_argument);
    EXPECT_EQ(G::predict_proba(l.model, inf_x, 2, scratch, 2, out, 2), Status::bad_argument);
    EXPECT_EQ(G::predict(l.model, x, 1, scratch, 2, cls), Status::size_mismatch);
    EXPECT_EQ(G::predict(l.model, x, 3, scratch, 2, cls), Status::size_mismatch);
    EXPECT_EQ(G::predict(l.model, x, 2, scratch, 1, cls), Status::size_mismatch);
    EXPECT_EQ(G::predict(l.model, nullptr, 2, scratch, 2, cls), Status::bad_argument);
    EXPECT_EQ(G::predict(l.model, x, 2, nullptr, 2, cls), Status::bad_argument);
    EXPECT_EQ(G::predict_proba(l.model, x, 2, scratch, 2, out, 1), Status::size_mismatch);
    EXPECT_EQ(G::predict_proba(l.model, x, 2, scratch, 2, nullptr, 2), Status::size_mismatch);
    EXPECT_EQ(G::scratch_size(l.model), 2u);
}

TEST(GaussianLoad, AcceptsEveryLayout) {
    for (uint32_t cov = 0; cov < 4; ++cov) EXPECT_EQ(load_status(with_covariance(cov)), Status::ok) << cov;
}

TEST(GaussianLoad, RejectsCorruptParameters) {
    auto edit = [](auto fn) {
        Spec s;
        fn(s);
        return load_status(s);
    };
    EXPECT_EQ(edit([](Spec& s) { s.kind = 1; }), Status::unsupported_kind);
    EXPECT_EQ(edit([](Spec& s) { s.drop_params = true; }), Status::bad_section);
    EXPECT_EQ(edit([](Spec& s) { s.task = 0; }), Status::bad_parameter);
    EXPECT_EQ(edit([](Spec& s) { s.task = 4; }), Status::bad_parameter);
    EXPECT_EQ(edit([](Spec& s) { s.covariance = 4; }), Status::bad_parameter);
    EXPECT_EQ(edit([](Spec& s) { s.feature_type = 1; }), Status::bad_parameter);
    EXPECT_EQ(edit([](Spec& s) { s.n_features = 0; }), Status::bad_parameter);
    EXPECT_EQ(edit([](Spec& s) { s.n_features = 65536; }), Status::bad_parameter);
    EXPECT_EQ(edit([](Spec& s) { s.n_components = 0; }), Status::bad_parameter);
    EXPECT_EQ(edit([](Spec& s) { s.n_classes = 2; }), Status::bad_parameter);  // a mixture has no classes
    EXPECT_EQ(edit([](Spec& s) { s.task = 1; }), Status::bad_parameter);       // a classifier needs them
    EXPECT_EQ(edit([](Spec& s) { s.task = 1, s.n_classes = 3; }), Status::bad_parameter);
    EXPECT_EQ(edit([](Spec& s) { s.task = 1, s.n_classes = 2; }), Status::ok);
    EXPECT_EQ(edit([](Spec& s) { s.task = 2; }), Status::bad_parameter);  // an envelope has one component
    // Sizes that disagree with n_features x n_components (both ways, each
    // covariance layout), and ones whose product overflows 32 bits.
    EXPECT_EQ(edit([](Spec& s) { s.n_features = 3; }), Status::size_mismatch);
    EXPECT_EQ(edit([](Spec& s) { s.n_components = 3; }), Status::size_mismatch);
    EXPECT_EQ(edit([](Spec& s) { s.n_components = 0x80000001u; }), Status::size_mismatch);
    EXPECT_EQ(edit([](Spec& s) { s.n_features = 65535, s.n_components = 0x10001u; }), Status::size_mismatch);
    EXPECT_EQ(edit([](Spec& s) { s.means.pop_back(); }), Status::size_mismatch);
    EXPECT_EQ(edit([](Spec& s) { s.constants.push_back(0.0f); }), Status::size_mismatch);
    for (uint32_t cov = 0; cov < 4; ++cov) {
        Spec s = with_covariance(cov);
        s.factors.push_back(1.0f);
        EXPECT_EQ(load_status(s), Status::size_mismatch) << cov;
        s.factors.resize(s.factors.size() - 2);
        EXPECT_EQ(load_status(s), Status::size_mismatch) << cov;
    }
    EXPECT_EQ(edit([](Spec& s) { s.float_params = {1.0f, 2.0f}; }), Status::size_mismatch);
}

TEST(GaussianLoad, RejectsMissingOrMistypedSections) {
    auto edit = [](auto fn) {
        Spec s;
        fn(s);
        return load_status(s);
    };
    EXPECT_EQ(edit([](Spec& s) { s.drop_means = true; }), Status::bad_section);
    EXPECT_EQ(edit([](Spec& s) { s.drop_constants = true; }), Status::bad_section);
    EXPECT_EQ(edit([](Spec& s) { s.drop_factors = true; }), Status::bad_section);
    EXPECT_EQ(edit([](Spec& s) { s.means_as_u32 = true; }), Status::bad_section);
    // A params section shorter than the parameter count.
    Spec s;
    s.drop_params = true;
    auto bytes = mlmtest::build(static_cast<uint16_t>(microlearn::ModelKind::gaussian),
                                {mlmtest::section<uint32_t>(G::params, {2, 2, 0, 3, 0}),
                                 mlmtest::section(G::means, s.means), mlmtest::section(G::constants, s.constants),
                                 mlmtest::section(G::factors, s.factors)});
    mlmtest::Aligned a(bytes);
    G::Model m;
    EXPECT_EQ(G::load(a.data(), a.size, m), Status::size_mismatch);
}

TEST(GaussianLoad, RejectsNonFiniteValues) {
    const float bad[] = {std::nanf(""), INFINITY, -INFINITY};
    for (float v : bad) {
        Spec s;
        s.means[3] = v;
        EXPECT_EQ(load_status(s), Status::bad_parameter);
        s = Spec{};
        s.constants[0] = v;
        EXPECT_EQ(load_status(s), Status::bad_parameter);
        s = Spec{};
        s.factors[4] = v;
        EXPECT_EQ(load_status(s), Status::bad_parameter);
        s = Spec{};
        s.float_params = {v};
        EXPECT_EQ(load_status(s), Status::bad_parameter);
    }
}

TEST(GaussianLoad, EveryTruncationAndEveryByteFlipIsHandled) {
    const auto good = build(Spec{});
    for (size_t n = 0; n < good.size(); ++n) {
        mlmtest::Aligned a(std::vector<uint8_t>(good.begin(), good.begin() + n));
        G::Model m;
        EXPECT_NE(G::load(a.data(), a.size, m), Status::ok) << n;
    }
    // Any single byte changed behind a valid CRC: load either fails or gives
    // a model whose every call returns without touching memory it must not.
    for (size_t at = 0; at < good.size(); ++at) {
        for (int bit = 0; bit < 8; ++bit) {
            auto b = good;
            b[at] ^= static_cast<uint8_t>(1u << bit);
            mlmtest::refresh_crc(b);
            mlmtest::Aligned a(b);
            G::Model m;
            if (G::load(a.data(), a.size, m) != Status::ok) continue;
            std::vector<float> scratch(G::scratch_size(m)), x(m.n_features, 0.5f), out(m.n_components);
            int32_t cls;
            float v;
            G::predict(m, x.data(), x.size(), scratch.data(), scratch.size(), cls);
            G::predict_proba(m, x.data(), x.size(), scratch.data(), scratch.size(), out.data(), out.size());
            G::score_samples(m, x.data(), x.size(), scratch.data(), scratch.size(), v);
        }
    }
}

namespace {

// Centre c = 0, the common term: m = (1, 2), G = one column (0, 1000): 1e6 (x_1 - 2)^2.
Spec with_common() {
    Spec s;
    s.centring = {0.0f, 0.0f, 1.0f, 2.0f, 0.0f, 1000.0f};
    return s;
}

}  // namespace

TEST(GaussianLoad, CommonTermRules) {
    EXPECT_EQ(load_status(with_common()), Status::ok);
    Spec s = with_common();
    s.centring.pop_back();  // not whole rows
    EXPECT_EQ(load_status(s), Status::size_mismatch);
    s.centring = {0, 0, 1, 2};  // m without columns
    EXPECT_EQ(load_status(s), Status::size_mismatch);
    s.centring = {0, 0, 1, 2, 0, 1, 1, 0, 3, 3};  // more columns than features
    EXPECT_EQ(load_status(s), Status::size_mismatch);
    s = with_common();
    s.centring[5] = std::numeric_limits<float>::infinity();
    EXPECT_NE(load_status(s), Status::ok);
    s = with_common();  // a common term: mixtures only
    s.task = 1;
    s.n_classes = 2;
    EXPECT_EQ(load_status(s), Status::bad_parameter);
    s.centring = {5.0f, -3.0f};  // a centre alone: any model
    EXPECT_EQ(load_status(s), Status::ok);
}

TEST(GaussianEval, CommonTermIsAddedAfterTheComparison) {
    const Spec s = with_common();
    Loaded with(s), without(Spec{});
    ASSERT_EQ(with.status, Status::ok);
    // 50 off the common direction: 1e6 * 50^2 / 2 = 1.25e9 in every log-density
    const std::vector<float> x = {0.4f, 52.0f};
    float scratch[2], p_with[2], p_without[2], score_with, score_without;
    int32_t k_with, k_without;
    ASSERT_EQ(G::predict(with.model, x.data(), 2, scratch, 2, k_with), Status::ok);
    ASSERT_EQ(G::predict(without.model, x.data(), 2, scratch, 2, k_without), Status::ok);
    EXPECT_EQ(k_with, k_without);
    ASSERT_EQ(G::predict_proba(with.model, x.data(), 2, scratch, 2, p_with, 2), Status::ok);
    ASSERT_EQ(G::predict_proba(without.model, x.data(), 2, scratch, 2, p_without, 2), Status::ok);
    EXPECT_EQ(p_with[0], p_without[0]);
    EXPECT_EQ(p_with[1], p_without[1]);
    ASSERT_EQ(G::score_samples(with.model, x.data(), 2, scratch, 2, score_with), Status::ok);
    ASSERT_EQ(G::score_samples(without.model, x.data(), 2, scratch, 2, score_without), Status::ok);
    EXPECT_NEAR(score_with, double(score_without) - 1.25e9, 1.25e9 * 1e-6);
    float logs[2];
    ASSERT_EQ(G::log_probs(with.model, x.data(), 2, scratch, 2, logs, 2), Status::ok);
    for (uint32_t k = 0; k < 2; ++k)
        EXPECT_NEAR(logs[k], s.constants[k] - reference_q(s, k, x) / 2 - 1.25e9, 1.25e9 * 1e-6);
}

TEST(GaussianEval, MeansRelativeToTheCentreKeepTheirDigits) {
    // Means near 1e4 (float32 step 1e-3 there): stored as c + small offsets, x - mu stays exact.
    Spec s;
    s.centring = {10000.0f, -20000.0f};
    Spec reference = s;  // the same model in double: means + c
    Loaded l(s);
    ASSERT_EQ(l.status, Status::ok);
    for (float dx : {0.0f, 0.25f, -1.5f}) {
        const std::vector<float> x = {10000.0f + 3.0f + dx, -20000.0f - 1.0f + dx};
        std::vector<float> rel = {x[0] - 10000.0f, x[1] + 20000.0f};  // exact
        float scratch[2], logs[2];
        ASSERT_EQ(G::log_probs(l.model, x.data(), 2, scratch, 2, logs, 2), Status::ok);
        for (uint32_t k = 0; k < 2; ++k)
            EXPECT_NEAR(logs[k], reference.constants[k] - reference_q(reference, k, rel) / 2, 1e-5);
    }
}
