// Linear models (include/microlearn/linear.hpp): evaluation against a
// double-precision reference, every link, load() rejecting every corrupt
// size, index and parameter, and SGD learning (a step by hand, create(),
// seal(), the trainer's checks).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "microlearn/linear.hpp"
#include "mlm_builder.hpp"

using microlearn::Status;
namespace L = microlearn::linear;

namespace {

// A model's sections, editable by the tests. Default: 3 features, 3 classes, softmax.
struct Spec {
    uint32_t n_features = 3, n_outputs = 3, n_classes = 3, task = 1, link = 2, feature_type = 0;
    std::vector<float> weights = {1.0f, -2.0f, 0.5f, 0.0f, 1.5f, -1.0f, -0.5f, 0.25f, 2.0f};
    std::vector<float> intercepts = {0.1f, -0.3f, 0.2f};
    std::vector<uint32_t> sgd_params = {};
    std::vector<float> sgd_floats = {};
    uint16_t kind = static_cast<uint16_t>(microlearn::ModelKind::linear);
    bool drop_params = false, drop_weights = false, drop_intercepts = false, weights_as_u32 = false;
};

std::vector<uint8_t> build(const Spec& s) {
    std::vector<mlmtest::Section> sections;
    if (!s.drop_params)
        sections.push_back(mlmtest::section<uint32_t>(
            L::params, {s.n_features, s.n_outputs, s.n_classes, s.task, s.link, s.feature_type}));
    if (!s.drop_weights) {
        if (s.weights_as_u32)
            sections.push_back(mlmtest::section(L::weights, std::vector<uint32_t>(s.weights.size(), 0)));
        else
            sections.push_back(mlmtest::section(L::weights, s.weights));
    }
    if (!s.drop_intercepts) sections.push_back(mlmtest::section(L::intercepts, s.intercepts));
    if (!s.sgd_params.empty()) sections.push_back(mlmtest::section(L::sgd_params, s.sgd_params));
    if (!s.sgd_floats.empty()) sections.push_back(mlmtest::section(L::sgd_floats, s.sgd_floats));
    return mlmtest::build(s.kind, sections);
}

struct Loaded {
    mlmtest::Aligned bytes;
    L::Model model;
    Status status;
    explicit Loaded(const Spec& spec) : bytes(build(spec)) { status = L::load(bytes.data(), bytes.size, model); }
};

Status load_status(const Spec& spec) { return Loaded(spec).status; }

std::vector<double> reference_scores(const Spec& s, const std::vector<float>& x) {
    std::vector<double> out(s.n_outputs);
    for (uint32_t k = 0; k < s.n_outputs; ++k) {
        double v = s.intercepts[k];
        for (uint32_t i = 0; i < s.n_features; ++i) v += double(s.weights[k * s.n_features + i]) * x[i];
        out[k] = v;
    }
    return out;
}

const std::vector<std::vector<float>> kRows = {
    {0.0f, 0.0f, 0.0f}, {1.0f, 2.0f, 3.0f}, {-4.5f, 0.25f, 7.0f}, {100.0f, -50.0f, 3.0f}, {-0.1f, 0.2f, -0.3f}};

}  // namespace

TEST(Linear, DecisionFunctionMatchesDoublePrecision) {
    Spec s;
    Loaded l(s);
    ASSERT_EQ(l.status, Status::ok);
    for (const auto& x : kRows) {
        float out[3];
        ASSERT_EQ(L::decision_function(l.model, x.data(), 3, out, 3), Status::ok);
        const auto want = reference_scores(s, x);
        for (int k = 0; k < 3; ++k) EXPECT_NEAR(out[k], want[k], 1e-6 * (1 + std::fabs(want[k]) + 300));
    }
}

TEST(Linear, SoftmaxProbabilities) {
    Spec s;
    Loaded l(s);
    for (const auto& x : kRows) {
        float p[3];
        ASSERT_EQ(L::predict_proba(l.model, x.data(), 3, p, 3), Status::ok);
        const auto sc = reference_scores(s, x);
        const double top = std::max({sc[0], sc[1], sc[2]});
        double sum = 0;
        for (double v : sc) sum += std::exp(v - top);
        for (int k = 0; k < 3; ++k) EXPECT_NEAR(p[k], std::exp(sc[k] - top) / sum, 1e-6);
    }
}

