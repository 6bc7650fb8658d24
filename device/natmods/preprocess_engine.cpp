// The preprocessing chain's C API (c/preprocess.h), linked into every model
// family's native module: glue_input() (glue.h) applies the chain.
#include "microlearn/c_api/preprocess.hpp"
