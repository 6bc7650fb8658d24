// Gaussian models: GaussianNB, GaussianMixture, BayesianGaussianMixture and
// EllipticEnvelope, evaluated by one kernel. python/microlearn/converters/
// gaussian.py writes the model; docs/gaussian.md states the tolerances.
//
// Every model is K Gaussian components over d features. Component k has a
// mean mu_k, a constant c_k and a factor P_k of its precision matrix
// (precision_k = P_k P_k^T, P_k upper triangular, as scikit-learn's
// precisions_cholesky_), and
//     q_k(x)   = || P_k^T (x - mu_k) ||^2        (squared Mahalanobis distance)
//     log_k(x) = c_k - q_k(x) / 2                 (weighted log-density)
// c_k holds everything that does not depend on x (log weight or prior,
// log-determinant, -d/2 log 2 pi, and BayesianGaussianMixture's digamma
// terms), computed by the converter in float64. Then
//   classification (GaussianNB): predict = argmax_k log_k, predict_proba =
//     softmax(log_k) (log_k is scikit-learn's joint log-likelihood);
//   clustering (mixtures): the same, plus score_samples = logsumexp_k log_k;
//   anomaly (EllipticEnvelope, K = 1): score_samples = -q_0,
//     decision_function = -q_0 - offset, predict = +1 if decision >= 0 else -1.
//
// The optional `centring` section holds a centre c, per feature: the means
// (and m below) are then stored relative to it, and x - mu is computed as
// (x - c) - (mu - c), exact in its first step for x near c (features far
// from 0 relative to their spread keep their digits; a float32 mean of 1e4
// would carry a rounding of 5e-4).
//
// Mixtures may carry a term common to every component (in `centring`, after c):
//     q_k(x) = || P_k^T (x - mu_k) ||^2 + || G^T (x - m) ||^2
// the part of the precisions the components share on directions where the
// training data had no variance (the converter splits it off; there it is
// (distance)^2 / reg_covar, and would drown the components' differences in
// float32). It changes no comparison between components, so predict and
// predict_proba leave it out; score_samples and log_probs add it after the
// logsumexp.
//
// Factor layouts (`factors` section), by covariance type:
//   full       K triangles; tied: 1 triangle shared by all components. A
//              triangle is P's upper part column by column: column j holds
//              P[0..j, j] (j + 1 floats), d (d + 1) / 2 floats in all, so
//              (P^T v)_j is one dot product of length j + 1.
//   diag       K x d: P_k = diag(p_k)  (GaussianNB: p = 1 / sqrt(var))
//   spherical  K:     P_k = p_k I
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "kernels.hpp"
#include "math.hpp"
#include "model_file.hpp"

