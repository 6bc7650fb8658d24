// microlearn._arrays compiled into the firmware: its native-module glue, unchanged.
#define mpy_init microlearn_arrays_init
#include "../../natmods/arrays.c"
