// The packed layout (32-bit nodes, integer split keys): one-split models
// built by hand, in the plain build and the soft-float build (CMakeLists).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "microlearn/trees.hpp"
#include "mlm_builder.hpp"

using microlearn::Status;
namespace T = microlearn::trees;

namespace {

// Node fields of a one-slot, one-value model: slot 8 bits, value 0, left 2
// bits, right the rest.
constexpr uint32_t kNodeBits = 8u | 2u << 16;

uint32_t node(uint32_t left, uint32_t right) { return left << 8 | right << 10; }

int32_t key_of(float t) {
    uint32_t bits;
    std::memcpy(&bits, &t, 4);
    return microlearn::math::split_key(bits);
}

struct Packed {
    std::vector<uint32_t> nodes{node(1, 3)};  // x0 <= t ? leaf 0 (class 0) : leaf 1 (class 1)
    std::vector<uint32_t> roots{0};
    std::vector<int32_t> values32;
    std::vector<int16_t> values16;  // stands for rotr(v, 16)
    std::vector<uint8_t> nan_left;
    std::vector<uint16_t> slots{0};  // slot_features; empty: no section (slot s is column s)
    uint32_t feature_type = 0;
    uint32_t node_bits = kNodeBits;
    uint32_t layout = 1;

    std::vector<uint8_t> build() const {
        std::vector<uint32_t> params{2, 2, 2, static_cast<uint32_t>(roots.size()), static_cast<uint32_t>(nodes.size()),
                                     2, 2, 1, 0, feature_type, T::flag_average, layout, node_bits};
        std::vector<mlmtest::Section> s{
            mlmtest::section<uint32_t>(T::Section::params, params),
            mlmtest::section<uint32_t>(T::Section::roots, roots),
            mlmtest::section<uint32_t>(T::Section::nodes, nodes),
            mlmtest::section<float>(T::Section::leaves, std::vector<float>{1, 0, 0, 1}),
        };
        if (!values16.empty())
            s.push_back(mlmtest::section<int16_t>(T::Section::split_values, values16));
        else
            s.push_back(mlmtest::section<int32_t>(T::Section::split_values, values32));
        if (!slots.empty()) s.push_back(mlmtest::section<uint16_t>(T::Section::slot_features, slots));
        if (!nan_left.empty()) s.push_back(mlmtest::section<uint8_t>(T::Section::nan_left, nan_left));
        return mlmtest::build(static_cast<uint16_t>(microlearn::ModelKind::tree_ensemble), s);
    }
};

// The model twice: keyed at the node (no buffer) and keyed once into a
// buffer; classify() checks that both walks agree.
struct Loaded {
    std::vector<uint8_t> bytes;
    T::Model model, keyed;
    Status status;
    int32_t keys[2] = {};
    explicit Loaded(const Packed& p) : bytes(p.build()) {
        status = T::load(bytes.data(), bytes.size(), model);
        keyed = model;
        if (status == Status::ok) T::attach_key_buffer(keyed, keys, 1);
    }
    int32_t classify(float x0) const {
        const float x[2] = {x0, 0.0f};
        float scratch[2];
        int32_t out = -1, out_keyed = -2;
        EXPECT_EQ(T::predict_class(model, x, 2, scratch, 2, out), Status::ok);
        EXPECT_EQ(T::predict_class(keyed, x, 2, scratch, 2, out_keyed), Status::ok);
        EXPECT_EQ(out, out_keyed) << x0;
        return out;
    }
};

float nan_bits(uint32_t bits) {
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
}

// NaNs of both signs, quiet and signalling, smallest and largest payloads.
const uint32_t kNans[] = {0x7FC00000u, 0xFFC00000u, 0x7F800001u, 0xFF800001u, 0x7FFFFFFFu, 0xFFFFFFFFu};

const float kSpecials[] = {0.0f, -0.0f, 1e-45f, -1e-45f, 1.17549435e-38f, -1.17549435e-38f, 1.0f, -1.0f,
                           0.5f, -2.5f, 3.4028235e38f, -3.4028235e38f, INFINITY, -INFINITY};

// Every special value and its float32 neighbours against threshold t.
void expect_exact(const Loaded& l, float t) {
    for (float v0 : kSpecials)
        for (float v : {v0, std::nextafter(v0, INFINITY), std::nextafter(v0, -INFINITY)})
            EXPECT_EQ(l.classify(v), v <= t ? 0 : 1) << v << " <= " << t;
    for (uint32_t bits : kNans) EXPECT_EQ(l.classify(nan_bits(bits)), 1) << std::hex << bits;  // NaN goes right
}

}  // namespace

