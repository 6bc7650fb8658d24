// microlearn._neural compiled into the firmware: its native-module glue, unchanged.
#define mpy_init microlearn_neural_init
#define ML_NEURAL_INT16 1  // the firmware's engine has every kernel
#include "../../natmods/neural.c"