TEST(Linear, OvrLogisticAndModifiedHuberProbabilities) {
    for (uint32_t link : {1u, 3u}) {
        Spec s;
        s.link = link;
        Loaded l(s);
        ASSERT_EQ(l.status, Status::ok);
        for (const auto& x : kRows) {
            float p[3];
            ASSERT_EQ(L::predict_proba(l.model, x.data(), 3, p, 3), Status::ok);
            const auto sc = reference_scores(s, x);
            double q[3], sum = 0;
            for (int k = 0; k < 3; ++k) {
                q[k] = link == 1 ? 1 / (1 + std::exp(-sc[k])) : (std::min(1.0, std::max(-1.0, sc[k])) + 1) / 2;
                sum += q[k];
            }
            for (int k = 0; k < 3; ++k) EXPECT_NEAR(p[k], sum == 0 ? 1.0 / 3 : q[k] / sum, 2e-6) << link;
        }
    }
}

TEST(Linear, LogisticBeyondFloat32AndFloat64Ranges) {
    // Every score far below 0: float32's logistic underflows, scikit-learn's
    // float64 normalisation gives softmax (s > -709.78) or uniform (below).
    Spec s;
    s.link = 1;
    s.weights = {0, 0, 0, 0, 0, 0, 0, 0, 0};
    s.intercepts = {-200.0f, -201.0f, -300.0f};
    float p[3], x[3] = {0, 0, 0};
    ASSERT_EQ(L::predict_proba(Loaded(s).model, x, 3, p, 3), Status::ok);
    EXPECT_NEAR(p[0], 1 / (1 + std::exp(-1.0)), 1e-6);
    EXPECT_NEAR(p[1], std::exp(-1.0) / (1 + std::exp(-1.0)), 1e-6);
    s.intercepts = {-800.0f, -710.0f, -900.0f};
    ASSERT_EQ(L::predict_proba(Loaded(s).model, x, 3, p, 3), Status::ok);
    for (float v : p) EXPECT_EQ(v, 1.0f / 3.0f * 1.0f) << "uniform as scikit-learn";
    s.link = 3;  // modified_huber: all at -1
    s.intercepts = {-5.0f, -1.0f, -2.0f};
    ASSERT_EQ(L::predict_proba(Loaded(s).model, x, 3, p, 3), Status::ok);
    for (float v : p) EXPECT_FLOAT_EQ(v, 1.0f / 3.0f);
}

TEST(Linear, BinaryClassifier) {
    Spec s;
    s.n_outputs = 1;
    s.n_classes = 2;
    s.link = 1;
    s.weights = {1.0f, -1.0f, 0.0f};
    s.intercepts = {0.0f};
    Loaded l(s);
    ASSERT_EQ(l.status, Status::ok);
    float score[3], p[2];  // scores: n_scores() = 1 are used (3: GCC cannot see the argmax branch is dead)
    int32_t c = -1;
    const float tie[3] = {2.0f, 2.0f, 5.0f};  // s = 0 exactly: class 0, as scikit-learn's s > 0
    ASSERT_EQ(L::predict(l.model, tie, 3, score, 1, c), Status::ok);
    EXPECT_EQ(score[0], 0.0f);
    EXPECT_EQ(c, 0);
    const float pos[3] = {2.5f, 2.0f, 5.0f};
    ASSERT_EQ(L::predict(l.model, pos, 3, score, 1, c), Status::ok);
    EXPECT_EQ(c, 1);
    ASSERT_EQ(L::predict_proba(l.model, pos, 3, p, 2), Status::ok);
    EXPECT_NEAR(p[1], 1 / (1 + std::exp(-0.5)), 1e-7);
    EXPECT_NEAR(p[0] + p[1], 1.0, 1e-7);
    s.link = 3;  // modified_huber: (clip(s) + 1) / 2
    ASSERT_EQ(L::predict_proba(Loaded(s).model, pos, 3, p, 2), Status::ok);
    EXPECT_FLOAT_EQ(p[1], 0.75f);
}

