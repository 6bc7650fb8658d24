// microlearn._neighbors compiled into the firmware: its native-module glue, unchanged.
#define mpy_init microlearn_neighbors_init
#include "../../natmods/neighbors.c"
