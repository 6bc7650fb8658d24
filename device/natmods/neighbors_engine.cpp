// The engine half of microlearn._neighbors: the C API definitions it calls.
// Preprocessing: microlearn._preprocess, imported for models that carry it.
#define MICROLEARN_PREPROCESS_MODULE
#include "microlearn/c_api/common.hpp"
#include "microlearn/c_api/neighbors.hpp"
#include "microlearn/c_api/preprocess.hpp"  // ml_preprocess_present() only
