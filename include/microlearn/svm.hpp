// Kernel SVMs: SVC, NuSVC, SVR, NuSVR and OneClassSVM (libsvm models, as
// scikit-learn fits them). python/microlearn/converters/svm.py writes the
// model; docs/svm.md states the tolerances.
//
// A model is n_sv support vectors (stored once, grouped by class for
// classifiers, as libsvm does), a kernel K, dual coefficients and
// intercepts. One call computes k_s = K(x, sv_s) for every support vector
// once, into scratch, then:
//   regression / anomaly: d = sum_s coef[s] k_s + intercept
//     (SVR: predict = d; OneClassSVM: decision_function = d,
//      score_samples = d - intercept, predict = +1 if d > 0 else -1);
//   classification, K classes: one decision per pair i < j (pair order
//     (0,1), (0,2), ..., (1,2), ...):
//       d_ij = sum_{s in class i} coef[j-1][s] k_s
//            + sum_{s in class j} coef[i][s] k_s + intercept_ij
//     (libsvm's layout: coef is (K-1) x n_sv). d_ij > 0 votes for i, else
//     for j; predict is the first class with most votes. The signs are
//     libsvm's for every K: scikit-learn's decision_function of a binary
//     model is -d_01.
//   decision_function 'ovr' (scikit-learn's _ovr_decision_function):
//     votes_i + c_i / (3 (|c_i| + 1)), where d_ij >= 0 counts as a vote for
//     i, and c_i sums d_ij over pairs where i is first, -d_ij where second.
//   break_ties ('ovr', K > 2): predict = argmax of the 'ovr' decision.
//   probability: libsvm's Platt scaling per pair, r_ij = 1 / (1 +
//     exp(A_ij d_ij + B_ij)) clamped to [1e-7, 1 - 1e-7], then pairwise
//     coupling by libsvm's iterative method (multiclass_probability).
// Kernels (gamma, coef0, degree as fitted; gamma 'scale'/'auto' resolved):
//   linear <x, sv>; poly (gamma <x, sv> + coef0)^degree;
//   rbf exp(-gamma |x - sv|^2); sigmoid tanh(gamma <x, sv> + coef0).
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "kernels.hpp"
#include "math.hpp"
#include "model_file.hpp"

