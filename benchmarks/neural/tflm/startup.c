// Bare-metal start for the TFLM benchmark programs on QEMU's mps2 boards
// (mps2.ld): the vector table, the FPU switched on (Cortex-M4F), .bss
// cleared, static constructors run, then main(); output and exit through
// Arm semihosting (QEMU runs with -semihosting). Benchmark only.
#include <stdint.h>

extern uint32_t __bss_start[], __bss_end[], __stack_top[];
extern void (*__init_array_start[])(void);
extern void (*__init_array_end[])(void);
int main(void);

static int semihost(int op, const void* arg) {
    register int r0 __asm__("r0") = op;
    register const void* r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void bench_write(const char* text) { semihost(0x04, text); }  // SYS_WRITE0

__attribute__((noreturn)) void bench_exit(int status) {
    // SYS_EXIT: ADP_Stopped_ApplicationExit (QEMU exits 0), else RunTimeErrorUnknown (QEMU exits 1)
    semihost(0x18, (const void*)(uintptr_t)(status == 0 ? 0x20026 : 0x20023));
    for (;;) {
    }
}

__attribute__((noreturn)) void Reset_Handler(void) {
#if defined(__ARM_FP)
    *(volatile uint32_t*)0xE000ED88u |= 0xFu << 20;  // CPACR: CP10 and CP11 full access
    __asm__ volatile("dsb\n\tisb");
#endif
    for (uint32_t* p = __bss_start; p < __bss_end; ++p) *p = 0;
    for (void (**f)(void) = __init_array_start; f < __init_array_end; ++f) (*f)();
    bench_exit(main());
}

static void fault(void) { bench_exit(2); }

__attribute__((section(".isr_vector"), used)) void* const vectors[16] = {
    __stack_top, (void*)Reset_Handler, (void*)fault, (void*)fault, (void*)fault, (void*)fault, (void*)fault,
};
