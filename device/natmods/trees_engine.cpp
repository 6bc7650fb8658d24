// The engine half of microlearn._trees: the C API definitions it calls, for
// the packed layout only (microlearn._trees_refs reads the refs layout).
#define MICROLEARN_TREES_LAYOUTS 1
#include "microlearn/c_api/common.hpp"
#include "microlearn/c_api/trees.hpp"
#include "microlearn/c_api/preprocess.hpp"  // glue_input() applies the model's preprocessing
