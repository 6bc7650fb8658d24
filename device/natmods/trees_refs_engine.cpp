// The engine half of microlearn._trees_refs: the refs layout only.
#define MICROLEARN_TREES_LAYOUTS 2
#define MICROLEARN_PREPROCESS_MODULE
#include "microlearn/c_api/common.hpp"
#include "microlearn/c_api/trees.hpp"
#include "microlearn/c_api/preprocess.hpp"  // ml_preprocess_present() only