TEST(TreesPacked, Int32KeysDecideExactlyAsFloatCompare) {
    for (float t : kSpecials) {
        for (float tt : {t, std::nextafter(t, INFINITY), std::nextafter(t, -INFINITY)}) {
            if (std::signbit(tt) && tt == 0.0f) continue;  // the converter writes +0.0 for -0.0
            Packed p;
            p.values32 = {key_of(tt)};
            Loaded l{p};
            ASSERT_EQ(l.status, Status::ok);
            EXPECT_EQ(T::key_buffer_size(l.model), 0u);  // one level: keyed at the node
            expect_exact(l, tt);
        }
    }
}

TEST(TreesPacked, Int16ValuesStandForRotatedKeys) {
    // Thresholds whose float32 bits end in 16 zeros: positive and negative.
    for (float t : {0.0f, 0.5f, -0.5f, 1.0f, -1.0f, 15.5f, -2.5f, 1e30f, INFINITY, -INFINITY}) {
        uint32_t bits;
        std::memcpy(&bits, &t, 4);
        if (bits & 0xFFFFu) continue;  // 1e30 is not one
        const int32_t k = key_of(t);
        Packed p;
        p.values16 = {static_cast<int16_t>(k >> 16)};
        Loaded l{p};
        ASSERT_EQ(l.status, Status::ok);
        expect_exact(l, t);
    }
}

TEST(TreesPacked, NanGoesLeftWhereTheNodeSays) {
    Packed p;
    p.values32 = {key_of(0.5f)};
    p.nan_left = {1};
    Loaded l{p};
    ASSERT_EQ(l.status, Status::ok);
    for (uint32_t bits : kNans) EXPECT_EQ(l.classify(nan_bits(bits)), 0) << std::hex << bits;
    EXPECT_EQ(l.classify(0.5f), 0);
    EXPECT_EQ(l.classify(0.6f), 1);
    EXPECT_EQ(l.classify(INFINITY), 1);
}

TEST(TreesPacked, DeeperTreeFollowsNextNodeAndOffsets) {
    // node 0: x0 <= 0.5 ? node 1 : node 2 (offset 2); node 1: x0 <= -1 ? leaf 0 : leaf 1;
    // node 2: x0 <= 2 ? leaf 1 : leaf 0. Three values: a value field of 2 bits.
    Packed p;
    p.values32 = {key_of(-1.0f), key_of(0.5f), key_of(2.0f)};
    const uint32_t vb = 2, lb = 2;  // value field 2 bits, left 2 bits
    auto n = [&](uint32_t g, uint32_t left, uint32_t right) { return (g | left << vb | right << (vb + lb)) << 8; };
    p.nodes = {n(1, 0, 2 * 2), n(0, 1, 3), n(2, 2, 1)};
    p.node_bits = 8u | vb << 8 | lb << 16;
    Loaded l{p};
    ASSERT_EQ(l.status, Status::ok);
    EXPECT_EQ(l.classify(-3.0f), 0);
    EXPECT_EQ(l.classify(0.0f), 1);
    EXPECT_EQ(l.classify(1.0f), 1);
    EXPECT_EQ(l.classify(5.0f), 0);
    for (uint32_t bits : kNans) EXPECT_EQ(l.classify(nan_bits(bits)), 0) << std::hex << bits;  // right, right
}

