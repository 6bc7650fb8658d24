// The engine half of microlearn._neural: the C API definitions it calls.
//
// No fused multiply-adds (armv7em would otherwise contract a * b + c into
// VFMA; dot4's assembly uses VMLA too): float networks then round as the
// host build does, so Cortex-M4F outputs equal the host's bit for bit, as
// unix, M3 and M0 do, for the same instruction count.
#pragma GCC optimize("fp-contract=off")
#include "microlearn/c_api/common.hpp"
#include "microlearn/c_api/neural.hpp"
#include "microlearn/c_api/preprocess.hpp"  // glue_input() applies the model's preprocessing
