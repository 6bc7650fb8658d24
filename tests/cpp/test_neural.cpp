// Neural networks (include/microlearn/neural/): a small network evaluated
// against plain formulas, and load() rejecting every corrupt count, index,
// shape, offset, parameter and memory plan (then evaluation runs unchecked).
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <vector>

#include "microlearn/neural/engine.hpp"
#include "mlm_builder.hpp"

using microlearn::Status;
namespace N = microlearn::neural;

namespace {

constexpr uint32_t F32 = 7, I8 = 2;

// x (3) -> FULLY_CONNECTED (W 2x3, b 2, relu) -> h (2) -> SOFTMAX -> y (2), a
// classifier. Arena: x at 0 (12 bytes), h at 12, y over h (in place).
struct Spec {
    std::vector<uint32_t> params = {5, 2, 20, 0, 4, 1, 2, 1, 0x3f000000u};
    // dtype, rank, d0..d3, location, offset, producer, q_offset, q_count, q_axis
    std::vector<std::vector<uint32_t>> tensors = {
        {F32, 1, 3, 1, 1, 1, 0, 0, 0, 0, 0, 0},   // 0 x
        {F32, 2, 2, 3, 1, 1, 1, 0, 0, 0, 0, 0},   // 1 W: const_f32[0..6)
        {F32, 1, 2, 1, 1, 1, 1, 6, 0, 0, 0, 0},   // 2 b: const_f32[6..8)
        {F32, 1, 2, 1, 1, 1, 0, 12, 1, 0, 0, 0},  // 3 h
        {F32, 1, 2, 1, 1, 1, 0, 12, 2, 0, 0, 0},  // 4 y
    };
    // kind, n_in, n_out, io, ints, n_ints, floats, n_floats
    std::vector<std::vector<uint32_t>> ops = {{1, 3, 1, 0, 0, 1, 0, 0}, {21, 1, 1, 4, 1, 0, 0, 1}};
    std::vector<uint32_t> io = {0, 1, 2, 3, 3, 4};
    std::vector<int32_t> ints = {1};  // relu
    std::vector<float> floats = {1.0f};
    std::vector<float> consts = {0.5f, -1.0f, 2.0f, 1.5f, 0.25f, -0.5f, 0.1f, -0.2f};
    std::vector<float> scales = {};
    std::vector<int32_t> zeros = {};
    std::vector<int8_t> consts_i8 = {};
    bool drop_ops = false;
};

std::vector<uint8_t> build(const Spec& s) {
    std::vector<uint32_t> t, o;
    for (const auto& r : s.tensors) t.insert(t.end(), r.begin(), r.end());
    for (const auto& r : s.ops) o.insert(o.end(), r.begin(), r.end());
    std::vector<mlmtest::Section> sections = {mlmtest::section(N::params, s.params), mlmtest::section(N::tensors, t),
                                              mlmtest::section(N::op_io, s.io), mlmtest::section(N::op_ints, s.ints),
                                              mlmtest::section(N::op_floats, s.floats),
                                              mlmtest::section(N::const_f32, s.consts)};
    if (!s.drop_ops) sections.push_back(mlmtest::section(N::ops, o));
    if (!s.scales.empty()) {
        sections.push_back(mlmtest::section(N::quant_scale, s.scales));
        sections.push_back(mlmtest::section(N::quant_zero, s.zeros));
    }
    if (!s.consts_i8.empty()) sections.push_back(mlmtest::section(N::const_i8, s.consts_i8));
    return mlmtest::build(static_cast<uint16_t>(microlearn::ModelKind::neural_network), sections);
}

Status load(const Spec& s) {
    const auto bytes = build(s);
    N::Model m;
    return N::load(bytes.data(), bytes.size(), m);
}

// Loads `s` (which must load), runs x through it and returns the outputs.
std::vector<float> outputs(const Spec& s, const std::vector<float>& x, int32_t* label = nullptr) {
    const auto bytes = build(s);
    N::Model m;
    EXPECT_EQ(N::load(bytes.data(), bytes.size(), m), Status::ok);
    std::vector<uint32_t> arena(m.arena_size / 4 + 1);
    auto* a = reinterpret_cast<uint8_t*>(arena.data());
    EXPECT_EQ(N::set_input(m, a, x.data(), x.size(), N::Input::f32), Status::ok);
    N::run(m, a);
    std::vector<float> out(N::n_outputs(m));
    EXPECT_EQ(N::outputs(m, a, out.data(), out.size()), Status::ok);
    if (label != nullptr) {
        EXPECT_EQ(N::class_index(m, a, *label), Status::ok);
    }
    return out;
}

TEST(Neural, EvaluatesTheFormula) {
    const Spec s;
    const std::vector<float> x = {1.0f, 2.0f, -1.0f};
    double h[2];
    for (int j = 0; j < 2; ++j) {
        double v = s.consts[6 + j];
        for (int i = 0; i < 3; ++i) v += double(s.consts[j * 3 + i]) * x[i];
        h[j] = v > 0 ? v : 0;
    }
    const double e0 = std::exp(h[0] - std::max(h[0], h[1])), e1 = std::exp(h[1] - std::max(h[0], h[1]));
    int32_t label = -1;
    const auto y = outputs(s, x, &label);
    EXPECT_NEAR(y[0], e0 / (e0 + e1), 1e-6);
    EXPECT_NEAR(y[1], e1 / (e0 + e1), 1e-6);
    EXPECT_EQ(label, h[1] > h[0] ? 1 : 0);
}

TEST(Neural, CallsCheckTheirArguments) {
    const auto bytes = build(Spec{});
    N::Model m;
    ASSERT_EQ(N::load(bytes.data(), bytes.size(), m), Status::ok);
    std::vector<uint32_t> arena(m.arena_size / 4);
    auto* a = reinterpret_cast<uint8_t*>(arena.data());
    const float x[3] = {1, 2, 3}, bad[3] = {1, NAN, 3};
    EXPECT_EQ(N::check_arena(m, a, m.arena_size - 4), Status::size_mismatch);
    EXPECT_EQ(N::check_arena(m, a + 1, m.arena_size), Status::bad_argument);
    EXPECT_EQ(N::set_input(m, a, x, 2, N::Input::f32), Status::size_mismatch);
    EXPECT_EQ(N::set_input(m, a, bad, 3, N::Input::f32), Status::bad_argument);
    EXPECT_EQ(N::set_input(m, a, x, 3, N::Input::i8), Status::type_mismatch);  // a float model
    EXPECT_EQ(N::set_input(m, a, nullptr, 3, N::Input::f32), Status::bad_argument);
    float out[2];
    EXPECT_EQ(N::outputs(m, a, out, 1), Status::size_mismatch);
    EXPECT_EQ(N::proba(m, a, out, 1), Status::size_mismatch);
}

// One corruption of the default spec, and the status load() must give.
struct Case {
    const char* what;
    std::function<void(Spec&)> edit;
};

TEST(Neural, LoadRejectsEveryCorruption) {
    const Case cases[] = {
        {"params short", [](Spec& s) { s.params.pop_back(); }},
        {"no tensors", [](Spec& s) { s.params[N::p_n_tensors] = 0; }},
        {"tensor count vs section", [](Spec& s) { s.params[N::p_n_tensors] = 6; }},
        {"op count vs section", [](Spec& s) { s.params[N::p_n_ops] = 3; }},
        {"no ops", [](Spec& s) { s.params[N::p_n_ops] = 0; }},
        {"ops section missing", [](Spec& s) { s.drop_ops = true; }},
        {"arena not a multiple of 4", [](Spec& s) { s.params[N::p_arena_size] = 22; }},
        {"arena too small for y", [](Spec& s) { s.params[N::p_arena_size] = 16; }},
        {"arena larger than the plan", [](Spec& s) { s.params[N::p_arena_size] = 24; }},
        {"input index", [](Spec& s) { s.params[N::p_input] = 5; }},
        {"output index", [](Spec& s) { s.params[N::p_output] = 9; }},
        {"input is a constant", [](Spec& s) { s.params[N::p_input] = 1; }},
        {"output computed by nobody", [](Spec& s) { s.params[N::p_output] = 0; }},
        {"task", [](Spec& s) { s.params[N::p_task] = 2; }},
        {"classes of a classifier", [](Spec& s) { s.params[N::p_n_classes] = 1; }},
        {"classes vs outputs", [](Spec& s) { s.params[N::p_n_classes] = 3; }},
        {"classes of a regressor", [](Spec& s) { s.params[N::p_task] = 0; }},
        {"threshold NaN", [](Spec& s) { s.params[N::p_threshold_bits] = 0x7fc00000u; }},
        {"dtype", [](Spec& s) { s.tensors[3][N::t_dtype] = 4; }},
        {"rank", [](Spec& s) { s.tensors[3][N::t_rank] = 5; }},
        {"zero dim", [](Spec& s) { s.tensors[0][N::t_dim0] = 0; }},
        {"dim past the rank", [](Spec& s) { s.tensors[0][N::t_dim1] = 2; }},
        {"element count overflows", [](Spec& s) {
             s.tensors[3] = {F32, 4, 1u << 16, 1u << 16, 1u << 16, 1u << 16, 0, 0, 1, 0, 0, 0};
         }},
        {"huge dim", [](Spec& s) { s.tensors[3][N::t_dim0] = (1u << 24) + 1; }},
        {"location", [](Spec& s) { s.tensors[3][N::t_location] = 3; }},
        {"arena offset misaligned", [](Spec& s) { s.tensors[3][N::t_offset] = 13; }},
        {"arena offset past the end", [](Spec& s) { s.tensors[0][N::t_offset] = 0xFFFFFFF0u; }},
        {"constant past its section", [](Spec& s) { s.tensors[2][N::t_offset] = 7; }},
        {"constant of a missing section", [](Spec& s) { s.tensors[2][N::t_dtype] = I8; }},
        {"constant with a producer", [](Spec& s) { s.tensors[2][N::t_producer] = 1; }},
        {"output's producer", [](Spec& s) { s.tensors[3][N::t_producer] = 2; }},
        {"producer past the ops", [](Spec& s) { s.tensors[0][N::t_producer] = 7; }},
        {"quantization entries missing", [](Spec& s) { s.tensors[0][N::t_quant_count] = 1; }},
        {"quant count vs channels", [](Spec& s) {
             s.scales = {0.5f, 0.5f}, s.zeros = {0, 0};
             s.tensors[0][N::t_quant_count] = 2;
         }},
        {"quant axis", [](Spec& s) {
             s.scales = {0.5f}, s.zeros = {0};
             s.tensors[0][N::t_quant_count] = 1, s.tensors[0][N::t_quant_axis] = 4;
         }},
        {"scale zero", [](Spec& s) {
             s.scales = {0.0f}, s.zeros = {0};
             s.tensors[0][N::t_quant_count] = 1;
         }},
        {"int8 zero point", [](Spec& s) {
             s.scales = {0.5f}, s.zeros = {200};
             s.tensors[0] = {I8, 1, 3, 1, 1, 1, 0, 0, 0, 0, 1, 0};
         }},
        {"op kind 0", [](Spec& s) { s.ops[0][N::o_kind] = 0; }},
        {"op kind unknown", [](Spec& s) { s.ops[1][N::o_kind] = 99; }},
        {"two outputs", [](Spec& s) { s.ops[1][N::o_n_outputs] = 2; }},
        {"no inputs", [](Spec& s) { s.ops[1][N::o_n_inputs] = 0; }},
        {"io past its section", [](Spec& s) { s.ops[1][N::o_io] = 5; }},
        {"ints past their section", [](Spec& s) { s.ops[0][N::o_ints] = 1; }},
        {"floats past their section", [](Spec& s) { s.ops[1][N::o_n_floats] = 2; }},
        {"tensor index", [](Spec& s) { s.io[1] = 77; }},
        {"input before it is computed", [](Spec& s) { s.io[4] = 4; s.io[5] = 3; }},
        {"output is a constant", [](Spec& s) { s.io[3] = 1; }},
        {"fc weights vs input", [](Spec& s) { s.tensors[1][N::t_dim1] = 4; s.consts.resize(20); }},
        {"fc bias size", [](Spec& s) { s.tensors[2][N::t_dim0] = 1; }},
        {"fc activation", [](Spec& s) { s.ints[0] = 4; }},
        {"fc int count", [](Spec& s) { s.ops[0][N::o_n_ints] = 0; }},
        {"softmax float count", [](Spec& s) { s.ops[1][N::o_n_floats] = 0; }},
        {"softmax beta NaN", [](Spec& s) { s.floats[0] = NAN; }},
        {"softmax sizes", [](Spec& s) { s.tensors[4][N::t_dim0] = 1; s.params[N::p_n_classes] = 2; }},
        {"int8 into a float op", [](Spec& s) {
             s.scales = {0.5f}, s.zeros = {0};
             s.tensors[0] = {I8, 1, 3, 1, 1, 1, 0, 0, 0, 0, 1, 0};
         }},
        // The memory plan: h written over x while FC still reads x.
        {"output over an input", [](Spec& s) { s.tensors[3][N::t_offset] = 4; }},
        // y over h is legal in place (softmax), but not shifted by 4 bytes.
        {"in place shifted", [](Spec& s) { s.tensors[4][N::t_offset] = 16; s.params[N::p_arena_size] = 24; }},
    };
    ASSERT_EQ(load(Spec{}), Status::ok);
    for (const Case& c : cases) {
        Spec s;
        c.edit(s);
        EXPECT_NE(load(s), Status::ok) << c.what;
    }
}

TEST(Neural, ThePlanKeepsTensorsReadLater) {
    // x -> RELU (t1) -> ADD(t1, x) (y): x is read after the relu, so the relu
    // must not work in place over x.
    Spec s;
    s.params = {3, 2, 24, 0, 2, 0, 0, 0, 0};
    s.tensors = {{F32, 1, 3, 1, 1, 1, 0, 0, 0, 0, 0, 0},
                 {F32, 1, 3, 1, 1, 1, 0, 0, 1, 0, 0, 0},   // t1 over x: refused
                 {F32, 1, 3, 1, 1, 1, 0, 12, 2, 0, 0, 0}};
    s.ops = {{13, 1, 1, 0, 0, 0, 0, 0}, {10, 2, 1, 2, 0, 1, 0, 0}};
    s.io = {0, 1, 1, 0, 2};
    s.ints = {0};
    s.floats = {};
    EXPECT_EQ(load(s), Status::bad_parameter);
    s.tensors[1][N::t_offset] = 12, s.tensors[2][N::t_offset] = 12;  // y over t1, in place: legal
    EXPECT_EQ(load(s), Status::ok);
    const auto y = outputs(s, {1.0f, -2.0f, 3.0f});
    EXPECT_EQ(y, (std::vector<float>{2.0f, -2.0f, 6.0f}));
}

}  // namespace

