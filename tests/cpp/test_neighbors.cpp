// Neighbour models (include/microlearn/neighbors.hpp): load() rejecting every
// corrupt size, index and parameter; the search against a double-precision
// reference with a stable sort (ties: lower index first); votes, weights,
// regression, centroids, k-means, LOF and int16 points.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

#include "microlearn/neighbors.hpp"
#include "mlm_builder.hpp"

using microlearn::Status;
namespace N = microlearn::neighbors;

namespace {

// A model's sections, editable by the tests. Default: a k-NN classifier, 6
// points of 2 features, 3 classes, k = 3, euclidean, uniform.
struct Spec {
    std::vector<uint32_t> params = {2, 6, 3, 0, 1, 0, 0, 0, 3, 0};
    std::vector<float> float_params = {2.0f, 1.0f, 0.0f};
    std::vector<float> points = {0, 0, 1, 0, 0, 1, 5, 5, 6, 5, -3, 2};
    std::vector<int16_t> points16;
    std::vector<uint16_t> labels = {0, 0, 1, 2, 2, 1};
    std::vector<float> targets;
    std::vector<float> lof;
    std::vector<float> discriminant;
    uint16_t kind = static_cast<uint16_t>(microlearn::ModelKind::neighbors);
    bool drop_params = false, drop_float_params = false, drop_points = false, drop_labels = false;
    bool labels_as_u32 = false;
};

std::vector<uint8_t> build(const Spec& s) {
    std::vector<mlmtest::Section> sections;
    if (!s.drop_params) sections.push_back(mlmtest::section(N::params, s.params));
    if (!s.drop_float_params) sections.push_back(mlmtest::section(N::float_params, s.float_params));
    if (!s.drop_points) {
        if (!s.points16.empty())
            sections.push_back(mlmtest::section(N::points, s.points16));
        else
            sections.push_back(mlmtest::section(N::points, s.points));
    }
    if (!s.drop_labels && !s.labels.empty()) {
        if (s.labels_as_u32)
            sections.push_back(mlmtest::section(N::labels, std::vector<uint32_t>(s.labels.begin(), s.labels.end())));
        else
            sections.push_back(mlmtest::section(N::labels, s.labels));
    }
    if (!s.targets.empty()) sections.push_back(mlmtest::section(N::targets, s.targets));
    if (!s.lof.empty()) sections.push_back(mlmtest::section(N::lof, s.lof));
    if (!s.discriminant.empty()) sections.push_back(mlmtest::section(N::discriminant, s.discriminant));
    return mlmtest::build(s.kind, sections);
}

struct Loaded {
    mlmtest::Aligned bytes;
    N::Model model;
    Status status;
    std::vector<uint64_t> scratch;
    explicit Loaded(const Spec& spec) : bytes(build(spec)) {
        status = N::load(bytes.data(), bytes.size, model);
        scratch.resize(N::scratch_size(model));
    }
    template <typename T>
    std::pair<std::vector<float>, std::vector<int32_t>> kneighbors(const std::vector<T>& x) {
        std::vector<float> d(model.k);
        std::vector<int32_t> i(model.k);
        const auto type = sizeof(T) == 2 ? N::FeatureType::i16 : N::FeatureType::f32;
        EXPECT_EQ(N::kneighbors(model, x.data(), type, x.size(), scratch.data(), scratch.size(), d.data(),
                                i.data(), model.k),
                  Status::ok);
        return {d, i};
    }
    int32_t predict(const std::vector<float>& x) {
        int32_t out = -99;
        EXPECT_EQ(N::predict(model, x.data(), N::FeatureType::f32, x.size(), scratch.data(), scratch.size(), out),
                  Status::ok);
        return out;
    }
};

Status load_status(const Spec& spec) { return Loaded(spec).status; }

Spec with_param(uint32_t index, uint32_t value) {
    Spec s;
    s.params[index] = value;
    return s;
}

// Reference: double distances, stable sort.
std::vector<int32_t> reference_order(const std::vector<float>& P, size_t d, const std::vector<float>& x,
                                     int metric, double p, std::vector<double>* dist_out = nullptr) {
    const size_t n = P.size() / d;
    std::vector<double> dist(n);
    for (size_t i = 0; i < n; ++i) {
        double acc = 0;
        for (size_t j = 0; j < d; ++j) {
            const double v = std::fabs(double(x[j]) - P[i * d + j]);
            if (metric == 0) acc += v * v;
            if (metric == 1) acc += v;
            if (metric == 2) acc = std::max(acc, v);
            if (metric == 3) acc += std::pow(v, p);
        }
        dist[i] = metric == 0 ? std::sqrt(acc) : metric == 3 ? std::pow(acc, 1 / p) : acc;
    }
    std::vector<int32_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return dist[a] < dist[b]; });
    if (dist_out) *dist_out = dist;
    return order;
}

// ---------------------------------------------------------------- loading

TEST(NeighborsLoad, DefaultSpecLoads) {
    Loaded l{Spec{}};
    ASSERT_EQ(l.status, Status::ok);
    EXPECT_EQ(l.model.n_points, 6u);
    EXPECT_EQ(l.model.k, 3u);
    EXPECT_EQ(N::scratch_size(l.model), 3u + 2u + 2u);
}