TEST(Linear, MulticlassTiesGoToTheFirstMaximum) {
    Spec s;
    s.weights = {1, 0, 0, 1, 0, 0, 0, 0, 0};
    s.intercepts = {0, 0, 0};
    int32_t c = -1;
    float scores[3];
    const float x[3] = {1, 0, 0};
    ASSERT_EQ(L::predict(Loaded(s).model, x, 3, scores, 3, c), Status::ok);
    EXPECT_EQ(c, 0);
}

TEST(Linear, RegressionAndLogLink) {
    Spec s;
    s.task = 0;
    s.n_classes = 0;
    s.link = 0;
    Loaded l(s);
    ASSERT_EQ(l.status, Status::ok);
    for (const auto& x : kRows) {
        float out[3];
        ASSERT_EQ(L::predict_values(l.model, x.data(), 3, out, 3), Status::ok);
        const auto want = reference_scores(s, x);
        for (int k = 0; k < 3; ++k) EXPECT_NEAR(out[k], want[k], 1e-6 * (1 + 300));
    }
    s.link = 4;
    Loaded e(s);
    ASSERT_EQ(e.status, Status::ok);
    float out[3];
    ASSERT_EQ(L::predict_values(e.model, kRows[1].data(), 3, out, 3), Status::ok);
    const auto want = reference_scores(s, kRows[1]);
    for (int k = 0; k < 3; ++k) EXPECT_NEAR(out[k] / std::exp(want[k]), 1.0, 1e-6);
    const float far[3] = {100.0f, 0.0f, 0.0f};  // s = 100.1: exp overflows float32
    EXPECT_EQ(L::predict_values(e.model, far, 3, out, 3), Status::out_of_range);
}

TEST(Linear, MethodsEachTaskLacks) {
    Spec s;
    s.link = 0;  // a classifier without probabilities
    Loaded l(s);
    float out[3];
    int32_t c;
    const float x[3] = {0, 0, 0};
    EXPECT_EQ(L::predict_proba(l.model, x, 3, out, 3), Status::unsupported_kind);
    EXPECT_EQ(L::predict_values(l.model, x, 3, out, 3), Status::unsupported_kind);
    s.task = 0;
    s.n_classes = 0;
    Loaded r(s);
    EXPECT_EQ(L::decision_function(r.model, x, 3, out, 3), Status::unsupported_kind);
    EXPECT_EQ(L::predict(r.model, x, 3, out, 3, c), Status::unsupported_kind);
    EXPECT_EQ(L::predict_proba(r.model, x, 3, out, 3), Status::unsupported_kind);
}

TEST(Linear, BadArguments) {
    Loaded l{Spec{}};
    float out[3];
    const float x[3] = {0, 0, 0};
    EXPECT_EQ(L::decision_function(l.model, nullptr, 3, out, 3), Status::bad_argument);
    EXPECT_EQ(L::decision_function(l.model, x, 3, nullptr, 3), Status::bad_argument);
    EXPECT_EQ(L::decision_function(l.model, x, 2, out, 3), Status::size_mismatch);
    EXPECT_EQ(L::decision_function(l.model, x, 3, out, 2), Status::size_mismatch);
    EXPECT_EQ(L::predict_proba(l.model, x, 3, out, 2), Status::size_mismatch);
    const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
    for (float bad : {nan, inf, -inf}) {
        const float xb[3] = {0, bad, 0};
        EXPECT_EQ(L::decision_function(l.model, xb, 3, out, 3), Status::bad_argument);
    }
    const float huge[3] = {3e38f, -3e38f, 3e38f};  // the sum overflows float32
    EXPECT_EQ(L::decision_function(l.model, huge, 3, out, 3), Status::out_of_range);
}

