// The engine half of microlearn._neural_int8: int8 kernels (and QUANTIZE, DEQUANTIZE).
#define MICROLEARN_NEURAL_PARTS 2  // neural::part_int8
#include "neural_engine.cpp"