TEST(NeighborsLoad, WrongKindAndMissingSections) {
    Spec s;
    s.kind = static_cast<uint16_t>(microlearn::ModelKind::gaussian);
    EXPECT_EQ(load_status(s), Status::unsupported_kind);
    s = Spec{};
    s.drop_params = true;
    EXPECT_EQ(load_status(s), Status::bad_section);
    s = Spec{};
    s.drop_float_params = true;
    EXPECT_EQ(load_status(s), Status::bad_section);
    s = Spec{};
    s.drop_points = true;
    EXPECT_EQ(load_status(s), Status::bad_section);
    s = Spec{};
    s.drop_labels = true;
    EXPECT_EQ(load_status(s), Status::bad_section);
    s = Spec{};
    s.labels_as_u32 = true;
    EXPECT_EQ(load_status(s), Status::bad_section);
}

TEST(NeighborsLoad, EveryCorruptSizeIsRejected) {
    Spec s;
    s.params.push_back(0);
    EXPECT_EQ(load_status(s), Status::size_mismatch);
    s = Spec{};
    s.params.pop_back();
    EXPECT_EQ(load_status(s), Status::size_mismatch);
    s = Spec{};
    s.float_params.pop_back();
    EXPECT_EQ(load_status(s), Status::size_mismatch);
    s = Spec{};
    s.points.pop_back();
    EXPECT_EQ(load_status(s), Status::size_mismatch);
    s = Spec{};
    s.labels.push_back(0);
    EXPECT_EQ(load_status(s), Status::size_mismatch);
    s = with_param(N::p_n_points, 7);  // more points than stored
    EXPECT_EQ(load_status(s), Status::size_mismatch);
    s = with_param(N::p_n_features, 3);
    EXPECT_EQ(load_status(s), Status::size_mismatch);
}

TEST(NeighborsLoad, EveryImpossibleParameterIsRejected) {
    const std::vector<std::pair<uint32_t, uint32_t>> bad = {
        {N::p_n_features, 0}, {N::p_n_features, 70000}, {N::p_n_points, 0}, {N::p_n_neighbors, 0},
        {N::p_n_neighbors, 7}, {N::p_task, 4}, {N::p_task, 0}, {N::p_task, 3}, {N::p_estimator, 4},
        {N::p_estimator, 2}, {N::p_metric, 5}, {N::p_weights, 2}, {N::p_feature_type, 2},
        {N::p_n_classes, 0}, {N::p_n_outputs, 1}};
    for (const auto& [index, value] : bad) {
        EXPECT_EQ(load_status(with_param(index, value)), Status::bad_parameter) << index << " = " << value;
    }
    Spec s;
    s.labels[4] = 3;  // a class index >= n_classes
    EXPECT_EQ(load_status(s), Status::out_of_range);
    for (float p : {0.5f, 0.0f, -1.0f, 1e6f}) {
        s = Spec{};
        s.params[N::p_metric] = 3;
        s.float_params[N::fp_p] = p;
        EXPECT_EQ(load_status(s), Status::bad_parameter) << p;
    }
    s = Spec{};
    s.float_params[N::fp_distance_scale] = 2.0f;  // float32 points: the scale must be 1
    EXPECT_EQ(load_status(s), Status::bad_parameter);
    s = Spec{};
    s.float_params[N::fp_distance_scale] = 0.0f;
    EXPECT_EQ(load_status(s), Status::bad_parameter);
    for (float v : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
        s = Spec{};
        s.points[3] = v;
        EXPECT_EQ(load_status(s), Status::bad_parameter);
        s = Spec{};
        s.float_params[N::fp_offset] = v;
        EXPECT_EQ(load_status(s), Status::bad_parameter);
    }
}

