// The engine half of microlearn._gaussian: the C API definitions it calls.
#include "microlearn/c_api/common.hpp"
#include "microlearn/c_api/gaussian.hpp"
#include "microlearn/c_api/preprocess.hpp"  // glue_input() applies the model's preprocessing
