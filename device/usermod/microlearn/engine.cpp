// The C++ engine of every family compiled into the firmware: one unit (the C
// API's definitions share helpers, e.g. the preprocessing every family applies).
#include "../../../src/microlearn_c.cpp"