TEST(NeighborsLoad, EstimatorSpecificRules) {
    // int16 points: no minkowski, no cosine
    Spec s;
    s.params[N::p_feature_type] = 1;
    s.points16 = {0, 0, 1, 0, 0, 1, 5, 5, 6, 5, -3, 2};
    s.float_params[N::fp_distance_scale] = 0.25f;
    EXPECT_EQ(load_status(s), Status::ok);
    for (uint32_t metric : {3u, 4u}) {
        Spec t = s;
        t.params[N::p_metric] = metric;
        EXPECT_EQ(load_status(t), Status::bad_parameter);
    }
    Spec t = s;
    t.points16.pop_back();
    EXPECT_EQ(load_status(t), Status::size_mismatch);
    // kmeans: clustering, k = 1, euclidean only, no labels needed
    Spec km;
    km.params = {2, 6, 0, 0, 3, 2, 0, 0, 1, 0};
    km.labels.clear();
    EXPECT_EQ(load_status(km), Status::ok);
    for (auto [i, v] : std::vector<std::pair<uint32_t, uint32_t>>{{N::p_metric, 1}, {N::p_n_neighbors, 2},
                                                                 {N::p_weights, 1}, {N::p_n_classes, 2}}) {
        Spec k2 = km;
        k2.params[i] = v;
        EXPECT_EQ(load_status(k2), Status::bad_parameter) << i;
    }
    // nearest centroid: one point per class
    Spec nc;
    nc.params = {2, 6, 6, 0, 1, 1, 1, 0, 1, 0};
    nc.labels.clear();
    EXPECT_EQ(load_status(nc), Status::ok);
    nc.params[N::p_n_classes] = 5;
    EXPECT_EQ(load_status(nc), Status::bad_parameter);
    // regressor: targets of n_points * n_outputs finite floats
    Spec r;
    r.params = {2, 6, 0, 2, 0, 0, 0, 1, 2, 0};
    r.labels.clear();
    r.targets = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    EXPECT_EQ(load_status(r), Status::ok);
    Spec r2 = r;
    r2.targets.pop_back();
    EXPECT_EQ(load_status(r2), Status::size_mismatch);
    r2 = r;
    r2.targets[5] = std::numeric_limits<float>::infinity();
    EXPECT_EQ(load_status(r2), Status::bad_parameter);
    // LOF: (k-distance, lrd) per point, non-negative
    Spec lof;
    lof.params = {2, 6, 0, 0, 2, 3, 0, 0, 2, 0};
    lof.labels.clear();
    lof.lof = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    EXPECT_EQ(load_status(lof), Status::ok);
    Spec lof2 = lof;
    lof2.lof[3] = -1;
    EXPECT_EQ(load_status(lof2), Status::bad_parameter);
    lof2 = lof;
    lof2.lof.pop_back();
    EXPECT_EQ(load_status(lof2), Status::size_mismatch);
}

TEST(NeighborsLoad, TruncationsAndBitFlipsNeverCrash) {
    const std::vector<uint8_t> good = build(Spec{});
    for (size_t n = 0; n < good.size(); ++n) {
        mlmtest::Aligned a(std::vector<uint8_t>(good.begin(), good.begin() + n));
        N::Model m;
        EXPECT_NE(N::load(a.data(), a.size, m), Status::ok) << n;
    }
    for (size_t i = microlearn::kHeaderSize; i < good.size(); ++i) {
        for (int bit = 0; bit < 8; ++bit) {
            std::vector<uint8_t> b = good;
            b[i] ^= uint8_t(1 << bit);
            mlmtest::refresh_crc(b);
            mlmtest::Aligned a(b);
            N::Model m;
            if (N::load(a.data(), a.size, m) != Status::ok) continue;
            std::vector<uint64_t> scratch(N::scratch_size(m));
            const std::vector<float> x(m.n_features, 0.5f);
            int32_t out;
            const Status st = N::predict(m, x.data(), m.feature_type, x.size(), scratch.data(), scratch.size(), out);
            if (st == Status::ok && m.task == N::Task::classification) {
                EXPECT_LT(uint32_t(out), m.n_classes);
            }
        }
    }
}

// ------------------------------------------------------------- evaluation

TEST(NeighborsEval, SearchMatchesStableSortForEveryMetric) {
    std::mt19937 gen(7);
    std::uniform_int_distribution<int> small(-2, 2);
    std::normal_distribution<float> normal;
    const size_t n = 60, d = 3;
    for (int integer = 0; integer < 2; ++integer) {
        std::vector<float> P(n * d);
        for (auto& v : P) v = integer ? float(small(gen)) : normal(gen);
        for (uint32_t metric : {0u, 1u, 2u, 3u}) {
            for (uint32_t k : {1u, 5u, 60u}) {
                Spec s;
                s.params = {uint32_t(d), uint32_t(n), 2, 0, 1, 0, metric, 0, k, 0};
                s.points = P;
                s.labels.assign(n, 0);
                s.labels[0] = 1;
                s.float_params[N::fp_p] = metric == 3 ? 3.0f : 2.0f;
                Loaded l(s);
                ASSERT_EQ(l.status, Status::ok);
                for (int q = 0; q < 40; ++q) {
                    std::vector<float> x(d);
                    for (auto& v : x) v = integer ? float(small(gen)) : normal(gen);
                    std::vector<double> dist;
                    const auto want = reference_order(P, d, x, int(metric), 3.0, &dist);
                    const auto [gd, gi] = l.kneighbors(x);
                    for (uint32_t j = 0; j < k; ++j) {
                        if (integer) {
                            ASSERT_EQ(gi[j], want[j]) << "metric " << metric << " k " << k << " j " << j;
                        } else {
                            ASSERT_NEAR(gd[j], dist[want[j]], 2e-6 * (1 + dist[want[j]]));
                        }
                    }
                }
            }
        }
    }
}