TEST(LinearLoad, RejectsCorruptParameters) {
    EXPECT_EQ(load_status(Spec{}), Status::ok);
    auto with = [](auto edit) {
        Spec s;
        edit(s);
        return load_status(s);
    };
    EXPECT_EQ(with([](Spec& s) { s.kind = 1; }), Status::unsupported_kind);
    EXPECT_EQ(with([](Spec& s) { s.n_features = 0; }), Status::bad_parameter);
    EXPECT_EQ(with([](Spec& s) { s.n_features = L::kMaxFeatures + 1; }), Status::bad_parameter);
    EXPECT_EQ(with([](Spec& s) { s.n_outputs = 0; }), Status::bad_parameter);
    EXPECT_EQ(with([](Spec& s) { s.n_outputs = 2; }), Status::bad_parameter);  // 3 classes need 3 rows
    EXPECT_EQ(with([](Spec& s) { s.n_classes = 1; }), Status::bad_parameter);
    EXPECT_EQ(with([](Spec& s) { s.n_classes = 4; }), Status::bad_parameter);
    EXPECT_EQ(with([](Spec& s) { s.task = 2; }), Status::bad_parameter);
    EXPECT_EQ(with([](Spec& s) { s.link = 5; }), Status::bad_parameter);
    EXPECT_EQ(with([](Spec& s) { s.link = 4; }), Status::bad_parameter);  // exp: regressors only
    EXPECT_EQ(with([](Spec& s) { s.feature_type = 1; }), Status::bad_parameter);
    EXPECT_EQ(with([](Spec& s) { s.task = 0; }), Status::bad_parameter);  // a regressor with classes
    EXPECT_EQ(with([](Spec& s) { s.task = 0, s.n_classes = 0, s.link = 1; }), Status::bad_parameter);
    EXPECT_EQ(with([](Spec& s) {  // softmax needs more than 2 classes
                  s.n_classes = 2, s.n_outputs = 1, s.weights.resize(3), s.intercepts.resize(1);
              }),
              Status::bad_parameter);
    EXPECT_EQ(with([](Spec& s) { s.task = 0, s.n_classes = 0, s.link = 4; }), Status::ok);
}

TEST(LinearLoad, RejectsMissingMistypedOrMissizedSections) {
    auto with = [](auto edit) {
        Spec s;
        edit(s);
        return load_status(s);
    };
    EXPECT_EQ(with([](Spec& s) { s.drop_params = true; }), Status::bad_section);
    EXPECT_EQ(with([](Spec& s) { s.drop_weights = true; }), Status::bad_section);
    EXPECT_EQ(with([](Spec& s) { s.drop_intercepts = true; }), Status::bad_section);
    EXPECT_EQ(with([](Spec& s) { s.weights_as_u32 = true; }), Status::bad_section);
    EXPECT_EQ(with([](Spec& s) { s.weights.pop_back(); }), Status::size_mismatch);
    EXPECT_EQ(with([](Spec& s) { s.weights.push_back(0); }), Status::size_mismatch);
    EXPECT_EQ(with([](Spec& s) { s.intercepts.pop_back(); }), Status::size_mismatch);
    for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
        EXPECT_EQ(with([bad](Spec& s) { s.weights[4] = bad; }), Status::bad_parameter);
        EXPECT_EQ(with([bad](Spec& s) { s.intercepts[2] = bad; }), Status::bad_parameter);
    }
}

TEST(LinearLoad, EveryTruncationAndEveryByteFlipIsHandled) {
    Spec s;
    s.sgd_params = {0, 1, 1};
    s.sgd_floats = {1e-4f, 0.01f, 0.5f, 1.0f};
    s.link = 0;
    const auto good = build(s);
    for (size_t n = 0; n < good.size(); ++n) {
        mlmtest::Aligned a(std::vector<uint8_t>(good.begin(), good.begin() + long(n)));
        L::Model m;
        EXPECT_NE(L::load(a.data(), n, m), Status::ok) << n;
    }
    for (size_t i = 24; i < good.size(); ++i)
        for (uint8_t flip : {uint8_t(0x01), uint8_t(0x80), uint8_t(0xFF)}) {
            auto b = good;
            b[i] ^= flip;
            mlmtest::refresh_crc(b);
            mlmtest::Aligned a(b);
            L::Model m;
            if (L::load(a.data(), a.size, m) == Status::ok) {  // whatever loads evaluates safely
                float out[4] = {};
                int32_t c;
                const float x[3] = {1, 2, 3};
                L::predict(m, x, 3, out, 4, c);
                L::predict_proba(m, x, 3, out, 4);
            }
            L::Trainer t;
            if (L::load_trainer(reinterpret_cast<uint8_t*>(a.words.data()), a.size, t) == Status::ok) {
                const float x[3] = {1, 2, 3};
                L::partial_fit(t, x, 3, 1.0f);
                L::seal(t);
            }
        }
}

