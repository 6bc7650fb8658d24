#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "trees_fixture.hpp"

using microlearn::Status;
namespace T = microlearn::trees;

namespace {

struct Loaded {
    mlmtest::Aligned bytes;
    T::Model model;
    Status status;
    explicit Loaded(const treetest::Spec& spec) : bytes(treetest::build(spec)) {
        status = T::load(bytes.data(), bytes.size, model);
    }
};

int32_t classify(const T::Model& m, float x0, float x1) {
    const float x[2] = {x0, x1};
    float scratch[2];
    int32_t out = -1;
    EXPECT_EQ(T::predict_class(m, x, 2, scratch, 2, out), Status::ok);
    return out;
}

}  // namespace

TEST(Trees, WalksAndAverages) {
    Loaded l{treetest::Spec{}};
    ASSERT_EQ(l.status, Status::ok);
    // tree0 -> A (x0 <= .5, x1 <= -1), tree1 -> A (x1 <= 2): class 0.
    EXPECT_EQ(classify(l.model, 0.0f, -3.0f), 0);
    // tree0 -> B, tree1 -> B: class 1.
    EXPECT_EQ(classify(l.model, 1.0f, 5.0f), 1);
    float proba[2];
    const float x[2] = {1.0f, 0.0f};  // tree0 -> B, tree1 -> A
    ASSERT_EQ(T::predict_proba(l.model, x, 2, proba, 2), Status::ok);
    EXPECT_FLOAT_EQ(proba[0], 0.5f);
    EXPECT_FLOAT_EQ(proba[1], 0.5f);
    EXPECT_EQ(classify(l.model, 1.0f, 0.0f), 0);  // a tie goes to the first class, as numpy's argmax
}

TEST(Trees, ValuesEqualToTheThresholdGoLeft) {
    Loaded l{treetest::Spec{}};
    EXPECT_EQ(classify(l.model, 0.5f, -1.0f), 0);
    EXPECT_EQ(classify(l.model, std::nextafter(0.5f, 1.0f), 2.0f), 0);  // tree0 B, tree1 A: tie
    EXPECT_EQ(classify(l.model, std::nextafter(0.5f, 1.0f), std::nextafter(2.0f, 3.0f)), 1);
}

TEST(Trees, NanGoesRightUnlessMarked) {
    Loaded plain{treetest::Spec{}};
    const float nan = std::nanf("");
    EXPECT_EQ(classify(plain.model, nan, nan), 1);  // right everywhere: B, B
    treetest::Spec spec;
    spec.nan_left = {0b101};  // nodes 0 and 2 send NaN left
    Loaded marked{spec};
    ASSERT_EQ(marked.status, Status::ok);
    EXPECT_EQ(classify(marked.model, nan, nan), 0);  // tree0: left then node1 right (B); tree1: A -> tie -> 0
    EXPECT_EQ(classify(marked.model, 1.0f, 5.0f), 1);  // no NaN: unchanged
}

TEST(Trees, SplitsDecideExactlyAsFloatCompareForSpecialValues) {
    // A one-split model: x0 <= t goes to class 0, else class 1. Runs in the
    // plain build (float compares) and the soft_float build (integer keys).
    const float specials[] = {0.0f, -0.0f, 1e-45f, -1e-45f, 1.17549435e-38f, -1.17549435e-38f,
                              1.0f, -1.0f, 0.5f, 3.4028235e38f, -3.4028235e38f, INFINITY, -INFINITY};
    for (float t : specials) {
        if (std::signbit(t) && t == 0.0f) continue;  // -0.0 thresholds are refused (next test)
        treetest::Spec spec;
        spec.features = {0};
        spec.thresholds = {t};
        spec.children = {0x80000000u, 0x80000001u};  // left -> A (class 0), right -> B (class 1)
        spec.roots = {0};
        Loaded l{spec};
        ASSERT_EQ(l.status, Status::ok);
        for (float v : specials) EXPECT_EQ(classify(l.model, v, 0.0f), v <= t ? 0 : 1) << v << " <= " << t;
        EXPECT_EQ(classify(l.model, std::nanf(""), 0.0f), 1);   // NaN goes right
        EXPECT_EQ(classify(l.model, -std::nanf(""), 0.0f), 1);  // whatever its sign
    }
}