TEST(NeighborsEval, UniformAndDistanceVotes) {
    // Points 0, 1 (class 0) near the origin; 2 (class 1); x = (0.9, 0): distances 0.9, 0.1, 1.345...
    Spec s;
    Loaded l(s);
    const std::vector<float> x = {0.9f, 0.0f};
    EXPECT_EQ(l.predict(x), 0);
    std::vector<float> proba(3);
    ASSERT_EQ(N::predict_proba(l.model, x.data(), N::FeatureType::f32, 2, l.scratch.data(), l.scratch.size(),
                               proba.data(), 3),
              Status::ok);
    EXPECT_FLOAT_EQ(proba[0], 2.0f / 3);
    EXPECT_FLOAT_EQ(proba[1], 1.0f / 3);
    s.params[N::p_weights] = 1;
    Loaded w(s);
    ASSERT_EQ(N::predict_proba(w.model, x.data(), N::FeatureType::f32, 2, w.scratch.data(), w.scratch.size(),
                               proba.data(), 3),
              Status::ok);
    const double a = 1 / 0.9, b = 1 / 0.1, c = 1 / std::sqrt(0.81 + 1.0);
    EXPECT_NEAR(proba[0], (a + b) / (a + b + c), 1e-6);
    // a zero distance: only the zero-distance neighbours vote
    const std::vector<float> on = {1.0f, 0.0f};
    ASSERT_EQ(N::predict_proba(w.model, on.data(), N::FeatureType::f32, 2, w.scratch.data(), w.scratch.size(),
                               proba.data(), 3),
              Status::ok);
    EXPECT_EQ(proba[0], 1.0f);
    EXPECT_EQ(proba[1], 0.0f);
}

TEST(NeighborsEval, VotingTieGoesToTheSmallestClass) {
    Spec s;
    s.params[N::p_n_neighbors] = 2;
    s.points = {0, 0, 2, 0, 9, 9, 9, 9, 9, 9, 9, 9};
    s.labels = {2, 1, 0, 0, 0, 0};
    Loaded l(s);
    EXPECT_EQ(l.predict({1.0f, 0.0f}), 1);  // one vote each for classes 2 and 1
}

TEST(NeighborsEval, RegressionMeans) {
    Spec s;
    s.params = {1, 4, 0, 2, 0, 0, 0, 0, 2, 0};
    s.labels.clear();
    s.points = {0, 1, 3, 10};
    s.targets = {0, 10, 1, 20, 3, 30, 10, 40};
    Loaded l(s);
    std::vector<float> out(2);
    const std::vector<float> x = {0.25f};
    ASSERT_EQ(N::predict_values(l.model, x.data(), N::FeatureType::f32, 1, l.scratch.data(), l.scratch.size(),
                                out.data(), 2),
              Status::ok);
    EXPECT_FLOAT_EQ(out[0], 0.5f);
    EXPECT_FLOAT_EQ(out[1], 15.0f);
    s.params[N::p_weights] = 1;
    Loaded w(s);
    ASSERT_EQ(N::predict_values(w.model, x.data(), N::FeatureType::f32, 1, w.scratch.data(), w.scratch.size(),
                                out.data(), 2),
              Status::ok);
    EXPECT_NEAR(out[0], (0 * 4 + 1 * (1 / 0.75)) / (4 + 1 / 0.75), 1e-6);
    int32_t label;
    EXPECT_EQ(N::predict(w.model, x.data(), N::FeatureType::f32, 1, w.scratch.data(), w.scratch.size(), label),
              Status::unsupported_kind);
}

TEST(NeighborsEval, KMeansTransformAndLof) {
    Spec km;
    km.params = {2, 3, 0, 0, 3, 2, 0, 0, 1, 0};
    km.labels.clear();
    km.points = {0, 0, 3, 4, -1, 0};
    Loaded l(km);
    const std::vector<float> x = {0.0f, 0.0f};
    EXPECT_EQ(l.predict(x), 0);
    std::vector<float> out(3);
    ASSERT_EQ(N::transform(l.model, x.data(), N::FeatureType::f32, 2, l.scratch.data(), l.scratch.size(),
                           out.data(), 3),
              Status::ok);
    EXPECT_EQ(out[0], 0.0f);
    EXPECT_NEAR(out[1], 5.0f, 1e-6);
    EXPECT_NEAR(out[2], 1.0f, 1e-7);
    EXPECT_EQ(l.predict({-0.5f, 0.0f}), 0);  // equidistant from centres 0 and 2: the first

    Spec lof;
    lof.params = {1, 3, 0, 0, 2, 3, 0, 0, 2, 0};
    lof.labels.clear();
    lof.points = {0, 1, 3};
    lof.lof = {1, 0.5f, 1, 0.5f, 2, 0.25f};
    lof.float_params[N::fp_offset] = -1.5f;
    Loaded f(lof);
    // x = 0.5: neighbours 0 and 1 at 0.5; reach = max(0.5, 1) = 1 each; lrd(x) = 1 / (1 + 1e-10)
    float score;
    const std::vector<float> q = {0.5f};
    ASSERT_EQ(N::score_samples(f.model, q.data(), N::FeatureType::f32, 1, f.scratch.data(), f.scratch.size(), score),
              Status::ok);
    EXPECT_NEAR(score, -0.5, 1e-6);
    float decision;
    ASSERT_EQ(N::decision_width(f.model), 1u);
    ASSERT_EQ(N::decision_function(f.model, q.data(), N::FeatureType::f32, 1, f.scratch.data(), f.scratch.size(),
                                   &decision, 1),
              Status::ok);
    EXPECT_NEAR(decision, 1.0, 1e-6);
    EXPECT_EQ(f.predict(q), 1);
}

