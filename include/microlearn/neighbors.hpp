// Neighbours and centroids: KNeighborsClassifier/Regressor, NearestCentroid,
// KMeans/MiniBatchKMeans and LocalOutlierFactor(novelty=True), evaluated by
// one brute-force search over stored points. python/microlearn/converters/
// neighbors.py writes the model; docs/neighbors.md states the tolerances.
//
// A model is n_points stored points of n_features values (float32, or int16
// for int16 inputs), a metric, and per point what it stands for:
// (cosine models store unit vectors, none of them zero)
//   k-NN classifier   the class index of each training sample; the k nearest
//                     vote (uniform, or weighted by 1 / distance)
//   k-NN regressor    n_outputs targets per sample; their (weighted) mean
//   NearestCentroid   the centroids, point i = class i, k = 1; optionally
//                     scikit-learn's discriminant (discriminant section):
//                     score_c = -d(x / s, c / s)^2 + 2 log prior_c, s the
//                     within-class standard deviations; predict_proba is the
//                     softmax of the scores, decision_function the scores
//                     (binary: score_1 - score_0), and predict their argmax
//                     when the priors differ (scikit-learn's rule)
//   KMeans            the cluster centres, k = 1; transform = distances
//   LOF               the training samples, with their k-distance and local
//                     reachability density (scikit-learn's _distances_fit_X_
//                     [:, k - 1] and _lrd)
//
// The search ranks points by a key: an integer whose order is the distance's
// order. Float models use the bits of a non-negative float (the squared
// euclidean distance, also for cosine over unit vectors; the sum of |d|^p
// for minkowski; the distance itself for manhattan / chebyshev); int16
// models the exact integer sum. Equal
// keys keep the point stored first, as scikit-learn's brute-force search
// keeps the smaller index; the partial sum stops as soon as it reaches the
// current k-th key (the point could not be inserted any more).
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "crc32.hpp"
#include "kernels.hpp"
#include "math.hpp"
#include "model_file.hpp"

