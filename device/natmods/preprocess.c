// microlearn._preprocess: the preprocessing a model file may carry (a
// Pipeline's scalers, projections, column selections; docs/preprocessing.md),
// as a module of its own, so that a board pays its RAM only for models that
// have such a chain. It holds no Python API: `table` gives the glue of a
// family built with MICROLEARN_PREPROCESS_MODULE (glue.h, glue_input_init)
// the C functions to call; that glue imports this module when a model file
// carries a chain.
#include "glue.h"

mp_obj_full_type_t preprocess_table_type;
glue_preprocess_t preprocess_table;

mp_obj_t mpy_init(mp_obj_fun_bc_t* self, size_t n_args, size_t n_kw, mp_obj_t* args) {
    MP_DYNRUNTIME_INIT_ENTRY

    preprocess_table_type.base.type = (void*)&mp_type_type;
    preprocess_table_type.flags = MP_TYPE_FLAG_NONE;
    preprocess_table_type.name = MP_QSTR_PreprocessTable;
    preprocess_table.base.type = (mp_obj_type_t*)&preprocess_table_type;
    preprocess_table.load = ml_preprocess_load;
    preprocess_table.info = ml_preprocess_info;
    preprocess_table.apply = ml_preprocess_apply;
    mp_store_global(MP_QSTR_table, MP_OBJ_FROM_PTR(&preprocess_table));

    MP_DYNRUNTIME_INIT_EXIT
}
