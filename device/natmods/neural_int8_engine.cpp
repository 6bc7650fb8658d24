// The engine half of microlearn._neural_int8: every int8 kernel (and QUANTIZE, DEQUANTIZE).
#define MICROLEARN_NEURAL_PARTS 10  // neural::part_int8 | part_int8_extra
#include "neural_engine.cpp"
