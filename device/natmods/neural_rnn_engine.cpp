// The engine half of microlearn._neural_rnn: float32 and recurrent kernels.
#define MICROLEARN_NEURAL_PARTS 5  // neural::part_f32 | part_recurrent
#include "neural_engine.cpp"
