// The microlearn engine's C API, as linked into device/natmods/trees_engine.cpp.
#include "microlearn/c_api/common.hpp"
#include "microlearn/c_api/trees.hpp"
