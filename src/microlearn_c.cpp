// The C API's definitions in one translation unit: add this file to a C or
// C++ firmware build and include <microlearn/microlearn.h> from C.
// The paths are relative to this file, so it also compiles where only src/
// is on the include path (an Arduino library: library.properties, docs/c-firmware.md).
#include "../include/microlearn/c_api/common.hpp"
#include "../include/microlearn/c_api/dsp.hpp"
#include "../include/microlearn/c_api/trees.hpp"
#include "../include/microlearn/c_api/gaussian.hpp"
#include "../include/microlearn/c_api/neighbors.hpp"
#include "../include/microlearn/c_api/svm.hpp"
#include "../include/microlearn/c_api/linear.hpp"
#include "../include/microlearn/c_api/neural.hpp"
#include "../include/microlearn/c_api/preprocess.hpp"
#include "../include/microlearn/c_api/jpeg.hpp"
