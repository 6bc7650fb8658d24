// microlearn._linear compiled into the firmware: its native-module glue, unchanged.
#define mpy_init microlearn_linear_init
#include "../../natmods/linear.c"
