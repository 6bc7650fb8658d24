// microlearn._svm compiled into the firmware: its native-module glue, unchanged.
#define mpy_init microlearn_svm_init
#include "../../natmods/svm.c"