TEST(Trees, KeyBufferGivesTheSameAnswers) {
    // Soft-float builds walk on precomputed split keys when lent a buffer;
    // hardware-float builds ignore it. Either way: the same classes.
    treetest::Spec spec;
    spec.nan_left = {0b101};
    Loaded plain{spec}, keyed{spec};
    int32_t keys[2];
    EXPECT_EQ(T::attach_key_buffer(keyed.model, keys, 1), Status::size_mismatch);
    ASSERT_EQ(T::attach_key_buffer(keyed.model, keys, 2), Status::ok);
    const float values[] = {-3.0f, -1.0f, -0.0f, 0.0f, 0.5f, 0.75f, 2.0f, 5.0f, INFINITY, std::nanf("")};
    for (float a : values)
        for (float b : values) EXPECT_EQ(classify(keyed.model, a, b), classify(plain.model, a, b)) << a << ", " << b;
}

TEST(Trees, RefusesNanAndNegativeZeroThresholds) {
    for (float t : {std::nanf(""), -0.0f}) {
        treetest::Spec spec;
        spec.thresholds[1] = t;
        Loaded l{spec};
        EXPECT_EQ(l.status, Status::bad_parameter);
    }
}

TEST(Trees, WideRefsGiveTheSameAnswers) {
    treetest::Spec spec;
    spec.wide = true;
    Loaded wide{spec}, narrow{treetest::Spec{}};
    ASSERT_EQ(wide.status, Status::ok);
    EXPECT_TRUE(wide.model.wide_refs);
    for (float a : {-1.0f, 0.5f, 2.0f})
        for (float b : {-2.0f, -1.0f, 0.0f, 3.0f}) EXPECT_EQ(classify(wide.model, a, b), classify(narrow.model, a, b));
}

TEST(Trees, SparseLeavesGiveTheSameAnswers) {
    treetest::Spec spec;
    spec.sparse = true;
    spec.leaves = {0.75f, 0.25f, 0.0f, 1.0f};  // a mixed leaf and a pure one
    treetest::Spec dense_spec;
    dense_spec.leaves = spec.leaves;
    Loaded sparse{spec}, dense{dense_spec};
    ASSERT_EQ(sparse.status, Status::ok);
    EXPECT_NE(sparse.model.leaf_offsets, nullptr);
    for (float a : {-1.0f, 0.5f, 2.0f})
        for (float b : {-2.0f, -1.0f, 0.0f, 3.0f}) {
            const float x[2] = {a, b};
            float p1[2], p2[2];
            ASSERT_EQ(T::predict_proba(sparse.model, x, 2, p1, 2), Status::ok);
            ASSERT_EQ(T::predict_proba(dense.model, x, 2, p2, 2), Status::ok);
            EXPECT_EQ(p1[0], p2[0]);
            EXPECT_EQ(p1[1], p2[1]);
        }
}

TEST(Trees, RejectsCorruptSparseLeaves) {
    treetest::Spec spec;
    spec.sparse = true;
    auto bytes = treetest::build(spec);
    // Find the sparse sections through the table and break each rule.
    auto offset_of = [&](uint16_t id) {
        mlmtest::Aligned a(bytes);
        microlearn::ModelFile g;
        microlearn::open_model_file(a.data(), a.size, g);
        microlearn::SectionInfo info;
        g.find(id, info);
        return info.offset;
    };
    auto expect = [&](std::vector<uint8_t> b, Status want) {
        mlmtest::refresh_crc(b);
        mlmtest::Aligned a(b);
        T::Model m;
        EXPECT_EQ(T::load(a.data(), a.size, m), want);
    };
    auto b = bytes;
    mlmtest::put32(b, offset_of(T::Section::leaf_offsets) + 4, 3);  // offsets fall: 0, 3, 2
    expect(b, Status::out_of_range);
    b = bytes;
    mlmtest::put16(b, offset_of(T::Section::leaf_columns), 2);  // column past the leaf width
    expect(b, Status::out_of_range);
    b = bytes;
    mlmtest::put32(b, offset_of(T::Section::leaf_values), 0x7F800000u);  // +inf
    expect(b, Status::bad_parameter);
}

