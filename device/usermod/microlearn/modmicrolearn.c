// microlearn compiled into MicroPython (a user C module): each family's glue
// (device/natmods/<family>.c, compiled by family_<family>.c) becomes the
// built-in module microlearn_<family>. Its globals are filled on first import
// by the same mpy_init() the native module runs when loaded, so both builds
// share one source. The device package (device/microlearn/__init__.py) files
// each built-in under sys.modules["microlearn._<family>"], where the natmod
// would be.
#include "py/runtime.h"
#include "py/objfun.h"

// Room for a family's globals (name, __init__, its types and functions): a
// table in static RAM, filled by mpy_init() at first import (a natmod's globals
// are on the heap), then fixed. More entries than this would need the map to grow.
#define GLOBALS_MAX 24

typedef mp_obj_t (*family_init_t)(mp_obj_fun_bc_t*, size_t, size_t, mp_obj_t*);

// Runs `init` with `globals` as the module being initialised (mp_store_global
// stores there, as it does in a native module's mpy_init).
static void microlearn_init_family(family_init_t init, mp_obj_dict_t* globals) {
    if (globals->map.is_fixed) return;  // filled before a soft reset: static objects, still valid
    mp_obj_dict_t* caller = mp_globals_get();
    mp_globals_set(globals);
    nlr_buf_t nlr;
    if (nlr_push(&nlr) == 0) {
        init(NULL, 0, 0, NULL);
        nlr_pop();
        mp_globals_set(caller);
        // Read-only from now on, as other built-in modules: the table is not on the
        // GC heap, so an object stored in it by a script would not be kept alive.
        globals->map.is_fixed = 1;
    } else {
        mp_globals_set(caller);
        nlr_jump(nlr.ret_val);
    }
}

#define MICROLEARN_FAMILY(name)                                                                           \
    mp_obj_t microlearn_##name##_init(mp_obj_fun_bc_t*, size_t, size_t, mp_obj_t*);                     \
    static mp_obj_dict_t name##_globals;                                                                \
    static mp_obj_t name##_module_init(void) {                                                          \
        microlearn_init_family(microlearn_##name##_init, &name##_globals);                              \
        return mp_const_none;                                                                           \
    }                                                                                                   \
    static MP_DEFINE_CONST_FUN_OBJ_0(name##_module_init_obj, name##_module_init);                       \
    static mp_map_elem_t name##_table[GLOBALS_MAX] = {                                                  \
        {MP_OBJ_NEW_QSTR(MP_QSTR___name__), MP_OBJ_NEW_QSTR(MP_QSTR_microlearn_##name)},                \
        {MP_OBJ_NEW_QSTR(MP_QSTR___init__), MP_OBJ_FROM_PTR(&name##_module_init_obj)},                  \
    };                                                                                                  \
    static mp_obj_dict_t name##_globals = {                                                             \
        .base = {&mp_type_dict},                                                                        \
        .map = {.all_keys_are_qstrs = 1, .is_ordered = 1, .used = 2, .alloc = GLOBALS_MAX,              \
                .table = name##_table},                                                                 \
    };                                                                                                  \
    const mp_obj_module_t microlearn_##name##_module = {                                                \
        .base = {&mp_type_module},                                                                      \
        .globals = &name##_globals,                                                                     \
    };

// A firmware may hold only some families (MICROLEARN_FAMILIES in micropython.mk /
// micropython.cmake define MICROLEARN_HAS_<family>); arrays always (the package
// looks for it). Registrations one line each: MicroPython's build scans for them.
MICROLEARN_FAMILY(arrays)
MP_REGISTER_MODULE(MP_QSTR_microlearn_arrays, microlearn_arrays_module);
#if MICROLEARN_HAS_trees
MICROLEARN_FAMILY(trees)
MP_REGISTER_MODULE(MP_QSTR_microlearn_trees, microlearn_trees_module);
#endif
#if MICROLEARN_HAS_gaussian
MICROLEARN_FAMILY(gaussian)
MP_REGISTER_MODULE(MP_QSTR_microlearn_gaussian, microlearn_gaussian_module);
#endif
#if MICROLEARN_HAS_neighbors
MICROLEARN_FAMILY(neighbors)
MP_REGISTER_MODULE(MP_QSTR_microlearn_neighbors, microlearn_neighbors_module);
#endif
#if MICROLEARN_HAS_svm
MICROLEARN_FAMILY(svm)
MP_REGISTER_MODULE(MP_QSTR_microlearn_svm, microlearn_svm_module);
#endif
#if MICROLEARN_HAS_linear
MICROLEARN_FAMILY(linear)
MP_REGISTER_MODULE(MP_QSTR_microlearn_linear, microlearn_linear_module);
#endif
#if MICROLEARN_HAS_neural
MICROLEARN_FAMILY(neural)
MP_REGISTER_MODULE(MP_QSTR_microlearn_neural, microlearn_neural_module);
#endif
#if MICROLEARN_HAS_dsp
MICROLEARN_FAMILY(dsp)
MP_REGISTER_MODULE(MP_QSTR_microlearn_dsp, microlearn_dsp_module);
#endif
#if MICROLEARN_HAS_jpeg
MICROLEARN_FAMILY(jpeg)
MP_REGISTER_MODULE(MP_QSTR_microlearn_jpeg, microlearn_jpeg_module);
#endif
