// The engine half of microlearn._neural (float32 networks without recurrent
// layers) and, built with another MICROLEARN_NEURAL_PARTS by the one-line
// units beside it, of _neural_rnn, _neural_int8 and _neural_all: the C API
// definitions the glue (neural.c) calls. Each module holds the kernels of its
// parts only (model.hpp's Part; docs/neural.md lists what each costs).
//
// No fused multiply-adds (armv7em would otherwise contract a * b + c into
// VFMA; dot4's assembly uses VMLA too): float networks then round as the
// host build does, so Cortex-M4F outputs equal the host's bit for bit, as
// unix, M3 and M0 do, for the same instruction count.
#pragma GCC optimize("fp-contract=off")
#ifndef MICROLEARN_NEURAL_PARTS
#define MICROLEARN_NEURAL_PARTS 1  // neural::part_f32
#endif
// Preprocessing: microlearn._preprocess, imported for models that carry it.
#define MICROLEARN_PREPROCESS_MODULE
#include "microlearn/c_api/common.hpp"
#include "microlearn/c_api/neural.hpp"
#include "microlearn/c_api/preprocess.hpp"  // ml_preprocess_present() only
