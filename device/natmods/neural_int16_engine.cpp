// The engine half of microlearn._neural_int16: int16-activation ("16x8") kernels (and QUANTIZE, DEQUANTIZE).
#define MICROLEARN_NEURAL_PARTS 16  // neural::part_int16
#include "neural_engine.cpp"
