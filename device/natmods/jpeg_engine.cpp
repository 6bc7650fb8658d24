// The engine half of microlearn._jpeg: the C API definitions it calls.
#define ML_C_API_STATUS_ONLY  // ml_status_name only: no model files here
#include "microlearn/c_api/common.hpp"
#include "microlearn/c_api/jpeg.hpp"
