// microlearn._dsp compiled into the firmware: its native-module glue, unchanged.
#define mpy_init microlearn_dsp_init
#include "../../natmods/dsp.c"
