// What tflm_bench.cc and ml_bench.c share: the rig's markers, text output
// (semihosting on the boards, stdout on x64) and a line per output row.
// Benchmark only.
#ifndef BENCH_IO_H
#define BENCH_IO_H
#include <stddef.h>
#include <stdint.h>

#if defined(__thumb__)
#ifdef __cplusplus
extern "C" {
#endif
void bench_write(const char* text);  // startup.c: semihosting SYS_WRITE0
#ifdef __cplusplus
}
#endif
// The markers QEMU's insn_count plugin counts between (python/microlearn/rig/insn_count.c).
#define MARK_START() __asm__ volatile("mov r11, r11" ::: "memory")
#define MARK_STOP() __asm__ volatile("mov r10, r10" ::: "memory")
#else
#include <stdio.h>
#include <valgrind/callgrind.h>
static inline void bench_write(const char* text) { fputs(text, stdout); }
// callgrind counts between these (valgrind --tool=callgrind --instr-atstart=no).
#define MARK_START() CALLGRIND_START_INSTRUMENTATION
#define MARK_STOP() CALLGRIND_STOP_INSTRUMENTATION
#endif

// "key value\n" (no printf: it would add newlib's formatting code to the programs' sizes).
static inline void bench_number(const char* key, unsigned long value) {
    char digits[24];
    char* p = digits + sizeof digits;
    *--p = 0;
    *--p = '\n';
    do {
        *--p = (char)('0' + value % 10);
        value /= 10;
    } while (value);
    bench_write(key);
    bench_write(" ");
    bench_write(p);
}

// "out <hex of bytes>\n"; line holds 2 * n + 6 characters.
static inline void bench_bytes(char* line, const void* bytes, size_t n) {
    static const char hex[] = "0123456789abcdef";
    const uint8_t* b = (const uint8_t*)bytes;
    char* p = line;
    *p++ = 'o', *p++ = 'u', *p++ = 't', *p++ = ' ';
    for (size_t i = 0; i < n; ++i) {
        *p++ = hex[b[i] >> 4];
        *p++ = hex[b[i] & 15];
    }
    *p++ = '\n';
    *p = 0;
    bench_write(line);
}

static inline int bench_fail(const char* what) {
    bench_write("error ");
    bench_write(what);
    bench_write("\n");
    return 1;
}
#endif