namespace microlearn {
namespace neighbors {

enum Section : uint16_t {
    params = 1,        // u32[ParamIndex::p_count]
    float_params = 2,  // f32[FloatParamIndex::fp_count]
    points = 3,        // f32 or i16 [n_points * n_features]
    labels = 4,        // u16[n_points]: class index (classifiers)
    targets = 5,       // f32[n_points * n_outputs] (regressors)
    lof = 6,           // f32[n_points * 2]: (k-distance, lrd) per sample (LOF)
    discriminant = 7,  // f32[n_features + n_classes] (NearestCentroid, optional): per feature 1 / s
                       // (1 where s = 0), then per class 2 log prior (<= 0; float32's lowest value for a
                       // zero prior)
};

enum ParamIndex : uint32_t {
    p_n_features,
    p_n_points,
    p_n_classes,     // classifiers; otherwise 0
    p_n_outputs,     // regressors: targets per sample; otherwise 0
    p_task,          // Task
    p_estimator,     // Estimator
    p_metric,        // Metric
    p_weights,       // 0 uniform, 1 distance
    p_n_neighbors,   // k
    p_feature_type,  // 0 float32, 1 int16
    p_count
};

enum FloatParamIndex : uint32_t {
    fp_p,               // minkowski's p, in [1, 65536] (1, 2 and inf are stored as manhattan,
                        // euclidean, chebyshev)
    fp_distance_scale,  // int16: distance units per integer unit (1 / feature_scale); float32: 1
    fp_offset,          // LOF: offset_
    fp_count
};

// info()["task"], numbered as every family numbers it.
enum class Task : uint32_t { regression = 0, classification = 1, anomaly = 2, clustering = 3 };
enum class Estimator : uint32_t { kneighbors = 0, nearest_centroid = 1, kmeans = 2, lof = 3 };
enum class Metric : uint32_t { euclidean = 0, manhattan = 1, chebyshev = 2, minkowski = 3, cosine = 4 };
enum class FeatureType : uint32_t { f32 = 0, i16 = 1 };

struct Model {
    uint32_t n_features = 0, n_points = 0, n_classes = 0, n_outputs = 0, k = 1;
    Task task = Task::classification;
    Estimator estimator = Estimator::kneighbors;
    Metric metric = Metric::euclidean;
    FeatureType feature_type = FeatureType::f32;
    bool distance_weights = false;
    float p = 2.0f, distance_scale = 1.0f, offset = 0.0f;
    const void* points = nullptr;    // float or int16_t
    const uint16_t* labels = nullptr;
    const float* targets = nullptr;
    const float* lof = nullptr;
    const float* discriminant = nullptr;  // NearestCentroid's, or nullptr
    bool uniform_priors = true;           // all 2 log prior terms equal: predict by the nearest centroid
};

// NearestCentroid models with predict_proba and decision_function (as
// scikit-learn: euclidean only).
inline bool has_scores(const Model& m) { return m.discriminant != nullptr && m.metric == Metric::euclidean; }

// predict_proba(): classifiers that vote (labels) or score (NearestCentroid).
inline bool has_proba(const Model& m) { return m.labels != nullptr || has_scores(m); }

// Scratch of every evaluation, in 8-byte words: k keys, k point indices, and
// floats for votes (classifiers) or the normalised input (cosine).
inline size_t scratch_size(const Model& m) {
    const uint32_t floats = m.n_classes > m.n_features ? m.n_classes : m.n_features;
    return m.k + (m.k + 1) / 2 + (floats + 1) / 2;
}

// Results of a neighbour search, views into the scratch.
struct Found {
    uint64_t* keys;
    uint32_t* index;
    float* values;
};

namespace detail {

inline Found layout(const Model& m, uint64_t* scratch) {
    Found f;
    f.keys = scratch;
    f.index = reinterpret_cast<uint32_t*>(scratch + m.k);
    f.values = reinterpret_cast<float*>(scratch + m.k + (m.k + 1) / 2);
    return f;
}

inline Status finite_floats(Span<float> s, uint64_t expected) {
    if (uint64_t(s.size) != expected) return Status::size_mismatch;
    for (size_t i = 0; i < s.size; ++i)
        if (!math::is_finite(s[i])) return Status::bad_parameter;
    return Status::ok;
}

// Every evaluation's checks of x (float inputs finite) and the scratch.
inline Status check_input(const Model& m, const void* x, FeatureType type, size_t n_x, const uint64_t* scratch,
                          size_t n_scratch) {
    if (x == nullptr || scratch == nullptr) return Status::bad_argument;
    if (type != m.feature_type) return Status::type_mismatch;
    if (n_x != m.n_features || n_scratch < scratch_size(m)) return Status::size_mismatch;
    if (type == FeatureType::f32)
        for (size_t i = 0; i < n_x; ++i)
            if (!math::is_finite(static_cast<const float*>(x)[i])) return Status::bad_argument;
    return Status::ok;
}

// The key of stored point i for input x (already normalised for cosine):
// any value >= bound once it is known not to beat bound.
inline uint64_t key_of(const Model& m, const void* x, uint32_t i, uint64_t bound) {
    const size_t d = m.n_features, at = size_t(i) * d;
    if (m.feature_type == FeatureType::i16) {
        const int16_t* a = static_cast<const int16_t*>(x);
        const int16_t* b = static_cast<const int16_t*>(m.points) + at;
        if (m.metric == Metric::euclidean) return kernels::squared_euclidean_i16(a, b, d, bound);
        if (m.metric == Metric::manhattan) return kernels::manhattan_i16(a, b, d, bound);
        return kernels::chebyshev_i16(a, b, d);
    }
    const float* a = static_cast<const float*>(x);
    const float* b = static_cast<const float*>(m.points) + at;
    const uint32_t fbound = bound > 0xFFFFFFFFu ? 0xFFFFFFFFu : static_cast<uint32_t>(bound);
    switch (m.metric) {
        case Metric::euclidean: return kernels::squared_euclidean_bounded(a, b, d, fbound);
        case Metric::manhattan: return kernels::manhattan_bounded(a, b, d, fbound);
        case Metric::chebyshev: return math::to_bits(kernels::chebyshev(a, b, d));
        case Metric::minkowski: return kernels::minkowski_power_bounded(a, b, d, m.p, fbound);
        // cosine: 1 - x.y = |x - y|^2 / 2 for unit vectors, without 1 - x.y's
        // cancellation for near neighbours (distance_of halves it)
        default: return kernels::squared_euclidean_bounded(a, b, d, fbound);
    }
}

}  // namespace detail

// The distance a key stands for (what scikit-learn's kneighbors reports).
inline float distance_of(const Model& m, uint64_t key) {
    if (m.feature_type == FeatureType::i16) {
        const float v = static_cast<float>(static_cast<uint32_t>(key >> 32)) * 4294967296.0f +
                        static_cast<float>(static_cast<uint32_t>(key));
        return (m.metric == Metric::euclidean ? math::sqrt(v) : v) * m.distance_scale;
    }
    const float v = math::from_bits(static_cast<uint32_t>(key));
    if (m.metric == Metric::euclidean) return math::sqrt(v);
    if (m.metric == Metric::cosine) return v < 4.0f ? 0.5f * v : 2.0f;  // clipped to [0, 2] as scikit-learn
    if (m.metric == Metric::minkowski && v > 0.0f) return math::exp(math::quotient(math::log(v), m.p));
    return v;
}

// Validates the neighbour-model sections of an opened file and fills `out`.
inline Status load(const ModelFile& f, Model& out) {
    out = Model{};
    Span<uint32_t> ps;
    Status st = params_section(f, ModelKind::neighbors, p_count, false, ps);
    if (st != Status::ok) return st;
    const uint32_t* p = ps.data;
    if (p[p_task] > 3 || p[p_estimator] > 3 || p[p_metric] > 4 || p[p_weights] > 1 || p[p_feature_type] > 1)
        return Status::bad_parameter;

    Model m;
    m.n_features = p[p_n_features];
    m.n_points = p[p_n_points];
    m.n_classes = p[p_n_classes];
    m.n_outputs = p[p_n_outputs];
    m.k = p[p_n_neighbors];
    m.task = static_cast<Task>(p[p_task]);
    m.estimator = static_cast<Estimator>(p[p_estimator]);
    m.metric = static_cast<Metric>(p[p_metric]);
    m.distance_weights = p[p_weights] == 1;
    m.feature_type = static_cast<FeatureType>(p[p_feature_type]);
    if (m.n_features == 0 || m.n_features > 65535u || m.n_points == 0 || m.k == 0 || m.k > m.n_points ||
        m.k > 65535u)
        return Status::bad_parameter;
    // Each estimator's task, sizes and options.
    const bool knn = m.estimator == Estimator::kneighbors;
    Task want = Task::classification;
    if (m.estimator == Estimator::kmeans) want = Task::clustering;
    if (m.estimator == Estimator::lof) want = Task::anomaly;
    if (knn && m.task == Task::regression) want = Task::regression;
    if (m.task != want) return Status::bad_parameter;
    if (!knn && m.estimator != Estimator::lof && m.k != 1) return Status::bad_parameter;
    if (!knn && m.distance_weights) return Status::bad_parameter;
    const bool classifier = m.task == Task::classification;
    if (classifier != (m.n_classes != 0) || m.n_classes > 65535u) return Status::bad_parameter;
    if ((m.task == Task::regression) != (m.n_outputs != 0) || m.n_outputs > 65535u) return Status::bad_parameter;
    if (m.estimator == Estimator::nearest_centroid && m.n_points != m.n_classes) return Status::bad_parameter;
    if (m.feature_type == FeatureType::i16 && (m.metric == Metric::minkowski || m.metric == Metric::cosine))
        return Status::bad_parameter;
    if (m.estimator == Estimator::kmeans && m.metric != Metric::euclidean) return Status::bad_parameter;
    if (m.estimator == Estimator::nearest_centroid && m.metric != Metric::euclidean &&
        m.metric != Metric::manhattan)
        return Status::bad_parameter;

    Span<float> fp;
    if ((st = f.section(Section::float_params, fp)) != Status::ok) return st;
    if ((st = detail::finite_floats(fp, fp_count)) != Status::ok) return st;
    m.p = fp[fp_p];
    m.distance_scale = fp[fp_distance_scale];
    m.offset = fp[fp_offset];
    if (!(m.p >= 1.0f && m.p <= 65536.0f) || !(m.distance_scale > 0.0f)) return Status::bad_parameter;
    if (m.feature_type == FeatureType::f32 && m.distance_scale != 1.0f) return Status::bad_parameter;

    const uint64_t n_values = uint64_t(m.n_points) * m.n_features;
    if (m.feature_type == FeatureType::i16) {
        Span<int16_t> s;
        if ((st = f.section(Section::points, s)) != Status::ok) return st;
        if (s.size != n_values) return Status::size_mismatch;
        m.points = s.data;
    } else {
        Span<float> s;
        if ((st = f.section(Section::points, s)) != Status::ok) return st;
        if ((st = detail::finite_floats(s, n_values)) != Status::ok) return st;
        m.points = s.data;
    }
    if (classifier && m.estimator == Estimator::kneighbors) {
        Span<uint16_t> s;
        if ((st = f.section(Section::labels, s)) != Status::ok) return st;
        if (s.size != m.n_points) return Status::size_mismatch;
        for (size_t i = 0; i < s.size; ++i)
            if (s[i] >= m.n_classes) return Status::out_of_range;
        m.labels = s.data;
    }
    if (m.task == Task::regression) {
        Span<float> s;
        if ((st = f.section(Section::targets, s)) != Status::ok) return st;
        if ((st = detail::finite_floats(s, uint64_t(m.n_points) * m.n_outputs)) != Status::ok) return st;
        m.targets = s.data;
    }
    if (m.task == Task::anomaly) {
        Span<float> s;
        if ((st = f.section(Section::lof, s)) != Status::ok) return st;
        if ((st = detail::finite_floats(s, uint64_t(m.n_points) * 2)) != Status::ok) return st;
        for (size_t i = 0; i < s.size; ++i)
            if (s[i] < 0.0f) return Status::bad_parameter;
        m.lof = s.data;
    }
    Span<float> s;  // optional, NearestCentroid only
    if ((st = f.section(Section::discriminant, s, true)) != Status::ok) return st;
    if (s.data != nullptr) {
        if (m.estimator != Estimator::nearest_centroid) return Status::bad_section;
        if ((st = detail::finite_floats(s, uint64_t(m.n_features) + m.n_classes)) != Status::ok) return st;
        const float* prior = s.data + m.n_features;
        for (uint32_t c = 0; c < m.n_classes; ++c) {
            if (prior[c] > 0.0f) return Status::bad_parameter;
            m.uniform_priors = m.uniform_priors && math::to_bits(prior[c]) == math::to_bits(prior[0]);
        }
        m.discriminant = s.data;
    }
    out = m;
    return Status::ok;
}

inline Status load(const uint8_t* data, size_t size, Model& out) { return load_bytes(data, size, out, load); }

// The k nearest points of x, nearest first (equal distances: the point
// stored first comes first), into the scratch: f.keys[0..k), f.index[0..k).
// x: n_x scalars of the model's feature type (`type`); float inputs must be
// finite (bad_argument otherwise, as scikit-learn refuses NaN).
inline Status search(const Model& m, const void* x, FeatureType type, size_t n_x, uint64_t* scratch,
                     size_t n_scratch, Found& found) {
    const Status checked = detail::check_input(m, x, type, n_x, scratch, n_scratch);
    if (checked != Status::ok) return checked;
    found = detail::layout(m, scratch);
    bool zero_x = false;  // cosine: a zero x is at distance 1 from everything (scikit-learn's normalize)
    if (type == FeatureType::f32) {
        const float* xf = static_cast<const float*>(x);
        if (m.metric == Metric::cosine) {  // x / |x| (a zero vector stays zero, as sklearn's normalize)
            const float norm = math::sqrt(kernels::dot(xf, xf, n_x));
            if (!math::is_finite(norm)) return Status::bad_argument;  // |x|^2 overflows float32
            for (size_t i = 0; i < n_x; ++i) found.values[i] = norm > 0.0f ? math::quotient(xf[i], norm) : 0.0f;
            x = found.values;
            zero_x = !(norm > 0.0f);
        }
    }
    uint64_t* keys = found.keys;
    uint32_t* index = found.index;
    const uint32_t k = m.k;
    uint32_t count = 0;
    for (uint32_t i = 0; i < m.n_points; ++i) {
        const uint64_t bound = count < k ? ~uint64_t(0) : keys[k - 1];
        const uint64_t key = zero_x ? math::to_bits(2.0f) : detail::key_of(m, x, i, bound);
        if (key >= bound) continue;
        uint32_t j = count < k ? count++ : k - 1;
        for (; j > 0 && keys[j - 1] > key; --j) {
            keys[j] = keys[j - 1];
            index[j] = index[j - 1];
        }
        keys[j] = key;
        index[j] = i;
    }
    return Status::ok;
}

// search() for predictions: out_of_range where a float32 sum (squared distance, |d|^p, ...) of the k
// nearest overflowed to +inf, so they are no longer told apart nor their distances known
// (scikit-learn's float64 sums are finite there). The learners keep search()'s choice.
inline Status search_for_prediction(const Model& m, const void* x, FeatureType type, size_t n_x,
                                    uint64_t* scratch, size_t n_scratch, Found& found) {
    const Status st = search(m, x, type, n_x, scratch, n_scratch, found);
    if (st == Status::ok && type == FeatureType::f32 && found.keys[m.k - 1] >= 0x7F800000u)
        return Status::out_of_range;
    return st;
}

// scikit-learn's kneighbors(): distances and indices of the k nearest points.
inline Status kneighbors(const Model& m, const void* x, FeatureType type, size_t n_x, uint64_t* scratch,
                         size_t n_scratch, float* distances, int32_t* indices, size_t n_out) {
    Found f;
    Status st = search_for_prediction(m, x, type, n_x, scratch, n_scratch, f);
    if (st != Status::ok) return st;
    if (distances == nullptr || indices == nullptr || n_out < m.k) return Status::size_mismatch;
    for (uint32_t j = 0; j < m.k; ++j) {
        distances[j] = distance_of(m, f.keys[j]);
        indices[j] = static_cast<int32_t>(f.index[j]);
    }
    return Status::ok;
}

namespace detail {

// The weight of neighbour j, as scikit-learn's _get_weights: 1 (uniform);
// 1 / distance, except that when some neighbour is at distance 0 (the
// nearest, f.keys[0] == 0) those weigh 1 and the others 0.
inline float weight(const Model& m, const Found& f, uint32_t j) {
    if (!m.distance_weights) return 1.0f;
    if (f.keys[0] == 0) return f.keys[j] == 0 ? 1.0f : 0.0f;
    return math::quotient(1.0f, distance_of(m, f.keys[j]));
}

// Class votes of the k nearest into f.values[n_classes], normalised to sum 1.
inline void class_proba(const Model& m, const Found& f) {
    float* votes = f.values;
    for (uint32_t c = 0; c < m.n_classes; ++c) votes[c] = 0.0f;
    float total = 0.0f;
    for (uint32_t j = 0; j < m.k; ++j) {
        const float w = weight(m, f, j);
        votes[m.labels[f.index[j]]] += w;
    }
    for (uint32_t c = 0; c < m.n_classes; ++c) total += votes[c];
    for (uint32_t c = 0; c < m.n_classes; ++c) votes[c] = math::quotient(votes[c], total);
}

// LOF: -mean_j(lrd_j / lrd(x)), lrd(x) = 1 / (mean_j max(d_j, kdist_j) + 1e-10).
inline float lof_score(const Model& m, const Found& f) {
    float reach = 0.0f, lrd = 0.0f;
    for (uint32_t j = 0; j < m.k; ++j) {
        const float* s = m.lof + 2 * size_t(f.index[j]);
        const float d = distance_of(m, f.keys[j]);
        reach += d > s[0] ? d : s[0];
        lrd += s[1];
    }
    const float kf = static_cast<float>(m.k);
    const float x_lrd = math::quotient(1.0f, math::quotient(reach, kf) + 1e-10f);
    return -math::quotient(math::quotient(lrd, x_lrd), kf);
}

// NearestCentroid's discriminant scores of x into f.values[n_classes] (the
// scratch's floats): 2 log prior_c - d(x / s, c / s)^2, summed in float32
// over (x_i - c_i) / s_i (never fused into multiply-adds: the scores decide
// predict() alike on every target). out_of_range where a distance overflows
// float32.
MICROLEARN_SEPARATE_ROUNDING inline Status discriminant_scores(const Model& m, const void* x, FeatureType type,
                                                               size_t n_x, uint64_t* scratch, size_t n_scratch,
                                                               Found& f) {
#ifdef __clang__
#pragma clang fp contract(off)
#endif
    const Status st = check_input(m, x, type, n_x, scratch, n_scratch);
    if (st != Status::ok) return st;
    f = layout(m, scratch);
    const uint32_t d = m.n_features;
    const float* inv_s = m.discriminant;
    for (uint32_t c = 0; c < m.n_classes; ++c) {
        float sum = 0.0f;
        for (uint32_t i = 0; i < d; ++i) {
            const size_t at = size_t(c) * d + i;
            const float diff =
                type == FeatureType::i16
                    ? static_cast<float>(int32_t(static_cast<const int16_t*>(x)[i]) -
                                         int32_t(static_cast<const int16_t*>(m.points)[at])) * m.distance_scale
                    : static_cast<const float*>(x)[i] - static_cast<const float*>(m.points)[at];
            const float z = diff * inv_s[i];
            sum += m.metric == Metric::euclidean ? z * z : (z < 0.0f ? -z : z);
        }
        if (m.metric != Metric::euclidean) sum *= sum;  // manhattan: the distance squared
        if (!math::is_finite(sum)) return Status::out_of_range;
        f.values[c] = inv_s[d + c] - sum;
    }
    return Status::ok;
}

}  // namespace detail

// Class index (classifiers; load_class_labels() maps it to the label), the
// nearest centre (KMeans), +1/-1 (LOF). Ties between classes: the smallest
// class index, as numpy's argmax.
inline Status predict(const Model& m, const void* x, FeatureType type, size_t n_x, uint64_t* scratch,
                      size_t n_scratch, int32_t& out) {
    if (m.task == Task::regression) return Status::unsupported_kind;
    Found f;
    if (m.discriminant != nullptr && !m.uniform_priors) {  // NearestCentroid, scikit-learn's rule
        const Status st = detail::discriminant_scores(m, x, type, n_x, scratch, n_scratch, f);
        if (st == Status::ok) out = static_cast<int32_t>(kernels::argmax(f.values, m.n_classes));
        return st;
    }
    Status st = search_for_prediction(m, x, type, n_x, scratch, n_scratch, f);
    if (st != Status::ok) return st;
    if (m.task == Task::anomaly) {
        out = detail::lof_score(m, f) - m.offset >= 0.0f ? 1 : -1;
    } else if (m.labels == nullptr) {  // NearestCentroid, KMeans: the point is the class / cluster
        out = static_cast<int32_t>(f.index[0]);
    } else {
        detail::class_proba(m, f);
        out = static_cast<int32_t>(kernels::argmax(f.values, m.n_classes));
    }
    return Status::ok;
}

// Regressors: the (weighted) mean of the k nearest targets into out[n_outputs].
inline Status predict_values(const Model& m, const void* x, FeatureType type, size_t n_x, uint64_t* scratch,
                             size_t n_scratch, float* out, size_t n_out) {
    if (m.task != Task::regression) return Status::unsupported_kind;
    Found f;
    Status st = search_for_prediction(m, x, type, n_x, scratch, n_scratch, f);
    if (st != Status::ok) return st;
    if (out == nullptr || n_out < m.n_outputs) return Status::size_mismatch;
    for (uint32_t o = 0; o < m.n_outputs; ++o) out[o] = 0.0f;
    float total = 0.0f;
    for (uint32_t j = 0; j < m.k; ++j) {
        const float w = detail::weight(m, f, j);
        const float* y = m.targets + size_t(f.index[j]) * m.n_outputs;
        for (uint32_t o = 0; o < m.n_outputs; ++o) out[o] += w * y[o];
        total += w;
    }
    for (uint32_t o = 0; o < m.n_outputs; ++o) out[o] = math::quotient(out[o], total);
    return Status::ok;
}

// Class probabilities into out[n_classes]: k-NN classifiers' vote shares;
// NearestCentroid (has_scores) the softmax of its discriminant scores.
inline Status predict_proba(const Model& m, const void* x, FeatureType type, size_t n_x, uint64_t* scratch,
                            size_t n_scratch, float* out, size_t n_out) {
    if (!has_proba(m)) return Status::unsupported_kind;
    Found f;
    Status st = m.labels != nullptr ? search_for_prediction(m, x, type, n_x, scratch, n_scratch, f)
                                    : detail::discriminant_scores(m, x, type, n_x, scratch, n_scratch, f);
    if (st != Status::ok) return st;
    if (out == nullptr || n_out < m.n_classes) return Status::size_mismatch;
    if (m.labels != nullptr)
        detail::class_proba(m, f);
    else
        kernels::softmax(f.values, m.n_classes);
    for (uint32_t c = 0; c < m.n_classes; ++c) out[c] = f.values[c];
    return Status::ok;
}

// KMeans (euclidean only): the distance to every centre into out[n_points]; out_of_range where a
// squared distance overflows float32 (scikit-learn's float64 distance is finite there).
inline Status transform(const Model& m, const void* x, FeatureType type, size_t n_x, uint64_t* scratch,
                        size_t n_scratch, float* out, size_t n_out) {
    if (m.task != Task::clustering) return Status::unsupported_kind;
    Found f;
    Status st = search(m, x, type, n_x, scratch, n_scratch, f);  // checks x
    if (st != Status::ok) return st;
    if (out == nullptr || n_out < m.n_points) return Status::size_mismatch;
    for (uint32_t i = 0; i < m.n_points; ++i) {
        out[i] = distance_of(m, detail::key_of(m, x, i, ~uint64_t(0)));
        if (!math::is_finite(out[i])) return Status::out_of_range;
    }
    return Status::ok;
}

// LOF: scikit-learn's score_samples (the opposite of the local outlier factor).
inline Status score_samples(const Model& m, const void* x, FeatureType type, size_t n_x, uint64_t* scratch,
                            size_t n_scratch, float& out) {
    if (m.task != Task::anomaly) return Status::unsupported_kind;
    Found f;
    Status st = search_for_prediction(m, x, type, n_x, scratch, n_scratch, f);
    if (st == Status::ok) out = detail::lof_score(m, f);
    return st;
}

// Values decision_function() gives: 1 (LOF, two-class NearestCentroid),
// n_classes (NearestCentroid), 0 (none).
inline uint32_t decision_width(const Model& m) {
    if (m.task == Task::anomaly) return 1;
    return has_scores(m) ? (m.n_classes == 2 ? 1 : m.n_classes) : 0;
}

// LOF: score_samples - offset_ into out[0]. NearestCentroid (has_scores):
// the discriminant scores into out[n_classes], or score_1 - score_0 into
// out[0] for two classes (scikit-learn's shapes).
inline Status decision_function(const Model& m, const void* x, FeatureType type, size_t n_x, uint64_t* scratch,
                                size_t n_scratch, float* out, size_t n_out) {
    const uint32_t width = decision_width(m);
    if (width == 0) return Status::unsupported_kind;
    if (out == nullptr || n_out < width) return Status::size_mismatch;
    if (m.task == Task::anomaly) {
        Status st = score_samples(m, x, type, n_x, scratch, n_scratch, out[0]);
        if (st == Status::ok) out[0] -= m.offset;
        return st;
    }
    Found f;
    const Status st = detail::discriminant_scores(m, x, type, n_x, scratch, n_scratch, f);
    if (st != Status::ok) return st;
    if (m.n_classes == 2)
        out[0] = f.values[1] - f.values[0];
    else
        for (uint32_t c = 0; c < m.n_classes; ++c) out[c] = f.values[c];
    return Status::ok;
}

// ---- k-means learned on the device ------------------------------------------
// A KMeans model that lives in a buffer its owner may write: created by
// write_kmeans_file(), loaded by load(), its centres (the model's points)
// then updated in place by kmeans_lloyd() / kmeans_partial_fit(), and
// refresh_checksum() makes the bytes a valid .mlm file again (to save, or to
// load on the PC). The host runs the same functions (python/bindings), so
// its results are the device's bit for bit.

// Bytes of the .mlm file of a KMeans model with k centres of d features.
// 0 when it would exceed kMaxCreatedSize (computed in 64 bits: k x d can wrap a 32-bit size_t).
inline size_t kmeans_file_size(uint32_t k, uint32_t d) {
    const uint64_t size = kHeaderSize + 3 * kSectionEntrySize + 4 * (p_count + fp_count) + 4 * uint64_t(k) * d;
    return size <= kMaxCreatedSize ? static_cast<size_t>(size) : 0;
}

namespace detail {
inline void put_le16(uint8_t* p, uint32_t v) { p[0] = uint8_t(v), p[1] = uint8_t(v >> 8); }
inline void put_le32(uint8_t* p, uint32_t v) { put_le16(p, v), put_le16(p + 2, v >> 16); }
}  // namespace detail

// Recomputes the CRC32 field of the .mlm file in data[0, size) (size as its header says).
inline void refresh_checksum(uint8_t* data, size_t size) {
    detail::put_le32(data + kCrcOffset, 0);
    detail::put_le32(data + kCrcOffset, crc32(data, size));
}

// Writes the file of a KMeans model with k zero centres of d features into
// out[kmeans_file_size(k, d)] (the layout python/microlearn/mlm.py writes,
// without metadata).
inline Status write_kmeans_file(uint8_t* out, size_t size, uint32_t k, uint32_t d) {
    if (out == nullptr) return Status::bad_argument;
    if (k == 0 || d == 0 || d > 65535u || k > 65535u) return Status::bad_parameter;
    if (kmeans_file_size(k, d) == 0) return Status::bad_parameter;
    if (size != kmeans_file_size(k, d)) return Status::size_mismatch;
    for (size_t i = 0; i < size; ++i) out[i] = 0;
    for (int i = 0; i < 4; ++i) out[i] = kMagic[i];
    detail::put_le16(out + 4, kOldestFormatVersion);
    detail::put_le16(out + 6, static_cast<uint32_t>(ModelKind::neighbors));
    detail::put_le32(out + 12, static_cast<uint32_t>(size));
    detail::put_le16(out + 20, 3);
    const uint32_t counts[3] = {p_count, fp_count, k * d};
    const uint16_t ids[3] = {Section::params, Section::float_params, Section::points};
    const DType types[3] = {DType::u32, DType::f32, DType::f32};
    uint32_t offset = kHeaderSize + 3 * kSectionEntrySize;
    for (int i = 0; i < 3; ++i) {
        uint8_t* e = out + kHeaderSize + i * kSectionEntrySize;
        detail::put_le16(e, ids[i]);
        e[2] = static_cast<uint8_t>(types[i]);
        detail::put_le32(e + 4, offset);
        detail::put_le32(e + 8, counts[i]);
        offset += 4 * counts[i];
    }
    uint8_t* params = out + kHeaderSize + 3 * kSectionEntrySize;
    const uint32_t values[p_count] = {d, k, 0, 0, static_cast<uint32_t>(Task::clustering),
                                      static_cast<uint32_t>(Estimator::kmeans), 0, 0, 1, 0};
    for (uint32_t i = 0; i < p_count; ++i) detail::put_le32(params + 4 * i, values[i]);
    uint8_t* fp = params + 4 * p_count;
    detail::put_le32(fp + 4 * fp_p, math::to_bits(2.0f));
    detail::put_le32(fp + 4 * fp_distance_scale, math::to_bits(1.0f));
    refresh_checksum(out, size);
    return Status::ok;
}

namespace detail {

// The centres of a k-means model loaded from the writable bytes file[0, size):
// its points, inside them; nullptr for any other model or buffer.
inline float* writable_centres(const Model& m, uint8_t* file, size_t size) {
    if (m.estimator != Estimator::kmeans || m.feature_type != FeatureType::f32 || file == nullptr) return nullptr;
    const uint8_t* p = static_cast<const uint8_t*>(m.points);
    if (p < file || p + 4 * size_t(m.n_points) * m.n_features > file + size) return nullptr;
    return reinterpret_cast<float*>(file + (p - file));
}

// After the centres changed: the file's CRC again (its size as its header says).
inline void seal(uint8_t* file) { refresh_checksum(file, read_le32(file + 12)); }

}  // namespace detail

// Lloyd's algorithm in float32 on the n rows of X (n x n_features): each
// iteration assigns every row to its nearest centre (ties: the first), then
// moves each centre to the mean of its rows (summed in row order; a centre
// without rows stays); it stops when no centre moved or after max_iter.
// m was loaded from the writable bytes file[0, size), whose centres change
// in place (and whose CRC is refreshed); sums: n_points x n_features floats
// and counts: n_points scratch. n_iter gets the iterations run. Rows with
// NaN or infinity: bad_argument before anything changes; a sum beyond
// float32's range: out_of_range, the centres as the last iteration left them.
inline Status kmeans_lloyd(const Model& m, uint8_t* file, size_t size, const float* X, size_t n, uint32_t max_iter,
                           uint64_t* scratch, size_t n_scratch, float* sums, uint32_t* counts, uint32_t& n_iter) {
    n_iter = 0;
    float* centres = detail::writable_centres(m, file, size);
    if (centres == nullptr) return Status::unsupported_kind;
    if ((X == nullptr && n > 0) || sums == nullptr || counts == nullptr) return Status::bad_argument;
    const uint32_t k = m.n_points, d = m.n_features;
    Found f;
    for (size_t r = 0; r < n; ++r) {
        const Status st = search(m, X + r * d, FeatureType::f32, d, scratch, n_scratch, f);
        if (st != Status::ok) return st;
    }
    while (n_iter < max_iter) {
        for (size_t i = 0; i < size_t(k) * d; ++i) sums[i] = 0.0f;
        for (uint32_t c = 0; c < k; ++c) counts[c] = 0;
        for (size_t r = 0; r < n; ++r) {
            (void)search(m, X + r * d, FeatureType::f32, d, scratch, n_scratch, f);
            const uint32_t c = f.index[0];
            ++counts[c];
            for (uint32_t j = 0; j < d; ++j) sums[size_t(c) * d + j] += X[r * d + j];
        }
        for (size_t i = 0; i < size_t(k) * d; ++i)  // a sum beyond float32: stop, centres as they were
            if (!math::is_finite(sums[i])) {
                detail::seal(file);
                return Status::out_of_range;
            }
        bool moved = false;
        for (uint32_t c = 0; c < k; ++c) {
            if (counts[c] == 0) continue;
            const float count = static_cast<float>(counts[c]);
            for (uint32_t j = 0; j < d; ++j) {
                const float v = math::quotient(sums[size_t(c) * d + j], count);
                moved |= math::to_bits(v) != math::to_bits(centres[size_t(c) * d + j]);
                centres[size_t(c) * d + j] = v;
            }
        }
        ++n_iter;
        if (!moved) break;
    }
    detail::seal(file);
    return Status::ok;
}

// Online update with one row x (MiniBatchKMeans-style, one sample per step):
// its nearest centre c gets counts[c] += 1 and moves by (x - c) / counts[c]
// (so a centre's first row replaces it). `assigned` gets c. m, file, size as
// for kmeans_lloyd(); counts: n_points, kept by the caller between calls.
// out_of_range, and nothing changes, when a new value overflows float32.
MICROLEARN_SEPARATE_ROUNDING inline Status kmeans_partial_fit(const Model& m, uint8_t* file, size_t size,
                                                              uint32_t* counts, const float* x, size_t n_x,
                                                              uint64_t* scratch, size_t n_scratch, int32_t& assigned) {
    float* centres = detail::writable_centres(m, file, size);
    if (centres == nullptr) return Status::unsupported_kind;
    if (counts == nullptr) return Status::bad_argument;
    Found f;
    const Status st = search(m, x, FeatureType::f32, n_x, scratch, n_scratch, f);
    if (st != Status::ok) return st;
    const uint32_t c = f.index[0], d = m.n_features;
    const uint32_t count = counts[c] < 0xFFFFFFFFu ? counts[c] + 1 : counts[c];
    const float eta = math::quotient(1.0f, static_cast<float>(count));
    float* centre = centres + size_t(c) * d;
    for (uint32_t j = 0; j < d; ++j) {  // into the scratch first: nothing changes if a value overflows
        f.values[j] = centre[j] + eta * (x[j] - centre[j]);
        if (!math::is_finite(f.values[j])) return Status::out_of_range;
    }
    for (uint32_t j = 0; j < d; ++j) centre[j] = f.values[j];
    counts[c] = count;
    assigned = static_cast<int32_t>(c);
    detail::seal(file);
    return Status::ok;
}

// ---- k-NN learned on the device ----------------------------------------------
// A k-NN classifier (euclidean) whose samples live in its own writable file,
// sized for `capacity` samples: its sections keep fixed offsets with room for
// capacity labels and samples, and their counts say how many there are.
// knn_add() and knn_remove() leave the CRC stale (a CRC pass over the whole
// file per sample would cost more than the sample): refresh_checksum() makes
// it a valid .mlm file again, to save it. knn_sync() gives its model, without
// the CRC, once it holds at least k samples. int16
// samples are in integer units (distance scale 1). Sections: params,
// float_params, metadata (the JSON the PC's Model reads: classes 0..n-1),
// labels, points.

namespace detail {

// Writes text at out + n (out null: only counts); returns n + its length.
inline uint32_t put_text(uint8_t* out, uint32_t n, const char* s) {
    for (; *s; ++s, ++n)
        if (out) out[n] = static_cast<uint8_t>(*s);
    return n;
}

inline uint32_t put_uint(uint8_t* out, uint32_t n, uint32_t v) {
    char digits[11];
    int k = 0;
    do digits[k++] = static_cast<char>('0' + v % 10), v /= 10;
    while (v != 0);
    while (k > 0) {
        if (out) out[n] = static_cast<uint8_t>(digits[k - 1]);
        ++n, --k;
    }
    return n;
}

// The learner file's metadata JSON (what the PC's Model reads) into out
// (null: only counts); returns its length.
inline uint32_t knn_metadata(uint8_t* out, uint32_t n_classes, FeatureType type) {
    uint32_t n = put_text(out, 0, "{\"classes\":[");
    for (uint32_t c = 0; c < n_classes; ++c) {
        if (c) n = put_text(out, n, ",");
        n = put_uint(out, n, c);
    }
    n = put_text(out, n, "],\"classes_dtype\":\"<i8\",\"estimator\":\"KNeighborsClassifier\",");
    return put_text(out, n, type == FeatureType::i16
                                ? "\"feature_dtype\":\"int16\",\"feature_offset\":0,\"feature_scale\":1}"
                                : "\"feature_dtype\":\"float32\"}");
}

}  // namespace detail

struct KnnLayout {
    uint32_t meta_at, meta_size, labels_at, points_at, size, item;
};

inline KnnLayout knn_layout(uint32_t capacity, uint32_t d, uint32_t n_classes, FeatureType type) {
    KnnLayout l;
    l.item = type == FeatureType::i16 ? 2 : 4;
    l.meta_size = detail::knn_metadata(nullptr, n_classes, type);
    l.meta_at = kHeaderSize + 5 * kSectionEntrySize + 4 * (p_count + fp_count);
    l.labels_at = (l.meta_at + l.meta_size + 3) & ~3u;
    l.points_at = (l.labels_at + 2 * capacity + 3) & ~3u;
    const uint64_t size = l.points_at + uint64_t(l.item) * capacity * d;  // capacity x d can wrap 32 bits
    l.size = size <= kMaxCreatedSize ? static_cast<uint32_t>(size) : 0;    // 0: too large
    return l;
}

inline size_t knn_file_size(uint32_t capacity, uint32_t d, uint32_t n_classes, FeatureType type) {
    return knn_layout(capacity, d, n_classes, type).size;
}

// Scratch (8-byte words) of a k-NN learner's model.
inline size_t knn_scratch_size(uint32_t k, uint32_t d, uint32_t n_classes) {
    Model m;
    m.k = k, m.n_features = d, m.n_classes = n_classes;
    return scratch_size(m);
}

namespace detail {

// The sample count of a learner's file and its layout; bad_section unless
// the file is one write_knn_file() made.
inline Status knn_open(const uint8_t* file, size_t size, KnnLayout& l, uint32_t& n, uint32_t& d, uint32_t& capacity) {
    ModelFile f;
    Status st = open_model_file(file, size, f, false);
    if (st != Status::ok) return st;
    if (f.kind != ModelKind::neighbors || f.section_count != 5) return Status::bad_section;
    const SectionInfo labels = f.entry(3), points = f.entry(4);
    const uint32_t* p = reinterpret_cast<const uint32_t*>(file + f.entry(0).offset);
    if (f.entry(0).id != Section::params || f.entry(0).count != p_count || labels.id != Section::labels ||
        points.id != Section::points || p[p_estimator] != uint32_t(Estimator::kneighbors) || p[p_n_features] == 0 ||
        p[p_n_features] > 65535u || p[p_n_classes] == 0 || p[p_n_classes] > 65535u)
        return Status::bad_section;
    const FeatureType type = p[p_feature_type] == 1 ? FeatureType::i16 : FeatureType::f32;
    d = p[p_n_features];
    n = p[p_n_points];
    capacity = (f.size - points.offset) / ((type == FeatureType::i16 ? 2 : 4) * d);
    l = knn_layout(capacity, d, p[p_n_classes], type);
    if (l.size != f.size || l.labels_at != labels.offset || l.points_at != points.offset || n > capacity ||
        labels.count != n || points.count != n * d)
        return Status::bad_section;
    return Status::ok;
}

// Sets the sample count (params and the two sections' counts).
inline void knn_set_count(uint8_t* file, uint32_t n, uint32_t d) {
    put_le32(file + kHeaderSize + 5 * kSectionEntrySize + 4 * p_n_points, n);
    put_le32(file + kHeaderSize + 3 * kSectionEntrySize + 8, n);
    put_le32(file + kHeaderSize + 4 * kSectionEntrySize + 8, n * d);
}

}  // namespace detail

// Writes an empty learner's file (no samples) into out[knn_file_size(...)].
inline Status write_knn_file(uint8_t* out, size_t size, uint32_t capacity, uint32_t d, uint32_t n_classes,
                             uint32_t k, bool distance_weights, FeatureType type) {
    if (out == nullptr) return Status::bad_argument;
    if (capacity == 0 || capacity > 65535u || d == 0 || d > 65535u || n_classes == 0 || n_classes > 65535u ||
        k == 0 || k > capacity)
        return Status::bad_parameter;
    const KnnLayout l = knn_layout(capacity, d, n_classes, type);
    if (l.size == 0) return Status::bad_parameter;
    if (size != l.size) return Status::size_mismatch;
    for (size_t i = 0; i < size; ++i) out[i] = 0;
    for (int i = 0; i < 4; ++i) out[i] = kMagic[i];
    detail::put_le16(out + 4, kOldestFormatVersion);
    detail::put_le16(out + 6, static_cast<uint32_t>(ModelKind::neighbors));
    detail::put_le32(out + 12, l.size);
    detail::put_le16(out + 20, 5);
    const uint16_t ids[5] = {Section::params, Section::float_params, section_metadata, Section::labels,
                             Section::points};
    const DType types[5] = {DType::u32, DType::f32, DType::u8, DType::u16,
                            type == FeatureType::i16 ? DType::i16 : DType::f32};
    const uint32_t offsets[5] = {kHeaderSize + 5 * kSectionEntrySize,
                                 kHeaderSize + 5 * kSectionEntrySize + 4 * p_count, l.meta_at, l.labels_at,
                                 l.points_at};
    const uint32_t counts[5] = {p_count, fp_count, l.meta_size, 0, 0};
    for (int i = 0; i < 5; ++i) {
        uint8_t* e = out + kHeaderSize + i * kSectionEntrySize;
        detail::put_le16(e, ids[i]);
        e[2] = static_cast<uint8_t>(types[i]);
        detail::put_le32(e + 4, offsets[i]);
        detail::put_le32(e + 8, counts[i]);
    }
    const uint32_t values[p_count] = {d, 0, n_classes, 0, static_cast<uint32_t>(Task::classification),
                                      static_cast<uint32_t>(Estimator::kneighbors), 0, distance_weights ? 1u : 0u,
                                      k, type == FeatureType::i16 ? 1u : 0u};
    for (uint32_t i = 0; i < p_count; ++i) detail::put_le32(out + offsets[0] + 4 * i, values[i]);
    detail::put_le32(out + offsets[1] + 4 * fp_p, math::to_bits(2.0f));
    detail::put_le32(out + offsets[1] + 4 * fp_distance_scale, math::to_bits(1.0f));
    detail::knn_metadata(out + l.meta_at, n_classes, type);
    refresh_checksum(out, size);
    return Status::ok;
}

// Appends sample x (n_features scalars of the file's type; float32 finite)
// with class `label`: out_of_range for a label >= n_classes, size_mismatch
// when the file is full.
inline Status knn_add(uint8_t* file, size_t size, const void* x, FeatureType type, uint32_t label) {
    KnnLayout l;
    uint32_t n, d, capacity;
    Status st = detail::knn_open(file, size, l, n, d, capacity);
    if (st != Status::ok) return st;
    if (x == nullptr) return Status::bad_argument;
    if ((type == FeatureType::i16) != (l.item == 2)) return Status::type_mismatch;
    if (label >= read_le32(file + kHeaderSize + 5 * kSectionEntrySize + 4 * p_n_classes)) return Status::out_of_range;
    if (n == capacity) return Status::size_mismatch;
    if (type == FeatureType::f32)
        for (uint32_t j = 0; j < d; ++j)
            if (!math::is_finite(static_cast<const float*>(x)[j])) return Status::bad_argument;
    const uint8_t* src = static_cast<const uint8_t*>(x);
    uint8_t* dst = file + l.points_at + size_t(l.item) * n * d;
    for (size_t i = 0; i < size_t(l.item) * d; ++i) dst[i] = src[i];
    detail::put_le16(file + l.labels_at + 2 * n, label);
    detail::knn_set_count(file, n + 1, d);
    return Status::ok;
}

// Removes sample `index`; the later ones move down one place (their order,
// and so how ties break, stays).
inline Status knn_remove(uint8_t* file, size_t size, uint32_t index) {
    KnnLayout l;
    uint32_t n, d, capacity;
    Status st = detail::knn_open(file, size, l, n, d, capacity);
    if (st != Status::ok) return st;
    if (index >= n) return Status::out_of_range;
    const size_t row = size_t(l.item) * d;
    uint8_t* points = file + l.points_at;
    for (size_t i = size_t(index) * row; i + row < size_t(n) * row; ++i) points[i] = points[i + row];
    uint8_t* labels = file + l.labels_at;
    for (size_t i = 2 * size_t(index); i + 2 < 2 * size_t(n); ++i) labels[i] = labels[i + 2];
    for (size_t i = 0; i < row; ++i) points[size_t(n - 1) * row + i] = 0;
    labels[2 * (n - 1)] = labels[2 * (n - 1) + 1] = 0;
    detail::knn_set_count(file, n - 1, d);
    return Status::ok;
}

// The model of a learner's file whose CRC is fresh (the learner's own
// functions keep it so): load() without recomputing the CRC over the file.
// bad_parameter while it holds fewer than k samples.
inline Status knn_sync(const uint8_t* file, size_t size, Model& out) {
    ModelFile f;
    Status st = open_model_file(file, size, f, false);
    if (st != Status::ok) return st;
    return load(f, out);
}

}  // namespace neighbors
}  // namespace microlearn