namespace microlearn {
namespace gaussian {

enum Section : uint16_t {
    params = 1,        // u32[ParamIndex::count]
    float_params = 2,  // f32[FloatParamIndex::count], optional (zeros)
    means = 3,         // f32[K * d]
    constants = 4,     // f32[K]
    factors = 5,       // f32, layout by covariance type (above)
    centring = 6,      // f32, optional: c [d]; mixtures with a common term then m - c [d] and G column
                       // by column [r * d]
};

enum ParamIndex : uint32_t {
    p_n_features,
    p_n_components,
    p_n_classes,     // classification: = n_components; otherwise 0
    p_task,
    p_covariance,
    p_feature_type,  // 0: float32 (the only one)
    p_count
};

enum FloatParamIndex : uint32_t {
    fp_offset,  // EllipticEnvelope's offset_
    fp_count
};

// The numbering of info()["task"] shared by every family.
enum class Task : uint32_t { classification = 1, anomaly = 2, clustering = 3 };

enum class Covariance : uint32_t { full = 0, tied = 1, diag = 2, spherical = 3 };

struct Model {
    uint32_t n_features = 0, n_components = 0, n_classes = 0, n_common = 0;  // n_common: r (0: no term)
    Task task = Task::clustering;
    Covariance covariance = Covariance::full;
    const float* means = nullptr;
    const float* constants = nullptr;
    const float* factors = nullptr;
    float offset = 0.0f;
    const float* centre = nullptr;  // c, then (n_common > 0) m - c and G: (2 + n_common) * n_features floats
};

// Floats of scratch every evaluation needs (x - mu for triangular factors).
inline size_t scratch_size(const Model& m) { return m.n_features; }

namespace detail {

// Floats in the factors section of a model with these sizes.
inline uint64_t factor_count(Covariance c, uint64_t k, uint64_t d) {
    const uint64_t triangle = d * (d + 1) / 2;
    if (c == Covariance::full) return k * triangle;
    if (c == Covariance::tied) return triangle;
    if (c == Covariance::diag) return k * d;
    return k;
}


// x_i - c_i (x_i without a centre): exact for x_i within a factor 2 of c_i.
inline float centred(const Model& m, const float* x, uint32_t i) {
    return m.centre != nullptr ? x[i] - m.centre[i] : x[i];
}

// The input as quadratic() reads it. Diagonal and spherical factors need no
// scratch: x - c goes there once per call, not once per component (a
// GaussianNB of 3 classes and 13 features spent a quarter of its Cortex-M3
// predict on the repeated soft-float subtractions). Full and tied factors
// need the scratch for x - mu_k and centre x there.
inline const float* prepared(const Model& m, const float* x, float* scratch) {
    if (m.centre == nullptr || m.covariance == Covariance::full || m.covariance == Covariance::tied) return x;
    for (uint32_t i = 0; i < m.n_features; ++i) scratch[i] = x[i] - m.centre[i];
    return scratch;
}

// q_k(x) = || P_k^T (x - mu_k) ||^2, for xp = prepared(m, x, diff). `diff`
// holds n_features floats.
inline float quadratic(const Model& m, uint32_t k, const float* xp, float* diff) {
    const uint32_t d = m.n_features;
    const float* mu = m.means + size_t(k) * d;
    float q = 0.0f;
    if (m.covariance == Covariance::full || m.covariance == Covariance::tied) {
        const float* col = m.factors;
        if (m.covariance == Covariance::full) col += size_t(k) * (size_t(d) * (d + 1) / 2);
        for (uint32_t i = 0; i < d; ++i) diff[i] = centred(m, xp, i) - mu[i];
        for (uint32_t j = 0; j < d; ++j) {
            const float y = kernels::dot(col, diff, j + 1);
            q += y * y;
            col += j + 1;
        }
        return q;
    }
    // diag: p_k[i] per feature; spherical: one p_k for every feature.
    const bool diag = m.covariance == Covariance::diag;
    const float* p = m.factors + (diag ? size_t(k) * d : k);
    for (uint32_t i = 0; i < d; ++i) {
        const float y = (xp[i] - mu[i]) * p[diag ? i : 0];  // xp is x - c already
        q += y * y;
    }
    return q;
}

// || G^T (x - m) ||^2 (0 without a common term). `diff` holds n_features floats.
// G^T (x - m) cancels terms of G's size (sqrt(1 / reg_covar)) down to the
// distance off the subspace: never fused into multiply-adds, so that every
// target rounds it alike (the Cortex-M4F's FMA differed by 3e-5 relative).
MICROLEARN_SEPARATE_ROUNDING inline float common_term(const Model& m, const float* x, float* diff) {
#ifdef __clang__
#pragma clang fp contract(off)
#endif
    const uint32_t d = m.n_features;
    if (m.n_common == 0) return 0.0f;
    const float* relative = m.centre + d;  // m - c
    for (uint32_t i = 0; i < d; ++i) diff[i] = (x[i] - m.centre[i]) - relative[i];
    float q = 0.0f;
    for (uint32_t j = 0; j < m.n_common; ++j) {
        const float* g = m.centre + size_t(2 + j) * d;
        float y = 0.0f;
        for (uint32_t i = 0; i < d; ++i) y += g[i] * diff[i];
        q += y * y;
    }
    return q;
}

// log_k(x) without the common term, for xp = prepared(m, x, diff).
inline float log_density(const Model& m, uint32_t k, const float* xp, float* diff) {
    return m.constants[k] - 0.5f * quadratic(m, k, xp, diff);
}

// NaN from finite x and parameters means x - mu overflowed float32 and met
// a zero factor (inf * 0): callers then return out_of_range.
inline bool overflowed(float v) { return math::is_nan_bits(math::to_bits(v)); }

// Common argument checks of every evaluation: finite x of n_features floats
// (scikit-learn refuses NaN and infinity too) and the scratch it needs.
inline Status check_call(const Model& m, const float* x, size_t n_x, const float* scratch, size_t n_scratch) {
    if (x == nullptr || scratch == nullptr) return Status::bad_argument;
    if (n_x != m.n_features || n_scratch < scratch_size(m)) return Status::size_mismatch;
    for (size_t i = 0; i < n_x; ++i)
        if (!math::is_finite(x[i])) return Status::bad_argument;
    return Status::ok;
}

}  // namespace detail

// Validates the Gaussian-model sections of an opened file and fills `out`.
inline Status load(const ModelFile& f, Model& out) {
    out = Model{};
    Span<uint32_t> ps;
    Status st = params_section(f, ModelKind::gaussian, p_count, true, ps);
    if (st != Status::ok) return st;
    const uint32_t* p = ps.data;

    Model m;
    m.n_features = p[p_n_features];
    m.n_components = p[p_n_components];
    m.n_classes = p[p_n_classes];
    if (p[p_task] < 1 || p[p_task] > 3 || p[p_covariance] > 3 || p[p_feature_type] != 0)
        return Status::bad_parameter;
    m.task = static_cast<Task>(p[p_task]);
    m.covariance = static_cast<Covariance>(p[p_covariance]);
    if (m.n_features == 0 || m.n_features > 65535u || m.n_components == 0) return Status::bad_parameter;
    if (m.n_classes != (m.task == Task::classification ? m.n_components : 0u)) return Status::bad_parameter;
    if (m.task == Task::anomaly && m.n_components != 1) return Status::bad_parameter;

    const uint64_t k = m.n_components, d = m.n_features;
    if ((st = finite_float_section(f, Section::means, k * d, m.means)) != Status::ok) return st;
    if ((st = finite_float_section(f, Section::constants, k, m.constants)) != Status::ok) return st;
    if ((st = finite_float_section(f, Section::factors, detail::factor_count(m.covariance, k, d), m.factors)) !=
        Status::ok)
        return st;
    Span<float> c;
    if ((st = f.section(Section::centring, c, true)) != Status::ok) return st;
    if (c.data != nullptr) {
        const size_t rows = c.size / m.n_features;  // 1, or 2 + r (32-bit division: no runtime call on the device)
        if (rows * m.n_features != c.size || rows == 0 || rows == 2 || rows > d + 2) return Status::size_mismatch;
        if (rows > 1 && m.task != Task::clustering) return Status::bad_parameter;
        if ((st = finite_float_section(f, Section::centring, c.size, m.centre)) != Status::ok) return st;
        m.n_common = static_cast<uint32_t>(rows > 1 ? rows - 2 : 0);
    }
    Span<float> fp;
    if ((st = f.section(Section::float_params, fp, true)) != Status::ok) return st;
    if (fp.data != nullptr) {
        if (fp.size != fp_count) return Status::size_mismatch;
        if (!math::is_finite(fp[fp_offset])) return Status::bad_parameter;
        m.offset = fp[fp_offset];
    }
    out = m;
    return Status::ok;
}

inline Status load(const uint8_t* data, size_t size, Model& out) { return load_bytes(data, size, out, load); }

namespace detail {

// log_k(x) without the common term for every component into out[n_components].
inline Status component_logs(const Model& m, const float* x, size_t n_x, float* scratch, size_t n_scratch,
                             float* out, size_t n_out) {
    if (m.task == Task::anomaly) return Status::unsupported_kind;
    Status st = check_call(m, x, n_x, scratch, n_scratch);
    if (st != Status::ok) return st;
    if (out == nullptr || n_out < m.n_components) return Status::size_mismatch;
    const float* xp = prepared(m, x, scratch);
    for (uint32_t k = 0; k < m.n_components; ++k)
        if (overflowed(out[k] = log_density(m, k, xp, scratch))) return Status::out_of_range;
    return Status::ok;
}

}  // namespace detail

// log_k(x) for every component into out[n_components]: the joint
// log-likelihood of GaussianNB, the weighted log-probabilities of mixtures
// (with the common term).
inline Status log_probs(const Model& m, const float* x, size_t n_x, float* scratch, size_t n_scratch, float* out,
                        size_t n_out) {
    const Status st = detail::component_logs(m, x, n_x, scratch, n_scratch, out, n_out);
    if (st == Status::ok && m.n_common != 0) {
        const float half = 0.5f * detail::common_term(m, x, scratch);
        for (uint32_t k = 0; k < m.n_components; ++k)
            if (detail::overflowed(out[k] -= half)) return Status::out_of_range;
    }
    return st;
}

// Anomaly detectors: score_samples - offset.
inline Status decision_function(const Model& m, const float* x, size_t n_x, float* scratch, size_t n_scratch,
                                float& out) {
    if (m.task != Task::anomaly) return Status::unsupported_kind;
    Status st = detail::check_call(m, x, n_x, scratch, n_scratch);
    if (st != Status::ok) return st;
    out = -detail::quadratic(m, 0, detail::prepared(m, x, scratch), scratch) - m.offset;
    return detail::overflowed(out) ? Status::out_of_range : Status::ok;
}

// Class index (GaussianNB; load_class_labels() maps it to the label),
// component index (mixtures), +1/-1 (EllipticEnvelope). The first of equal
// maxima wins, as numpy's argmax. out_of_range when every component's
// log-density is -inf (x so far away that q overflows float32), and from
// every evaluation when x - mu itself overflows into a NaN.
inline Status predict(const Model& m, const float* x, size_t n_x, float* scratch, size_t n_scratch, int32_t& out) {
    if (m.task == Task::anomaly) {
        float decision = 0.0f;
        const Status st = decision_function(m, x, n_x, scratch, n_scratch, decision);
        if (st == Status::ok) out = decision >= 0.0f ? 1 : -1;
        return st;
    }
    Status st = detail::check_call(m, x, n_x, scratch, n_scratch);
    if (st != Status::ok) return st;
    float best = -math::from_bits(0x7f800000u);
    int32_t index = -1;
    const float* xp = detail::prepared(m, x, scratch);
    for (uint32_t k = 0; k < m.n_components; ++k) {
        const float v = detail::log_density(m, k, xp, scratch);
        if (detail::overflowed(v)) return Status::out_of_range;
        if (v > best) best = v, index = static_cast<int32_t>(k);
    }
    if (index < 0) return Status::out_of_range;
    out = index;
    return Status::ok;
}

// Class or component probabilities into out[n_components]: exp(log_k -
// logsumexp), as scikit-learn's predict_proba (the common term cancels).
inline Status predict_proba(const Model& m, const float* x, size_t n_x, float* scratch, size_t n_scratch, float* out,
                            size_t n_out) {
    Status st = detail::component_logs(m, x, n_x, scratch, n_scratch, out, n_out);
    if (st != Status::ok) return st;
    // load() guarantees a component; saying so here also tells GCC that out[0] was written.
    if (m.n_components == 0) return Status::bad_parameter;
    if (!math::is_finite(out[kernels::argmax(out, m.n_components)])) return Status::out_of_range;
    kernels::softmax(out, m.n_components);
    return Status::ok;
}

// scikit-learn's score_samples: the log-likelihood logsumexp_k log_k
// (mixtures; -inf when it is below float32's range), -q (EllipticEnvelope:
// minus the squared Mahalanobis distance). GaussianNB has none.
inline Status score_samples(const Model& m, const float* x, size_t n_x, float* scratch, size_t n_scratch,
                            float& out) {
    if (m.task == Task::classification) return Status::unsupported_kind;
    Status st = detail::check_call(m, x, n_x, scratch, n_scratch);
    if (st != Status::ok) return st;
    const float* xp = detail::prepared(m, x, scratch);
    if (m.task == Task::anomaly) {
        out = -detail::quadratic(m, 0, xp, scratch);
        return detail::overflowed(out) ? Status::out_of_range : Status::ok;
    }
    // Streaming logsumexp: top = max so far, sum = sum of exp(v - top).
    const float minus_inf = -math::from_bits(0x7f800000u);
    float top = minus_inf, sum = 0.0f;
    for (uint32_t k = 0; k < m.n_components; ++k) {
        const float v = detail::log_density(m, k, xp, scratch);
        if (detail::overflowed(v)) return Status::out_of_range;
        if (v > top) {
            sum = sum * math::exp(top - v) + 1.0f;
            top = v;
        } else if (v > minus_inf) {
            sum += math::exp(v - top);
        }
    }
    out = math::is_finite(top) ? top + math::log(sum) : top;
    if (m.n_common != 0) out -= 0.5f * detail::common_term(m, x, scratch);  // x itself: scratch is free again
    return detail::overflowed(out) ? Status::out_of_range : Status::ok;
}

}  // namespace gaussian
}  // namespace microlearn
