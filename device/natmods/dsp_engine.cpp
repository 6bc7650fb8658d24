// The engine half of microlearn._dsp: the C API definitions it calls.
#include "microlearn/c_api/common.hpp"
#include "microlearn/c_api/dsp.hpp"
