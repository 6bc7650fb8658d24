// _emlbench: emlearn's eml_fft and eml_iir (from the PyPI package's headers)
// as a MicroPython native module, called the same way as microlearn.dsp, so
// that instruction counts compare like with like. Benchmark only.
//
//   _emlbench.fft(real, imag, cos, sin)   in place, array('f') each (cos, sin: n/2)
//   _emlbench.iir(sos, states, x)         in place on x; sos: 6 per stage, states: 4 per stage
#include <math.h>
// eml_fft_fill() calls cosf/sinf, which native modules cannot link; the
// benchmark fills the tables from Python instead.
#undef cosf
#undef sinf
#define cosf(x) 0.0f
#define sinf(x) 0.0f
#include "py/dynruntime.h"
#include "eml_fft.h"
#include "eml_iir.h"

static float* farr(mp_obj_t o, size_t* n) {
    mp_buffer_info_t b;
    mp_get_buffer_raise(o, &b, MP_BUFFER_RW);
    if (b.typecode != 'f') mp_raise_TypeError(MP_ERROR_TEXT("expected array('f')"));
    *n = b.len / 4;
    return (float*)b.buf;
}

static mp_obj_t bench_fft(size_t n_args, const mp_obj_t* args) {
    (void)n_args;
    size_t n, ni, nc, ns;
    float* re = farr(args[0], &n);
    float* im = farr(args[1], &ni);
    EmlFFT t = {(int)(n / 2), farr(args[3], &ns), farr(args[2], &nc)};
    if (ni != n || nc != n / 2 || ns != n / 2) mp_raise_ValueError(MP_ERROR_TEXT("sizes"));
    if (eml_fft_forward(t, re, im, n) != EmlOk) mp_raise_ValueError(MP_ERROR_TEXT("eml_fft_forward failed"));
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(bench_fft_obj, 4, 4, bench_fft);

static mp_obj_t bench_iir(mp_obj_t sos_in, mp_obj_t st_in, mp_obj_t x_in) {
    size_t nc, ns, n;
    const float* c = farr(sos_in, &nc);
    float* st = farr(st_in, &ns);
    float* x = farr(x_in, &n);
    EmlIIR f = {(int)(nc / 6), st, (int)ns, c, (int)nc};
    if (eml_iir_check(f) != EmlOk) mp_raise_ValueError(MP_ERROR_TEXT("eml_iir_check failed"));
    for (size_t i = 0; i < n; ++i) x[i] = eml_iir_filter(f, x[i]);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_3(bench_iir_obj, bench_iir);

mp_obj_t mpy_init(mp_obj_fun_bc_t* self, size_t n_args, size_t n_kw, mp_obj_t* args) {
    MP_DYNRUNTIME_INIT_ENTRY
    mp_store_global(MP_QSTR_fft, MP_OBJ_FROM_PTR(&bench_fft_obj));
    mp_store_global(MP_QSTR_iir, MP_OBJ_FROM_PTR(&bench_iir_obj));
    MP_DYNRUNTIME_INIT_EXIT
}
