// Kernel SVMs (include/microlearn/svm.hpp): evaluation against a
// double-precision reference of libsvm's formulas written here, and load()
// rejecting every corrupt size and parameter.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "microlearn/svm.hpp"
#include "mlm_builder.hpp"

using microlearn::Status;
namespace S = microlearn::svm;

namespace {

// A model's sections, editable by the tests. Default: 3 classes over 2
// features, 5 support vectors grouped 2, 1, 2, rbf kernel, probability.
struct Spec {
    uint32_t n_features = 2, n_sv = 5, n_classes = 3, task = 1, kernel = 2, degree = 3, ovr = 0, break_ties = 0,
             probability = 1, feature_type = 0;
    std::vector<float> float_params = {0.7f, 0.4f};  // gamma, coef0
    std::vector<float> sv = {0.0f, 0.0f, 0.5f, 1.0f, 3.0f, -1.0f, -2.0f, 2.0f, -1.5f, 1.0f};
    std::vector<uint32_t> n_support = {2, 1, 2};
    std::vector<float> coef = {1.0f, 0.5f, -0.8f, 0.3f, -1.0f,    // row 0
                               0.2f, 0.9f, 1.0f, -0.6f, -0.4f};  // row 1
    std::vector<float> intercepts = {0.1f, -0.2f, 0.05f};
    std::vector<float> prob_a = {-2.0f, -1.5f, -3.0f}, prob_b = {0.1f, -0.2f, 0.3f};
    uint16_t kind = static_cast<uint16_t>(microlearn::ModelKind::svm);
    int drop = 0;  // a section id to leave out
};

std::vector<uint8_t> build(const Spec& s) {
    std::vector<mlmtest::Section> v;
    auto add = [&](uint16_t id, mlmtest::Section sec) {
        if (s.drop != id) v.push_back(sec);
    };
    add(S::params, mlmtest::section<uint32_t>(S::params, {s.n_features, s.n_sv, s.n_classes, s.task, s.kernel, s.degree,
                                                          s.ovr, s.break_ties, s.probability, s.feature_type}));
    add(S::float_params, mlmtest::section(S::float_params, s.float_params));
    add(S::support_vectors, mlmtest::section(S::support_vectors, s.sv));
    if (s.task == 1) add(S::n_support, mlmtest::section(S::n_support, s.n_support));
    add(S::dual_coef, mlmtest::section(S::dual_coef, s.coef));
    add(S::intercepts, mlmtest::section(S::intercepts, s.intercepts));
    if (!s.prob_a.empty()) add(S::prob_a, mlmtest::section(S::prob_a, s.prob_a));
    if (!s.prob_b.empty()) add(S::prob_b, mlmtest::section(S::prob_b, s.prob_b));
    return mlmtest::build(s.kind, v);
}

struct Loaded {
    mlmtest::Aligned bytes;
    S::Model model;
    Status status;
    explicit Loaded(const Spec& spec) : bytes(build(spec)) { status = S::load(bytes.data(), bytes.size, model); }
};

Status load_status(const Spec& spec) { return Loaded(spec).status; }

double ref_kernel(const Spec& s, const std::vector<float>& x, uint32_t k) {
    double dot = 0, d2 = 0;
    for (uint32_t i = 0; i < s.n_features; ++i) {
        const double a = x[i], b = s.sv[k * s.n_features + i];
        dot += a * b;
        d2 += (a - b) * (a - b);
    }
    const double g = s.float_params[0], c = s.float_params[1];
    switch (s.kernel) {
        case 0: return dot;
        case 1: return std::pow(g * dot + c, double(s.degree));
        case 2: return std::exp(-g * d2);
        default: return std::tanh(g * dot + c);
    }
}

// libsvm's pair decisions, in double.
std::vector<double> ref_decisions(const Spec& s, const std::vector<float>& x) {
    std::vector<double> kv(s.n_sv), dec;
    for (uint32_t k = 0; k < s.n_sv; ++k) kv[k] = ref_kernel(s, x, k);
    if (s.task != 1) {
        double d = s.intercepts[0];
        for (uint32_t k = 0; k < s.n_sv; ++k) d += s.coef[k] * kv[k];
        return {d};
    }
    std::vector<uint32_t> start(s.n_classes, 0);
    for (uint32_t i = 1; i < s.n_classes; ++i) start[i] = start[i - 1] + s.n_support[i - 1];
    size_t p = 0;
    for (uint32_t i = 0; i < s.n_classes; ++i)
        for (uint32_t j = i + 1; j < s.n_classes; ++j, ++p) {
            double d = s.intercepts[p];
            for (uint32_t k = 0; k < s.n_support[i]; ++k) d += s.coef[(j - 1) * s.n_sv + start[i] + k] * kv[start[i] + k];
            for (uint32_t k = 0; k < s.n_support[j]; ++k) d += s.coef[i * s.n_sv + start[j] + k] * kv[start[j] + k];
            dec.push_back(d);
        }
    return dec;
}

const std::vector<std::vector<float>> kRows = {{0.1f, 0.2f}, {2.5f, -0.5f}, {-1.0f, 1.5f}, {0.0f, 0.0f}, {4.0f, 3.0f}};

TEST(Svm, DefaultSpecLoads) {
    Loaded l(Spec{});
    ASSERT_EQ(l.status, Status::ok);
    EXPECT_EQ(S::n_pairs(l.model), 3u);
    EXPECT_EQ(S::n_decisions(l.model), 3u);
    EXPECT_EQ(S::scratch_size(l.model), 5u + 3u + 6u + 9u + 3u);
}

TEST(Svm, OvoDecisionsAndVotesMatchTheReferenceForEveryKernel) {
    for (uint32_t kernel = 0; kernel < 4; ++kernel) {
        Spec s;
        s.kernel = kernel;
        Loaded l(s);
        ASSERT_EQ(l.status, Status::ok);
        std::vector<float> scratch(S::scratch_size(l.model)), out(3);
        for (const auto& x : kRows) {
            ASSERT_EQ(S::decision_function(l.model, x.data(), 2, scratch.data(), scratch.size(), out.data(), 3), Status::ok);
            const auto ref = ref_decisions(s, x);
            for (size_t p = 0; p < 3; ++p) EXPECT_NEAR(out[p], ref[p], 2e-5 * (1 + std::fabs(ref[p]))) << kernel;
            int votes[3] = {0, 0, 0};
            votes[ref[0] > 0 ? 0 : 1]++;
            votes[ref[1] > 0 ? 0 : 2]++;
            votes[ref[2] > 0 ? 1 : 2]++;
            int best = 0;
            for (int c = 1; c < 3; ++c)
                if (votes[c] > votes[best]) best = c;
            int32_t pred = -1;
            ASSERT_EQ(S::predict(l.model, x.data(), 2, scratch.data(), scratch.size(), pred), Status::ok);
            EXPECT_EQ(pred, best);
        }
    }
}

TEST(Svm, OvrDecisionIsScikitLearnsTransform) {
    Spec s;
    s.ovr = 1;
    Loaded l(s);
    ASSERT_EQ(l.status, Status::ok);
    std::vector<float> scratch(S::scratch_size(l.model)), out(3);
    for (const auto& x : kRows) {
        ASSERT_EQ(S::decision_function(l.model, x.data(), 2, scratch.data(), scratch.size(), out.data(), 3), Status::ok);
        const auto d = ref_decisions(s, x);
        double votes[3] = {0, 0, 0}, conf[3] = {0, 0, 0};
        const int pairs[3][2] = {{0, 1}, {0, 2}, {1, 2}};
        for (int p = 0; p < 3; ++p) {
            conf[pairs[p][0]] += d[p];
            conf[pairs[p][1]] -= d[p];
            votes[d[p] >= 0 ? pairs[p][0] : pairs[p][1]] += 1;
        }
        for (int c = 0; c < 3; ++c) EXPECT_NEAR(out[c], votes[c] + conf[c] / (3 * (std::fabs(conf[c]) + 1)), 1e-5);
    }
}

TEST(Svm, OvrDecisionOfHugeDecisionsIsAThird) {
    Spec s;
    s.ovr = 1;
    s.coef = std::vector<float>(10, 0.0f);  // decisions = intercepts
    s.intercepts = {3e38f, 3e38f, 1.0f};   // c_0 = 6e38 overflows to inf; c_1 = -3e38 + 1
    Loaded l(s);
    ASSERT_EQ(l.status, Status::ok);
    std::vector<float> scratch(S::scratch_size(l.model)), out(3);
    ASSERT_EQ(S::decision_function(l.model, kRows[0].data(), 2, scratch.data(), scratch.size(), out.data(), 3),
              Status::ok);
    EXPECT_FLOAT_EQ(out[0], 2.0f + 1.0f / 3.0f);
    EXPECT_FLOAT_EQ(out[1], 1.0f - 1.0f / 3.0f);
    EXPECT_FLOAT_EQ(out[2], 0.0f - 1.0f / 3.0f);
}

TEST(Svm, BreakTiesPredictsTheOvrArgmax) {
    Spec s;
    s.ovr = 1;
    s.break_ties = 1;
    s.coef = std::vector<float>(10, 0.0f);  // decisions = intercepts
    s.intercepts = {1.0f, -1.0f, 1.0f};     // 0 beats 1, 2 beats 0, 1 beats 2: one vote each
    Loaded l(s);
    ASSERT_EQ(l.status, Status::ok);
    std::vector<float> scratch(S::scratch_size(l.model)), out(3);
    int32_t pred = -1;
    ASSERT_EQ(S::predict(l.model, kRows[0].data(), 2, scratch.data(), scratch.size(), pred), Status::ok);
    // conf: c0 = 1 - 1 = 0, c1 = -1 + 1 = 0, c2 = 1 - 1 = 0: equal; argmax takes the first.
    EXPECT_EQ(pred, 0);
    s.intercepts = {1.0f, -1.0f, 2.0f};  // c0 = 0, c1 = 1, c2 = -1: class 1
    Loaded l2(s);
    ASSERT_EQ(S::predict(l2.model, kRows[0].data(), 2, scratch.data(), scratch.size(), pred), Status::ok);
    EXPECT_EQ(pred, 1);
    s.break_ties = 0;  // the vote: a tie, the first class wins as in libsvm
    Loaded l3(s);
    ASSERT_EQ(S::predict(l3.model, kRows[0].data(), 2, scratch.data(), scratch.size(), pred), Status::ok);
    EXPECT_EQ(pred, 0);
}

TEST(Svm, ProbabilitiesSumToOneAndFollowPlatt) {
    Loaded l(Spec{});
    std::vector<float> scratch(S::scratch_size(l.model)), p(3);
    for (const auto& x : kRows) {
        ASSERT_EQ(S::predict_proba(l.model, x.data(), 2, scratch.data(), scratch.size(), p.data(), 3), Status::ok);
        EXPECT_NEAR(p[0] + p[1] + p[2], 1.0f, 1e-5);
        for (float v : p) EXPECT_TRUE(v >= 0.0f && v <= 1.0f);
    }
    // Two classes: the coupling's answer is the pair's Platt probability.
    Spec b;
    b.n_classes = 2;
    b.n_support = {3, 2};
    b.coef = {1.0f, 0.5f, -0.8f, 0.3f, -1.0f};
    b.intercepts = {0.1f};
    b.prob_a = {-2.0f};
    b.prob_b = {0.1f};
    Loaded lb(b);
    ASSERT_EQ(lb.status, Status::ok);
    std::vector<float> sb(S::scratch_size(lb.model)), pb(2), dec(1);
    for (const auto& x : kRows) {
        ASSERT_EQ(S::predict_proba(lb.model, x.data(), 2, sb.data(), sb.size(), pb.data(), 2), Status::ok);
        const double d = ref_decisions(b, x)[0];
        const double r = 1 / (1 + std::exp(d * -2.0 + 0.1));
        EXPECT_NEAR(pb[0], r, 1e-5);
        ASSERT_EQ(S::decision_function(lb.model, x.data(), 2, sb.data(), sb.size(), dec.data(), 1), Status::ok);
        EXPECT_NEAR(dec[0], -d, 1e-5);  // scikit-learn's binary sign
    }
}

TEST(Svm, RegressionAndOneClass) {
    Spec r;
    r.task = 0;
    r.n_classes = 0;
    r.probability = 0;
    r.prob_a.clear();
    r.prob_b.clear();
    r.coef.resize(5);
    r.intercepts = {0.25f};
    Loaded lr(r);
    ASSERT_EQ(lr.status, Status::ok);
    std::vector<float> scratch(S::scratch_size(lr.model));
    int32_t label = 0;
    for (const auto& x : kRows) {
        float v = 0;
        ASSERT_EQ(S::predict_value(lr.model, x.data(), 2, scratch.data(), scratch.size(), v), Status::ok);
        EXPECT_NEAR(v, ref_decisions(r, x)[0], 1e-5);
        EXPECT_EQ(S::predict(lr.model, x.data(), 2, scratch.data(), scratch.size(), label), Status::unsupported_kind);
    }
    r.task = 2;
    Loaded la(r);
    ASSERT_EQ(la.status, Status::ok);
    for (const auto& x : kRows) {
        float dec = 0, score = 0;
        const double ref = ref_decisions(r, x)[0];
        ASSERT_EQ(S::decision_function(la.model, x.data(), 2, scratch.data(), scratch.size(), &dec, 1), Status::ok);
        ASSERT_EQ(S::score_samples(la.model, x.data(), 2, scratch.data(), scratch.size(), score), Status::ok);
        ASSERT_EQ(S::predict(la.model, x.data(), 2, scratch.data(), scratch.size(), label), Status::ok);
        EXPECT_NEAR(dec, ref, 1e-5);
        EXPECT_NEAR(score, ref - 0.25, 1e-5);
        EXPECT_EQ(label, dec > 0 ? 1 : -1);
    }
}

TEST(Svm, BadArgumentsAreRefused) {
    Loaded l(Spec{});
    std::vector<float> scratch(S::scratch_size(l.model)), out(3);
    const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
    int32_t pred;
    const float bad[2][2] = {{nan, 0.0f}, {0.0f, -inf}};
    for (const auto& x : bad)
        EXPECT_EQ(S::predict(l.model, x, 2, scratch.data(), scratch.size(), pred), Status::bad_argument);
    const float x[2] = {0.0f, 0.0f};
    EXPECT_EQ(S::predict(l.model, x, 1, scratch.data(), scratch.size(), pred), Status::size_mismatch);
    EXPECT_EQ(S::predict(l.model, x, 2, scratch.data(), scratch.size() - 1, pred), Status::size_mismatch);
    EXPECT_EQ(S::predict(l.model, nullptr, 2, scratch.data(), scratch.size(), pred), Status::bad_argument);
    EXPECT_EQ(S::decision_function(l.model, x, 2, scratch.data(), scratch.size(), out.data(), 2), Status::size_mismatch);
    EXPECT_EQ(S::predict_proba(l.model, x, 2, scratch.data(), scratch.size(), out.data(), 2), Status::size_mismatch);
    S::Model empty;  // never loaded
    EXPECT_EQ(S::decision_function(empty, x, 0, scratch.data(), scratch.size(), out.data(), 1), Status::bad_argument);
    // A linear kernel overflowing float32: out_of_range, not inf.
    Spec s;
    s.kernel = 0;
    Loaded lin(s);
    const float big[2] = {3e38f, 3e38f};
    EXPECT_EQ(S::predict(lin.model, big, 2, scratch.data(), scratch.size(), pred), Status::out_of_range);
}

TEST(Svm, EveryParameterIsChecked) {
    auto with = [](auto edit) {
        Spec s;
        edit(s);
        return load_status(s);
    };
    EXPECT_EQ(with([](Spec& s) { s.kind = 5; }), Status::unsupported_kind);
    EXPECT_EQ(with([](Spec& s) { s.n_features = 0; }), Status::bad_parameter);
    EXPECT_EQ(with([](Spec& s) { s.n_features = 70000; }), Status::bad_parameter);
    EXPECT_EQ(with([](Spec& s) { s.n_sv = 0; }), Status::bad_parameter);
    EXPECT_EQ(with([](Spec& s) { s.n_sv = 0x40000000u; }), Status::bad_parameter);
    EXPECT_EQ(with([](Spec& s) { s.n_classes = 1; }), Status::bad_parameter);
    EXPECT_EQ(with([](Spec& s) { s.n_classes = 5000; }), Status::bad_parameter);
    EXPECT_EQ(with([](Spec& s) { s.task = 3; }), Status::bad_parameter);
    EXPECT_EQ(with([](Spec& s) { s.task = 0; }), Status::bad_parameter);  // n_classes must then be 0
    EXPECT_EQ(with([](Spec& s) { s.kernel = 4; }), Status::bad_parameter);
    EXPECT_EQ(with([](Spec& s) { s.ovr = 2; }), Status::bad_parameter);
    EXPECT_EQ(with([](Spec& s) { s.break_ties = 1; }), Status::bad_parameter);  // needs ovr
    EXPECT_EQ(with([](Spec& s) { s.probability = 2; }), Status::bad_parameter);
    EXPECT_EQ(with([](Spec& s) { s.feature_type = 1; }), Status::bad_parameter);
    EXPECT_EQ(with([](Spec& s) { s.float_params = {0.5f}; }), Status::size_mismatch);
    EXPECT_EQ(with([](Spec& s) { s.float_params[0] = std::numeric_limits<float>::infinity(); }), Status::bad_parameter);
    EXPECT_EQ(with([](Spec& s) { s.sv.pop_back(); }), Status::size_mismatch);
    EXPECT_EQ(with([](Spec& s) { s.sv[3] = std::nanf(""); }), Status::bad_parameter);
    EXPECT_EQ(with([](Spec& s) { s.n_support = {2, 1}; }), Status::size_mismatch);
    EXPECT_EQ(with([](Spec& s) { s.n_support = {2, 2, 2}; }), Status::size_mismatch);
    EXPECT_EQ(with([](Spec& s) { s.n_support = {0xFFFFFFFFu, 3, 3}; }), Status::size_mismatch);  // no u32 wrap
    EXPECT_EQ(with([](Spec& s) { s.coef.pop_back(); }), Status::size_mismatch);
    EXPECT_EQ(with([](Spec& s) { s.coef[0] = std::nanf(""); }), Status::bad_parameter);
    EXPECT_EQ(with([](Spec& s) { s.intercepts.pop_back(); }), Status::size_mismatch);
    EXPECT_EQ(with([](Spec& s) { s.prob_a.pop_back(); }), Status::size_mismatch);
    EXPECT_EQ(with([](Spec& s) { s.prob_b[1] = std::nanf(""); }), Status::bad_parameter);
    EXPECT_EQ(with([](Spec& s) { s.probability = 0; }), Status::bad_section);  // Platt sections without it
    EXPECT_EQ(with([](Spec& s) { s.prob_a.clear(); }), Status::bad_section);
    for (int id = 1; id <= 8; ++id) EXPECT_NE(with([id](Spec& s) { s.drop = id; }), Status::ok) << id;
    // A class with no support vectors is valid (its pairs use the other class's only).
    EXPECT_EQ(with([](Spec& s) { s.n_support = {0, 3, 2}; }), Status::ok);
}

TEST(Svm, Kernels) {
    namespace K = microlearn::kernels;
    EXPECT_EQ(K::powi(2.0f, 0), 1.0f);
    EXPECT_EQ(K::powi(-3.0f, 3), -27.0f);
    EXPECT_EQ(K::powi(1.5f, 10), std::pow(1.5f, 10.0f));
    for (float z = -40.0f; z <= 40.0f; z += 0.037f) EXPECT_NEAR(K::tanh(z), std::tanh(double(z)), 2e-7) << z;
    EXPECT_EQ(K::tanh(0.0f), 0.0f);
}

}  // namespace