// ---- SGD ---------------------------------------------------------------------

namespace {

Spec trainable(uint32_t loss, uint32_t schedule, std::vector<float> floats, uint32_t n_classes = 3) {
    Spec s;
    s.n_classes = n_classes;
    s.task = n_classes ? 1 : 0;
    s.n_outputs = n_classes == 0 || n_classes == 2 ? 1 : n_classes;
    s.link = loss == 1 ? 1 : loss == 3 ? 3 : 0;
    s.weights.assign(s.n_outputs * 3, 0.0f);
    s.intercepts.assign(s.n_outputs, 0.0f);
    s.sgd_params = {loss, schedule, 1};
    s.sgd_floats = floats;
    return s;
}

Status trainer_status(const Spec& s) {
    mlmtest::Aligned a(build(s));
    L::Trainer t;
    return L::load_trainer(reinterpret_cast<uint8_t*>(a.words.data()), a.size, t);
}

}  // namespace

TEST(LinearSgd, OneStepByHand) {
    // hinge, constant eta 0.1, alpha 0.5: decay = 1 - 0.05. Sample x = (1, 2, -1), class 1.
    Spec s = trainable(0, 0, {0.5f, 0.1f, 0.5f, 1.0f});
    s.weights = {0.1f, 0.0f, 0.0f, 0.0f, 0.2f, 0.0f, 0.0f, 0.0f, 5.0f};
    mlmtest::Aligned a(build(s));
    L::Trainer t;
    ASSERT_EQ(L::load_trainer(reinterpret_cast<uint8_t*>(a.words.data()), a.size, t), Status::ok);
    const float x[3] = {1.0f, 2.0f, -1.0f};
    ASSERT_EQ(L::partial_fit(t, x, 3, 1.0f), Status::ok);
    // row 0: y = -1, p = 0.1, z = -0.1 <= 1: g = 1, u = -0.1: w = 0.95 w - 0.1 x, b = -0.1
    EXPECT_FLOAT_EQ(t.weights[0], 0.95f * 0.1f - 0.1f);
    EXPECT_FLOAT_EQ(t.weights[1], -0.2f);
    EXPECT_FLOAT_EQ(t.intercepts[0], -0.1f);
    // row 1: y = +1, p = 0.4: u = +0.1
    EXPECT_FLOAT_EQ(t.weights[4], 0.95f * 0.2f + 0.2f);
    EXPECT_FLOAT_EQ(t.intercepts[1], 0.1f);
    // row 2: y = -1, p = -5, z = 5 > 1: no gradient, only the decay
    EXPECT_FLOAT_EQ(t.weights[8], 0.95f * 5.0f);
    EXPECT_EQ(t.intercepts[2], 0.0f);
    EXPECT_EQ(*t.t, 2.0f);
    // The model view reads the same bytes; seal() makes them a valid file again.
    EXPECT_EQ(t.model.weights, t.weights);
    L::Model m;
    EXPECT_EQ(L::load(a.data(), a.size, m), Status::bad_checksum);
    L::seal(t);
    EXPECT_EQ(L::load(a.data(), a.size, m), Status::ok);
}