TEST(Trees, RejectsWrongInputs) {
    Loaded l{treetest::Spec{}};
    const float x[3] = {0, 0, 0};
    const int16_t q[2] = {0, 0};
    float out[2];
    int32_t cls;
    EXPECT_EQ(T::predict_class(l.model, x, 3, out, 2, cls), Status::size_mismatch);
    EXPECT_EQ(T::predict_class(l.model, q, 2, out, 2, cls), Status::type_mismatch);
    EXPECT_EQ(T::predict_class(l.model, x, 2, out, 1, cls), Status::size_mismatch);
    EXPECT_EQ(T::raw_scores(l.model, static_cast<const float*>(nullptr), 2, out, 2), Status::bad_argument);
    float score;
    EXPECT_EQ(T::score_samples(l.model, x, 2, score), Status::unsupported_kind);
}

TEST(Trees, RejectsCorruptStructure) {
    auto expect_bad = [](treetest::Spec spec, Status want) {
        Loaded l{spec};
        EXPECT_EQ(l.status, want);
    };
    treetest::Spec s;
    s.children[2] = 0;  // node 1's left child is node 0: a cycle
    expect_bad(s, Status::out_of_range);
    s = {};
    s.children[0] = 1;
    s.children[2] = 1;  // node 1 points to itself
    expect_bad(s, Status::out_of_range);
    s = {};
    s.features[1] = 2;  // feature index past n_features
    expect_bad(s, Status::out_of_range);
    s = {};
    s.children[1] = 0x80000007u;  // leaf past the leaf table
    expect_bad(s, Status::out_of_range);
    s = {};
    s.roots[1] = 3;  // root past the node table
    expect_bad(s, Status::out_of_range);
    s = {};
    s.thresholds.pop_back();
    expect_bad(s, Status::size_mismatch);
    s = {};
    s.transform = 7;
    expect_bad(s, Status::bad_parameter);
    s = {};
    s.task = 2;  // anomaly with two outputs
    expect_bad(s, Status::bad_parameter);
}

// ------------------------------------------------ exact sums of leaf values

namespace {

// n stumps: stump t splits on x[t] <= 0.5 into leaf rows 2t (left) and
// 2t + 1 (right) of `leaves` (width values each); x's bits choose the leaves.
struct Stumps {
    uint32_t width = 1;
    std::vector<float> leaves;        // 2 * n_trees rows
    std::vector<float> baseline;      // empty: absent
    std::vector<uint16_t> tree_outputs;  // empty: absent (each tree adds at 0)
    uint32_t n_outputs = 1, n_classes = 0, task = 0, transform = 3, flags = 0;
    bool sparse = false;  // leaf rows as sparse rows of their nonzero values
    std::vector<uint16_t> extra_column;  // sparse: one more (column, value 1.0) per row, if given

    uint32_t n_trees() const { return static_cast<uint32_t>(leaves.size() / (2 * width)); }

