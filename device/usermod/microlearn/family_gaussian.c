// microlearn._gaussian compiled into the firmware: its native-module glue, unchanged.
#define mpy_init microlearn_gaussian_init
#include "../../natmods/gaussian.c"
