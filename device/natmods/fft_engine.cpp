// The engine half of microlearn._fft and microlearn._fft_q15: the C API
// definitions of the FFT group (dsp_engine.cpp, with ML_DSP_PARTS = 1); each
// module's link keeps the float32 or the q15 half its glue calls.
#define ML_DSP_PARTS 1
#include "dsp_engine.cpp"
