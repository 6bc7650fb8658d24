// The engine half of microlearn._neural_all: every kernel, for models that mix
// int8 and float32 ops, and for files written before the op_parts section.
#define MICROLEARN_NEURAL_PARTS 31  // neural::part_all
#include "neural_engine.cpp"
