/* For Arduino sketches: #include <microlearn.h>. An Arduino library puts only
 * src/ on the include path, so this forwards to the C API's header (not a
 * copy). Elsewhere include "microlearn/microlearn.h" with include/ on the path. */
#include "../include/microlearn/microlearn.h"
