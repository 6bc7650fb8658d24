// Fuzz driver for everything that reads .mlm bytes: the container
// (model_file.hpp) and each family's loader, and, on every model that loads,
// every evaluation entry point with float32 and int16 inputs (zeros, NaN,
// +-inf, extremes, subnormals, and values taken from the input).
//
// The input is one .mlm file; bytes after the file size its header declares
// are ignored by the loaders and become feature values here. The libFuzzer
// build recomputes the CRC of most mutated inputs (LLVMFuzzerCustomMutator
// below), so mutations reach the checks behind it; saved inputs therefore
// reproduce as they are.
//
// A new model family adds one function (load; on success call each entry
// point) and one line in kFamilies. Every family sees every input, so each
// loader is also fed the other families' files.
#include "fuzz.hpp"

#include <cmath>

#include <microlearn/model_file.hpp>
#include <microlearn/gaussian.hpp>
#include <microlearn/linear.hpp>
#include <microlearn/neighbors.hpp>
#include <microlearn/neural/engine.hpp>
#include <microlearn/preprocess.hpp>
#include <microlearn/svm.hpp>
#include <microlearn/trees.hpp>

namespace {

using microlearn::Status;
using mlfuzz::Exact;
using mlfuzz::Reader;

// Outputs of one round of calls, as bits, so two rounds compare exactly.
using Log = std::vector<uint32_t>;

void log_floats(Log& log, Status st, const float* v, size_t n) {
    log.push_back(static_cast<uint32_t>(st));
    for (size_t i = 0; st == Status::ok && i < n; ++i) {
        uint32_t bits;
        memcpy(&bits, &v[i], 4);
        log.push_back(bits);
    }
}

// Input vectors of n values of type X, by pattern: 0 zeros; 1 all NaN;
// 2, 3 special values mixed (NaN, +-inf, extremes, subnormals, -0); 4 finite
// extremes only (what families refusing NaN and inf still take); the last,
// kTail, values read from the bytes past the file (only when there are any).
constexpr int kPatterns = 6, kTail = kPatterns - 1;

template <typename X>
void fill_input(X* x, size_t n, int pattern, Reader& tail);

template <>
void fill_input(float* x, size_t n, int pattern, Reader& tail) {
    if (pattern == kTail) {
        tail.floats(x, n);
        return;
    }
    static const float finite[] = {3.4028235e38f, -3.4028235e38f, 1e-45f, -0.0f, 0.5f, -1e-30f, 65504.0f};
    for (size_t i = 0; i < n; ++i)
        x[i] = pattern == 0   ? 0.0f
               : pattern == 1 ? mlfuzz::special(0)
               : pattern == 4 ? finite[i % 7]
                              : mlfuzz::special(i + size_t(pattern) * 3);
}

template <>
void fill_input(int16_t* x, size_t n, int pattern, Reader& tail) {
    static const int16_t values[] = {-32768, -1, 0, 1, 32767};
    for (size_t i = 0; i < n; ++i) {
        if (pattern == kTail)
            x[i] = static_cast<int16_t>(tail.u8() | (tail.u8() << 8));
        else
            x[i] = pattern == 0 ? 0 : values[(i + size_t(pattern) * 2) % 5];
    }
}

// What predict_class gives: +1/-1 for anomaly detectors, else a class index.
void check_prediction(bool anomaly, uint32_t n_classes, int32_t predicted) {
    if (anomaly)
        ML_FUZZ_CHECK(predicted == 1 || predicted == -1);
    else
        ML_FUZZ_CHECK(predicted >= 0 && uint32_t(predicted) < n_classes);
}

// A classifier's labels (model_file.hpp): when the container's table or
// names load, every one of the n_classes labels is read.
void check_labels(const uint8_t* file, size_t size, uint32_t n_classes) {
    microlearn::ModelFile f;
    ML_FUZZ_CHECK(microlearn::open_model_file(file, size, f) == Status::ok);
    microlearn::ClassLabels labels;
    if (microlearn::load_class_labels(f, n_classes, labels) != Status::ok) return;
    ML_FUZZ_CHECK(labels.count == n_classes);
    size_t total = 0;
    for (uint32_t i = 0; i < labels.count; ++i) {
        if (labels.words != nullptr) (void)microlearn::class_label(labels, i);
        if (labels.names != nullptr) {
            size_t length = 0;
            const char* name = microlearn::class_name(labels, i, &length);
            ML_FUZZ_CHECK(name >= labels.names && name + length < labels.names + labels.names_size);
            total += length + 1;
        }
    }
    if (labels.names != nullptr) ML_FUZZ_CHECK(total == labels.names_size);
}

// ---- tree ensembles -------------------------------------------------------

namespace T = microlearn::trees;

// What a call with a well-shaped x gives: bad_argument where the model's
// flags refuse one of x's values (+-inf, NaN: trees.hpp's flag_refuses_*),
// else ok.
template <typename X>
Status tree_input_status(const T::Model& m, const X* x, size_t n_x) {
    if constexpr (sizeof(X) == 4)
        for (size_t i = 0; i < n_x; ++i) {
            if (std::isinf(x[i]) && (m.flags & T::flag_refuses_inf)) return Status::bad_argument;
            if (std::isnan(x[i]) && (m.flags & T::flag_refuses_nan)) return Status::bad_argument;
        }
    return Status::ok;
}

template <typename X>
void tree_calls(const T::Model& m, const X* x, size_t n_x, Log& log) {
    // n_classes is checked (and used) for classifiers only.
    const bool classifier = m.task == T::Task::classification;
    const Status want = tree_input_status(m, x, n_x);
    Exact<float> out(m.n_outputs), scratch(m.n_outputs), proba(classifier ? m.n_classes : 1);
    Status st = T::raw_scores(m, x, n_x, out.data(), out.size());
    ML_FUZZ_CHECK(st == want);
    log_floats(log, st, out.data(), out.size());

    int32_t cls = 0;
    st = T::predict_class(m, x, n_x, scratch.data(), scratch.size(), cls);
    ML_FUZZ_CHECK(st == want || st == Status::unsupported_kind);
    if (st == Status::ok) check_prediction(m.task == T::Task::anomaly, m.n_classes, cls);
    log.push_back(static_cast<uint32_t>(st));
    log.push_back(static_cast<uint32_t>(cls));

    st = T::predict_proba(m, x, n_x, proba.data(), proba.size());
    ML_FUZZ_CHECK(st == want || st == Status::unsupported_kind);
    log_floats(log, st, proba.data(), proba.size());

    st = T::decision_function(m, x, n_x, out.data(), out.size());
    ML_FUZZ_CHECK(st == want || st == Status::unsupported_kind);
    log_floats(log, st, out.data(), m.task == T::Task::anomaly ? 1 : out.size());

    float score = 0.0f;
    st = T::score_samples(m, x, n_x, score);
    ML_FUZZ_CHECK(st == want || st == Status::unsupported_kind);
    log_floats(log, st, &score, 1);

    // Too short an input or output is refused, never read or written past.
    if (n_x > 0) ML_FUZZ_CHECK(T::raw_scores(m, x, n_x - 1, out.data(), out.size()) == Status::size_mismatch);
    Exact<float> short_out(m.n_outputs - 1);
    ML_FUZZ_CHECK(T::raw_scores(m, x, n_x, short_out.data(), short_out.size()) != Status::ok);
    if (classifier) {
        Exact<float> short_proba(m.n_classes - 1);
        ML_FUZZ_CHECK(T::predict_proba(m, x, n_x, short_proba.data(), short_proba.size()) != Status::ok);
        ML_FUZZ_CHECK(T::predict_class(m, x, n_x, short_out.data(), short_out.size(), cls) != Status::ok);
    }
}

// Every input pattern of the model's feature type; the other type is refused.
template <typename X, typename Other>
void tree_inputs(const T::Model& m, Reader tail, Log& log) {
    Exact<X> x(m.n_features);
    for (int pattern = 0; pattern < kPatterns; ++pattern) {
        if (pattern == kTail && tail.remaining() == 0) break;
        fill_input(x.data(), x.size(), pattern, tail);
        tree_calls(m, x.data(), x.size(), log);
    }
    Exact<Other> other(m.n_features);
    Exact<float> out(m.n_outputs);
    ML_FUZZ_CHECK(T::raw_scores(m, other.data(), other.size(), out.data(), out.size()) == Status::type_mismatch);
}

void trees(const uint8_t* file, size_t size, const Reader& tail) {
    T::Model m;
    if (T::load(file, size, m) != Status::ok) return;
    ML_FUZZ_CHECK(m.n_features > 0 && m.n_outputs > 0);
    // Each round: every call on every input, with and without a key buffer
    // (attach_key_buffer). Packed models whose slots are not the input's
    // columns need one: without it every call is refused. Otherwise the
    // walks with and without one (keys taken once, or at each node) must
    // give the same bits; hardware-float refs walks ignore the buffer.
    const size_t need = T::key_buffer_size(m);
    ML_FUZZ_CHECK(need <= m.n_features);
    const bool required = m.packed && !m.direct && m.n_slots > 0;
    Log rounds[2];
    Exact<int32_t> keys(m.n_features);
    for (int with_keys = 0; with_keys < 2; ++with_keys) {
        ML_FUZZ_CHECK(T::attach_key_buffer(m, with_keys ? keys.data() : nullptr, keys.size()) == Status::ok);
        if (required && !with_keys) {
            Exact<float> x(m.n_features), out(m.n_outputs);
            Exact<int16_t> x16(m.n_features);
            ML_FUZZ_CHECK((m.feature_type == T::FeatureType::f32
                               ? T::raw_scores(m, x.data(), x.size(), out.data(), out.size())
                               : T::raw_scores(m, x16.data(), x16.size(), out.data(), out.size())) ==
                          Status::bad_argument);
            continue;
        }
        if (m.feature_type == T::FeatureType::f32)
            tree_inputs<float, int16_t>(m, tail, rounds[with_keys]);
        else
            tree_inputs<int16_t, float>(m, tail, rounds[with_keys]);
    }
    ML_FUZZ_CHECK(required || rounds[0] == rounds[1]);
    if (need > 0) ML_FUZZ_CHECK(T::attach_key_buffer(m, keys.data(), need - 1) == Status::size_mismatch);
    if (m.task == T::Task::classification) check_labels(file, size, m.n_classes);
}

// ---- Gaussian models ---------------------------------------------------------

namespace G = microlearn::gaussian;

void gaussian(const uint8_t* file, size_t size, const Reader& tail) {
    G::Model m;
    if (G::load(file, size, m) != Status::ok) return;
    Reader r = tail;
    Exact<float> x(m.n_features), scratch(G::scratch_size(m)), out(m.n_components);
    const bool anomaly = m.task == G::Task::anomaly;
    for (int pattern = 0; pattern < kPatterns; ++pattern) {
        if (pattern == kTail && r.remaining() == 0) break;
        fill_input(x.data(), x.size(), pattern, r);
        int32_t predicted = 0;
        float value = 0.0f;
        if (G::predict(m, x.data(), x.size(), scratch.data(), scratch.size(), predicted) == Status::ok)
            check_prediction(anomaly, m.n_components, predicted);
        (void)G::predict_proba(m, x.data(), x.size(), scratch.data(), scratch.size(), out.data(), out.size());
        (void)G::log_probs(m, x.data(), x.size(), scratch.data(), scratch.size(), out.data(), out.size());
        (void)G::score_samples(m, x.data(), x.size(), scratch.data(), scratch.size(), value);
        (void)G::decision_function(m, x.data(), x.size(), scratch.data(), scratch.size(), value);
        if (!anomaly && out.size() > 0) {
            Exact<float> short_out(out.size() - 1);
            ML_FUZZ_CHECK(G::log_probs(m, x.data(), x.size(), scratch.data(), scratch.size(), short_out.data(),
                                       short_out.size()) != Status::ok);
        }
        if (scratch.size() > 0)
            ML_FUZZ_CHECK(G::predict(m, x.data(), x.size(), scratch.data(), scratch.size() - 1, predicted) != Status::ok);
    }
    if (m.task == G::Task::classification) check_labels(file, size, m.n_classes);
}

// ---- neighbours and centroids ------------------------------------------------

namespace N = microlearn::neighbors;

template <typename X>
void neighbor_calls(const N::Model& m, Reader r) {
    Exact<X> x(m.n_features);
    Exact<uint64_t> scratch(N::scratch_size(m));
    Exact<float> proba(m.n_classes), values(m.n_outputs), distances(m.n_points), kdist(m.k);
    Exact<int32_t> kindex(m.k);
    const N::FeatureType type = m.feature_type;
    const N::FeatureType other = type == N::FeatureType::f32 ? N::FeatureType::i16 : N::FeatureType::f32;
    for (int pattern = 0; pattern < kPatterns; ++pattern) {
        if (pattern == kTail && r.remaining() == 0) break;
        fill_input(x.data(), x.size(), pattern, r);
        const void* xp = x.data();
        const size_t n = x.size();
        int32_t predicted = 0;
        float value = 0.0f;
        if (N::predict(m, xp, type, n, scratch.data(), scratch.size(), predicted) == Status::ok)
            check_prediction(m.task == N::Task::anomaly,
                             m.task == N::Task::clustering ? m.n_points : m.n_classes, predicted);
        (void)N::predict_values(m, xp, type, n, scratch.data(), scratch.size(), values.data(), values.size());
        (void)N::predict_proba(m, xp, type, n, scratch.data(), scratch.size(), proba.data(), proba.size());
        (void)N::transform(m, xp, type, n, scratch.data(), scratch.size(), distances.data(), distances.size());
        (void)N::score_samples(m, xp, type, n, scratch.data(), scratch.size(), value);
        (void)N::decision_function(m, xp, type, n, scratch.data(), scratch.size(), proba.data(), proba.size());
        (void)N::decision_function(m, xp, type, n, scratch.data(), scratch.size(), &value, 1);
        if (N::kneighbors(m, xp, type, n, scratch.data(), scratch.size(), kdist.data(), kindex.data(), kindex.size()) ==
            Status::ok)
            for (int32_t i : kindex) ML_FUZZ_CHECK(i >= 0 && uint32_t(i) < m.n_points);
        ML_FUZZ_CHECK(N::kneighbors(m, xp, type, n, scratch.data(), scratch.size() - 1, kdist.data(), kindex.data(),
                                    kindex.size()) != Status::ok);
        ML_FUZZ_CHECK(N::kneighbors(m, xp, other, n, scratch.data(), scratch.size(), kdist.data(), kindex.data(),
                                    kindex.size()) == Status::type_mismatch);
    }
}

void neighbors(const uint8_t* file, size_t size, const Reader& tail) {
    N::Model m;
    if (N::load(file, size, m) != Status::ok) return;
    ML_FUZZ_CHECK(m.k >= 1 && m.k <= m.n_points && N::scratch_size(m) > 0);
    if (m.feature_type == N::FeatureType::f32)
        neighbor_calls<float>(m, tail);
    else
        neighbor_calls<int16_t>(m, tail);
    if (m.task == N::Task::classification) check_labels(file, size, m.n_classes);
}

// ---- support vector machines -------------------------------------------------

namespace S = microlearn::svm;

void svm(const uint8_t* file, size_t size, const Reader& tail) {
    S::Model m;
    if (S::load(file, size, m) != Status::ok) return;
    Reader r = tail;
    Exact<float> x(m.n_features), scratch(S::scratch_size(m)), dec(S::n_decisions(m));
    Exact<float> proba(m.task == S::Task::classification ? m.n_classes : 1);
    for (int pattern = 0; pattern < kPatterns; ++pattern) {
        if (pattern == kTail && r.remaining() == 0) break;
        fill_input(x.data(), x.size(), pattern, r);
        int32_t predicted = 0;
        float value = 0.0f;
        if (S::predict(m, x.data(), x.size(), scratch.data(), scratch.size(), predicted) == Status::ok)
            check_prediction(m.task == S::Task::anomaly, m.n_classes, predicted);
        (void)S::decision_function(m, x.data(), x.size(), scratch.data(), scratch.size(), dec.data(), dec.size());
        (void)S::predict_value(m, x.data(), x.size(), scratch.data(), scratch.size(), value);
        (void)S::score_samples(m, x.data(), x.size(), scratch.data(), scratch.size(), value);
        (void)S::predict_proba(m, x.data(), x.size(), scratch.data(), scratch.size(), proba.data(), proba.size());
        if (scratch.size() > 0)
            ML_FUZZ_CHECK(S::decision_function(m, x.data(), x.size(), scratch.data(), scratch.size() - 1, dec.data(),
                                               dec.size()) != Status::ok);
        Exact<float> short_dec(dec.size() - 1);
        ML_FUZZ_CHECK(S::decision_function(m, x.data(), x.size(), scratch.data(), scratch.size(), short_dec.data(),
                                           short_dec.size()) != Status::ok);
    }
    if (m.task == S::Task::classification) check_labels(file, size, m.n_classes);
}

// ---- linear models ------------------------------------------------------------

namespace L = microlearn::linear;

void linear_calls(const L::Model& m, Reader r) {
    Exact<float> x(m.n_features), scores(L::n_scores(m)), values(m.n_outputs);
    Exact<float> proba(m.task == L::Task::classification ? m.n_classes : 1);
    for (int pattern = 0; pattern < kPatterns; ++pattern) {
        if (pattern == kTail && r.remaining() == 0) break;
        fill_input(x.data(), x.size(), pattern, r);
        int32_t predicted = 0;
        if (L::predict(m, x.data(), x.size(), scores.data(), scores.size(), predicted) == Status::ok)
            check_prediction(false, m.n_classes, predicted);
        (void)L::decision_function(m, x.data(), x.size(), scores.data(), scores.size());
        (void)L::predict_values(m, x.data(), x.size(), values.data(), values.size());
        (void)L::predict_proba(m, x.data(), x.size(), proba.data(), proba.size());
        Exact<float> short_scores(scores.size() - 1);
        ML_FUZZ_CHECK(L::predict(m, x.data(), x.size(), short_scores.data(), short_scores.size(), predicted) !=
                      Status::ok);
        if (m.task == L::Task::classification && L::has_proba(m)) {
            Exact<float> short_proba(proba.size() - 1);
            ML_FUZZ_CHECK(L::predict_proba(m, x.data(), x.size(), short_proba.data(), short_proba.size()) != Status::ok);
        }
    }
}

// Trainable files (SGD partial_fit on the device): a few updates on a
// writable copy, then seal(): unless an update overflowed (out_of_range),
// the bytes must load again as a model.
void linear_training(const uint8_t* file, size_t size, Reader r) {
    Exact<uint8_t> copy(size);
    std::copy(file, file + size, copy.begin());
    L::Trainer tr;
    if (L::load_trainer(copy.data(), copy.size(), tr) != Status::ok) return;
    Exact<float> x(tr.model.n_features);
    const float targets[] = {0.0f, 1.0f, 2.0f, -1.0f, 0.5f, 1e30f};
    for (int step = 0; step < 6; ++step) {
        fill_input(x.data(), x.size(), step % kPatterns, r);
        const Status st = L::partial_fit(tr, x.data(), x.size(), step == 5 && r.remaining() >= 4 ? r.f32() : targets[step]);
        if (st == Status::out_of_range) return;  // a weight overflowed: documented as leaving the model unusable
        ML_FUZZ_CHECK(st == Status::ok || st == Status::bad_argument);
    }
    L::seal(tr);
    L::Model again;
    ML_FUZZ_CHECK(L::load(copy.data(), copy.size(), again) == Status::ok);
    linear_calls(again, r);
}

// A trainable model made from zeros on the device (create()), with
// parameters read from the input's bytes: what create() accepts must load.
void linear_create(const uint8_t* file, size_t size_in, const Reader&) {
    Reader r(file, size_in);
    L::NewModel n;
    n.n_features = r.size();
    n.n_classes = r.size();
    n.loss = static_cast<L::Loss>(r.u8() % 5);
    n.schedule = static_cast<L::Schedule>(r.u8() % 4);
    n.fit_intercept = r.u8() & 1;
    n.alpha = r.u8() & 1 ? r.f32() : 1e-4f;
    n.eta0 = r.u8() & 1 ? r.f32() : 0.01f;
    n.power_t = r.u8() & 1 ? r.f32() : 0.5f;
    const size_t size = L::created_size(n);
    if (size == 0 || size > (size_t(1) << 18)) return;
    Exact<uint8_t> buf(size);
    if (L::create(n, buf.data(), buf.size()) != Status::ok) return;
    L::Model m;
    ML_FUZZ_CHECK(L::load(buf.data(), buf.size(), m) == Status::ok);
    ML_FUZZ_CHECK(m.n_features == n.n_features);
    L::Trainer tr;
    (void)L::load_trainer(buf.data(), buf.size(), tr);  // may refuse parameters create() took (alpha, eta0)
    Exact<uint8_t> small(size - 1);
    ML_FUZZ_CHECK(L::create(n, small.data(), small.size()) != Status::ok);
}

void linear(const uint8_t* file, size_t size, const Reader& tail) {
    L::Model m;
    if (L::load(file, size, m) != Status::ok) return;
    linear_calls(m, tail);
    linear_training(file, size, tail);
    if (m.task == L::Task::classification) check_labels(file, size, m.n_classes);
}

// ---- the preprocessing chain (a container part of any family's file) -----

namespace P = microlearn::preprocess;

// The chain loads against the width its last step declares, never against
// another; on success apply() runs on every input pattern with exactly
// scratch_size floats of scratch (one fewer is refused), twice alike.
void preprocess(const uint8_t* file, size_t size, const Reader& tail) {
    microlearn::ModelFile f;
    if (microlearn::open_model_file(file, size, f) != Status::ok) return;
    microlearn::Span<uint32_t> steps;
    uint32_t width = 1;
    if (f.section(microlearn::section_preprocess_steps, steps) == Status::ok && steps.size >= P::kStepWords)
        width = steps[steps.size - P::kStepWords + 2];
    P::Chain c;
    if (P::load(f, width, c) != Status::ok) {
        ML_FUZZ_CHECK(c.n_steps == 0);
        return;
    }
    ML_FUZZ_CHECK(c.n_outputs == width && c.n_inputs >= 1);
    P::Chain other;
    if (c.n_steps != 0) ML_FUZZ_CHECK(P::load(f, width + 1, other) == Status::size_mismatch);
    if (c.n_inputs + uint64_t(c.scratch_size) > (1u << 20)) return;  // valid, but too wide to run here
    Exact<float> x(c.n_inputs), scratch(c.scratch_size);
    for (int pattern = 0; pattern < kPatterns; ++pattern) {
        Reader r = tail;
        if (pattern == kPatterns - 1 && r.remaining() == 0) break;  // the last: bytes past the file
        fill_input(x.data(), x.size(), pattern, r);
        Log logs[2];
        for (Log& log : logs) {
            const float* out = nullptr;
            const Status st = P::apply(c, x.data(), x.size(), scratch.data(), scratch.size(), &out);
            ML_FUZZ_CHECK(st == Status::ok);
            log_floats(log, st, out, c.n_outputs);
        }
        ML_FUZZ_CHECK(logs[0] == logs[1]);
        const float* out = nullptr;
        if (c.n_steps != 0)
            ML_FUZZ_CHECK(P::apply(c, x.data(), x.size(), scratch.data(), scratch.size() - 1, &out) ==
                          Status::bad_argument);
    }
}

// ---- the container ----------------------------------------------------------

void container(const uint8_t* file, size_t size, const Reader&) {
    microlearn::ModelFile f;
    const Status st = microlearn::open_model_file(file, size, f);
    const uint16_t version = microlearn::model_file_version(file, size);
    if (st != Status::ok) return;
    ML_FUZZ_CHECK(version == f.version && f.size <= size);
    for (uint16_t i = 0; i < f.section_count; ++i) {  // every section inside the file, none overlapping
        const microlearn::SectionInfo s = f.entry(i);
        const size_t bytes = size_t(s.count) * microlearn::dtype_size(s.dtype);
        ML_FUZZ_CHECK(s.offset % 4 == 0 && s.offset <= f.size && bytes <= f.size - s.offset);
        for (uint16_t j = 0; j < i; ++j) {
            const microlearn::SectionInfo o = f.entry(j);
            const size_t o_bytes = size_t(o.count) * microlearn::dtype_size(o.dtype);
            ML_FUZZ_CHECK(bytes == 0 || o_bytes == 0 || s.offset + bytes <= o.offset || o.offset + o_bytes <= s.offset);
        }
    }
}

// ---- neural networks ----------------------------------------------------------

namespace NN = microlearn::neural;

// Every input pattern as float32, as int8 / uint8 bytes (int8 models) and as int16 values (int16 models),
// through the network in an arena of exactly arena_size bytes.
void neural(const uint8_t* file, size_t size, const Reader& tail) {
    NN::Model m;
    if (NN::load(file, size, m) != Status::ok) return;
    if (m.arena_size > (1u << 22)) return;  // a valid plan of many MB: loaded, not run (time, memory)
    Reader r = tail;
    Exact<uint32_t> arena(m.arena_size / 4 + (m.arena_size == 0));
    uint8_t* a = reinterpret_cast<uint8_t*>(arena.data());
    ML_FUZZ_CHECK(NN::check_arena(m, a, m.arena_size) == Status::ok);
    NN::reset(m, a);
    Exact<float> x(NN::n_inputs(m)), out(NN::n_outputs(m)), proba(m.n_classes);
    Exact<uint8_t> q(NN::n_inputs(m));
    Exact<int16_t> h(NN::n_inputs(m));
    for (int pattern = 0; pattern < kPatterns; ++pattern) {
        if (pattern == kTail && r.remaining() == 0) break;
        fill_input(x.data(), x.size(), pattern, r);
        for (size_t i = 0; i < q.size(); ++i) memcpy(&q[i], reinterpret_cast<const uint8_t*>(&x[i]) + 1, 1);
        for (size_t i = 0; i < h.size(); ++i) memcpy(&h[i], reinterpret_cast<const uint8_t*>(&x[i]) + 2, 2);
        for (int type = 0; type < 4; ++type) {  // NN::Input: f32, i8, u8, i16
            const void* in = type == 0 ? static_cast<const void*>(x.data())
                             : type == 3 ? static_cast<const void*>(h.data()) : q.data();
            if (NN::set_input(m, a, in, x.size(), static_cast<NN::Input>(type)) != Status::ok) continue;
            NN::run(m, a);
            ML_FUZZ_CHECK(NN::outputs(m, a, out.data(), out.size()) == Status::ok);
            int32_t predicted = 0;
            if (NN::class_index(m, a, predicted) == Status::ok) check_prediction(false, m.n_classes, predicted);
            (void)NN::proba(m, a, proba.data(), proba.size());
        }
    }
    if (m.task == 1) check_labels(file, size, m.n_classes);
}

// ---- the registry -----------------------------------------------------------

struct Family {
    const char* name;  // as microlearn.families names it (tests/device/test_soak.py checks)
    // Loads the file (bytes 4-byte aligned, exactly `size` of them); on
    // success calls every entry point, with inputs drawn from `tail`.
    void (*run)(const uint8_t* file, size_t size, const Reader& tail);
};

constexpr Family kFamilies[] = {
    {"container", container},
    {"tree_ensemble", trees},
    {"gaussian", gaussian},
    {"neighbors", neighbors},
    {"svm", svm},
    {"linear", linear},
    {"linear_create", linear_create},
    {"neural_network", neural},
    {"preprocess", preprocess},
};

}  // namespace

