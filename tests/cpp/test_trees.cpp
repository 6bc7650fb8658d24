#include <gtest/gtest.h>

#include <cmath>

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

// flag_refuses_inf / flag_refuses_nan: every prediction call refuses a row
// holding such a value anywhere (also in a feature no split reads), and only
// such a row; without the flags every value is predicted.
TEST(Trees, RefusesTheValuesItsFlagsSay) {
    const float inf = microlearn::math::from_bits(0x7F800000u);
    const float nans[] = {microlearn::math::from_bits(0x7FC00000u), microlearn::math::from_bits(0xFFC00000u),
                          microlearn::math::from_bits(0x7F800001u), microlearn::math::from_bits(0xFFFFFFFFu)};
    const float finite[] = {0.0f, -0.0f, 3.4028235e38f, -3.4028235e38f, 1e-45f, 1.17549435e-38f};
    for (uint32_t refused : {0u, uint32_t(T::flag_refuses_inf), uint32_t(T::flag_refuses_inf | T::flag_refuses_nan),
                             uint32_t(T::flag_refuses_nan)}) {
        treetest::Spec spec;
        spec.flags |= refused;
        Loaded l{spec};
        ASSERT_EQ(l.status, Status::ok);
        auto status = [&](float v, int column) {
            float x[2] = {0.25f, 0.25f}, out[2];
            x[column] = v;
            int32_t cls;
            const Status st = T::predict_class(l.model, x, 2, out, 2, cls);
            EXPECT_EQ(T::raw_scores(l.model, x, 2, out, 2), st);
            EXPECT_EQ(T::predict_proba(l.model, x, 2, out, 2), st);
            return st;
        };
        for (int column = 0; column < 2; ++column) {
            for (float v : finite) EXPECT_EQ(status(v, column), Status::ok) << v;
            const Status on_inf = (refused & T::flag_refuses_inf) ? Status::bad_argument : Status::ok;
            EXPECT_EQ(status(inf, column), on_inf);
            EXPECT_EQ(status(-inf, column), on_inf);
            const Status on_nan = (refused & T::flag_refuses_nan) ? Status::bad_argument : Status::ok;
            for (float v : nans) EXPECT_EQ(status(v, column), on_nan);
        }
    }
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
