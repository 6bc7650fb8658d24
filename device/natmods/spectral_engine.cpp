// The engine half of microlearn._spectral: the C API definitions of its part
// (dsp_engine.cpp, with ML_DSP_PARTS = 4).
#define ML_DSP_PARTS 4
#include "dsp_engine.cpp"
