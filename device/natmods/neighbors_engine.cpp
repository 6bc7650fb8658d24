// The engine half of microlearn._neighbors: the C API definitions it calls.
#include "microlearn/c_api/common.hpp"
#include "microlearn/c_api/neighbors.hpp"
#include "microlearn/c_api/preprocess.hpp"  // glue_input() applies the model's preprocessing
