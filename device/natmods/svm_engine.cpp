// The engine half of microlearn._svm: the C API definitions it calls.
#include "microlearn/c_api/common.hpp"
#include "microlearn/c_api/svm.hpp"
#include "microlearn/c_api/preprocess.hpp"  // glue_input() applies the model's preprocessing