    std::vector<uint8_t> bytes() const {
        const uint32_t n = n_trees();
        std::vector<uint32_t> params{n, n_outputs, n_classes, n, n, 2 * n, width, task, transform, 0, flags};
        std::vector<uint16_t> features, roots, children;
        std::vector<float> thresholds;
        for (uint32_t t = 0; t < n; ++t) {
            features.push_back(static_cast<uint16_t>(t));
            thresholds.push_back(0.5f);
            roots.push_back(static_cast<uint16_t>(t));
            children.push_back(static_cast<uint16_t>(0x8000u | (2 * t)));
            children.push_back(static_cast<uint16_t>(0x8000u | (2 * t + 1)));
        }
        std::vector<mlmtest::Section> s{
            mlmtest::section<uint32_t>(T::Section::params, params),
            mlmtest::section<uint16_t>(T::Section::features, features),
            mlmtest::section<float>(T::Section::thresholds, thresholds),
            mlmtest::section<uint16_t>(T::Section::roots, roots),
            mlmtest::section<uint16_t>(T::Section::children, children),
        };
        if (sparse) {
            std::vector<uint32_t> offsets{0};
            std::vector<uint16_t> columns;
            std::vector<float> values;
            for (uint32_t j = 0; j < 2 * n; ++j) {
                for (uint32_t c = 0; c < width; ++c)
                    if (leaves[j * width + c] != 0.0f)
                        columns.push_back(static_cast<uint16_t>(c)), values.push_back(leaves[j * width + c]);
                if (!extra_column.empty()) columns.push_back(extra_column[0]), values.push_back(1.0f);
                offsets.push_back(static_cast<uint32_t>(values.size()));
            }
            s.push_back(mlmtest::section<uint32_t>(T::Section::leaf_offsets, offsets));
            s.push_back(mlmtest::section<uint16_t>(T::Section::leaf_columns, columns));
            s.push_back(mlmtest::section<float>(T::Section::leaf_values, values));
        } else {
            s.push_back(mlmtest::section<float>(T::Section::leaves, leaves));
        }
        if (!baseline.empty()) s.push_back(mlmtest::section<float>(T::Section::baseline, baseline));
        if (!tree_outputs.empty()) s.push_back(mlmtest::section<uint16_t>(T::Section::tree_outputs, tree_outputs));
        return mlmtest::build(static_cast<uint16_t>(microlearn::ModelKind::tree_ensemble), s);
    }
};

struct LoadedStumps {
    mlmtest::Aligned bytes;
    T::Model model;
    explicit LoadedStumps(const Stumps& s) : bytes(s.bytes()) {
        EXPECT_EQ(T::load(bytes.data(), bytes.size, model), Status::ok);
    }
};

// The input that sends stump t left where bit t of `left` is set.
std::vector<float> row_for(uint64_t left, uint32_t n) {
    std::vector<float> x(n);
    for (uint32_t t = 0; t < n; ++t) x[t] = (left >> t) & 1 ? 0.0f : 1.0f;
    return x;
}

// Output k's leaf values in the trees' order (baseline first) for that row.
std::vector<float> terms(const Stumps& s, uint64_t left, uint32_t k) {
    std::vector<float> v;
    if (!s.baseline.empty()) v.push_back(s.baseline[k]);
    for (uint32_t t = 0; t < s.n_trees(); ++t) {
        const uint32_t o = s.tree_outputs.empty() ? 0 : s.tree_outputs[t];
        if (k < o || k >= o + s.width) continue;
        v.push_back(s.leaves[(2 * t + ((left >> t) & 1 ? 0 : 1)) * s.width + (k - o)]);
    }
    return v;
}

// The exact sum rounded once: long double holds every sum these tests make
// exactly (64-bit significands on x86; the tests keep exponent spans narrow
// enough for double elsewhere), and one conversion rounds it to float32.
float exact_sum(const std::vector<float>& v) {
    long double s = 0;
    for (float f : v) s += f;
    return static_cast<float>(s);
}

float float32_sum(const std::vector<float>& v) {
    float s = 0;
    for (float f : v) s += f;
    return s;
}

float raw_score(const T::Model& m, const std::vector<float>& x, uint32_t k = 0) {
    float out[8] = {};
    EXPECT_EQ(T::raw_scores(m, x.data(), x.size(), out, 8), Status::ok);
    return out[k];
}

}  // namespace

TEST(TreesExact, SumsEqualTheExactSumRoundedOnce) {
    // Regression values over 20 binades, both signs: sequential float32 adds
    // round at each step, the engine rounds once.
    static_assert(std::numeric_limits<long double>::digits >= 53, "needs an exact reference");
    uint32_t seed = 12345;
    auto next = [&seed] { return seed = seed * 1664525u + 1013904223u; };
    Stumps s;
    for (int j = 0; j < 2 * 24; ++j) {
        const float mant = 1.0f + static_cast<float>(next() >> 9) / 8388608.0f;  // 24 random bits
        s.leaves.push_back((next() & 1 ? -1.0f : 1.0f) * std::ldexp(mant, static_cast<int>(next() % 20) - 10));
    }
    s.baseline = {0.1f};
    LoadedStumps l{s};
    ASSERT_NE(l.model.exact_base, 0);
    int differs_from_float32 = 0;
    for (int r = 0; r < 500; ++r) {
        const uint64_t left = next();
        const std::vector<float> v = terms(s, left, 0);
        const float got = raw_score(l.model, row_for(left, 24));
        EXPECT_EQ(got, exact_sum(v)) << "row " << r;
        differs_from_float32 += got != float32_sum(v);
    }
    EXPECT_GT(differs_from_float32, 100);  // the old sequential float32 sums fail this test
}

