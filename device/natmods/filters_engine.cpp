// The engine half of microlearn._filters: the C API definitions of its part
// (dsp_engine.cpp, with ML_DSP_PARTS = 2).
#define ML_DSP_PARTS 2
#include "dsp_engine.cpp"
