// microlearn._jpeg (the baseline JPEG decoder) compiled into the firmware: its native-module glue, unchanged.
#define mpy_init microlearn_jpeg_init
#include "../../natmods/jpeg.c"