TEST(TreesExact, WidestExponentSpanStaysExactOneMoreTakesTheFloatPath) {
    // One tree (bits_for(1) = 1): spans up to 63 - 24 - 1 = 38 binades fit.
    for (int span : {38, 39}) {
        Stumps s;
        s.leaves = {std::ldexp(1.5f, 10), std::ldexp(-1.25f, 10)};
        s.baseline = {std::ldexp(1.75f, 10 - span)};
        LoadedStumps l{s};
        EXPECT_EQ(l.model.exact_base != 0, span == 38) << span;
        for (uint64_t left : {0, 1}) {
            const std::vector<float> v = terms(s, left, 0);
            EXPECT_EQ(raw_score(l.model, row_for(left, 1)), span == 38 ? exact_sum(v) : float32_sum(v)) << span;
        }
    }
}

TEST(TreesExact, TinyHugeOrSubnormalLeavesTakeTheFloatPathAndAgree) {
    const float probe[] = {1e-30f, 1e30f, 1e-40f /* subnormal */, std::ldexp(1.0f, -104)};
    for (float odd : probe) {
        Stumps s;
        s.leaves = {0.1f, 0.2f, 0.3f, odd};
        LoadedStumps l{s};
        EXPECT_EQ(l.model.exact_base, 0) << odd;
        for (uint64_t left = 0; left < 4; ++left) {
            const std::vector<float> v = terms(s, left, 0);
            EXPECT_EQ(raw_score(l.model, row_for(left, 2)), float32_sum(v)) << odd;
        }
    }
    Stumps s;  // 2^-103: the smallest exponent the fixed point takes
    s.leaves = {0.1f, 0.2f, 0.3f, std::ldexp(1.0f, -103)};
    s.leaves[0] = s.leaves[1] = s.leaves[2] = std::ldexp(1.0f, -90);
    LoadedStumps l{s};
    EXPECT_NE(l.model.exact_base, 0);
    for (uint64_t left = 0; left < 4; ++left)
        EXPECT_EQ(raw_score(l.model, row_for(left, 2)), exact_sum(terms(s, left, 0)));
}

TEST(TreesExact, ForestProbabilitiesAndTies) {
    // 3 classes, 3 trees of probabilities k/n: predict() takes the first
    // class whose sum, rounded once to float32, is largest. Row 0b111 (all
    // left): class 0 gets 1/2 + 1/2 + 1/2, class 2 gets 1/3 + 1/2 + 2/3,
    // exactly 1.5 and 1.50000003 in float32 leaf values, one float32: a tie
    // (scikit-learn's float64 sums tie too), so class 0, not the larger
    // integer sum.
    Stumps s;
    s.width = s.n_outputs = s.n_classes = 3;
    s.task = 1, s.transform = 0, s.flags = T::flag_average;
    const float third = 1.0f / 3.0f, sixth = 1.0f / 6.0f, two_thirds = 2.0f / 3.0f;
    s.leaves = {0.5f, sixth, third, 0.0f, 1.0f, 0.0f,       // tree 0: left, right
                0.5f, 0.0f, 0.5f, 0.5f, 0.5f, 0.0f,         // tree 1
                0.5f, 0.0f, two_thirds, 0.25f, 0.25f, 0.5f};  // tree 2
    for (bool sparse : {false, true}) {
        s.sparse = sparse;
        LoadedStumps l{s};
        ASSERT_NE(l.model.exact_base, 0);
        for (uint64_t left = 0; left < 8; ++left) {
            const std::vector<float> x = row_for(left, 3);
            float sums[3], proba[3];
            for (uint32_t k = 0; k < 3; ++k) sums[k] = exact_sum(terms(s, left, k));
            ASSERT_EQ(T::predict_proba(l.model, x.data(), 3, proba, 3), Status::ok);
            for (uint32_t k = 0; k < 3; ++k) EXPECT_EQ(proba[k], sums[k] * (1.0f / 3.0f)) << left << " " << k;
            float scratch[3];
            int32_t cls = -1;
            ASSERT_EQ(T::predict_class(l.model, x.data(), 3, scratch, 3, cls), Status::ok);
            EXPECT_EQ(cls, static_cast<int32_t>(microlearn::kernels::argmax(sums, 3))) << left;
        }
        float scratch[3];
        int32_t cls = -1;
        const std::vector<float> all_left = row_for(7, 3);
        ASSERT_EQ(T::predict_class(l.model, all_left.data(), 3, scratch, 3, cls), Status::ok);
        EXPECT_EQ(cls, 0);
        const std::vector<float> all_right = row_for(0, 3);  // class 1: 1 + .5 + .25 against 0 + .5 + .5
        ASSERT_EQ(T::predict_class(l.model, all_right.data(), 3, scratch, 3, cls), Status::ok);
        EXPECT_EQ(cls, 1);
    }
    // An exact tie of different leaves: 0.75 + 0.25 against 0.5 + 0.5.
    Stumps tie;
    tie.width = tie.n_outputs = tie.n_classes = 2;
    tie.task = 1, tie.transform = 0, tie.flags = T::flag_average;
    tie.leaves = {0.5f, 0.5f, 0.0f, 1.0f, 0.25f, 0.75f, 0.0f, 1.0f};
    LoadedStumps l{tie};
    const std::vector<float> x = row_for(3, 2);
    float scratch[2];
    int32_t cls = -1;
    ASSERT_EQ(T::predict_class(l.model, x.data(), 2, scratch, 2, cls), Status::ok);
    EXPECT_EQ(cls, 1);  // 0.75 against 1.25
    tie.leaves = {0.5f, 0.5f, 0.0f, 1.0f, 0.5f, 0.5f, 0.0f, 1.0f};
    LoadedStumps l2{tie};
    ASSERT_EQ(T::predict_class(l2.model, x.data(), 2, scratch, 2, cls), Status::ok);
    EXPECT_EQ(cls, 0);  // 1 against 1: the first
}

