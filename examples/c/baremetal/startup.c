/* Start-up for a Cortex-M3 without an OS: the vector table, zeroing .bss,
 * main(), then leaving QEMU through ARM semihosting with main's status (on a
 * real board, loop or reset instead). Code and data are linked into RAM
 * (mps2-an385.ld), so no .data copy is needed. */
#include <stdint.h>

extern int main(void);
extern uint32_t __bss_start__[], __bss_end__[], __stack_top__[];

static void semihosting_exit(int status) {
    /* SYS_EXIT_EXTENDED (0x20): {ADP_Stopped_ApplicationExit, status} */
    volatile uint32_t block[2] = {0x20026u, (uint32_t)status};
    register uint32_t r0 __asm__("r0") = 0x20u;
    register volatile uint32_t* r1 __asm__("r1") = block;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    for (;;) {
    }
}

void Reset_Handler(void) {
    for (uint32_t* p = __bss_start__; p < __bss_end__; ++p) *p = 0;
    semihosting_exit(main());
}

void Fault_Handler(void) { semihosting_exit(2); }

__attribute__((section(".vectors"), used)) static void (*const vectors[16])(void) = {
    (void (*)(void))__stack_top__, Reset_Handler, Fault_Handler, Fault_Handler, Fault_Handler,
    Fault_Handler, Fault_Handler, 0, 0, 0, 0, Fault_Handler, Fault_Handler, 0, Fault_Handler, Fault_Handler,
};
