// The engine half of microlearn._dsp: the C API definitions it calls.
//
// No fused multiply-adds (armv7em would otherwise contract a * b + c into
// VFMA): the float kernels then round as the host build does, so Cortex-M4F
// results equal the host's bit for bit, as unix, M3 and M0 do. Same
// instruction count: the M4F uses VMLA (multiply, round, add) instead.
#pragma GCC optimize("fp-contract=off")
#define ML_C_API_STATUS_ONLY  // ml_status_name only: no model files here
#include "microlearn/c_api/common.hpp"
#include "microlearn/c_api/dsp.hpp"
