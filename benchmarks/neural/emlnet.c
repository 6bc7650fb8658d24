// _emlnet: emlearn's eml_net (from the PyPI package's headers and its code
// generator) for the neural benchmark's MLP regressor, as a MicroPython
// native module called the way microlearn's models are. Benchmark only.
//
//   _emlnet.regress(x, out)    eml_net_regress: the outputs into array('f') out
// eml_net.h's tanh, logistic and softmax call libm's tanhf / expf / logf,
// which do not link into a native module; the benchmark's network (relu,
// identity output) calls none of them, so they are stubbed out.
#include <math.h>
#undef expf
#undef logf
#undef tanhf
#define expf(x) (x)
#define logf(x) (x)
#define tanhf(x) (x)
#include "py/dynruntime.h"
#include "model.h"  // generated: net (EmlNet), N_FEATURES, N_OUTPUTS

static mp_obj_t bench_regress(mp_obj_t x, mp_obj_t out) {
    mp_buffer_info_t b, o;
    mp_get_buffer_raise(x, &b, MP_BUFFER_READ);
    mp_get_buffer_raise(out, &o, MP_BUFFER_WRITE);
    if (b.typecode != 'f' || b.len != 4 * N_FEATURES || o.len < 4 * N_OUTPUTS)
        mp_raise_TypeError(MP_ERROR_TEXT("expected array('f', n_features) and array('f', n_outputs)"));
    if (eml_net_regress(&net, (const float*)b.buf, N_FEATURES, (float*)o.buf, N_OUTPUTS) != EmlOk)
        mp_raise_ValueError(MP_ERROR_TEXT("eml_net_regress failed"));
    return out;
}
static MP_DEFINE_CONST_FUN_OBJ_2(bench_regress_obj, bench_regress);

mp_obj_t mpy_init(mp_obj_fun_bc_t* self, size_t n_args, size_t n_kw, mp_obj_t* args) {
    MP_DYNRUNTIME_INIT_ENTRY
    // Native modules hold no initialised writable data: the generator's
    // initialiser of `net` is turned into these assignments (bench_neural.py).
    net.n_layers = NET_N_LAYERS;
    net.layers = net_layers;
    net.activations1 = net_buf1;
    net.activations2 = net_buf2;
    net.activations_length = NET_ACTIVATIONS;
    mp_store_global(MP_QSTR_regress, MP_OBJ_FROM_PTR(&bench_regress_obj));
    MP_DYNRUNTIME_INIT_EXIT
}