ML_FUZZ_TARGET(fuzz_mlm_one) {
    // A copy of exactly `size` bytes: aligned as the loaders require, and
    // any read past the end is caught.
    if (size > (size_t(1) << 30)) return 0;  // (keeps GCC from warning of sizes past PTRDIFF_MAX)
    Exact<uint8_t> file(size);
    std::copy(data, data + size, file.begin());
    size_t file_size = size;
    if (size >= microlearn::kHeaderSize) {
        const uint32_t declared = microlearn::read_le32(data + 12);
        if (declared <= size) file_size = declared;
    }
    const Reader tail(data + file_size, size - file_size);
    for (const Family& family : kFamilies) family.run(file.data(), size, tail);
    return 0;
}

#ifdef ML_LIBFUZZER
extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

// libFuzzer's mutations, then (7 times in 8) a fresh CRC over the declared
// file, so most inputs get past the checksum to the structural checks.
extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed) {
    size = LLVMFuzzerMutate(data, size, max_size);
    if (seed % 8 == 0 || size < microlearn::kHeaderSize) return size;
    const uint32_t declared = microlearn::read_le32(data + 12);
    if (declared < microlearn::kHeaderSize || declared > size) return size;
    memset(data + microlearn::kCrcOffset, 0, 4);
    const uint32_t crc = microlearn::crc32(data, declared);
    for (int i = 0; i < 4; ++i) data[microlearn::kCrcOffset + i] = static_cast<uint8_t>(crc >> (8 * i));
    return size;
}
#endif