namespace microlearn {
namespace svm {

enum Section : uint16_t {
    params = 1,           // u32[p_count]
    float_params = 2,     // f32[fp_count]
    support_vectors = 3,  // f32[n_sv * n_features], grouped by class
    n_support = 4,        // u32[n_classes] (classifiers only)
    dual_coef = 5,        // f32[max(n_classes - 1, 1) * n_sv], row-major
    intercepts = 6,       // f32[n_pairs] (classifiers), f32[1] otherwise
    prob_a = 7,           // f32[n_pairs], classifiers with probability only
    prob_b = 8,           // f32[n_pairs]
};

enum ParamIndex : uint32_t {
    p_n_features,
    p_n_sv,
    p_n_classes,     // classifiers: >= 2; otherwise 0
    p_task,          // Task
    p_kernel,        // Kernel
    p_degree,        // poly only
    p_ovr,           // decision_function_shape: 0 'ovo', 1 'ovr'
    p_break_ties,    // 1: predict by the 'ovr' decision (needs p_ovr)
    p_probability,   // 1: prob_a / prob_b present
    p_feature_type,  // 0: float32 (the only one)
    p_count
};

enum FloatParamIndex : uint32_t { fp_gamma, fp_coef0, fp_count };

// The numbering of info()["task"] shared by every family.
enum class Task : uint32_t { regression = 0, classification = 1, anomaly = 2 };

enum class Kernel : uint32_t { linear = 0, poly = 1, rbf = 2, sigmoid = 3 };

struct Model {
    uint32_t n_features = 0, n_sv = 0, n_classes = 0, degree = 0;
    Task task = Task::regression;
    Kernel kernel = Kernel::linear;
    bool ovr = false, break_ties = false, probability = false;
    float gamma = 0.0f, coef0 = 0.0f;
    const float* sv = nullptr;
    const uint32_t* n_support = nullptr;
    const float* coef = nullptr;
    const float* intercepts = nullptr;
    const float* prob_a = nullptr;
    const float* prob_b = nullptr;
};

// One-vs-one pairs of a classifier (1 for the other tasks).
inline uint32_t n_pairs(const Model& m) {
    return m.task == Task::classification ? m.n_classes * (m.n_classes - 1) / 2 : 1u;
}

// Values decision_function gives per row: 1 (binary classifiers,
// regression, anomaly), n_classes ('ovr'), n_pairs ('ovo').
inline uint32_t n_decisions(const Model& m) {
    if (m.task != Task::classification || m.n_classes == 2) return 1;
    return m.ovr ? m.n_classes : n_pairs(m);
}

// Floats of scratch every call needs, in this order: kernel values [n_sv],
// pair decisions [n_pairs], two values per class [2 n_classes] (votes, the
// 'ovr' sums and result), and with probability the pairwise matrix [k * k]
// and the coupling's work vector [k].
inline size_t scratch_size(const Model& m) {
    const size_t k = m.n_classes;
    return size_t(m.n_sv) + n_pairs(m) + 2 * k + (m.probability ? k * k + k : 0);
}

namespace detail {


// gamma * s where s (rbf's squared distance, sigmoid's dot product) overflowed
// float32: inf, so exp gives 0 and tanh +-1. Right only if every s beyond
// float32's largest (3.4e38) puts the argument past `settled` (where exp
// underflows, tanh rounds to +-1); a smaller gamma (features near 1e20 with
// gamma='scale' ~ 1 / their variance, itself below float32's normal range)
// leaves the true value anywhere: NaN, so the decision is out_of_range ("too
// large for float32") rather than the intercept alone.
inline float gamma_times(const Model& m, float s, float settled) {
    if (math::is_finite(s) || m.gamma * 3.40282347e38f >= settled) return m.gamma * s;
    return math::from_bits(0x7fc00000u);  // NaN
}

inline float kernel(const Model& m, const float* x, const float* sv) {
    const uint32_t d = m.n_features;
    switch (m.kernel) {
        case Kernel::linear: return kernels::dot(x, sv, d);
        case Kernel::poly: return kernels::powi(m.gamma * kernels::dot(x, sv, d) + m.coef0, m.degree);
        case Kernel::rbf: return math::exp(-gamma_times(m, kernels::squared_euclidean(x, sv, d), 104.0f));
        default:  // tanh is +-1 past 34 (kernels::tanh); coef0 may move the argument back by |coef0|
            return kernels::tanh(gamma_times(m, kernels::dot(x, sv, d), 34.0f + (m.coef0 < 0 ? -m.coef0 : m.coef0)) +
                                 m.coef0);
    }
}

// Checks the arguments, then fills scratch: kernel values [n_sv], then the
// decision of every pair [n_pairs]. Returns a pointer to the decisions.
// out_of_range when a decision is not finite (x so large that a kernel value
// overflows float32); bad_argument for NaN or infinite x (scikit-learn
// refuses them too).
inline Status decisions(const Model& m, const float* x, size_t n_x, float* scratch, size_t n_scratch,
                        float*& dec) {
    if (x == nullptr || scratch == nullptr || m.n_sv == 0) return Status::bad_argument;  // n_sv 0: not loaded
    if (n_x != m.n_features || n_scratch < scratch_size(m)) return Status::size_mismatch;
    for (size_t i = 0; i < n_x; ++i)
        if (!math::is_finite(x[i])) return Status::bad_argument;
    float* kv = scratch;
    for (uint32_t s = 0; s < m.n_sv; ++s) kv[s] = kernel(m, x, m.sv + size_t(s) * m.n_features);
    dec = kv + m.n_sv;
    if (m.task != Task::classification) {
        dec[0] = kernels::dot(m.coef, kv, m.n_sv) + m.intercepts[0];
        return math::is_finite(dec[0]) ? Status::ok : Status::out_of_range;
    }
    uint32_t p = 0, start_i = 0;
    for (uint32_t i = 0; i < m.n_classes; ++i) {
        const uint32_t n_i = m.n_support[i];
        uint32_t start_j = start_i + n_i;
        for (uint32_t j = i + 1; j < m.n_classes; ++j, ++p) {
            const uint32_t n_j = m.n_support[j];
            const float* coef_i = m.coef + size_t(j - 1) * m.n_sv;  // class i's SVs against j
            const float* coef_j = m.coef + size_t(i) * m.n_sv;      // class j's SVs against i
            dec[p] = kernels::dot(coef_i + start_i, kv + start_i, n_i) +
                     kernels::dot(coef_j + start_j, kv + start_j, n_j) + m.intercepts[p];
            if (!math::is_finite(dec[p])) return Status::out_of_range;
            start_j += n_j;
        }
        start_i += n_i;
    }
    return Status::ok;
}

// scikit-learn's 'ovr' decision from the pair decisions, into out[n_classes];
// conf[n_classes] is work space (the sums c_i).
inline void ovr_decision(const Model& m, const float* dec, float* conf, float* out) {
    const uint32_t k = m.n_classes;
    float* votes = out;
    for (uint32_t i = 0; i < k; ++i) votes[i] = conf[i] = 0.0f;
    uint32_t p = 0;
    for (uint32_t i = 0; i < k; ++i)
        for (uint32_t j = i + 1; j < k; ++j, ++p) {
            conf[i] += dec[p];
            conf[j] -= dec[p];
            votes[dec[p] >= 0.0f ? i : j] += 1.0f;
        }
    for (uint32_t i = 0; i < k; ++i) {
        const float a = conf[i] < 0.0f ? -conf[i] : conf[i];
        // c / (3 (|c| + 1)); past 2^90 it is +-1/3 to float32 precision (and
        // divide() wants a divisor below 2^100, while c may even overflow).
        const float third = conf[i] < 0.0f ? -1.0f / 3.0f : 1.0f / 3.0f;
        votes[i] += a < 1.2379e27f ? math::divide(conf[i], 3.0f * (a + 1.0f)) : third;
    }
}

// libsvm's pairwise coupling: p[k] from r (k x k, r[i][j] = P(i | i or j);
// its diagonal is overwritten with Q's), using qp[k] as work space. Stops
// when every |(Qp)_t - p'Qp| < 0.005 / k or after max(100, k) rounds, as
// libsvm.
inline void couple(float* r, uint32_t k, float* p, float* qp) {
    // Q[t][t] = sum_{j != t} r[j][t]^2 (kept in r's diagonal), Q[t][j] = -r[j][t] r[t][j].
    for (uint32_t t = 0; t < k; ++t) {
        float s = 0.0f;
        for (uint32_t i = 0; i < k; ++i)
            if (i != t) s += r[i * k + t] * r[i * k + t];
        r[t * k + t] = s;
    }
    auto q = [r, k](uint32_t t, uint32_t j) { return t == j ? r[t * k + t] : -r[j * k + t] * r[t * k + j]; };
    const float eps = math::quotient(0.005f, float(k));
    for (uint32_t t = 0; t < k; ++t) p[t] = math::quotient(1.0f, float(k));
    const uint32_t max_iter = k > 100 ? k : 100;
    for (uint32_t iter = 0; iter < max_iter; ++iter) {
        float pqp = 0.0f;
        for (uint32_t t = 0; t < k; ++t) {
            qp[t] = 0.0f;
            for (uint32_t j = 0; j < k; ++j) qp[t] += q(t, j) * p[j];
            pqp += p[t] * qp[t];
        }
        float max_error = 0.0f;
        for (uint32_t t = 0; t < k; ++t) {
            const float e = qp[t] > pqp ? qp[t] - pqp : pqp - qp[t];
            if (e > max_error) max_error = e;
        }
        if (max_error < eps) break;
        for (uint32_t t = 0; t < k; ++t) {
            const float qtt = q(t, t);
            const float diff = math::quotient(pqp - qp[t], qtt);
            p[t] += diff;
            const float shrink = math::quotient(1.0f, 1.0f + diff);
            pqp = (pqp + diff * (diff * qtt + 2.0f * qp[t])) * shrink * shrink;
            for (uint32_t j = 0; j < k; ++j) {
                qp[j] = (qp[j] + diff * q(t, j)) * shrink;
                p[j] *= shrink;
            }
        }
    }
}

}  // namespace detail

// Validates the SVM sections of an opened file and fills `out`.
inline Status load(const ModelFile& f, Model& out) {
    out = Model{};
    Span<uint32_t> ps;
    Status st = params_section(f, ModelKind::svm, p_count, false, ps);
    if (st != Status::ok) return st;
    const uint32_t* p = ps.data;

    Model m;
    m.n_features = p[p_n_features];
    m.n_sv = p[p_n_sv];
    m.n_classes = p[p_n_classes];
    m.degree = p[p_degree];
    if (p[p_task] > 2 || p[p_kernel] > 3 || p[p_ovr] > 1 || p[p_break_ties] > 1 || p[p_probability] > 1 ||
        p[p_feature_type] != 0)
        return Status::bad_parameter;
    m.task = static_cast<Task>(p[p_task]);
    m.kernel = static_cast<Kernel>(p[p_kernel]);
    m.ovr = p[p_ovr] != 0;
    m.break_ties = p[p_break_ties] != 0;
    m.probability = p[p_probability] != 0;
    const bool classifier = m.task == Task::classification;
    if (m.n_features == 0 || m.n_features > 65535u || m.n_sv == 0 || m.n_sv > 0x3FFFFFFFu)
        return Status::bad_parameter;
    if (classifier ? (m.n_classes < 2 || m.n_classes > 4096u) : m.n_classes != 0) return Status::bad_parameter;
    if (!classifier && (m.ovr || m.break_ties || m.probability)) return Status::bad_parameter;
    if (m.break_ties && !m.ovr) return Status::bad_parameter;  // scikit-learn refuses break_ties with 'ovo'

    Span<float> fp;
    if ((st = f.section(Section::float_params, fp)) != Status::ok) return st;
    if (fp.size != fp_count) return Status::size_mismatch;
    if (!math::is_finite(fp[fp_gamma]) || !math::is_finite(fp[fp_coef0])) return Status::bad_parameter;
    m.gamma = fp[fp_gamma];
    m.coef0 = fp[fp_coef0];

    const uint64_t n_sv = m.n_sv, pairs = n_pairs(m);
    if ((st = finite_float_section(f, Section::support_vectors, n_sv * m.n_features, m.sv)) != Status::ok) return st;
    if (classifier) {
        Span<uint32_t> ns;
        if ((st = f.section(Section::n_support, ns)) != Status::ok) return st;
        if (ns.size != m.n_classes) return Status::size_mismatch;
        uint64_t total = 0;
        for (size_t i = 0; i < ns.size; ++i) total += ns[i];
        if (total != n_sv) return Status::size_mismatch;
        m.n_support = ns.data;
    }
    const uint64_t rows = classifier ? m.n_classes - 1 : 1;
    if ((st = finite_float_section(f, Section::dual_coef, rows * n_sv, m.coef)) != Status::ok) return st;
    if ((st = finite_float_section(f, Section::intercepts, pairs, m.intercepts)) != Status::ok) return st;
    Span<float> a, b;
    if ((st = f.section(Section::prob_a, a, true)) != Status::ok) return st;
    if ((st = f.section(Section::prob_b, b, true)) != Status::ok) return st;
    if (m.probability) {
        if ((st = finite_float_section(f, Section::prob_a, pairs, m.prob_a)) != Status::ok) return st;
        if ((st = finite_float_section(f, Section::prob_b, pairs, m.prob_b)) != Status::ok) return st;
    } else if (a.data != nullptr || b.data != nullptr) {
        return Status::bad_section;
    }
    out = m;
    return Status::ok;
}

inline Status load(const uint8_t* data, size_t size, Model& out) { return load_bytes(data, size, out, load); }

// decision_function into out[n_decisions(m)]: the regression value (SVR),
// the OneClassSVM decision, a binary classifier's scikit-learn decision
// (-d_01), 'ovo' pair decisions or the 'ovr' per-class decision.
inline Status decision_function(const Model& m, const float* x, size_t n_x, float* scratch, size_t n_scratch,
                                float* out, size_t n_out) {
    if (out == nullptr || n_out < n_decisions(m)) return Status::size_mismatch;
    float* dec = nullptr;
    const Status st = detail::decisions(m, x, n_x, scratch, n_scratch, dec);
    if (st != Status::ok) return st;
    if (m.task == Task::classification && m.n_classes == 2) {
        out[0] = -dec[0];
    } else if (m.task == Task::classification && m.ovr) {
        detail::ovr_decision(m, dec, dec + n_pairs(m), out);
    } else {
        for (uint32_t p = 0; p < n_pairs(m); ++p) out[p] = dec[p];
    }
    return Status::ok;
}

// Classifiers: the class index (load_class_labels() maps it to the label).
// OneClassSVM: +1 / -1. Regressors: use decision_function (one value).
inline Status predict(const Model& m, const float* x, size_t n_x, float* scratch, size_t n_scratch, int32_t& out) {
    if (m.task == Task::regression) return Status::unsupported_kind;
    float* dec = nullptr;
    const Status st = detail::decisions(m, x, n_x, scratch, n_scratch, dec);
    if (st != Status::ok) return st;
    if (m.task == Task::anomaly) {
        out = dec[0] > 0.0f ? 1 : -1;
        return Status::ok;
    }
    const uint32_t k = m.n_classes;
    float* votes = dec + n_pairs(m);
    if (m.break_ties && k > 2) {
        float* ovr = votes + k;
        detail::ovr_decision(m, dec, votes, ovr);
        out = static_cast<int32_t>(kernels::argmax(ovr, k));
        return Status::ok;
    }
    for (uint32_t i = 0; i < k; ++i) votes[i] = 0.0f;
    uint32_t p = 0;
    for (uint32_t i = 0; i < k; ++i)
        for (uint32_t j = i + 1; j < k; ++j, ++p) votes[dec[p] > 0.0f ? i : j] += 1.0f;
    out = static_cast<int32_t>(kernels::argmax(votes, k));
    return Status::ok;
}

// Regressors: the predicted value.
inline Status predict_value(const Model& m, const float* x, size_t n_x, float* scratch, size_t n_scratch,
                            float& out) {
    if (m.task != Task::regression) return Status::unsupported_kind;
    return decision_function(m, x, n_x, scratch, n_scratch, &out, 1);
}

// OneClassSVM: decision_function - intercept (scikit-learn's score_samples).
inline Status score_samples(const Model& m, const float* x, size_t n_x, float* scratch, size_t n_scratch,
                            float& out) {
    if (m.task != Task::anomaly) return Status::unsupported_kind;
    float* dec = nullptr;
    const Status st = detail::decisions(m, x, n_x, scratch, n_scratch, dec);
    if (st == Status::ok) out = dec[0] - m.intercepts[0];
    return st;
}

// Classifiers fitted with probability=True: class probabilities into
// out[n_classes] (libsvm's Platt scaling and pairwise coupling).
inline Status predict_proba(const Model& m, const float* x, size_t n_x, float* scratch, size_t n_scratch,
                            float* out, size_t n_out) {
    if (!m.probability) return Status::unsupported_kind;
    const uint32_t k = m.n_classes;
    if (out == nullptr || n_out < k) return Status::size_mismatch;
    float* dec = nullptr;
    const Status st = detail::decisions(m, x, n_x, scratch, n_scratch, dec);
    if (st != Status::ok) return st;
    float* r = dec + n_pairs(m) + 2 * k;
    const float lo = 1e-7f, hi = 1.0f - 1e-7f;
    uint32_t p = 0;
    for (uint32_t i = 0; i < k; ++i) {
        for (uint32_t j = i + 1; j < k; ++j, ++p) {
            float v = math::logistic(-(dec[p] * m.prob_a[p] + m.prob_b[p]));
            v = v < lo ? lo : v > hi ? hi : v;
            r[i * k + j] = v;
            r[j * k + i] = 1.0f - v;
        }
    }
    detail::couple(r, k, out, r + size_t(k) * k);
    return Status::ok;
}

}  // namespace svm
}  // namespace microlearn
