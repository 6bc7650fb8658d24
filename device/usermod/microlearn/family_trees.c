// microlearn._trees compiled into the firmware: its native-module glue, unchanged.
#define mpy_init microlearn_trees_init
#include "../../natmods/trees.c"