TEST(TreesExact, BoostingRawScoresAndDecisions) {
    // Binary logistic boosting with a baseline: the label is the sign of the
    // exact sum, 0 decided by flag_zero_is_positive.
    Stumps s;
    s.n_classes = 2, s.task = 1, s.transform = 1;
    s.baseline = {-0.375f};
    s.leaves = {0.125f, -0.5f, 0.25f, -0.0f};
    for (uint32_t flags : {0u, uint32_t(T::flag_zero_is_positive)}) {
        s.flags = flags;
        LoadedStumps l{s};
        ASSERT_NE(l.model.exact_base, 0);
        for (uint64_t left = 0; left < 4; ++left) {
            const std::vector<float> x = row_for(left, 2);
            const float sum = exact_sum(terms(s, left, 0));
            float scratch[1], raw[1];
            int32_t cls = -1;
            ASSERT_EQ(T::predict_class(l.model, x.data(), 2, scratch, 1, cls), Status::ok);
            EXPECT_EQ(cls, flags ? sum >= 0.0f : sum > 0.0f) << left;
            ASSERT_EQ(T::decision_function(l.model, x.data(), 2, raw, 1), Status::ok);
            EXPECT_EQ(raw[0], sum);
        }
    }
    // Softmax boosting: one tree per class and iteration (tree_outputs).
    Stumps m;
    m.n_outputs = m.n_classes = 3, m.task = 1, m.transform = 2;
    m.baseline = {0.1f, -0.2f, 0.3f};
    m.tree_outputs = {0, 1, 2, 0, 1, 2};
    for (int j = 0; j < 12; ++j) m.leaves.push_back(0.01f * static_cast<float>(j * 7 % 11) - 0.05f);
    LoadedStumps l{m};
    ASSERT_NE(l.model.exact_base, 0);
    for (uint64_t left = 0; left < 64; ++left) {
        const std::vector<float> x = row_for(left, 6);
        float raw[3], sums[3], scratch[3];
        for (uint32_t k = 0; k < 3; ++k) sums[k] = exact_sum(terms(m, left, k));
        ASSERT_EQ(T::decision_function(l.model, x.data(), 6, raw, 3), Status::ok);
        for (uint32_t k = 0; k < 3; ++k) EXPECT_EQ(raw[k], sums[k]) << left << " " << k;
        int32_t cls = -1;
        ASSERT_EQ(T::predict_class(l.model, x.data(), 6, scratch, 3, cls), Status::ok);
        EXPECT_EQ(cls, static_cast<int32_t>(microlearn::kernels::argmax(sums, 3))) << left;
    }
}

