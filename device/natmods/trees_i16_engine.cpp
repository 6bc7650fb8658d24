// The engine half of microlearn._trees_i16: the packed layout, int16 inputs.
#define MICROLEARN_TREES_LAYOUTS 1
#define MICROLEARN_TREES_FEATURES 2
#define MICROLEARN_PREPROCESS_MODULE
#include "microlearn/c_api/common.hpp"
#include "microlearn/c_api/trees.hpp"
#include "microlearn/c_api/preprocess.hpp"  // ml_preprocess_present() only
