// The engine half of microlearn._preprocess: the preprocessing C API, which
// the families' modules built with MICROLEARN_PREPROCESS_MODULE leave out.
#include "microlearn/c_api/preprocess.hpp"
