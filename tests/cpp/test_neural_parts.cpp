// Neural networks built with some kernel sets only (MICROLEARN_NEURAL_PARTS,
// as the device modules _neural, _neural_rnn, _neural_int8_cnn, _neural_int8 are): a model
// whose ops need a set the build leaves out loads as unsupported_kind, the
// others load and run; the header's flags (the op parts the converter wrote)
// must match the ops. tests/cpp/CMakeLists.txt builds this file once per
// device module's parts, and with all of them by default.
#include <gtest/gtest.h>

#include <vector>

#include "microlearn/neural/engine.hpp"
#include "mlm_builder.hpp"

using microlearn::Status;
namespace N = microlearn::neural;

namespace {

constexpr uint32_t F32 = 7, I8 = 2;

// x f32 (3) -> QUANTIZE -> q i8 -> RESHAPE (int8 kernel) -> r i8 -> DEQUANTIZE
// -> y f32, then (with_relu) RELU (float kernel) -> z f32; or (float_only)
// x -> RELU -> z; or (casts_only) x -> QUANTIZE -> q -> DEQUANTIZE -> y; or
// (int8_pad) x -> QUANTIZE -> q -> PAD (1 before, with the zero point: an int8
// op outside a CNN's set, part_int8_extra) -> p i8 (4) -> DEQUANTIZE -> y (4);
// or (requantize) x -> QUANTIZE -> q -> QUANTIZE int8 -> int8 (part_int8_extra;
// `tail`: input zero point, multiplier, shift, output zero point) -> r -> DEQUANTIZE -> y.
enum class Net { float_only, int8_only, mixed, casts_only, int8_pad, requantize };

// The requantize's tail by default: (q - 1) * 2 + 1 (multiplier 2^30, shift 2).
const std::vector<int32_t> kDouble = {1, 1 << 30, 2, 1};

std::vector<uint8_t> build(Net net, uint32_t flags, const std::vector<int32_t>& tail = kDouble) {
    // dtype, rank, d0..d3, location, offset, producer, q_offset, q_count, q_axis
    auto t = [](uint32_t dtype, uint32_t offset, uint32_t producer, uint32_t n = 3) {
        const uint32_t q = dtype == I8 ? 1 : 0;
        return std::vector<uint32_t>{dtype, 1, n, 1, 1, 1, 0, offset, producer, 0, q, 0};
    };
    std::vector<std::vector<uint32_t>> tensors, ops;  // ops: kind, n_in, n_out, io, ints, n_ints, floats, n_floats
    std::vector<uint32_t> io;
    std::vector<int32_t> ints;
    auto op = [&](uint32_t kind, uint32_t in, uint32_t out, uint32_t n_ints = 0) {
        ops.push_back({kind, 1, 1, uint32_t(io.size()), uint32_t(ints.size()) - n_ints, n_ints, 0, 0});
        io.push_back(in), io.push_back(out);
    };
    tensors.push_back(t(F32, 0, 0));  // 0 x
    if (net == Net::float_only) {
        tensors.push_back(t(F32, 12, 1));  // 1 z
        op(13, 0, 1);
    } else if (net == Net::int8_pad) {
        tensors.push_back(t(I8, 12, 1));      // 1 q
        tensors.push_back(t(I8, 16, 2, 4));   // 2 p
        tensors.push_back(t(F32, 20, 3, 4));  // 3 y
        ints = {1, 0, 1};                     // PAD: (before, after), then the value (the zero point)
        op(22, 0, 1), op(9, 1, 2, 3), op(23, 2, 3);
    } else if (net == Net::requantize) {
        tensors.push_back(t(I8, 12, 1));   // 1 q
        tensors.push_back(t(I8, 16, 2));   // 2 r
        tensors.push_back(t(F32, 20, 3));  // 3 y
        ints = tail;
        op(22, 0, 1), op(22, 1, 2, uint32_t(tail.size())), op(23, 2, 3);
    } else if (net == Net::casts_only) {
        tensors.push_back(t(I8, 12, 1));  // 1 q
        tensors.push_back(t(F32, 16, 2));  // 2 y
        op(22, 0, 1), op(23, 1, 2);
    } else {
        tensors.push_back(t(I8, 12, 1));   // 1 q
        tensors.push_back(t(I8, 16, 2));   // 2 r
        tensors.push_back(t(F32, 20, 3));  // 3 y
        op(22, 0, 1), op(8, 1, 2), op(23, 2, 3);
        if (net == Net::mixed) {
            tensors.push_back(t(F32, 32, 4));  // 4 z
            op(13, 3, 4);
        }
    }
    std::vector<uint32_t> flat_t, flat_o;
    for (const auto& r : tensors) flat_t.insert(flat_t.end(), r.begin(), r.end());
    for (const auto& r : ops) flat_o.insert(flat_o.end(), r.begin(), r.end());
    const uint32_t n = uint32_t(tensors.size()), arena = tensors.back()[7] + 4 * tensors.back()[2];
    const std::vector<uint32_t> params = {n, uint32_t(ops.size()), arena, 0, n - 1, 0, 0, 0, 0x3f000000u};
    auto b = mlmtest::build(static_cast<uint16_t>(microlearn::ModelKind::neural_network),
                            {mlmtest::section(N::params, params), mlmtest::section(N::tensors, flat_t),
                             mlmtest::section(N::ops, flat_o), mlmtest::section(N::op_io, io),
                             mlmtest::section(N::op_ints, ints),
                             mlmtest::section(N::quant_scale, std::vector<float>{0.5f}),
                             mlmtest::section(N::quant_zero, std::vector<int32_t>{1})});
    mlmtest::put32(b, 8, flags);
    mlmtest::refresh_crc(b);
    return b;
}

Status load(Net net, uint32_t flags, N::Model& m, const std::vector<int32_t>& tail = kDouble) {
    static std::vector<mlmtest::Aligned> keep;  // the model views point into the bytes
    keep.emplace_back(build(net, flags, tail));
    return N::load(keep.back().data(), keep.back().size, m);
}

constexpr bool has(uint32_t parts) { return (N::kParts & parts) == parts; }

TEST(NeuralParts, AModelLoadsOnlyWhereItsKernelsAreCompiled) {
    N::Model m;
    EXPECT_EQ(load(Net::float_only, N::part_f32, m), has(N::part_f32) ? Status::ok : Status::unsupported_kind);
    EXPECT_EQ(load(Net::int8_only, N::part_int8, m), has(N::part_int8) ? Status::ok : Status::unsupported_kind);
    EXPECT_EQ(load(Net::mixed, N::part_f32 | N::part_int8, m),
              has(N::part_f32 | N::part_int8) ? Status::ok : Status::unsupported_kind);
    EXPECT_EQ(load(Net::int8_pad, N::part_int8_extra, m),
              has(N::part_int8_extra) ? Status::ok : Status::unsupported_kind);
    EXPECT_EQ(load(Net::requantize, N::part_int8_extra, m),
              has(N::part_int8_extra) ? Status::ok : Status::unsupported_kind);
    EXPECT_EQ(load(Net::casts_only, 0, m), Status::ok);  // QUANTIZE and DEQUANTIZE: every build
}

TEST(NeuralParts, ARequantizeWithCorruptParametersIsRefused) {
    if (!has(N::part_int8_extra)) GTEST_SKIP() << "needs the int8_extra kernels";
    N::Model m;
    const std::vector<std::pair<std::vector<int32_t>, Status>> cases = {
        {kDouble, Status::ok},
        {{1, 1 << 30, -31, 1}, Status::ok},
        {{-129, 1 << 30, 2, 1}, Status::bad_parameter},  // input zero point outside int8
        {{1, -1, 2, 1}, Status::bad_parameter},          // a negative multiplier
        {{1, 1 << 30, 31, 1}, Status::bad_parameter},    // shift past 30
        {{1, 1 << 30, -32, 1}, Status::bad_parameter},
        {{1, 1 << 30, 2, 128}, Status::bad_parameter},   // output zero point outside int8
        {{1, 1 << 30, 2}, Status::bad_parameter},        // a short tail
        {{1, 1 << 30, 2, 1, 0}, Status::bad_parameter}};
    for (const auto& c : cases)
        EXPECT_EQ(load(Net::requantize, N::part_int8_extra, m, c.first), c.second) << c.first.size();
}

TEST(NeuralParts, TheModelsThatLoadRun) {
    const float x[3] = {1.0f, -0.5f, 2.2f};
    // q = round(x / 0.5) + 1, clamped; back: 0.5 * (q - 1); RELU after that (mixed)
    const std::vector<std::pair<Net, std::vector<float>>> cases = {
        {Net::float_only, {1.0f, 0.0f, 2.2f}}, {Net::int8_only, {1.0f, -0.5f, 2.0f}},
        {Net::mixed, {1.0f, 0.0f, 2.0f}}, {Net::casts_only, {1.0f, -0.5f, 2.0f}},
        {Net::int8_pad, {0.0f, 1.0f, -0.5f, 2.0f}}, {Net::requantize, {2.0f, -1.0f, 4.0f}}};
    for (const auto& c : cases) {
        N::Model m;
        if (load(c.first, 0, m) != Status::ok) continue;  // a build without its kernels
        std::vector<uint32_t> arena(m.arena_size / 4);
        auto* a = reinterpret_cast<uint8_t*>(arena.data());
        ASSERT_EQ(N::set_input(m, a, x, 3, N::Input::f32), Status::ok);
        N::run(m, a);
        std::vector<float> y(c.second.size());
        ASSERT_EQ(N::n_outputs(m), y.size());
        ASSERT_EQ(N::outputs(m, a, y.data(), y.size()), Status::ok);
        EXPECT_EQ(y, c.second) << int(c.first);
    }
}

TEST(NeuralParts, TheHeaderFlagsMustNameTheOpsParts) {
    if (!has(N::part_f32 | N::part_int8)) GTEST_SKIP() << "needs the float32 and int8 kernels";
    N::Model m;
    EXPECT_EQ(load(Net::mixed, 0, m), Status::ok);  // files written before the flags
    EXPECT_EQ(load(Net::mixed, N::part_f32 | N::part_int8, m), Status::ok);
    EXPECT_EQ(load(Net::mixed, N::part_int8, m), Status::bad_parameter);  // a module choice the ops contradict
    EXPECT_EQ(load(Net::mixed, N::part_all, m), Status::bad_parameter);
    EXPECT_EQ(load(Net::float_only, N::part_f32 | 0x100, m), Status::bad_parameter);
}

}  // namespace
