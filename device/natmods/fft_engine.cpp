// The engine half of microlearn._fft: the C API definitions of its part
// (dsp_engine.cpp, with ML_DSP_PARTS = 1).
#define ML_DSP_PARTS 1
#include "dsp_engine.cpp"