TEST(LinearSgd, SchedulesAndLosses) {
    // optimal: eta = 1 / (alpha (optimal_init + t - 1)); log_loss gradient -y / (e^z + 1).
    Spec s = trainable(1, 1, {0.01f, 0.0f, 0.5f, 3.0f}, 2);
    mlmtest::Aligned a(build(s));
    L::Trainer t;
    ASSERT_EQ(L::load_trainer(reinterpret_cast<uint8_t*>(a.words.data()), a.size, t), Status::ok);
    const double typw = std::sqrt(1 / std::sqrt(0.01)), init = 1 / (typw / std::max(1.0, 1 / (std::exp(-typw) + 1)) * 0.01);
    EXPECT_NEAR(t.optimal_init, init, 1e-5 * init);
    const float x[3] = {1.0f, 0.0f, 0.0f};
    ASSERT_EQ(L::partial_fit(t, x, 3, 1.0f), Status::ok);
    const double eta = 1 / (0.01 * (init + 2));
    EXPECT_NEAR(t.weights[0], eta * 0.5, 1e-6);  // p = 0: gradient -1/2
    EXPECT_NEAR(t.intercepts[0], eta * 0.5, 1e-6);
    // invscaling: eta0 / t^power_t; squared_error regressor
    Spec r = trainable(2, 2, {0.0f, 0.2f, 0.5f, 4.0f}, 0);
    mlmtest::Aligned b(build(r));
    ASSERT_EQ(L::load_trainer(reinterpret_cast<uint8_t*>(b.words.data()), b.size, t), Status::ok);
    ASSERT_EQ(L::partial_fit(t, x, 3, 3.0f), Status::ok);  // p = 0, g = -3, eta = 0.1
    EXPECT_NEAR(t.weights[0], 0.3, 1e-6);
    // modified_huber: z < -1 gives -4 y
    Spec h = trainable(3, 0, {0.0f, 0.01f, 0.5f, 1.0f}, 2);
    h.intercepts = {5.0f};
    mlmtest::Aligned c(build(h));
    ASSERT_EQ(L::load_trainer(reinterpret_cast<uint8_t*>(c.words.data()), c.size, t), Status::ok);
    ASSERT_EQ(L::partial_fit(t, x, 3, 0.0f), Status::ok);  // y = -1, p = 5: z = -5: u = -0.04
    EXPECT_NEAR(t.intercepts[0], 4.96, 1e-6);
}

TEST(LinearSgd, TrainerRefusesWhatItCannotLearn) {
    EXPECT_EQ(trainer_status(trainable(0, 1, {1e-4f, 0.0f, 0.5f, 1.0f})), Status::ok);
    EXPECT_EQ(trainer_status(Spec{}), Status::bad_section);  // no SGD sections
    EXPECT_EQ(trainer_status(trainable(4, 1, {1e-4f, 0.0f, 0.5f, 1.0f})), Status::bad_parameter);
    EXPECT_EQ(trainer_status(trainable(0, 3, {1e-4f, 0.0f, 0.5f, 1.0f})), Status::bad_parameter);
    EXPECT_EQ(trainer_status(trainable(2, 1, {1e-4f, 0.0f, 0.5f, 1.0f})), Status::bad_parameter);  // classifier
    EXPECT_EQ(trainer_status(trainable(0, 1, {1e-4f, 0.0f, 0.5f, 1.0f}, 0)), Status::bad_parameter);  // regressor
    EXPECT_EQ(trainer_status(trainable(0, 1, {0.0f, 0.0f, 0.5f, 1.0f})), Status::bad_parameter);  // optimal: alpha
    EXPECT_EQ(trainer_status(trainable(0, 0, {1e-4f, 0.0f, 0.5f, 1.0f})), Status::bad_parameter);  // eta0
    EXPECT_EQ(trainer_status(trainable(0, 1, {-1.0f, 0.0f, 0.5f, 1.0f})), Status::bad_parameter);
    EXPECT_EQ(trainer_status(trainable(0, 1, {1e-4f, 0.0f, 0.5f, 0.5f})), Status::bad_parameter);  // t < 1
    EXPECT_EQ(trainer_status(trainable(0, 1, {1e-4f, 0.0f, 0.5f, 16777216.0f})), Status::bad_parameter);
    EXPECT_EQ(trainer_status(trainable(0, 1, {1e-4f, 0.0f, NAN, 1.0f})), Status::bad_parameter);
    EXPECT_EQ(trainer_status(trainable(0, 1, {1e-4f, 0.0f, 0.5f})), Status::size_mismatch);
    Spec wrong_link = trainable(1, 1, {1e-4f, 0.0f, 0.5f, 1.0f});
    wrong_link.link = 2;
    EXPECT_EQ(trainer_status(wrong_link), Status::bad_parameter);
    Spec fit = trainable(0, 1, {1e-4f, 0.0f, 0.5f, 1.0f});
    fit.sgd_params[2] = 2;
    EXPECT_EQ(trainer_status(fit), Status::bad_parameter);
}