TEST(TreesPacked, LoadRefusesNodesOutsideTheirTables) {
    auto status = [](Packed p) {
        if (p.values32.empty() && p.values16.empty()) p.values32 = {0};
        const auto bytes = p.build();
        T::Model m;
        return T::load(bytes.data(), bytes.size(), m);
    };
    Packed ok;
    EXPECT_EQ(status(ok), Status::ok);
    Packed p;
    p.nodes = {node(3, 3)};  // left leaf 2 of 2
    EXPECT_EQ(status(p), Status::out_of_range);
    p.nodes = {node(0, 3)};  // left: the next node, which does not exist
    EXPECT_EQ(status(p), Status::out_of_range);
    p.nodes = {node(1, 0)};  // right: offset 0 (itself: the walk would not end)
    EXPECT_EQ(status(p), Status::out_of_range);
    p.nodes = {node(1, 2)};  // right: node 1 of 1
    EXPECT_EQ(status(p), Status::out_of_range);
    p.nodes = {node(1, 3) | 1u << 31};  // right: leaf far beyond the table
    EXPECT_EQ(status(p), Status::out_of_range);
    Packed g;
    g.node_bits = 8u | 1u << 8 | 2u << 16;  // a value field of 1 bit: value 1 of 1
    g.nodes = {1u << 8 | 1u << 9 | 3u << 11};
    EXPECT_EQ(status(g), Status::out_of_range);
    Packed b;
    b.node_bits = 8u | 30u << 16;  // fields of 32 bits and more
    EXPECT_EQ(status(b), Status::bad_parameter);
    b.node_bits = 7u | 2u << 16;  // a slot field other than 8 bits
    EXPECT_EQ(status(b), Status::bad_parameter);
    Packed r;
    r.roots = {1};  // root: node 1 of 1
    EXPECT_EQ(status(r), Status::out_of_range);
    Packed v;
    v.layout = 2;
    EXPECT_EQ(status(v), Status::bad_parameter);
    Packed s;
    s.slots = {0, 1, 0};  // three slots for two features: a key buffer of n_features would not hold them
    EXPECT_EQ(status(s), Status::size_mismatch);
}

TEST(TreesPacked, KeyBufferIsOptional) {
    Packed p;
    p.values32 = {key_of(0.5f)};
    const auto bytes = p.build();
    T::Model m;
    ASSERT_EQ(T::load(bytes.data(), bytes.size(), m), Status::ok);
    const float x[2] = {0.0f, 0.0f};
    float out[2];
    ASSERT_EQ(T::raw_scores(m, x, 2, out, 2), Status::ok);
    EXPECT_FLOAT_EQ(out[0], 1.0f);
    int32_t keys[1];
    EXPECT_EQ(T::attach_key_buffer(m, keys, 0), Status::size_mismatch);
    ASSERT_EQ(T::attach_key_buffer(m, keys, 1), Status::ok);
    ASSERT_EQ(T::raw_scores(m, x, 2, out, 2), Status::ok);
    EXPECT_FLOAT_EQ(out[0], 1.0f);
}

TEST(TreesPacked, NoSlotFeaturesMeansSlotsAreColumns) {
    Packed p;
    p.values32 = {key_of(0.5f)};
    p.slots.clear();
    Loaded l{p};
    ASSERT_EQ(l.status, Status::ok);
    EXPECT_EQ(l.model.n_slots, 2u);
    EXPECT_EQ(T::key_buffer_size(l.model), 0u);
    EXPECT_EQ(l.classify(0.5f), 0);
    EXPECT_EQ(l.classify(0.6f), 1);
    p.nodes = {node(1, 3) | 2u};  // slot 2: past the input's 2 columns
    EXPECT_EQ(Loaded{p}.status, Status::out_of_range);
}

// Slot 0 reads column 1: the walk cannot read x at the node, so the key
// buffer is required (float32 and int16 inputs).
TEST(TreesPacked, SlotsThatAreNotColumnsNeedTheKeyBuffer) {
    for (uint32_t type : {0u, 1u}) {
        Packed p;
        p.slots = {1};
        p.feature_type = type;
        if (type == 0)
            p.values32 = {key_of(0.5f)};
        else
            p.values16 = {5};
        const auto bytes = p.build();
        T::Model m;
        ASSERT_EQ(T::load(bytes.data(), bytes.size(), m), Status::ok);
        EXPECT_FALSE(m.direct);
        ASSERT_EQ(T::key_buffer_size(m), 1u);
        float scratch[2];
        int32_t out = -1;
        const float xf[2][2] = {{9.0f, 0.0f}, {0.0f, 9.0f}};
        const int16_t xi[2][2] = {{9, 0}, {0, 9}};
        auto predict = [&](int row) {
            return type == 0 ? T::predict_class(m, xf[row], 2, scratch, 2, out)
                             : T::predict_class(m, xi[row], 2, scratch, 2, out);
        };
        EXPECT_EQ(predict(0), Status::bad_argument);
        int32_t keys[1];
        ASSERT_EQ(T::attach_key_buffer(m, keys, 1), Status::ok);
        ASSERT_EQ(predict(0), Status::ok);
        EXPECT_EQ(out, 0);  // column 1 is 0: left
        ASSERT_EQ(predict(1), Status::ok);
        EXPECT_EQ(out, 1);
    }
}
