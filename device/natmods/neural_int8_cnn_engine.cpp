// The engine half of microlearn._neural_int8_cnn: an int8 CNN's kernels (convolutions, depthwise, pooling,
// global pooling, dense, reshape, softmax, the table activations; QUANTIZE, DEQUANTIZE), without ADD, MUL,
// CONCATENATION and PAD (those are in _neural_int8).
#define MICROLEARN_NEURAL_PARTS 2  // neural::part_int8
#include "neural_engine.cpp"
