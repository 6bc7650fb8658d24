// The engine half of microlearn._filters, microlearn._filters_q15 and
// microlearn._sos_fast: the C API definitions of the filter group
// (dsp_engine.cpp, with ML_DSP_PARTS = 2); each module's link keeps the
// float32, q15 or fast q15 kernels its glue calls.
#define ML_DSP_PARTS 2
#include "dsp_engine.cpp"
