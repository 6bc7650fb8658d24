// The C API's definitions in one translation unit: add this file to a C or
// C++ firmware build and include <microlearn/microlearn.h> from C.
#include "microlearn/c_api/common.hpp"
#include "microlearn/c_api/dsp.hpp"
#include "microlearn/c_api/trees.hpp"
#include "microlearn/c_api/gaussian.hpp"
#include "microlearn/c_api/neighbors.hpp"
#include "microlearn/c_api/svm.hpp"
#include "microlearn/c_api/linear.hpp"
#include "microlearn/c_api/preprocess.hpp"
