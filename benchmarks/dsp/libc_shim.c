// memset/memcpy for the native module (native modules link no C library).
#include "../../device/natmods/libc.c"