// NearestCentroid with scikit-learn's discriminant: 3 centroids of 2
// features, 1 / s = (0.5, 1), 2 log prior per class.
Spec centroid_spec(float prior0, float prior1, float prior2) {
    Spec nc;
    nc.params = {2, 3, 3, 0, 1, 1, 0, 0, 1, 0};
    nc.points = {0, 0, 4, 0, 0, 2};
    nc.labels.clear();
    nc.discriminant = {0.5f, 1.0f, prior0, prior1, prior2};
    return nc;
}

TEST(NeighborsLoad, CentroidDiscriminantRules) {
    const float lp = 2.0f * std::log(1.0f / 3.0f), inf = std::numeric_limits<float>::infinity();
    EXPECT_EQ(load_status(centroid_spec(lp, lp, lp)), Status::ok);
    const float lowest = std::numeric_limits<float>::lowest();  // a zero prior
    EXPECT_EQ(load_status(centroid_spec(lp, lp, lowest)), Status::ok);
    EXPECT_EQ(load_status(centroid_spec(lp, lp, -inf)), Status::bad_parameter);
    EXPECT_EQ(load_status(centroid_spec(lp, 0.5f, lp)), Status::bad_parameter);  // log prior > 0
    EXPECT_EQ(load_status(centroid_spec(lp, std::nanf(""), lp)), Status::bad_parameter);
    Spec s = centroid_spec(lp, lp, lp);
    s.discriminant[0] = inf;
    EXPECT_EQ(load_status(s), Status::bad_parameter);
    s.discriminant.pop_back();
    EXPECT_EQ(load_status(s), Status::size_mismatch);
    Spec knn;  // another estimator with the section
    knn.discriminant = {1, 1, 0, 0, 0};
    EXPECT_EQ(load_status(knn), Status::bad_section);
}

TEST(NeighborsEval, CentroidScoresProbabilitiesAndPriors) {
    const float l1 = 2.0f * std::log(0.1f), l2 = 2.0f * std::log(0.3f), l3 = 2.0f * std::log(0.6f);
    Loaded f(centroid_spec(l1, l2, l3));
    ASSERT_EQ(f.status, Status::ok);
    ASSERT_TRUE(N::has_scores(f.model));
    ASSERT_EQ(N::decision_width(f.model), 3u);
    // x = (2, 0.5): scaled differences (1, 0.5), (-1, 0.5), (1, -1.5)
    const std::vector<float> x = {2.0f, 0.5f};
    std::vector<float> d(3), p(3);
    ASSERT_EQ(N::decision_function(f.model, x.data(), N::FeatureType::f32, 2, f.scratch.data(), f.scratch.size(),
                                   d.data(), 3),
              Status::ok);
    const double want[3] = {l1 - 1.25, l2 - 1.25, l3 - 3.25};
    for (int c = 0; c < 3; ++c) EXPECT_NEAR(d[c], want[c], 1e-6);
    ASSERT_EQ(N::predict_proba(f.model, x.data(), N::FeatureType::f32, 2, f.scratch.data(), f.scratch.size(),
                               p.data(), 3),
              Status::ok);
    double total = 0;
    for (int c = 0; c < 3; ++c) total += std::exp(want[c]);
    for (int c = 0; c < 3; ++c) EXPECT_NEAR(p[c], std::exp(want[c]) / total, 1e-6);
    // non-uniform priors: predict is the scores' argmax (class 1), not the nearest centroid (a tie 0 / 1)
    EXPECT_EQ(f.predict(x), 1);
    EXPECT_EQ(N::decision_function(f.model, x.data(), N::FeatureType::f32, 2, f.scratch.data(), f.scratch.size(),
                                   d.data(), 2),
              Status::size_mismatch);
    // manhattan: the distance squared; no predict_proba / decision_function (as scikit-learn)
    Spec m = centroid_spec(l1, l2, l3);
    m.params[N::p_metric] = 1;
    Loaded g(m);
    ASSERT_EQ(g.status, Status::ok);
    EXPECT_EQ(N::decision_width(g.model), 0u);
    EXPECT_EQ(N::predict_proba(g.model, x.data(), N::FeatureType::f32, 2, g.scratch.data(), g.scratch.size(),
                               p.data(), 3),
              Status::unsupported_kind);
    // manhattan scores: l - (1.5)^2, l - 1.5^2, l - 2.5^2: class 2 (l3 - 6.25) loses to class 1 (l2 - 2.25)
    EXPECT_EQ(g.predict(x), 1);
    // two classes: decision_function is score_1 - score_0, one value
    Spec two;
    two.params = {2, 2, 2, 0, 1, 1, 0, 0, 1, 0};
    two.points = {0, 0, 4, 0};
    two.labels.clear();
    two.discriminant = {0.5f, 1.0f, l2, l3};
    Loaded t(two);
    ASSERT_EQ(t.status, Status::ok);
    ASSERT_EQ(N::decision_width(t.model), 1u);
    float one;
    ASSERT_EQ(N::decision_function(t.model, x.data(), N::FeatureType::f32, 2, t.scratch.data(), t.scratch.size(),
                                   &one, 1),
              Status::ok);
    EXPECT_NEAR(one, (l3 - 1.25) - (l2 - 1.25), 1e-6);
    // a distance beyond float32: out_of_range, not NaN
    const std::vector<float> far = {3e38f, 0.0f};
    EXPECT_EQ(N::predict_proba(f.model, far.data(), N::FeatureType::f32, 2, f.scratch.data(), f.scratch.size(),
                               p.data(), 3),
              Status::out_of_range);
}

