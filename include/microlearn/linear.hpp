// Linear models: scikit-learn's linear classifiers and regressors and
// generalised linear models, evaluated by one kernel, and SGD learning on the
// device. python/microlearn/converters/linear.py writes the model;
// docs/linear.md states the tolerances.
//
// A model is W (n_outputs x n_features, row-major) and b (n_outputs):
//     s = W x + b                                   (kernels::affine)
// then, by task and link:
//   regression: predict = s (identity) or exp(s) (log-link GLMs), n_outputs
//     values (multi-output regressors have several rows);
//   classification, K classes: n_outputs = 1 when K = 2, else K.
//     decision_function = s; predict = (s_0 > 0) when K = 2, else the first
//     of equal maxima of s (numpy's argmax), as scikit-learn;
//     predict_proba by link: logistic (K = 2: [1 - p, p], p = logistic(s_0);
//     K > 2: logistic(s_k) normalised to sum 1, scikit-learn's
//     _predict_proba_lr), softmax (K > 2), modified_huber (SGDClassifier:
//     (clip(s, -1, 1) + 1) / 2, normalised; uniform where every one is 0);
//     identity: the model has no predict_proba.
//
// Learning (SGDClassifier / SGDRegressor partial_fit, average=False, l2 or no
// penalty): a *trainable* file carries the two sgd sections below; load_trainer()
// gives mutable views into a writable copy of the file, partial_fit() updates
// W, b and t in place exactly as scikit-learn's _plain_sgd does per sample
// (in float32), seal() rewrites the CRC so the bytes are a valid .mlm again.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "kernels.hpp"
#include "math.hpp"
#include "model_file.hpp"

