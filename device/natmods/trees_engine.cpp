// The engine half of microlearn._trees: the C API definitions it calls, for
// the packed layout and float32 inputs only (microlearn._trees_i16 reads
// packed int16 models, microlearn._trees_refs the refs layout).
// Preprocessing: microlearn._preprocess, imported for models that carry it.
#define MICROLEARN_TREES_LAYOUTS 1
#define MICROLEARN_TREES_FEATURES 1
#define MICROLEARN_PREPROCESS_MODULE
#include "microlearn/c_api/common.hpp"
#include "microlearn/c_api/trees.hpp"
#include "microlearn/c_api/preprocess.hpp"  // ml_preprocess_present() only