// QUANTIZE of a float input: TFLite's round(v / scale) (halves away from zero)
// + zero point, clamped. v + 0.5 in float would round 0.49999997 up to 1.
TEST(Neural, QuantizeRoundsAsTFLite) {
    namespace F = microlearn::neural::float_ops;
    EXPECT_EQ(F::quantize(0.49999997f, 1.0f, 0), 0);
    EXPECT_EQ(F::quantize(-0.49999997f, 1.0f, 0), 0);
    EXPECT_EQ(F::quantize(0.5f, 1.0f, 0), 1);
    EXPECT_EQ(F::quantize(-0.5f, 1.0f, 0), -1);
    EXPECT_EQ(F::quantize(2.5f, 1.0f, 3), 6);
    EXPECT_EQ(F::quantize(1e9f, 0.01f, 0), 127);
    EXPECT_EQ(F::quantize(-1e30f, 0.01f, -5), -128);
    EXPECT_EQ(F::quantize(std::nanf(""), 1.0f, 7), 7);
    for (int i = -40000; i <= 40000; ++i) {
        const float v = float(i) * 0.0137f, scale = 0.0625f;
        const long want = std::lround(v / scale) + 2;
        EXPECT_EQ(F::quantize(v, scale, 2), want < -128 ? -128 : want > 127 ? 127 : want) << v;
    }
}
