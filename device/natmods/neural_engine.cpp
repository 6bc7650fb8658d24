// The engine half of microlearn._neural: the C API definitions it calls.
#include "microlearn/c_api/common.hpp"
#include "microlearn/c_api/neural.hpp"
#include "microlearn/c_api/preprocess.hpp"  // glue_input() applies the model's preprocessing
