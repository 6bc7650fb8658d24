// microlearn._neural compiled into the firmware: its native-module glue, unchanged.
#define mpy_init microlearn_neural_init
#include "../../natmods/neural.c"