namespace microlearn {
namespace linear {

enum Section : uint16_t {
    params = 1,      // u32[ParamIndex::count]
    weights = 2,     // f32[n_outputs * n_features], row-major
    intercepts = 3,  // f32[n_outputs]
    sgd_params = 4,  // u32[SgdParamIndex::count], trainable files only
    sgd_floats = 5,  // f32[SgdFloatIndex::count], trainable files only
};

enum ParamIndex : uint32_t { p_n_features, p_n_outputs, p_n_classes, p_task, p_link, p_feature_type, p_count };
enum SgdParamIndex : uint32_t { sp_loss, sp_learning_rate, sp_fit_intercept, sp_count };
enum SgdFloatIndex : uint32_t { sf_alpha, sf_eta0, sf_power_t, sf_t, sf_count };

// The numbering of info()["task"] shared by every family.
enum class Task : uint32_t { regression = 0, classification = 1 };
enum class Link : uint32_t { identity = 0, logistic = 1, softmax = 2, modified_huber = 3, exp = 4 };
// scikit-learn's SGD losses and learning rates that partial_fit offers.
enum class Loss : uint32_t { hinge = 0, log_loss = 1, squared_error = 2, modified_huber = 3 };
enum class Schedule : uint32_t { constant = 0, optimal = 1, invscaling = 2 };

constexpr uint32_t kMaxFeatures = 1u << 20;
constexpr uint32_t kMaxOutputs = 65535;

struct Model {
    uint32_t n_features = 0, n_outputs = 0, n_classes = 0;
    Task task = Task::regression;
    Link link = Link::identity;
    const float* weights = nullptr;
    const float* intercepts = nullptr;
};

// Outputs of predict_proba (n_classes) / predict (n_outputs), and the floats
// of scratch predict() of a classifier needs.
inline uint32_t n_scores(const Model& m) { return m.n_outputs; }
inline bool has_proba(const Model& m) { return m.task == Task::classification && m.link != Link::identity; }

namespace detail {

// s = W x + b into out[n_outputs], for finite x of n_features floats.
// out_of_range when a score overflows float32 (scikit-learn's float64 would not).
inline Status scores(const Model& m, const float* x, size_t n_x, float* out, size_t n_out) {
    if (x == nullptr || out == nullptr) return Status::bad_argument;
    if (n_x != m.n_features || n_out < m.n_outputs) return Status::size_mismatch;
    for (size_t i = 0; i < n_x; ++i)
        if (!math::is_finite(x[i])) return Status::bad_argument;
    kernels::affine(m.weights, m.intercepts, x, m.n_features, m.n_outputs, out);
    for (uint32_t k = 0; k < m.n_outputs; ++k)
        if (!math::is_finite(out[k])) return Status::out_of_range;
    return Status::ok;
}

inline float clip_unit(float v) { return v > 1.0f ? 1.0f : v < -1.0f ? -1.0f : v; }

}  // namespace detail

// Validates the linear-model sections of an opened file and fills `out`.
inline Status load(const ModelFile& f, Model& out) {
    out = Model{};
    Span<uint32_t> ps;
    Status st = params_section(f, ModelKind::linear, p_count, false, ps);
    if (st != Status::ok) return st;
    const uint32_t* p = ps.data;
    Model m;
    m.n_features = p[p_n_features];
    m.n_outputs = p[p_n_outputs];
    m.n_classes = p[p_n_classes];
    if (p[p_task] > 1 || p[p_link] > 4 || p[p_feature_type] != 0) return Status::bad_parameter;
    m.task = static_cast<Task>(p[p_task]);
    m.link = static_cast<Link>(p[p_link]);
    if (m.n_features == 0 || m.n_features > kMaxFeatures || m.n_outputs == 0 || m.n_outputs > kMaxOutputs)
        return Status::bad_parameter;
    if (m.task == Task::regression) {
        if (m.n_classes != 0 || (m.link != Link::identity && m.link != Link::exp)) return Status::bad_parameter;
    } else {
        if (m.n_classes < 2 || m.n_outputs != (m.n_classes == 2 ? 1u : m.n_classes) || m.link == Link::exp)
            return Status::bad_parameter;
        if (m.link == Link::softmax && m.n_classes == 2) return Status::bad_parameter;
    }
    if ((st = finite_float_section(f, Section::weights, uint64_t(m.n_outputs) * m.n_features, m.weights)) !=
        Status::ok)
        return st;
    if ((st = finite_float_section(f, Section::intercepts, m.n_outputs, m.intercepts)) != Status::ok) return st;
    out = m;
    return Status::ok;
}

inline Status load(const uint8_t* data, size_t size, Model& out) { return load_bytes(data, size, out, load); }

// decision_function: s = W x + b into out[n_outputs].
inline Status decision_function(const Model& m, const float* x, size_t n_x, float* out, size_t n_out) {
    if (m.task != Task::classification) return Status::unsupported_kind;
    return detail::scores(m, x, n_x, out, n_out);
}

// Classifiers: the class index (load_class_labels() maps it to the label);
// `scores` (n_scores() floats) receives s.
inline Status predict(const Model& m, const float* x, size_t n_x, float* scores, size_t n_scores, int32_t& out) {
    const Status st = decision_function(m, x, n_x, scores, n_scores);
    if (st != Status::ok) return st;
    out = m.n_classes == 2 ? (scores[0] > 0.0f ? 1 : 0) : static_cast<int32_t>(kernels::argmax(scores, m.n_outputs));
    return Status::ok;
}

// Regressors: out[n_outputs] = s (identity) or exp(s) (log link; out_of_range
// when it overflows float32).
inline Status predict_values(const Model& m, const float* x, size_t n_x, float* out, size_t n_out) {
    if (m.task != Task::regression) return Status::unsupported_kind;
    const Status st = detail::scores(m, x, n_x, out, n_out);
    if (st != Status::ok || m.link != Link::exp) return st;
    for (uint32_t k = 0; k < m.n_outputs; ++k)
        if (!math::is_finite(out[k] = math::exp(out[k]))) return Status::out_of_range;
    return Status::ok;
}

// Classifiers with a probability link: out[n_classes].
inline Status predict_proba(const Model& m, const float* x, size_t n_x, float* out, size_t n_out) {
    if (!has_proba(m)) return Status::unsupported_kind;
    if (out != nullptr && n_out < m.n_classes) return Status::size_mismatch;
    const Status st = detail::scores(m, x, n_x, out, n_out);
    if (st != Status::ok) return st;
    const uint32_t k = m.n_classes;
    if (m.link == Link::softmax) {
        kernels::softmax(out, k);
        return Status::ok;
    }
    const bool huber = m.link == Link::modified_huber;
    if (k == 2) {
        const float p = huber ? (detail::clip_unit(out[0]) + 1.0f) * 0.5f : math::logistic(out[0]);
        out[0] = 1.0f - p;
        out[1] = p;
        return Status::ok;
    }
    const float top = out[kernels::argmax(out, k)];
    // scikit-learn's float64 logistic(s) = 1 / (1 + e^-s) is 0 below -ln(DBL_MAX).
    const float underflow = -709.782713f;
    if (!huber && top < -80.0f && top >= underflow) {
        // Every logistic(s) is e^s within float32's precision, and some would
        // underflow float32 where scikit-learn's float64 keeps them: normalised,
        // they are softmax(s).
        kernels::softmax(out, k);
        return Status::ok;
    }
    float sum = 0.0f;
    for (uint32_t j = 0; j < k; ++j)
        sum += (out[j] = huber ? (detail::clip_unit(out[j]) + 1.0f) * 0.5f
                               : top < underflow ? 0.0f : math::logistic(out[j]));
    if (sum == 0.0f) {  // every class at 0 (modified_huber: s <= -1; logistic: s below
        // float64's range): uniform probabilities, as scikit-learn
        for (uint32_t j = 0; j < k; ++j) out[j] = 1.0f;
        sum = static_cast<float>(k);
    }
    for (uint32_t j = 0; j < k; ++j) out[j] = math::quotient(out[j], sum);
    return Status::ok;
}

// ---- SGD learning --------------------------------------------------------

struct Trainer {
    Model model;         // read views of the same bytes
    uint8_t* file = nullptr;
    uint32_t file_size = 0;
    float* weights = nullptr;
    float* intercepts = nullptr;
    float* t = nullptr;  // scikit-learn's t_: 1 + samples seen
    Loss loss = Loss::hinge;
    Schedule schedule = Schedule::optimal;
    bool fit_intercept = true;
    float alpha = 0.0f, eta0 = 0.0f, power_t = 0.0f;
    float optimal_init = 0.0f;  // scikit-learn's, for the 'optimal' schedule
};

namespace detail {

// d loss / d p for target y (+1/-1 for classifiers) and score p, as
// scikit-learn's loss classes' cy_gradient, clipped to +-1e12.
inline float gradient(Loss loss, float y, float p) {
    const float z = p * y;
    float g;
    switch (loss) {
        case Loss::hinge: g = z <= 1.0f ? -y : 0.0f; break;
        case Loss::log_loss:
            g = z > 18.0f ? -y * math::exp(-z) : z < -18.0f ? -y : -math::quotient(y, math::exp(z) + 1.0f);
            break;
        case Loss::modified_huber: g = z >= 1.0f ? 0.0f : z >= -1.0f ? 2.0f * (1.0f - z) * -y : -4.0f * y; break;
        default: g = p - y; break;
    }
    return g > 1e12f ? 1e12f : g < -1e12f ? -1e12f : g;
}

}  // namespace detail

// Views a writable trainable file (its bytes must stay put while the trainer
// is used). Validates it as load() does, plus the sgd sections: a classifier's
// loss is hinge, log_loss or modified_huber and its link matches (identity,
// logistic, modified_huber); a regressor's loss is squared_error with one
// output and the identity link; alpha > 0 for 'optimal', eta0 > 0 otherwise;
// t >= 1 and below 2^24 (exact in float32).
inline Status load_trainer(uint8_t* data, size_t size, Trainer& out) {
    out = Trainer{};
    ModelFile f;
    Status st = open_model_file(data, size, f);
    if (st != Status::ok) return st;
    Trainer tr;
    if ((st = load(f, tr.model)) != Status::ok) return st;
    Span<uint32_t> sp;
    Span<float> sf;
    if ((st = f.section(Section::sgd_params, sp)) != Status::ok) return st;
    if ((st = f.section(Section::sgd_floats, sf)) != Status::ok) return st;
    if (sp.size != sp_count || sf.size != sf_count) return Status::size_mismatch;
    for (size_t i = 0; i < sf.size; ++i)
        if (!math::is_finite(sf[i])) return Status::bad_parameter;
    if (sp[sp_loss] > 3 || sp[sp_learning_rate] > 2 || sp[sp_fit_intercept] > 1) return Status::bad_parameter;
    tr.loss = static_cast<Loss>(sp[sp_loss]);
    tr.schedule = static_cast<Schedule>(sp[sp_learning_rate]);
    tr.fit_intercept = sp[sp_fit_intercept] == 1;
    tr.alpha = sf[sf_alpha];
    tr.eta0 = sf[sf_eta0];
    tr.power_t = sf[sf_power_t];
    const Model& m = tr.model;
    if (m.task == Task::regression) {
        if (tr.loss != Loss::squared_error || m.n_outputs != 1 || m.link != Link::identity)
            return Status::bad_parameter;
    } else {
        const Link want = tr.loss == Loss::log_loss         ? Link::logistic
                          : tr.loss == Loss::modified_huber ? Link::modified_huber
                                                            : Link::identity;
        if (tr.loss == Loss::squared_error || m.link != want) return Status::bad_parameter;
    }
    if (tr.alpha < 0.0f || tr.alpha > 1e6f || tr.power_t < 0.0f || tr.power_t > 100.0f) return Status::bad_parameter;
    if (tr.schedule == Schedule::optimal ? !(tr.alpha > 1e-30f) : !(tr.eta0 > 0.0f)) return Status::bad_parameter;
    if (!(sf[sf_t] >= 1.0f && sf[sf_t] < 16777216.0f)) return Status::bad_parameter;
    if (tr.schedule == Schedule::optimal) {
        // scikit-learn: typw = sqrt(1 / sqrt(alpha)), eta_init = typw / max(1, dloss(1, -typw)),
        // optimal_init = 1 / (eta_init alpha).
        const float typw = math::sqrt(math::quotient(1.0f, math::sqrt(tr.alpha)));
        const float g = detail::gradient(tr.loss, 1.0f, -typw);
        const float eta_init = math::quotient(typw, g > 1.0f ? g : 1.0f);
        tr.optimal_init = math::quotient(1.0f, eta_init * tr.alpha);
    }
    // The sections load() checked, as mutable views of the caller's writable bytes.
    tr.file = data;
    tr.file_size = f.size;
    tr.weights = const_cast<float*>(m.weights);
    tr.intercepts = const_cast<float*>(m.intercepts);
    tr.t = const_cast<float*>(sf.data + sf_t);
    out = tr;
    return Status::ok;
}

// One SGD step on the sample (x, y): y is the class index of a classifier,
// the target of a regressor. Per output row k (a classifier's target is +1
// for its class, -1 otherwise; a binary one's row is class 1's), as
// scikit-learn's _plain_sgd:
//   eta = eta0 | 1 / (alpha (optimal_init + t - 1)) | eta0 / t^power_t
//   p = w_k x + b_k; u = -eta dloss(y_k, p)
//   w_k = max(0, 1 - eta alpha) w_k + u x;  b_k += u (fit_intercept)
// then t += 1. bad_argument for NaN/infinite x or y or a class index out of
// range; out_of_range if a weight or intercept would overflow. A refused
// sample changes nothing.
namespace detail {
// The largest |v[i]| of n finite floats (their magnitude bits order as they do).
inline float max_abs(const float* v, size_t n) {
    uint32_t m = 0;
    for (size_t i = 0; i < n; ++i) {
        const uint32_t b = math::to_bits(v[i]) & 0x7FFFFFFFu;
        if (b > m) m = b;
    }
    return math::from_bits(m);
}

// Row k's step for target `target` (+1/-1, or a regressor's y): true if
// every new weight and the intercept are finite; they are stored when `write`.
inline bool sgd_row(Trainer& tr, uint32_t k, const float* x, float target, float eta, float decay, bool write) {
    const uint32_t d = tr.model.n_features;
    float* w = tr.weights + size_t(k) * d;
    const float p = kernels::dot(w, x, d) + tr.intercepts[k];
    const float u = -eta * gradient(tr.loss, target, p);
    const float b = tr.fit_intercept ? tr.intercepts[k] + u : tr.intercepts[k];
    // An overflowed prediction (inf, or NaN from inf - inf) has no gradient to follow.
    bool finite = math::is_finite(p) && math::is_finite(b);
    for (uint32_t i = 0; i < d; ++i) {
        const float v = decay * w[i] + u * x[i];
        if (write) w[i] = v;
        else finite = finite && math::is_finite(v);
    }
    if (write) tr.intercepts[k] = b;
    return finite;
}
}  // namespace detail

inline Status partial_fit(Trainer& tr, const float* x, size_t n_x, float y) {
    const Model& m = tr.model;
    if (x == nullptr || tr.t == nullptr) return Status::bad_argument;
    if (n_x != m.n_features) return Status::size_mismatch;
    for (size_t i = 0; i < n_x; ++i)
        if (!math::is_finite(x[i])) return Status::bad_argument;
    if (!math::is_finite(y)) return Status::bad_argument;
    int32_t cls = 0;
    if (m.task == Task::classification) {
        if (!(y >= 0.0f && y < static_cast<float>(m.n_classes))) return Status::bad_argument;
        cls = static_cast<int32_t>(y);
        if (static_cast<float>(cls) != y) return Status::bad_argument;
    }
    const float t = *tr.t;
    float eta = tr.eta0;
    if (tr.schedule == Schedule::optimal)
        eta = math::quotient(1.0f, tr.alpha * (tr.optimal_init + t - 1.0f));
    else if (tr.schedule == Schedule::invscaling)
        eta = math::quotient(tr.eta0, math::exp(tr.power_t * math::log(t)));
    float decay = 1.0f - eta * tr.alpha;
    if (decay < 0.0f) decay = 0.0f;
    // |u| <= eta g (g bounds the loss's gradient), so no new weight or intercept exceeds
    // decay max|w| + eta g max|x| or max|b| + eta g, and no prediction n max|w| max|x| + max|b|:
    // far below float32's limit (the usual case), the step is written at once; otherwise every
    // row is checked before any is written.
    const float g = tr.loss == Loss::modified_huber ? 4.0f : tr.loss == Loss::squared_error ? 1e12f : 1.0f;
    const size_t n_w = size_t(m.n_outputs) * m.n_features;
    const float max_w = detail::max_abs(tr.weights, n_w), max_x = detail::max_abs(x, n_x);
    const float max_b = detail::max_abs(tr.intercepts, m.n_outputs);
    const bool safe = decay * max_w + eta * g * max_x < 1e38f && max_b + eta * g < 1e38f &&
                      static_cast<float>(n_x) * max_w * max_x + max_b < 1e38f;
    for (int write = safe ? 1 : 0; write < 2; ++write) {
        for (uint32_t k = 0; k < m.n_outputs; ++k) {
            const float target = m.task == Task::regression         ? y
                                 : m.n_classes == 2                 ? (cls == 1 ? 1.0f : -1.0f)
                                 : (static_cast<uint32_t>(cls) == k ? 1.0f : -1.0f);
            if (!detail::sgd_row(tr, k, x, target, eta, decay, write != 0) && write == 0) return Status::out_of_range;
        }
    }
    if (t < 16777215.0f) *tr.t = t + 1.0f;
    return Status::ok;
}

// Rewrites the file's CRC after partial_fit(): its bytes are then a valid .mlm.
inline void seal(Trainer& tr) {
    const uint8_t zeros[4] = {0, 0, 0, 0};
    uint32_t crc = crc32_update(0, tr.file, kCrcOffset);
    crc = crc32_update(crc, zeros, 4);
    crc = crc32_update(crc, tr.file + kCrcOffset + 4, tr.file_size - kCrcOffset - 4);
    for (int i = 0; i < 4; ++i) tr.file[kCrcOffset + i] = static_cast<uint8_t>(crc >> (8 * i));
}

// ---- a trainable model from zeros ------------------------------------------

struct NewModel {
    uint32_t n_features = 0;
    uint32_t n_classes = 0;  // 0: a regressor (SGDRegressor); else a classifier with labels 0..n-1
    Loss loss = Loss::hinge;
    Schedule schedule = Schedule::optimal;
    bool fit_intercept = true;
    float alpha = 1e-4f, eta0 = 0.0f, power_t = 0.5f;
    const uint8_t* metadata = nullptr;  // UTF-8 JSON for the host (section 0xF000), may be null
    uint32_t n_metadata = 0;
};

namespace detail {

inline uint32_t new_outputs(const NewModel& n) { return n.n_classes == 0 || n.n_classes == 2 ? 1 : n.n_classes; }
inline uint32_t align4(uint32_t v) { return (v + 3u) & ~3u; }
inline void put32(uint8_t* p, uint32_t v) {
    for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

}  // namespace detail

// Bytes of the file create() writes (0 when the sizes are impossible or the
// file would exceed kMaxCreatedSize, 2 GB).
inline uint32_t created_size(const NewModel& n) {
    if (n.n_features == 0 || n.n_features > kMaxFeatures || n.n_classes == 1 || n.n_classes > kMaxOutputs ||
        n.n_metadata > (1u << 20))
        return 0;
    const uint32_t sections = n.metadata != nullptr ? 6 : 5;
    const uint64_t w = uint64_t(detail::new_outputs(n)) * n.n_features;  // can wrap 32 bits
    const uint64_t size = kHeaderSize + kSectionEntrySize * sections +
                          4 * (p_count + w + detail::new_outputs(n) + sp_count + sf_count) + detail::align4(n.n_metadata);
    return size <= kMaxCreatedSize ? static_cast<uint32_t>(size) : 0;
}

// Writes a trainable model with zero weights into buf[created_size(n)], laid
// out as python/microlearn/mlm.py writes it (the converter's
// linear.trainable_model() gives the same bytes), and its CRC. The link
// follows the loss (log_loss: logistic, modified_huber: modified_huber).
inline Status create(const NewModel& n, uint8_t* buf, size_t cap) {
    const uint32_t size = created_size(n);
    if (size == 0 || static_cast<uint32_t>(n.loss) > 3 || static_cast<uint32_t>(n.schedule) > 2)
        return Status::bad_parameter;
    if (buf == nullptr || reinterpret_cast<uintptr_t>(buf) % 4 != 0) return Status::bad_argument;
    if (cap < size) return Status::size_mismatch;
    const bool classifier = n.n_classes != 0;
    if (classifier == (n.loss == Loss::squared_error)) return Status::bad_parameter;
    const uint32_t outs = detail::new_outputs(n);
    const Link link = n.loss == Loss::log_loss         ? Link::logistic
                      : n.loss == Loss::modified_huber ? Link::modified_huber
                                                       : Link::identity;
    const uint32_t head[p_count] = {n.n_features, outs, n.n_classes, classifier ? 1u : 0u,
                                    static_cast<uint32_t>(link), 0};
    const uint32_t sgdp[sp_count] = {static_cast<uint32_t>(n.loss), static_cast<uint32_t>(n.schedule),
                                     n.fit_intercept ? 1u : 0u};
    const float sgdf[sf_count] = {n.alpha, n.eta0, n.power_t, 1.0f};
    for (uint32_t i = 0; i < size; ++i) buf[i] = 0;
    const uint16_t count = n.metadata != nullptr ? 6 : 5;
    const uint16_t ids[6] = {params, weights, intercepts, sgd_params, sgd_floats, section_metadata};
    const DType types[6] = {DType::u32, DType::f32, DType::f32, DType::u32, DType::f32, DType::u8};
    const uint32_t counts[6] = {p_count, outs * n.n_features, outs, sp_count, sf_count, n.n_metadata};
    uint32_t offset = static_cast<uint32_t>(kHeaderSize + kSectionEntrySize * count);
    for (uint16_t i = 0; i < count; ++i) {
        uint8_t* e = buf + kHeaderSize + i * kSectionEntrySize;
        e[0] = static_cast<uint8_t>(ids[i]);
        e[1] = static_cast<uint8_t>(ids[i] >> 8);
        e[2] = static_cast<uint8_t>(types[i]);
        detail::put32(e + 4, offset);
        detail::put32(e + 8, counts[i]);
        const uint8_t* src = i == 0   ? reinterpret_cast<const uint8_t*>(head)
                             : i == 3 ? reinterpret_cast<const uint8_t*>(sgdp)
                             : i == 4 ? reinterpret_cast<const uint8_t*>(sgdf)
                             : i == 5 ? n.metadata
                                      : nullptr;  // zero weights and intercepts
        const uint32_t bytes = types[i] == DType::u8 ? counts[i] : 4 * counts[i];
        if (src != nullptr)
            for (uint32_t b = 0; b < bytes; ++b) buf[offset + b] = src[b];
        offset += detail::align4(bytes);
    }
    for (int i = 0; i < 4; ++i) buf[i] = kMagic[i];
    buf[4] = static_cast<uint8_t>(kOldestFormatVersion);
    buf[5] = static_cast<uint8_t>(kOldestFormatVersion >> 8);
    buf[6] = static_cast<uint8_t>(ModelKind::linear);
    detail::put32(buf + 12, size);
    buf[20] = static_cast<uint8_t>(count);
    Trainer tr;
    tr.file = buf;
    tr.file_size = size;
    seal(tr);
    return load_trainer(buf, size, tr);  // the options' checks: bad_parameter if the trainer refuses them
}

}  // namespace linear
}  // namespace microlearn
