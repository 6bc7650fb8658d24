// include/microlearn/neural/model.hpp builds on its own: the loader takes
// the per-op checks from its caller (engine.hpp passes its dispatch's), and
// model.hpp names no kernel header's function.
#include "microlearn/neural/model.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "mlm_builder.hpp"

using microlearn::Status;
namespace N = microlearn::neural;

TEST(NeuralModelHeader, LoadsWithTheCallersOpChecks) {
    // x f32 (3) -> RELU -> y f32 (3)
    const std::vector<uint32_t> params = {2, 1, 24, 0, 1, 0, 0, 0, 0x3f000000u};
    const std::vector<uint32_t> tensors = {7, 1, 3, 1, 1, 1, 0, 0, 0, 0, 0, 0, 7, 1, 3, 1, 1, 1, 0, 12, 1, 0, 0, 0};
    const std::vector<uint32_t> ops = {13, 1, 1, 0, 0, 0, 0, 0}, io = {0, 1};
    const mlmtest::Aligned b(mlmtest::build(static_cast<uint16_t>(microlearn::ModelKind::neural_network),
                                            {mlmtest::section(N::params, params), mlmtest::section(N::tensors, tensors),
                                             mlmtest::section(N::ops, ops), mlmtest::section(N::op_io, io)}));
    microlearn::ModelFile f;
    ASSERT_EQ(microlearn::open_model_file(b.data(), b.size, f), Status::ok);
    N::Model m;
    uint32_t seen = 0;
    EXPECT_EQ(N::load_model(f, m, [&](const N::Model& mm, const N::Op& o) {
                  seen |= N::part_of(mm, o);
                  return N::detail::check_layout(mm, o);
              }),
              Status::ok);
    EXPECT_EQ(seen, uint32_t(N::part_f32));
    EXPECT_EQ(N::load_model(f, m, [](const N::Model&, const N::Op&) { return Status::unsupported_kind; }),
              Status::unsupported_kind);
}
