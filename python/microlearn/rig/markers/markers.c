// _markers: a tiny native module that marks where instruction counting starts and stops.
//
//     import _markers
//     _markers.start(); model.predict(x); _markers.stop()
//
// Thumb (armv6m, armv7m, armv7em*): each function executes one marker instruction that
// the rig's QEMU plugin (../insn_count.c) recognises. Compilers never emit them:
//     start: mov r11, r11   (0x46DB)        stop: mov r10, r10   (0x46D2)
// RISC-V (rv32imc): 32-bit HINT no-ops the plugin recognises, emitted as data words
// so that the assembler cannot compress them:
//     start: addi x0, x0, 0x5a1 (0x5A100013)   stop: addi x0, x0, 0x5a2 (0x5A200013)
// x64 (unix port): callgrind client requests (no-ops when not run under valgrind):
//     start: CALLGRIND_START_INSTRUMENTATION    stop: CALLGRIND_STOP_INSTRUMENTATION
// The rig runs `valgrind --tool=callgrind --instr-atstart=no`, so only instructions
// between start and stop are counted. Other archs: the functions do nothing.
//
// Counts include a small fixed overhead: returning from start() to the VM and the
// VM's call of stop(). Measure it with an empty start/stop pair (see docs/rig.md).
#include "py/dynruntime.h"

#if defined(__x86_64__)
#include <valgrind/callgrind.h>
#endif

static mp_obj_t markers_start(void) {
    #if defined(__thumb__)
    __asm volatile ("mov r11, r11" ::: "memory");
    #elif defined(__riscv)
    __asm volatile (".4byte 0x5A100013" ::: "memory");
    #elif defined(__x86_64__)
    CALLGRIND_START_INSTRUMENTATION;
    #endif
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_0(markers_start_obj, markers_start);

static mp_obj_t markers_stop(void) {
    #if defined(__thumb__)
    __asm volatile ("mov r10, r10" ::: "memory");
    #elif defined(__riscv)
    __asm volatile (".4byte 0x5A200013" ::: "memory");
    #elif defined(__x86_64__)
    CALLGRIND_STOP_INSTRUMENTATION;
    #endif
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_0(markers_stop_obj, markers_stop);

mp_obj_t mpy_init(mp_obj_fun_bc_t *self, size_t n_args, size_t n_kw, mp_obj_t *args) {
    MP_DYNRUNTIME_INIT_ENTRY

    mp_store_global(MP_QSTR_start, MP_OBJ_FROM_PTR(&markers_start_obj));
    mp_store_global(MP_QSTR_stop, MP_OBJ_FROM_PTR(&markers_stop_obj));

    MP_DYNRUNTIME_INIT_EXIT
}