TEST(NeighborsEval, Int16PointsAreExact) {
    Spec s;
    s.params[N::p_feature_type] = 1;
    s.params[N::p_n_neighbors] = 6;
    // x = (32767, 400) is 65535^2 + 400^2 > 2^32 (squared) from point 0: a
    // 32-bit sum would wrap to 28929 and make it the nearest.
    s.points16 = {-32768, 0, 32767, -32768, 0, 0, 100, 100, 101, 100, -5, 7};
    s.float_params[N::fp_distance_scale] = 0.5f;
    Loaded l(s);
    ASSERT_EQ(l.status, Status::ok);
    const std::vector<int16_t> x = {32767, 400};
    const auto [d, i] = l.kneighbors(x);
    const std::vector<float> P(s.points16.begin(), s.points16.end());
    std::vector<double> dist;
    const auto want = reference_order(P, 2, {32767.0f, 400.0f}, 0, 2, &dist);
    EXPECT_EQ(i, want);
    EXPECT_EQ(i.back(), 0);
    for (int j = 0; j < 6; ++j) EXPECT_NEAR(d[j], 0.5 * dist[want[j]], 1e-6 * dist[want[j]]);
    const std::vector<float> xf = {0.0f, 0.0f};
    int32_t out;
    EXPECT_EQ(N::predict(l.model, xf.data(), N::FeatureType::f32, 2, l.scratch.data(), l.scratch.size(), out),
              Status::type_mismatch);
}

TEST(NeighborsEval, BadArguments) {
    Loaded l{Spec{}};
    int32_t out;
    const std::vector<float> x = {0.0f, std::numeric_limits<float>::quiet_NaN()};
    EXPECT_EQ(N::predict(l.model, x.data(), N::FeatureType::f32, 2, l.scratch.data(), l.scratch.size(), out),
              Status::bad_argument);
    const std::vector<float> ok = {0.0f, 0.0f};
    EXPECT_EQ(N::predict(l.model, ok.data(), N::FeatureType::f32, 1, l.scratch.data(), l.scratch.size(), out),
              Status::size_mismatch);
    EXPECT_EQ(N::predict(l.model, ok.data(), N::FeatureType::f32, 2, l.scratch.data(), l.scratch.size() - 1, out),
              Status::size_mismatch);
    EXPECT_EQ(N::predict(l.model, nullptr, N::FeatureType::f32, 2, l.scratch.data(), l.scratch.size(), out),
              Status::bad_argument);
    std::vector<float> small(2);
    EXPECT_EQ(N::predict_proba(l.model, ok.data(), N::FeatureType::f32, 2, l.scratch.data(), l.scratch.size(),
                               small.data(), 2),
              Status::size_mismatch);
    float score;
    EXPECT_EQ(N::score_samples(l.model, ok.data(), N::FeatureType::f32, 2, l.scratch.data(), l.scratch.size(), score),
              Status::unsupported_kind);
}

}  // namespace