TEST(TreesExact, NanInputsAndSpecialValuesTakeTheSameLeavesOnBothPaths) {
    // The fixture's 0/1 leaves sum exactly either way: an unreachable leaf
    // row with a tiny value sends a copy of the model down the float path.
    treetest::Spec spec;
    spec.nan_left = {0b101};
    treetest::Spec floats = spec;
    floats.leaves.push_back(1e-30f), floats.leaves.push_back(0.0f);
    Loaded exact{spec}, plain{floats};
    ASSERT_EQ(exact.status, Status::ok);
    ASSERT_EQ(plain.status, Status::ok);
    ASSERT_NE(exact.model.exact_base, 0);
    ASSERT_EQ(plain.model.exact_base, 0);
    const float v[] = {std::nanf(""), -std::nanf(""), INFINITY, -INFINITY, 0.5f, -1.0f, 2.0f, -0.0f, 0.0f, 3.0f};
    for (float a : v)
        for (float b : v) {
            EXPECT_EQ(classify(exact.model, a, b), classify(plain.model, a, b)) << a << " " << b;
            const float x[2] = {a, b};
            float p[2], q[2];
            ASSERT_EQ(T::predict_proba(exact.model, x, 2, p, 2), Status::ok);
            ASSERT_EQ(T::predict_proba(plain.model, x, 2, q, 2), Status::ok);
            EXPECT_EQ(p[0], q[0]);
            EXPECT_EQ(p[1], q[1]);
        }
}

TEST(TreesExact, TooManyOutputsOrRepeatedSparseColumnsTakeTheFloatPath) {
    Stumps wide;
    wide.width = wide.n_outputs = T::detail::kExactOutputs + 1;
    wide.leaves.assign(2 * wide.width, 0.25f);
    EXPECT_EQ(LoadedStumps{wide}.model.exact_base, 0);
    wide.width = wide.n_outputs = T::detail::kExactOutputs;
    wide.leaves.assign(2 * wide.width, 0.25f);
    EXPECT_NE(LoadedStumps{wide}.model.exact_base, 0);
    // A sparse row naming a column twice could add more than one value per
    // tree to an output: the range bound would not hold.
    Stumps dup;
    dup.width = dup.n_outputs = 2;
    dup.leaves = {0.5f, 0.25f, 0.0f, 0.125f};
    dup.sparse = true;
    EXPECT_NE(LoadedStumps{dup}.model.exact_base, 0);
    dup.extra_column = {1};  // each row ends with (column 1, 1.0): row 0 names column 1 twice
    LoadedStumps l{dup};
    EXPECT_EQ(l.model.exact_base, 0);
    float out[2];
    const std::vector<float> x = row_for(1, 1);
    ASSERT_EQ(T::raw_scores(l.model, x.data(), 1, out, 2), Status::ok);
    EXPECT_EQ(out[0], 0.5f);
    EXPECT_EQ(out[1], 1.25f);
}

TEST(TreesExact, IntegerSumsRoundToNearestFloat32TiesToEven) {
    T::Model m;
    m.exact_base = 150;  // unit 1: the float32 nearest the integer
    uint64_t seed = 99;
    auto next = [&seed] { return seed = seed * 6364136223846793005ull + 1442695040888963407ull; };
    std::vector<int64_t> v{0, 1, -1, (1 << 24) + 1, (1 << 24) + 3, -((1 << 24) + 1), (int64_t(1) << 62) + (int64_t(1) << 38),
                           (int64_t(1) << 62) + (int64_t(3) << 38), (int64_t(1) << 62) + (int64_t(1) << 38) + 1, INT64_MAX, -INT64_MAX};
    for (int i = 0; i < 20000; ++i) {
        const int64_t r = static_cast<int64_t>(next() >> (next() % 64 + 1));
        v.push_back(i & 1 ? -r : r);
        v.push_back(static_cast<int64_t>(((next() % (1u << 24)) | 1u) << (next() % 39)) | ((i & 2) ? 0 : 1));
    }
    for (int64_t x : v) EXPECT_EQ(T::detail::exact_to_float(m, x), static_cast<float>(x)) << x;
    m.exact_base = 24;  // unit 2^-126: the smallest; and overflow to inf at the top
    EXPECT_EQ(T::detail::exact_to_float(m, 3), std::ldexp(3.0f, -126));
    m.exact_base = 254;
    EXPECT_EQ(T::detail::exact_to_float(m, int64_t(1) << 40), INFINITY);
    EXPECT_EQ(T::detail::exact_to_float(m, -(int64_t(1) << 20)), -std::ldexp(1.0f, 124));
}
