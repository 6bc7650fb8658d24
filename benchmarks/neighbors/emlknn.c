// _emlknn: emlearn's k-nearest-neighbours C inference (eml_neighbors.h from
// the PyPI package, its generated model) for the neighbours benchmark, as a
// MicroPython native module called the way microlearn's models are.
// Benchmark only.
//
//   _emlknn.knn(x)   class index (eml_neighbors_predict); x: array('h') of N_FEATURES
#include "py/dynruntime.h"
#include "model.h"  // generated: knn_data, knn_labels, N_FEATURES, N_ITEMS, K_NEIGHBORS

EmlNeighborsDistanceItem distances[N_ITEMS];  // not static: native modules cannot relocate static bss

static mp_obj_t bench_knn(mp_obj_t x) {
    mp_buffer_info_t b;
    mp_get_buffer_raise(x, &b, MP_BUFFER_READ);
    if (b.typecode != 'h' || b.len != 2 * N_FEATURES) mp_raise_TypeError(MP_ERROR_TEXT("expected array('h', n_features)"));
    // Built here: a static struct of pointers would need relocated data, which native modules cannot hold.
    // (field by field: an initializer becomes a relocated template in .data on armv6m)
    EmlNeighborsModel knn;
    knn.n_features = N_FEATURES;
    knn.n_items = N_ITEMS;
    knn.max_items = N_ITEMS;
    knn.data = (int16_t*)knn_data;
    knn.labels = (int16_t*)knn_labels;
    knn.k_neighbors = K_NEIGHBORS;
    int16_t out = -1;
    if (eml_neighbors_predict(&knn, (const int16_t*)b.buf, N_FEATURES, distances, N_ITEMS, &out) != EmlOk)
        mp_raise_ValueError(MP_ERROR_TEXT("eml_neighbors_predict failed"));
    return MP_OBJ_NEW_SMALL_INT(out);
}
static MP_DEFINE_CONST_FUN_OBJ_1(bench_knn_obj, bench_knn);

mp_obj_t mpy_init(mp_obj_fun_bc_t* self, size_t n_args, size_t n_kw, mp_obj_t* args) {
    MP_DYNRUNTIME_INIT_ENTRY
    mp_store_global(MP_QSTR_knn, MP_OBJ_FROM_PTR(&bench_knn_obj));
    MP_DYNRUNTIME_INIT_EXIT
}