namespace {

// ---------------------------------------------------- k-means learning

struct Learner {
    std::vector<uint32_t> words;
    size_t size;
    N::Model model;
    std::vector<uint64_t> scratch;
    Learner(uint32_t k, uint32_t d) : words((N::kmeans_file_size(k, d) + 3) / 4), size(N::kmeans_file_size(k, d)) {
        EXPECT_EQ(N::write_kmeans_file(bytes(), size, k, d), Status::ok);
        EXPECT_EQ(N::load(bytes(), size, model), Status::ok);  // checks the CRC too
        scratch.resize(N::scratch_size(model));
    }
    uint8_t* bytes() { return reinterpret_cast<uint8_t*>(words.data()); }
    float* centres() { return reinterpret_cast<float*>(bytes() + size) - model.n_points * model.n_features; }
    void expect_valid_file() {
        N::Model again;
        EXPECT_EQ(N::load(bytes(), size, again), Status::ok);
    }
};

TEST(NeighborsLearn, WrittenFileIsAKMeansModelWithZeroCentres) {
    Learner l(3, 2);
    EXPECT_EQ(l.model.estimator, N::Estimator::kmeans);
    EXPECT_EQ(l.model.n_points, 3u);
    for (int i = 0; i < 6; ++i) EXPECT_EQ(l.centres()[i], 0.0f);
    std::vector<uint8_t> small(N::kmeans_file_size(3, 2) - 1);
    EXPECT_EQ(N::write_kmeans_file(small.data(), small.size(), 3, 2), Status::size_mismatch);
    EXPECT_EQ(N::write_kmeans_file(small.data(), small.size(), 0, 2), Status::bad_parameter);
}

TEST(NeighborsLearn, LloydMovesCentresToTheMeansAndStops) {
    Learner l(2, 1);
    l.centres()[0] = 0.0f;
    l.centres()[1] = 10.0f;
    const std::vector<float> X = {1, 2, 3, 8, 9, 13};
    std::vector<float> sums(2);
    std::vector<uint32_t> counts(2);
    uint32_t n_iter = 0;
    ASSERT_EQ(N::kmeans_lloyd(l.model, l.bytes(), l.size, X.data(), 6, 100, l.scratch.data(), l.scratch.size(),
                              sums.data(), counts.data(), n_iter),
              Status::ok);
    EXPECT_EQ(l.centres()[0], 2.0f);
    EXPECT_EQ(l.centres()[1], 10.0f);
    EXPECT_EQ(n_iter, 2u);  // the second iteration moves nothing
    EXPECT_EQ(counts, (std::vector<uint32_t>{3, 3}));
    l.expect_valid_file();
    // a NaN row: refused before anything moves
    const std::vector<float> bad = {1, std::numeric_limits<float>::quiet_NaN()};
    EXPECT_EQ(N::kmeans_lloyd(l.model, l.bytes(), l.size, bad.data(), 2, 100, l.scratch.data(), l.scratch.size(),
                              sums.data(), counts.data(), n_iter),
              Status::bad_argument);
    EXPECT_EQ(l.centres()[0], 2.0f);
    // sums beyond float32: out_of_range, the file still valid
    const std::vector<float> huge = {3e38f, 3e38f};
    EXPECT_EQ(N::kmeans_lloyd(l.model, l.bytes(), l.size, huge.data(), 2, 100, l.scratch.data(), l.scratch.size(),
                              sums.data(), counts.data(), n_iter),
              Status::out_of_range);
    l.expect_valid_file();
}

TEST(NeighborsLearn, PartialFitRunningMeans) {
    Learner l(2, 1);
    l.centres()[1] = 100.0f;
    std::vector<uint32_t> counts(2, 0);
    int32_t c = -1;
    for (float v : {1.0f, 2.0f, 6.0f}) {
        ASSERT_EQ(N::kmeans_partial_fit(l.model, l.bytes(), l.size, counts.data(), &v, 1, l.scratch.data(),
                                        l.scratch.size(), c),
                  Status::ok);
        EXPECT_EQ(c, 0);
    }
    EXPECT_FLOAT_EQ(l.centres()[0], 3.0f);  // 1, then 1.5, then 3: the running mean
    EXPECT_EQ(counts[0], 3u);
    l.expect_valid_file();
    const float far = -3e38f;
    l.centres()[0] = 3e38f;
    N::refresh_checksum(l.bytes(), l.size);
    EXPECT_EQ(N::kmeans_partial_fit(l.model, l.bytes(), l.size, counts.data(), &far, 1, l.scratch.data(),
                                    l.scratch.size(), c),
              Status::out_of_range);
    EXPECT_EQ(l.centres()[0], 3e38f);
    EXPECT_EQ(counts[0], 3u);
}

TEST(NeighborsLearn, OnlyTheModelsOwnWritableBytes) {
    Learner l(2, 1);
    std::vector<uint32_t> other(l.words);
    std::vector<uint32_t> counts(2);
    int32_t c;
    const float x = 1.0f;
    EXPECT_EQ(N::kmeans_partial_fit(l.model, reinterpret_cast<uint8_t*>(other.data()), l.size, counts.data(), &x, 1,
                                    l.scratch.data(), l.scratch.size(), c),
              Status::unsupported_kind);
    Loaded knn{Spec{}};
    EXPECT_EQ(N::kmeans_partial_fit(knn.model, l.bytes(), l.size,  // a k-NN model: not learnable
                                    counts.data(), &x, 1, l.scratch.data(), l.scratch.size(), c),
              Status::unsupported_kind);
}

}  // namespace

