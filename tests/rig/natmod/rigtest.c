// A small native module the rig tests build for each arch and import on the device.
//   add(a, b)    -> a + b (ints)
//   scale(x, k)  -> x * k (floats; only where the arch has floats: x64, armv7emsp)
//   sled()       -> None, after executing SLED_PAIRS start/stop marker pairs back to
//                   back (Thumb and RISC-V): straight-line code spanning more than two
//                   of QEMU's pages (1 KiB on M-profile, 4 KiB on RISC-V), so wherever
//                   the module is loaded, markers sit right before page boundaries.
#include "py/dynruntime.h"

static mp_obj_t add(mp_obj_t a, mp_obj_t b) {
    return mp_obj_new_int(mp_obj_get_int(a) + mp_obj_get_int(b));
}
static MP_DEFINE_CONST_FUN_OBJ_2(add_obj, add);

#if MICROPY_FLOAT_IMPL != MICROPY_FLOAT_IMPL_NONE
static mp_obj_t scale(mp_obj_t x, mp_obj_t k) {
    return mp_obj_new_float(mp_obj_get_float(x) * mp_obj_get_float(k));
}
static MP_DEFINE_CONST_FUN_OBJ_2(scale_obj, scale);
#endif

#if defined(__thumb__) || defined(__riscv)
#if defined(__thumb__)
#define SLED_PAIRS 600 // 2400 bytes: more than two of the M-profile's 1 KiB pages
#define SLED_PAIR "mov r11, r11\n\tmov r10, r10"
#define SLED_RETURN "bx lr"
#else
#define SLED_PAIRS 1100 // 8800 bytes: more than two 4 KiB pages
#define SLED_PAIR ".4byte 0x5A100013\n\t.4byte 0x5A200013"
#define SLED_RETURN "ret"
#endif
// Naked: no literal pool after the sled (armv6m's literal loads reach only 1 KiB).
__attribute__((naked, noinline)) static void run_sled(void) {
    __asm volatile (".rept %c0\n\t" SLED_PAIR "\n\t.endr\n\t" SLED_RETURN :: "i" (SLED_PAIRS));
}
static mp_obj_t sled(void) {
    run_sled();
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_0(sled_obj, sled);
#endif

mp_obj_t mpy_init(mp_obj_fun_bc_t *self, size_t n_args, size_t n_kw, mp_obj_t *args) {
    MP_DYNRUNTIME_INIT_ENTRY
    mp_store_global(MP_QSTR_add, MP_OBJ_FROM_PTR(&add_obj));
    #if defined(__thumb__) || defined(__riscv)
    mp_store_global(MP_QSTR_sled, MP_OBJ_FROM_PTR(&sled_obj));
    #endif
    #if MICROPY_FLOAT_IMPL != MICROPY_FLOAT_IMPL_NONE
    mp_store_global(MP_QSTR_scale, MP_OBJ_FROM_PTR(&scale_obj));
    #endif
    MP_DYNRUNTIME_INIT_EXIT
}