TEST(LinearSgd, BadSamplesChangeNothing) {
    Spec s = trainable(0, 1, {1e-4f, 0.0f, 0.5f, 1.0f});
    mlmtest::Aligned a(build(s));
    L::Trainer t;
    ASSERT_EQ(L::load_trainer(reinterpret_cast<uint8_t*>(a.words.data()), a.size, t), Status::ok);
    const float x[3] = {1, 2, 3}, nan_x[3] = {1, NAN, 3};
    EXPECT_EQ(L::partial_fit(t, nan_x, 3, 1.0f), Status::bad_argument);
    EXPECT_EQ(L::partial_fit(t, x, 3, 3.0f), Status::bad_argument);
    EXPECT_EQ(L::partial_fit(t, x, 3, -1.0f), Status::bad_argument);
    EXPECT_EQ(L::partial_fit(t, x, 3, 0.5f), Status::bad_argument);
    EXPECT_EQ(L::partial_fit(t, x, 3, NAN), Status::bad_argument);
    EXPECT_EQ(L::partial_fit(t, x, 2, 1.0f), Status::size_mismatch);
    EXPECT_EQ(L::partial_fit(t, nullptr, 3, 1.0f), Status::bad_argument);
    EXPECT_EQ(*t.t, 1.0f);
    for (int i = 0; i < 9; ++i) EXPECT_EQ(t.weights[i], 0.0f);
}

TEST(LinearSgd, AnOverflowingStepChangesNothing) {
    // hinge, constant eta 3e38, alpha 0; class 0: rows 0 and 1 step to +-3e38 (finite), row 2's
    // second weight to -3e38 - 3e38 (overflows). No row may be written, t stays.
    Spec s = trainable(0, 0, {0.0f, 3e38f, 0.5f, 1.0f});
    s.weights = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 3e38f, -3e38f, 0.0f};
    mlmtest::Aligned a(build(s));
    L::Trainer t;
    ASSERT_EQ(L::load_trainer(reinterpret_cast<uint8_t*>(a.words.data()), a.size, t), Status::ok);
    const std::vector<float> before(t.weights, t.weights + 9);
    const float x[3] = {1.0f, 1.0f, 0.0f};
    EXPECT_EQ(L::partial_fit(t, x, 3, 0.0f), Status::out_of_range);
    EXPECT_EQ(std::vector<float>(t.weights, t.weights + 9), before);
    for (int k = 0; k < 3; ++k) EXPECT_EQ(t.intercepts[k], 0.0f);
    EXPECT_EQ(*t.t, 1.0f);
    // the model still predicts, and a sample that fits is learned
    float out[3];
    EXPECT_EQ(L::decision_function(t.model, x, 3, out, 3), Status::ok);
    const float small[3] = {0.0f, 0.0f, 1e-30f};
    EXPECT_EQ(L::partial_fit(t, small, 3, 0.0f), Status::ok);
    EXPECT_EQ(*t.t, 2.0f);
    EXPECT_EQ(t.intercepts[0], 3e38f);  // p = 0: u = +eta
}