namespace {

// ------------------------------------------------------- k-NN learning

struct KnnLearner {
    std::vector<uint32_t> words;
    size_t size;
    KnnLearner(uint32_t capacity, uint32_t d, uint32_t n_classes, uint32_t k, N::FeatureType type)
        : words((N::knn_file_size(capacity, d, n_classes, type) + 3) / 4),
          size(N::knn_file_size(capacity, d, n_classes, type)) {
        EXPECT_EQ(N::write_knn_file(bytes(), size, capacity, d, n_classes, k, false, type), Status::ok);
    }
    uint8_t* bytes() { return reinterpret_cast<uint8_t*>(words.data()); }
    Status load(N::Model& m) {  // with the CRC, refreshed as a save would
        N::refresh_checksum(bytes(), size);
        return N::load(bytes(), size, m);
    }
};

TEST(NeighborsLearn, KnnAddRemoveKeepAValidFile) {
    KnnLearner l(4, 2, 3, 2, N::FeatureType::f32);
    N::Model m;
    EXPECT_EQ(l.load(m), Status::bad_parameter);  // no samples yet: k > n_points
    const float a[2] = {0, 0}, b[2] = {1, 0}, c[2] = {5, 5}, bad[2] = {0, std::numeric_limits<float>::infinity()};
    ASSERT_EQ(N::knn_add(l.bytes(), l.size, a, N::FeatureType::f32, 0), Status::ok);
    ASSERT_EQ(N::knn_add(l.bytes(), l.size, b, N::FeatureType::f32, 1), Status::ok);
    ASSERT_EQ(l.load(m), Status::ok);
    EXPECT_EQ(m.n_points, 2u);
    EXPECT_EQ(N::knn_add(l.bytes(), l.size, a, N::FeatureType::f32, 3), Status::out_of_range);
    EXPECT_EQ(N::knn_add(l.bytes(), l.size, bad, N::FeatureType::f32, 0), Status::bad_argument);
    EXPECT_EQ(N::knn_add(l.bytes(), l.size, a, N::FeatureType::i16, 0), Status::type_mismatch);
    ASSERT_EQ(N::knn_add(l.bytes(), l.size, c, N::FeatureType::f32, 2), Status::ok);
    ASSERT_EQ(N::knn_add(l.bytes(), l.size, c, N::FeatureType::f32, 2), Status::ok);
    EXPECT_EQ(N::knn_add(l.bytes(), l.size, c, N::FeatureType::f32, 2), Status::size_mismatch);  // full
    ASSERT_EQ(N::knn_remove(l.bytes(), l.size, 0), Status::ok);  // b, c, c remain, in that order
    EXPECT_EQ(N::knn_remove(l.bytes(), l.size, 3), Status::out_of_range);
    ASSERT_EQ(l.load(m), Status::ok);
    EXPECT_EQ(m.n_points, 3u);
    EXPECT_EQ(m.labels[0], 1);
    EXPECT_EQ(static_cast<const float*>(m.points)[0], 1.0f);
    N::Model synced;
    ASSERT_EQ(N::knn_remove(l.bytes(), l.size, 2), Status::ok);
    EXPECT_EQ(N::knn_sync(l.bytes(), l.size, synced), Status::ok);  // the CRC is stale: sync does not read it
    EXPECT_EQ(synced.n_points, 2u);
    EXPECT_EQ(N::load(l.bytes(), l.size, m), Status::bad_checksum);
    EXPECT_EQ(l.load(m), Status::ok);
}

TEST(NeighborsLearn, KnnRefusesFilesItDidNotWrite) {
    const std::vector<uint8_t> other = build(Spec{});
    mlmtest::Aligned a(other);
    std::vector<uint32_t> copy(a.words);
    const float x[2] = {0, 0};
    EXPECT_EQ(N::knn_add(reinterpret_cast<uint8_t*>(copy.data()), a.size, x, N::FeatureType::f32, 0),
              Status::bad_section);
    KnnLearner l(4, 2, 3, 2, N::FeatureType::i16);
    std::vector<uint32_t> bad(l.words);
    reinterpret_cast<uint8_t*>(bad.data())[microlearn::kHeaderSize + 3 * microlearn::kSectionEntrySize + 8] = 9;
    const int16_t q[2] = {1, 2};
    EXPECT_EQ(N::knn_add(reinterpret_cast<uint8_t*>(bad.data()), l.size, q, N::FeatureType::i16, 0),
              Status::bad_section);  // labels' count disagrees with n_points
    EXPECT_EQ(N::write_knn_file(l.bytes(), l.size, 4, 2, 3, 5, false, N::FeatureType::i16), Status::bad_parameter);
    EXPECT_EQ(N::write_knn_file(l.bytes(), l.size - 1, 4, 2, 3, 2, false, N::FeatureType::i16), Status::size_mismatch);
}

TEST(NeighborsLearn, FileSizesBeyond2GBAreRefusedNotWrapped) {
    // 65535 x 16385 float32 samples: 4,295,229,900 bytes, which wrapped 32 bits to a 300 KB file
    // whose later samples were written past its end.
    EXPECT_EQ(N::knn_file_size(65535, 16385, 2, N::FeatureType::f32), 0u);
    EXPECT_EQ(N::knn_file_size(65535, 16384, 2, N::FeatureType::i16), 0u);  // 2^31 + the header
    EXPECT_GT(N::knn_file_size(65535, 16383, 2, N::FeatureType::i16), 2147000000u);
    EXPECT_EQ(N::kmeans_file_size(32768, 32768), 0u);  // 2^32 + the header
    EXPECT_GT(N::kmeans_file_size(32767, 16383), 2147000000u);
    KnnLearner l(4, 2, 3, 2, N::FeatureType::f32);
    EXPECT_EQ(N::write_knn_file(l.bytes(), l.size, 65535, 16385, 2, 1, false, N::FeatureType::f32),
              Status::bad_parameter);
    EXPECT_EQ(N::write_knn_file(l.bytes(), 0, 65535, 16385, 2, 1, false, N::FeatureType::f32), Status::bad_parameter);
    EXPECT_EQ(N::write_kmeans_file(l.bytes(), 0, 32768, 32768), Status::bad_parameter);
}

}  // namespace
