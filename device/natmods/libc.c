// memset/memcpy/memmove (and strlen, which GCC makes of a counting loop) for the C++ engine's object code: compilers emit
// calls to them for struct copies and zeroing, and native modules link no C
// library. They forward to MicroPython's own, through the function table.
#include "py/dynruntime.h"

#undef memset
#undef memcpy
#undef memmove

void* memset(void* s, int c, size_t n) { return mp_fun_table.memset_(s, c, n); }
void* memcpy(void* dest, const void* src, size_t n) { return mp_fun_table.memmove_(dest, src, n); }
void* memmove(void* dest, const void* src, size_t n) { return mp_fun_table.memmove_(dest, src, n); }

__attribute__((optimize("no-tree-loop-distribute-patterns"))) size_t strlen(const char* s) {
    const char* p = s;
    while (*p != 0) ++p;  // GCC would turn this loop into a strlen call itself
    return (size_t)(p - s);
}