TEST(LinearSgd, AnOverflowingPredictionIsRefused) {
    // squared error, constant eta 1e-30: the step itself is tiny, but the prediction 2 * 3e38 -
    // 2 * 3e38 is inf - inf (NaN). It used to be written as NaN weights with Status::ok (found by
    // fuzz_mlm_soft_float); an overflowed prediction without NaN (inf) is refused too.
    Spec s = trainable(2, 0, {0.0f, 1e-30f, 0.5f, 1.0f}, 0);
    s.weights = {2.0f, -2.0f, 0.0f};
    mlmtest::Aligned a(build(s));
    L::Trainer t;
    ASSERT_EQ(L::load_trainer(reinterpret_cast<uint8_t*>(a.words.data()), a.size, t), Status::ok);
    const float nan_p[3] = {3e38f, 3e38f, 0.0f}, inf_p[3] = {3e38f, 0.0f, 0.0f};
    EXPECT_EQ(L::partial_fit(t, nan_p, 3, 1.0f), Status::out_of_range);
    EXPECT_EQ(L::partial_fit(t, inf_p, 3, 1.0f), Status::out_of_range);
    EXPECT_EQ(std::vector<float>(t.weights, t.weights + 3), (std::vector<float>{2.0f, -2.0f, 0.0f}));
    EXPECT_EQ(t.intercepts[0], 0.0f);
    EXPECT_EQ(*t.t, 1.0f);
    const float fits[3] = {1.0f, 1.0f, 1.0f};
    EXPECT_EQ(L::partial_fit(t, fits, 3, 1.0f), Status::ok);
}

TEST(LinearSgd, CreatedSizesBeyond2GBAreRefusedNotWrapped) {
    L::NewModel n;
    n.n_features = 1u << 20;
    n.n_classes = 4096;  // 2^32 weights' bytes: wrapped 32 bits to a file whose counts disagreed with its sizes
    EXPECT_EQ(L::created_size(n), 0u);
    n.n_classes = 511;
    EXPECT_GT(L::created_size(n), 2000000000u);
    n.n_classes = 512;
    EXPECT_EQ(L::created_size(n), 0u);
    uint32_t buf[64];
    EXPECT_EQ(L::create(n, reinterpret_cast<uint8_t*>(buf), sizeof buf), Status::bad_parameter);
}

TEST(LinearSgd, CreateWritesALoadableZeroModel) {
    L::NewModel n;
    n.n_features = 5;
    n.n_classes = 4;
    n.loss = L::Loss::log_loss;
    const char meta[] = "{\"a\":1}";
    n.metadata = reinterpret_cast<const uint8_t*>(meta);
    n.n_metadata = 7;
    const uint32_t size = L::created_size(n);
    ASSERT_GT(size, 0u);
    std::vector<uint32_t> buf(size / 4 + 1, 0xDEADBEEF);
    uint8_t* b = reinterpret_cast<uint8_t*>(buf.data());
    EXPECT_EQ(L::create(n, b, size - 1), Status::size_mismatch);
    ASSERT_EQ(L::create(n, b, size), Status::ok);
    L::Model m;
    ASSERT_EQ(L::load(b, size, m), Status::ok);
    EXPECT_EQ(m.n_outputs, 4u);
    EXPECT_EQ(m.link, L::Link::logistic);
    for (uint32_t i = 0; i < 20; ++i) EXPECT_EQ(m.weights[i], 0.0f);
    microlearn::ModelFile f;
    ASSERT_EQ(microlearn::open_model_file(b, size, f), Status::ok);
    microlearn::Span<uint8_t> md;
    ASSERT_EQ(f.section(microlearn::section_metadata, md), Status::ok);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(md.data), md.size), meta);
    L::Trainer t;
    ASSERT_EQ(L::load_trainer(b, size, t), Status::ok);
    EXPECT_EQ(t.schedule, L::Schedule::optimal);
    // Refused options
    L::NewModel bad = n;
    bad.n_classes = 1;
    EXPECT_EQ(L::created_size(bad), 0u);
    EXPECT_EQ(L::create(bad, b, size), Status::bad_parameter);
    bad = n;
    bad.loss = L::Loss::squared_error;
    EXPECT_EQ(L::create(bad, b, size), Status::bad_parameter);
    bad = n;
    bad.alpha = 0.0f;
    EXPECT_EQ(L::create(bad, b, size), Status::bad_parameter);
    bad = n;
    bad.schedule = static_cast<L::Schedule>(7);
    EXPECT_EQ(L::create(bad, b, size), Status::bad_parameter);
    EXPECT_EQ(L::create(n, b + 1, size), Status::bad_argument);
    EXPECT_EQ(L::create(n, nullptr, size), Status::bad_argument);
}
