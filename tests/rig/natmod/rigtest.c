// A small native module the rig tests build for each arch and import on the device.
//   add(a, b)    -> a + b (ints)
//   scale(x, k)  -> x * k (floats; only where the arch has floats: x64, armv7emsp)
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

mp_obj_t mpy_init(mp_obj_fun_bc_t *self, size_t n_args, size_t n_kw, mp_obj_t *args) {
    MP_DYNRUNTIME_INIT_ENTRY
    mp_store_global(MP_QSTR_add, MP_OBJ_FROM_PTR(&add_obj));
    #if MICROPY_FLOAT_IMPL != MICROPY_FLOAT_IMPL_NONE
    mp_store_global(MP_QSTR_scale, MP_OBJ_FROM_PTR(&scale_obj));
    #endif
    MP_DYNRUNTIME_INIT_EXIT
}
