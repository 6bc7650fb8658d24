// microlearn._dsp: FFT, filters, DCT, spectrograms and windowed features on
// MicroPython (dynamic native module). device/microlearn/dsp.py re-exports
// these types with keyword arguments; every per-call method works on
// caller-provided array.array buffers and allocates nothing.
//
//   FFT(n).forward(buf) / .inverse(buf)      buf: array('f', 2n), in place
//   RFFT(n).forward(x, out)                  x: array('f', n), out: array('f', >= n+2)
//   RFFT(n).inverse(spec, out)               spec: n+2 floats, out: n floats
//   RFFT(n).power(x, out) / .magnitude(x, out)   first n/2+1 of out (>= n+2)
//   FFTQ15(n), RFFTQ15(n)                    the same on array('h') (q15)
//   SOS(coeffs, n_sections).process(x[, out]); .reset([x0]) (x0: steady state)
//   SOSQ15(coeffs, n_sections[, fast]) on array('h'); coeffs array('f') or array('d')
//   FIR(taps, decimation).process(x[, out]) -> outputs written; .outputs(n)
//   FIRQ15(taps, decimation)
//   DCT(n, n_out, ortho).forward(x, out)
//   Spectrogram(n_fft, hop, window, output, sr, n_mels, fmin, fmax, htk, slaney, n_mfcc, center)
//       .process(x, out) -> frames written; .frames(n); .frame_size(); .reset()
//   Features(n_samples, n_axes, spec, sample_rate).compute(x, out); .size()
#include "glue.h"

// One source, six native modules (device/Makefile), each built with
// ML_DSP_PARTS set to the groups it holds: _fft the float32 FFTs, _fft_q15
// the q15 ones, _filters the float32 SOS and FIR, _filters_q15 the q15 SOS
// (exact kernel) and FIR, _sos_fast the fast q15 SOS kernel, _spectral DCT,
// Spectrogram and Features (with the FFT they use inside). The first three
// bits are those of c_api/dsp.hpp, which the engine unit is built with too;
// ML_DSP_FFT_Q15, ML_DSP_FILTERS_Q15 and ML_DSP_SOS_FAST are the glue's own:
// those modules share the engine unit of their c_api/dsp.hpp group, of which
// the link keeps only what the glue calls (device/natmod_ld.py drops the
// rest). A firmware with microlearn compiled in holds all of them in one
// module.
#ifndef ML_DSP_PARTS
#define ML_DSP_PARTS 63
#endif
#define ML_DSP_FFT 1
#define ML_DSP_FILTERS 2
#define ML_DSP_SPECTRAL 4
#define ML_DSP_FFT_Q15 8
#define ML_DSP_FILTERS_Q15 16
#define ML_DSP_SOS_FAST 32
#define ML_DSP_ANY_FILTER (ML_DSP_FILTERS | ML_DSP_FILTERS_Q15 | ML_DSP_SOS_FAST)

// ---- argument helpers -------------------------------------------------
// Arrays come from glue_get_array (typecode checked there); sizes from
// glue_size_arg (ints wider than a word refused there). What a size may be
// is the engine's to say: constructors turn its status into a message.

static const char MUST_HOLD[] = " must hold ";

// Above any size the engine accepts: glue_size_arg only guards truncation.
#define DSP_SIZE_MAX ((size_t)1 << 24)

static void dsp_raise_len(const char* what, const char* rule, size_t want, size_t got) {
    char msg[128];  // what and rule up to 84 in all, then two numbers of up to 20 digits
    size_t pos = 0;
    glue_append_str(msg, &pos, 40, what);
    glue_append_str(msg, &pos, 84, rule);
    glue_append_uint(msg, &pos, want);
    glue_append_counted(msg, &pos, 104, " items, got ", want);  // "1 item, got"
    glue_append_uint(msg, &pos, got);
    mp_raise_type_arg(&mp_type_ValueError, mp_obj_new_str(msg, pos));
}

// An array of exactly n items (dsp_exact) or at least n (dsp_at_least):
// one function, told apart by a bit beside the MP_BUFFER_ flags.
#define DSP_AT_LEAST 0x100
#define dsp_exact(o, tc, n, flags, what) dsp_array(o, tc, n, flags, what)
#define dsp_at_least(o, tc, n, flags, what) dsp_array(o, tc, n, (flags) | DSP_AT_LEAST, what)

static void* dsp_array(mp_obj_t o, char tc, size_t n, mp_uint_t flags, const char* what) {
    size_t got;
    void* p = glue_get_array(o, tc, flags & MP_BUFFER_RW, what, &got);
    const int at_least = (flags & DSP_AT_LEAST) != 0;
    if (at_least ? got < n : got != n) dsp_raise_len(what, at_least ? " must hold at least " : MUST_HOLD, n, got);
    return p;
}

// ValueError(message) when status is ML_BAD_PARAMETER, else glue_check().
static void dsp_check(int status, const char* bad_parameter) {
    if (status == ML_BAD_PARAMETER) mp_raise_msg(&mp_type_ValueError, (mp_rom_error_text_t)bad_parameter);
    glue_check(status);
}

static mp_map_elem_t dsp_method(qstr name, const void* fun) {
    return (mp_map_elem_t){MP_OBJ_NEW_QSTR(name), MP_OBJ_FROM_PTR(fun)};
}

typedef mp_obj_t (*make_new_fn)(const mp_obj_type_t*, size_t, size_t, const mp_obj_t*);

static void dsp_type(mp_obj_full_type_t* t, qstr name, make_new_fn make_new, const mp_obj_dict_t* locals) {
    t->base.type = (void*)&mp_type_type;
    t->flags = MP_TYPE_FLAG_NONE;
    t->name = name;
    MP_OBJ_TYPE_SET_SLOT(t, make_new, make_new, 0);
    MP_OBJ_TYPE_SET_SLOT(t, locals_dict, (void*)locals, 1);
    mp_store_global(name, MP_OBJ_FROM_PTR(t));
}

#if ML_DSP_PARTS & (ML_DSP_FFT | ML_DSP_FFT_Q15)

// ---- what the float32 and the q15 FFTs share ----------------------------

static const char FFT_SIZES[] = "FFT size must be a power of two from 8 to 4096";

typedef struct {
    mp_obj_base_t base;
    ml_fft_t plan;
    size_t n;
    void* twiddles;
} fft_obj_t;

// A plan of n points (args[0]) with room for its twiddles, items of
// `item_size` bytes (float or int16); the caller's init checks n.
static fft_obj_t* fft_new(const mp_obj_type_t* type, size_t n_args, size_t n_kw, const mp_obj_t* args,
                          size_t item_size) {
    mp_arg_check_num(n_args, n_kw, 1, 1, false);
    const size_t n = glue_size_arg(args[0], DSP_SIZE_MAX, "n");
    const size_t n_tw = ml_fft_twiddle_size(n);  // 0 for sizes init refuses
    fft_obj_t* self = mp_obj_malloc(fft_obj_t, type);
    self->n = n;
    self->twiddles = m_malloc(n_tw * item_size);
    return self;
}

static mp_obj_t fft_size(mp_obj_t self_in) {
    return mp_obj_new_int(((fft_obj_t*)MP_OBJ_TO_PTR(self_in))->n);
}
static MP_DEFINE_CONST_FUN_OBJ_1(fft_size_obj, fft_size);
#endif

#if ML_DSP_PARTS & ML_DSP_FFT

// ---- FFT / RFFT (float32) ---------------------------------------------

mp_obj_full_type_t fft_type, rfft_type;

static mp_obj_t fft_make_new(const mp_obj_type_t* type, size_t n_args, size_t n_kw, const mp_obj_t* args) {
    fft_obj_t* self = fft_new(type, n_args, n_kw, args, sizeof(float));
    dsp_check(ml_fft_init(&self->plan, self->n, self->twiddles, self->n), FFT_SIZES);
    return MP_OBJ_FROM_PTR(self);
}

static mp_obj_t rfft_make_new(const mp_obj_type_t* type, size_t n_args, size_t n_kw, const mp_obj_t* args) {
    fft_obj_t* self = fft_new(type, n_args, n_kw, args, sizeof(float));
    dsp_check(ml_rfft_init(&self->plan, self->n, self->twiddles, self->n), FFT_SIZES);
    return MP_OBJ_FROM_PTR(self);
}

static mp_obj_t fft_forward(mp_obj_t self_in, mp_obj_t buf) {
    fft_obj_t* self = MP_OBJ_TO_PTR(self_in);
    float* d = dsp_exact(buf, 'f', 2 * self->n, MP_BUFFER_RW, "buf (interleaved re, im)");
    glue_check(ml_fft_forward(&self->plan, d, 2 * self->n));
    return buf;
}
static MP_DEFINE_CONST_FUN_OBJ_2(fft_forward_obj, fft_forward);

static mp_obj_t fft_inverse(mp_obj_t self_in, mp_obj_t buf) {
    fft_obj_t* self = MP_OBJ_TO_PTR(self_in);
    float* d = dsp_exact(buf, 'f', 2 * self->n, MP_BUFFER_RW, "buf (interleaved re, im)");
    glue_check(ml_fft_inverse(&self->plan, d, 2 * self->n));
    return buf;
}
static MP_DEFINE_CONST_FUN_OBJ_2(fft_inverse_obj, fft_inverse);

typedef int (*rfft_fn)(const ml_fft_t*, const float*, size_t, float*, size_t);

static mp_obj_t rfft_apply(mp_obj_t self_in, mp_obj_t x_in, mp_obj_t out_in, rfft_fn fn) {
    fft_obj_t* self = MP_OBJ_TO_PTR(self_in);
    const float* x = dsp_exact(x_in, 'f', self->n, MP_BUFFER_READ, "x");
    size_t n_out;
    float* out = glue_get_array(out_in, 'f', MP_BUFFER_WRITE, "out", &n_out);
    if (n_out < self->n + 2) dsp_raise_len("out", " must hold at least n + 2 = ", self->n + 2, n_out);
    glue_check(fn(&self->plan, x, self->n, out, n_out));
    return out_in;
}

static mp_obj_t rfft_forward(mp_obj_t self_in, mp_obj_t x, mp_obj_t out) {
    return rfft_apply(self_in, x, out, ml_rfft_forward);
}
static MP_DEFINE_CONST_FUN_OBJ_3(rfft_forward_obj, rfft_forward);

static mp_obj_t rfft_power(mp_obj_t self_in, mp_obj_t x, mp_obj_t out) {
    return rfft_apply(self_in, x, out, ml_rfft_power);
}
static MP_DEFINE_CONST_FUN_OBJ_3(rfft_power_obj, rfft_power);

static mp_obj_t rfft_magnitude(mp_obj_t self_in, mp_obj_t x, mp_obj_t out) {
    return rfft_apply(self_in, x, out, ml_rfft_magnitude);
}
static MP_DEFINE_CONST_FUN_OBJ_3(rfft_magnitude_obj, rfft_magnitude);

static mp_obj_t rfft_inverse(mp_obj_t self_in, mp_obj_t spec_in, mp_obj_t out_in) {
    fft_obj_t* self = MP_OBJ_TO_PTR(self_in);
    const float* spec = dsp_at_least(spec_in, 'f', self->n + 2, MP_BUFFER_READ, "spec");
    float* out = dsp_exact(out_in, 'f', self->n, MP_BUFFER_WRITE, "out");
    if ((const void*)spec == (const void*)out) mp_raise_ValueError(MP_ERROR_TEXT("spec and out must be different arrays"));
    glue_check(ml_rfft_inverse(&self->plan, spec, self->n + 2, out, self->n));
    return out_in;
}
static MP_DEFINE_CONST_FUN_OBJ_3(rfft_inverse_obj, rfft_inverse);

mp_map_elem_t fft_locals_table[3], rfft_locals_table[5];
static MP_DEFINE_CONST_DICT(fft_locals, fft_locals_table);
static MP_DEFINE_CONST_DICT(rfft_locals, rfft_locals_table);

static void fft_register(void) {
    fft_locals_table[0] = dsp_method(MP_QSTR_forward, &fft_forward_obj);
    fft_locals_table[1] = dsp_method(MP_QSTR_inverse, &fft_inverse_obj);
    fft_locals_table[2] = dsp_method(MP_QSTR_size, &fft_size_obj);
    dsp_type(&fft_type, MP_QSTR_FFT, fft_make_new, &fft_locals);

    rfft_locals_table[0] = dsp_method(MP_QSTR_forward, &rfft_forward_obj);
    rfft_locals_table[1] = dsp_method(MP_QSTR_inverse, &rfft_inverse_obj);
    rfft_locals_table[2] = dsp_method(MP_QSTR_power, &rfft_power_obj);
    rfft_locals_table[3] = dsp_method(MP_QSTR_magnitude, &rfft_magnitude_obj);
    rfft_locals_table[4] = dsp_method(MP_QSTR_size, &fft_size_obj);
    dsp_type(&rfft_type, MP_QSTR_RFFT, rfft_make_new, &rfft_locals);
}
#endif  // ML_DSP_FFT

#if ML_DSP_PARTS & ML_DSP_FFT_Q15

// ---- FFTQ15 / RFFTQ15 (q15) -------------------------------------------

mp_obj_full_type_t fftq15_type, rfftq15_type;

static mp_obj_t fftq15_make_new(const mp_obj_type_t* type, size_t n_args, size_t n_kw, const mp_obj_t* args) {
    fft_obj_t* self = fft_new(type, n_args, n_kw, args, sizeof(int16_t));
    dsp_check(ml_fft_q15_init(&self->plan, self->n, self->twiddles, self->n), FFT_SIZES);
    return MP_OBJ_FROM_PTR(self);
}

static mp_obj_t rfftq15_make_new(const mp_obj_type_t* type, size_t n_args, size_t n_kw, const mp_obj_t* args) {
    fft_obj_t* self = fft_new(type, n_args, n_kw, args, sizeof(int16_t));
    dsp_check(ml_rfft_q15_init(&self->plan, self->n, self->twiddles, self->n), FFT_SIZES);
    return MP_OBJ_FROM_PTR(self);
}

static mp_obj_t fftq15_forward(mp_obj_t self_in, mp_obj_t buf) {
    fft_obj_t* self = MP_OBJ_TO_PTR(self_in);
    int16_t* d = dsp_exact(buf, 'h', 2 * self->n, MP_BUFFER_RW, "buf (interleaved re, im)");
    glue_check(ml_fft_q15_forward(&self->plan, d, 2 * self->n));
    return buf;
}
static MP_DEFINE_CONST_FUN_OBJ_2(fftq15_forward_obj, fftq15_forward);

static mp_obj_t fftq15_inverse(mp_obj_t self_in, mp_obj_t buf) {
    fft_obj_t* self = MP_OBJ_TO_PTR(self_in);
    int16_t* d = dsp_exact(buf, 'h', 2 * self->n, MP_BUFFER_RW, "buf (interleaved re, im)");
    glue_check(ml_fft_q15_inverse(&self->plan, d, 2 * self->n));
    return buf;
}
static MP_DEFINE_CONST_FUN_OBJ_2(fftq15_inverse_obj, fftq15_inverse);

static mp_obj_t rfftq15_forward(mp_obj_t self_in, mp_obj_t x_in, mp_obj_t out_in) {
    fft_obj_t* self = MP_OBJ_TO_PTR(self_in);
    const int16_t* x = dsp_exact(x_in, 'h', self->n, MP_BUFFER_READ, "x");
    size_t n_out;
    int16_t* out = glue_get_array(out_in, 'h', MP_BUFFER_WRITE, "out", &n_out);
    if (n_out < self->n + 2) dsp_raise_len("out", " must hold at least n + 2 = ", self->n + 2, n_out);
    glue_check(ml_rfft_q15_forward(&self->plan, x, self->n, out, n_out));
    return out_in;
}
static MP_DEFINE_CONST_FUN_OBJ_3(rfftq15_forward_obj, rfftq15_forward);

mp_map_elem_t fftq15_locals_table[3], rfftq15_locals_table[2];
static MP_DEFINE_CONST_DICT(fftq15_locals, fftq15_locals_table);
static MP_DEFINE_CONST_DICT(rfftq15_locals, rfftq15_locals_table);

static void fft_q15_register(void) {
    fftq15_locals_table[0] = dsp_method(MP_QSTR_forward, &fftq15_forward_obj);
    fftq15_locals_table[1] = dsp_method(MP_QSTR_inverse, &fftq15_inverse_obj);
    fftq15_locals_table[2] = dsp_method(MP_QSTR_size, &fft_size_obj);
    dsp_type(&fftq15_type, MP_QSTR_FFTQ15, fftq15_make_new, &fftq15_locals);

    rfftq15_locals_table[0] = dsp_method(MP_QSTR_forward, &rfftq15_forward_obj);
    rfftq15_locals_table[1] = dsp_method(MP_QSTR_size, &fft_size_obj);
    dsp_type(&rfftq15_type, MP_QSTR_RFFTQ15, rfftq15_make_new, &rfftq15_locals);
}
#endif  // ML_DSP_FFT_Q15

#if ML_DSP_PARTS & ML_DSP_ANY_FILTER

// ---- what the filter modules share ---------------------------------------
// _filters (float32), _filters_q15 and _sos_fast share these constructors
// and methods. DSP_PICK(mine, other, want): the `mine` kernel when this
// module holds it and either lacks `other` or the caller wants `mine`; a
// constant in a module that holds one of the two, so its link keeps only
// that kernel (dsp.py asks each module only for the kernels it holds).
#define DSP_HAS(part) ((ML_DSP_PARTS & (part)) != 0)
#define DSP_PICK(mine, other, want) (DSP_HAS(mine) && (!DSP_HAS(other) || (want)))
// SOSQ15 / FIRQ15 rather than SOS / FIR; the fast q15 SOS kernel rather than the exact one.
#define SOS_Q15(want) DSP_PICK(ML_DSP_FILTERS_Q15 | ML_DSP_SOS_FAST, ML_DSP_FILTERS, want)
#define FIR_Q15(want) DSP_PICK(ML_DSP_FILTERS_Q15, ML_DSP_FILTERS, want)
#define SOS_FAST(want) DSP_PICK(ML_DSP_SOS_FAST, ML_DSP_FILTERS_Q15, want)

// ---- SOS (IIR) --------------------------------------------------------
// A q15 filter's data: array('h') (q15), or array('f') in [-1, 1), converted
// to q15 on the way in and back on the way out (ml_*_q15_process_f32: the
// float API of the q15 kernels, docs/dsp.md); 'f' or 'h' as x is.
static inline char q15_data(mp_obj_t x) {
    mp_buffer_info_t buf;
    return mp_get_buffer(x, &buf, MP_BUFFER_READ) && buf.typecode == 'f' ? 'f' : 'h';
}
#define Q15_X "x (array('h'), or array('f') in [-1, 1))"

static inline void q15_floats_check(int status) {
    if (status == ML_OUT_OF_RANGE) mp_raise_ValueError(MP_ERROR_TEXT("NaN has no q15 value"));
    glue_check(status);
}


typedef struct {
    mp_obj_base_t base;
    ml_sos_t f;
    size_t n_sections;
    void* coeffs;
    void* state;
    mp_int_t fast;  // SOSQ15: the fast kernel (ml_sos_q15_fast_*)
} sos_obj_t;

#if ML_DSP_PARTS & ML_DSP_FILTERS
mp_obj_full_type_t sos_type, fir_type;
#endif
#if ML_DSP_PARTS & (ML_DSP_FILTERS_Q15 | ML_DSP_SOS_FAST)
mp_obj_full_type_t sosq15_type;
#endif
#if ML_DSP_PARTS & ML_DSP_FILTERS_Q15
mp_obj_full_type_t firq15_type;
#endif

// SOS(coeffs[, n_sections]): coeffs array('f') of [b0 b1 b2 a0 a1 a2] rows;
// the q15 type also takes array('d'), which keeps float64 coefficients exact,
// and a third argument: true for the fast kernel.
static mp_obj_t sos_new(const mp_obj_type_t* type, size_t n_args, size_t n_kw, const mp_obj_t* args, int q15) {
    q15 = SOS_Q15(q15);
    mp_arg_check_num(n_args, n_kw, 1, q15 ? 3 : 2, false);
    mp_buffer_info_t info;
    const char tc = q15 && mp_get_buffer(args[0], &info, MP_BUFFER_READ) && info.typecode == 'd' ? 'd' : 'f';
    size_t n_c;
    const void* c = glue_get_array(args[0], tc, MP_BUFFER_READ, q15 ? "coeffs (or array('d'))" : "coeffs", &n_c);
    // Buffers for the sections coeffs holds; the engine refuses any other count.
    const size_t fit = n_c / 6 + 1;
    const size_t ns = n_args > 1 ? glue_size_arg(args[1], DSP_SIZE_MAX, "n_sections") : (n_c + 5) / 6;
    sos_obj_t* self = mp_obj_malloc(sos_obj_t, type);
    self->n_sections = ns;
    int st;
    const int fast = q15 && SOS_FAST(n_args > 2 && mp_obj_is_true(args[2]));
    self->fast = fast;
    if (q15) {
        self->coeffs = m_new(int32_t, 6 * fit);
        self->state = m_new(int32_t, 3 * fit + 2);
        if (fast)
            st = tc == 'd' ? ml_sos_q15_fast_init_f64(&self->f, c, n_c, ns, self->coeffs, self->state)
                           : ml_sos_q15_fast_init(&self->f, c, n_c, ns, self->coeffs, self->state);
        else
            st = tc == 'd' ? ml_sos_q15_init_f64(&self->f, c, n_c, ns, self->coeffs, self->state)
                           : ml_sos_q15_init(&self->f, c, n_c, ns, self->coeffs, self->state);
    } else {
        self->coeffs = m_new(float, 5 * fit);
        self->state = m_new(float, 2 * fit);
        st = ml_sos_init(&self->f, c, n_c, ns, self->coeffs, self->state);
    }
    if (st == ML_SIZE_MISMATCH)
        dsp_raise_len("coeffs", " must hold 6 per section ([b0, b1, b2, a0, a1, a2] rows): ", 6 * ns, n_c);
    if (st == ML_OUT_OF_RANGE && fast)
        mp_raise_ValueError(MP_ERROR_TEXT("fast q15 needs stable sections with poles at least 2^-6 from z = +-1 and gains "
                                          "its 16-bit signals can hold (docs/dsp.md); use the exact q15 kernel (fast=False)"));
    if (st == ML_OUT_OF_RANGE)
        mp_raise_ValueError(MP_ERROR_TEXT("q15 needs stable sections with poles at least 2^-16 from z = +-1, gains below 2^28 "
                                          "and passbands its signals can hold (docs/dsp.md)"));
    dsp_check(st, "need at least one section, each with a finite, nonzero a0 and finite coefficients");
    return MP_OBJ_FROM_PTR(self);
}

#if ML_DSP_PARTS & ML_DSP_FILTERS
static mp_obj_t sos_make_new(const mp_obj_type_t* type, size_t n_args, size_t n_kw, const mp_obj_t* args) {
    return sos_new(type, n_args, n_kw, args, 0);
}
#endif
#if ML_DSP_PARTS & (ML_DSP_FILTERS_Q15 | ML_DSP_SOS_FAST)
static mp_obj_t sosq15_make_new(const mp_obj_type_t* type, size_t n_args, size_t n_kw, const mp_obj_t* args) {
    return sos_new(type, n_args, n_kw, args, 1);
}
#endif

// process(x[, out]): filters x into out (same length), or in place; an
// empty x does nothing.
#if ML_DSP_PARTS & ML_DSP_FILTERS
static mp_obj_t sos_process(size_t n_args, const mp_obj_t* args) {
    sos_obj_t* self = MP_OBJ_TO_PTR(args[0]);
    size_t n;
    float* x = glue_get_array(args[1], 'f', MP_BUFFER_RW, "x", &n);
    float* y = n_args > 2 ? dsp_exact(args[2], 'f', n, MP_BUFFER_WRITE, "out (as long as x)") : x;
    glue_check(ml_sos_process(&self->f, x, y, n));
    return args[n_args - 1];
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(sos_process_obj, 2, 3, sos_process);
#endif

#if ML_DSP_PARTS & (ML_DSP_FILTERS_Q15 | ML_DSP_SOS_FAST)
static mp_obj_t sosq15_process(size_t n_args, const mp_obj_t* args) {
    sos_obj_t* self = MP_OBJ_TO_PTR(args[0]);
    size_t n;
    const char tc = q15_data(args[1]);
    void* x = glue_get_array(args[1], tc, MP_BUFFER_RW, Q15_X, &n);
    void* y = n_args > 2 ? dsp_exact(args[2], tc, n, MP_BUFFER_WRITE, "out (as long as x)") : x;
    if (tc == 'f')
        q15_floats_check(SOS_FAST(self->fast) ? ml_sos_q15_fast_process_f32(&self->f, x, y, n)
                                              : ml_sos_q15_process_f32(&self->f, x, y, n));
    else
        glue_check(SOS_FAST(self->fast) ? ml_sos_q15_fast_process(&self->f, x, y, n)
                                        : ml_sos_q15_process(&self->f, x, y, n));
    return args[n_args - 1];
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(sosq15_process_obj, 2, 3, sosq15_process);
#endif

#if ML_DSP_PARTS & ML_DSP_FILTERS
// reset([x0]): zeros, or the steady state of a constant input x0
// (scipy's sosfilt_zi(sos) * x0).
static mp_obj_t sos_reset(size_t n_args, const mp_obj_t* args) {
    ml_sos_reset(&((sos_obj_t*)MP_OBJ_TO_PTR(args[0]))->f, n_args > 1 ? (float)mp_obj_get_float(args[1]) : 0.0f);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(sos_reset_obj, 1, 2, sos_reset);
#endif

#if ML_DSP_PARTS & (ML_DSP_FILTERS_Q15 | ML_DSP_SOS_FAST)
static mp_obj_t sosq15_reset(size_t n_args, const mp_obj_t* args) {
    mp_int_t x0 = 0;
    if (n_args > 1 && mp_obj_is_int(args[1])) {
        x0 = mp_obj_is_small_int(args[1]) ? MP_OBJ_SMALL_INT_VALUE(args[1]) : 32768;  // a big int: out of range
        if (x0 < -32768 || x0 > 32767) mp_raise_ValueError(MP_ERROR_TEXT("x0 must be a q15 value from -32768 to 32767"));
    } else if (n_args > 1) {  // a float: a signal value in [-1, 1), as process() takes array('f')
        const float v = (float)mp_obj_get_float(args[1]);
        int16_t q;
        q15_floats_check(ml_q15_from_f32(&v, &q, 1));
        x0 = q;
    }
    sos_obj_t* self = MP_OBJ_TO_PTR(args[0]);
    (SOS_FAST(self->fast) ? ml_sos_q15_fast_reset : ml_sos_q15_reset)(&self->f, (int16_t)x0);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(sosq15_reset_obj, 1, 2, sosq15_reset);
#endif

// ---- FIR ----------------------------------------------------------------
#if ML_DSP_PARTS & (ML_DSP_FILTERS | ML_DSP_FILTERS_Q15)

typedef struct {
    mp_obj_base_t base;
    ml_fir_t f;
    void* taps;
    void* delay;
} fir_obj_t;

static mp_obj_t fir_new(const mp_obj_type_t* type, size_t n_args, size_t n_kw, const mp_obj_t* args, int q15) {
    q15 = FIR_Q15(q15);
    mp_arg_check_num(n_args, n_kw, 1, 2, false);
    size_t n_taps;
    const float* h = glue_get_array(args[0], 'f', MP_BUFFER_READ, "taps", &n_taps);
    const size_t dec = n_args > 1 ? glue_size_arg(args[1], DSP_SIZE_MAX, "decimation") : 1;
    fir_obj_t* self = mp_obj_malloc(fir_obj_t, type);
    int st;
    if (q15) {
        self->taps = m_new(int16_t, n_taps);
        self->delay = m_new(int16_t, 2 * n_taps);
        st = ml_fir_q15_init(&self->f, h, n_taps, dec, self->taps, self->delay);
    } else {
        self->taps = m_new(float, n_taps);
        self->delay = m_new(float, 2 * n_taps);
        st = ml_fir_init(&self->f, h, n_taps, dec, self->taps, self->delay);
    }
    if (st == ML_OUT_OF_RANGE) mp_raise_ValueError(MP_ERROR_TEXT("q15 taps must lie in [-1, 1)"));
    dsp_check(st, "need at least one tap and a decimation from 1 to 65535");
    return MP_OBJ_FROM_PTR(self);
}

#if ML_DSP_PARTS & ML_DSP_FILTERS
static mp_obj_t fir_make_new(const mp_obj_type_t* type, size_t n_args, size_t n_kw, const mp_obj_t* args) {
    return fir_new(type, n_args, n_kw, args, 0);
}
#endif
#if ML_DSP_PARTS & ML_DSP_FILTERS_Q15
static mp_obj_t firq15_make_new(const mp_obj_type_t* type, size_t n_args, size_t n_kw, const mp_obj_t* args) {
    return fir_new(type, n_args, n_kw, args, 1);
}
#endif

// process(x[, out]) -> number of outputs written (to out, or to the front
// of x when filtering in place).
static mp_obj_t fir_process_any(size_t n_args, const mp_obj_t* args, int q15) {
    q15 = FIR_Q15(q15);
    fir_obj_t* self = MP_OBJ_TO_PTR(args[0]);
    const char tc = q15 ? q15_data(args[1]) : 'f';
    size_t n, n_y;
    void* x = glue_get_array(args[1], tc, MP_BUFFER_RW, q15 ? Q15_X : "x", &n);
    const size_t need = ml_fir_outputs(&self->f, n);
    void* y = x;
    size_t cap = n;
    if (n_args > 2) y = dsp_at_least(args[2], tc, need, MP_BUFFER_WRITE, "out"), cap = need;
    size_t written;
    if (!q15)
        glue_check(ml_fir_process(&self->f, x, n, y, cap, &written));
    else if (tc == 'f')
        q15_floats_check(ml_fir_q15_process_f32(&self->f, x, n, y, cap, &written));
    else
        glue_check(ml_fir_q15_process(&self->f, x, n, y, cap, &written));
    n_y = written;
    return mp_obj_new_int(n_y);
}

#if ML_DSP_PARTS & ML_DSP_FILTERS
static mp_obj_t fir_process(size_t n_args, const mp_obj_t* args) { return fir_process_any(n_args, args, 0); }
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(fir_process_obj, 2, 3, fir_process);
#endif

#if ML_DSP_PARTS & ML_DSP_FILTERS_Q15
static mp_obj_t firq15_process(size_t n_args, const mp_obj_t* args) { return fir_process_any(n_args, args, 1); }
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(firq15_process_obj, 2, 3, firq15_process);
#endif

// outputs(n): how many outputs the next process() of n samples writes.
static mp_obj_t fir_outputs(mp_obj_t self_in, mp_obj_t n_in) {
    const size_t n = glue_size_arg(n_in, DSP_SIZE_MAX, "n");
    return mp_obj_new_int(ml_fir_outputs(&((fir_obj_t*)MP_OBJ_TO_PTR(self_in))->f, n));
}
static MP_DEFINE_CONST_FUN_OBJ_2(fir_outputs_obj, fir_outputs);

#if ML_DSP_PARTS & ML_DSP_FILTERS
static mp_obj_t fir_reset(mp_obj_t self_in) {
    ml_fir_reset(&((fir_obj_t*)MP_OBJ_TO_PTR(self_in))->f);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(fir_reset_obj, fir_reset);
#endif

#if ML_DSP_PARTS & ML_DSP_FILTERS_Q15
static mp_obj_t firq15_reset(mp_obj_t self_in) {
    ml_fir_q15_reset(&((fir_obj_t*)MP_OBJ_TO_PTR(self_in))->f);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(firq15_reset_obj, firq15_reset);
#endif
#endif  // FIR

// The types each module registers.
#if ML_DSP_PARTS & ML_DSP_FILTERS
mp_map_elem_t sos_locals_table[2], fir_locals_table[3];
static MP_DEFINE_CONST_DICT(sos_locals, sos_locals_table);
static MP_DEFINE_CONST_DICT(fir_locals, fir_locals_table);
#endif
#if ML_DSP_PARTS & (ML_DSP_FILTERS_Q15 | ML_DSP_SOS_FAST)
mp_map_elem_t sosq15_locals_table[2];
static MP_DEFINE_CONST_DICT(sosq15_locals, sosq15_locals_table);
#endif
#if ML_DSP_PARTS & ML_DSP_FILTERS_Q15
mp_map_elem_t firq15_locals_table[3];
static MP_DEFINE_CONST_DICT(firq15_locals, firq15_locals_table);
#endif

static void filters_register(void) {
#if ML_DSP_PARTS & ML_DSP_FILTERS
    sos_locals_table[0] = dsp_method(MP_QSTR_process, &sos_process_obj);
    sos_locals_table[1] = dsp_method(MP_QSTR_reset, &sos_reset_obj);
    dsp_type(&sos_type, MP_QSTR_SOS, sos_make_new, &sos_locals);

    fir_locals_table[0] = dsp_method(MP_QSTR_process, &fir_process_obj);
    fir_locals_table[1] = dsp_method(MP_QSTR_reset, &fir_reset_obj);
    fir_locals_table[2] = dsp_method(MP_QSTR_outputs, &fir_outputs_obj);
    dsp_type(&fir_type, MP_QSTR_FIR, fir_make_new, &fir_locals);
#endif
#if ML_DSP_PARTS & (ML_DSP_FILTERS_Q15 | ML_DSP_SOS_FAST)
    sosq15_locals_table[0] = dsp_method(MP_QSTR_process, &sosq15_process_obj);
    sosq15_locals_table[1] = dsp_method(MP_QSTR_reset, &sosq15_reset_obj);
    dsp_type(&sosq15_type, MP_QSTR_SOSQ15, sosq15_make_new, &sosq15_locals);
#endif
#if ML_DSP_PARTS & ML_DSP_FILTERS_Q15
    firq15_locals_table[0] = dsp_method(MP_QSTR_process, &firq15_process_obj);
    firq15_locals_table[1] = dsp_method(MP_QSTR_reset, &firq15_reset_obj);
    firq15_locals_table[2] = dsp_method(MP_QSTR_outputs, &fir_outputs_obj);
    dsp_type(&firq15_type, MP_QSTR_FIRQ15, firq15_make_new, &firq15_locals);
#endif
}
#endif  // ML_DSP_ANY_FILTER

#if ML_DSP_PARTS & ML_DSP_SPECTRAL

// ---- DCT ------------------------------------------------------------------

typedef struct {
    mp_obj_base_t base;
    ml_dct_t d;
    size_t n, n_out;
    float* table;
} dct_obj_t;

mp_obj_full_type_t dct_type;

// DCT(n, n_out=n, ortho=True)
static mp_obj_t dct_make_new(const mp_obj_type_t* type, size_t n_args, size_t n_kw, const mp_obj_t* args) {
    mp_arg_check_num(n_args, n_kw, 1, 3, false);
    const size_t n = glue_size_arg(args[0], DSP_SIZE_MAX, "n");
    const size_t n_out = n_args > 1 && args[1] != mp_const_none ? glue_size_arg(args[1], DSP_SIZE_MAX, "n_out") : n;
    const int ortho = n_args > 2 ? mp_obj_is_true(args[2]) : 1;
    const size_t n_table = ml_dct_table_size(n, n_out);  // 0 for sizes init refuses
    dct_obj_t* self = mp_obj_malloc(dct_obj_t, type);
    self->n = n;
    self->n_out = n_out;
    self->table = m_new(float, n_table);
    dsp_check(ml_dct_init(&self->d, n, n_out, ortho, self->table, n_table), "need 1 <= n_out <= n <= 4096");
    return MP_OBJ_FROM_PTR(self);
}

static mp_obj_t dct_forward(mp_obj_t self_in, mp_obj_t x_in, mp_obj_t out_in) {
    dct_obj_t* self = MP_OBJ_TO_PTR(self_in);
    const float* x = dsp_exact(x_in, 'f', self->n, MP_BUFFER_READ, "x");
    float* y = dsp_at_least(out_in, 'f', self->n_out, MP_BUFFER_WRITE, "out");
    if ((const void*)x == (const void*)y) mp_raise_ValueError(MP_ERROR_TEXT("x and out must be different arrays"));
    glue_check(ml_dct_forward(&self->d, x, self->n, y, self->n_out));
    return out_in;
}
static MP_DEFINE_CONST_FUN_OBJ_3(dct_forward_obj, dct_forward);

// ---- Spectrogram -----------------------------------------------------------

typedef struct {
    mp_obj_base_t base;
    ml_spectrogram_t s;
    float* memory;
} spec_obj_t;

mp_obj_full_type_t spec_type;

static mp_obj_t spec_make_new(const mp_obj_type_t* type, size_t n_args, size_t n_kw, const mp_obj_t* args) {
    mp_arg_check_num(n_args, n_kw, 12, 12, false);
    ml_spectrogram_config_t c;
    c.n_fft = glue_size_arg(args[0], DSP_SIZE_MAX, "n_fft");
    c.hop = glue_size_arg(args[1], DSP_SIZE_MAX, "hop");
    c.window = glue_size_arg(args[2], 255, "window");
    c.output = glue_size_arg(args[3], 255, "output");
    c.sample_rate = mp_obj_get_float(args[4]);
    c.n_mels = glue_size_arg(args[5], DSP_SIZE_MAX, "n_mels");
    c.fmin = mp_obj_get_float(args[6]);
    c.fmax = mp_obj_get_float(args[7]);
    c.htk = mp_obj_is_true(args[8]);
    c.slaney_norm = mp_obj_is_true(args[9]);
    c.n_mfcc = glue_size_arg(args[10], DSP_SIZE_MAX, "n_mfcc");
    c.center = mp_obj_is_true(args[11]);
    const size_t mem = ml_spectrogram_memory_size(&c);  // 0 for sizes init refuses
    spec_obj_t* self = mp_obj_malloc(spec_obj_t, type);
    self->memory = m_new(float, mem);
    dsp_check(ml_spectrogram_init(&self->s, &c, self->memory, mem),
              "bad spectrogram parameters: n_fft a power of two from 8 to 4096, 1 <= hop <= n_fft, "
              "0 <= fmin < fmax <= sample_rate / 2, 1 <= n_mfcc <= n_mels <= 512");  // dsp.py adds the values (as the host)
    return MP_OBJ_FROM_PTR(self);
}

// process(x, out) -> number of frames written to out (frame_size() floats each).
static mp_obj_t spec_process(mp_obj_t self_in, mp_obj_t x_in, mp_obj_t out_in) {
    spec_obj_t* self = MP_OBJ_TO_PTR(self_in);
    size_t n, cap;
    mp_buffer_info_t b;
    if (mp_get_buffer(x_in, &b, MP_BUFFER_READ) && b.typecode != 'f')  // the host's message
        mp_raise_TypeError(MP_ERROR_TEXT("x must be float samples: array('f') (int16 PCM: x / 32768, float32 in [-1, 1))"));
    const float* x = glue_get_array(x_in, 'f', MP_BUFFER_READ, "x", &n);
    float* out = glue_get_array(out_in, 'f', MP_BUFFER_WRITE, "out", &cap);
    const size_t need = ml_spectrogram_frames(&self->s, n) * ml_spectrogram_frame_size(&self->s);
    if (cap < need) dsp_raise_len("out", " must hold at least frames(len(x)) * frame_size() = ", need, cap);
    size_t frames;
    glue_check(ml_spectrogram_process(&self->s, x, n, out, cap, &frames));
    return mp_obj_new_int(frames);
}
static MP_DEFINE_CONST_FUN_OBJ_3(spec_process_obj, spec_process);

static mp_obj_t spec_frames(mp_obj_t self_in, mp_obj_t n_in) {
    const size_t n = glue_size_arg(n_in, DSP_SIZE_MAX, "n");
    return mp_obj_new_int(ml_spectrogram_frames(&((spec_obj_t*)MP_OBJ_TO_PTR(self_in))->s, n));
}
static MP_DEFINE_CONST_FUN_OBJ_2(spec_frames_obj, spec_frames);

static mp_obj_t spec_frame_size(mp_obj_t self_in) {
    return mp_obj_new_int(ml_spectrogram_frame_size(&((spec_obj_t*)MP_OBJ_TO_PTR(self_in))->s));
}
static MP_DEFINE_CONST_FUN_OBJ_1(spec_frame_size_obj, spec_frame_size);

static mp_obj_t spec_reset(mp_obj_t self_in) {
    ml_spectrogram_reset(&((spec_obj_t*)MP_OBJ_TO_PTR(self_in))->s);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(spec_reset_obj, spec_reset);

// ---- Features ----------------------------------------------------------------

typedef struct {
    mp_obj_base_t base;
    ml_features_t f;
    size_t n_in, n_out;
    float* spec;
    float* memory;
} feat_obj_t;

mp_obj_full_type_t feat_type;

static mp_obj_t feat_make_new(const mp_obj_type_t* type, size_t n_args, size_t n_kw, const mp_obj_t* args) {
    mp_arg_check_num(n_args, n_kw, 4, 4, false);
    const size_t n_samples = glue_size_arg(args[0], DSP_SIZE_MAX, "n_samples");
    const size_t n_axes = glue_size_arg(args[1], DSP_SIZE_MAX, "n_axes");
    size_t n_spec;
    const float* spec = glue_get_array(args[2], 'f', MP_BUFFER_READ, "spec", &n_spec);
    if (n_spec == 0 || n_spec % 3 != 0) mp_raise_ValueError(MP_ERROR_TEXT("spec must hold [kind, a, b] triples"));
    n_spec /= 3;
    const float rate = mp_obj_get_float(args[3]);
    feat_obj_t* self = mp_obj_malloc(feat_obj_t, type);
    const size_t mem = ml_features_memory_size((uint32_t)n_samples, spec, n_spec);  // 0 for sizes init refuses
    self->spec = m_new(float, 3 * n_spec);
    self->memory = m_new(float, mem + 1);
    const int st = ml_features_init(&self->f, (uint32_t)n_samples, (uint32_t)n_axes, rate, spec, n_spec, self->spec,
                                    self->memory, mem + 1);
    if (st == ML_OUT_OF_RANGE)
        mp_raise_ValueError(MP_ERROR_TEXT("percentiles must lie in [0, 100]; bands need 0 <= low < high and a sample rate"));
    dsp_check(st, "need 2 <= n_samples <= 65535 (<= 4096 with bands), 1 <= n_axes <= 64, 1 to 256 features of known kinds");
    self->n_in = n_samples * n_axes;  // within the engine's limits now
    self->n_out = n_spec * n_axes;
    return MP_OBJ_FROM_PTR(self);
}

// compute(x, out): x holds n_samples * n_axes floats (interleaved axes).
static mp_obj_t feat_compute(mp_obj_t self_in, mp_obj_t x_in, mp_obj_t out_in) {
    feat_obj_t* self = MP_OBJ_TO_PTR(self_in);
    const float* x = dsp_exact(x_in, 'f', self->n_in, MP_BUFFER_READ, "x (n_samples * n_axes)");
    float* out = dsp_at_least(out_in, 'f', self->n_out, MP_BUFFER_WRITE, "out");
    glue_check(ml_features_compute(&self->f, x, self->n_in, out, self->n_out));
    return out_in;
}
static MP_DEFINE_CONST_FUN_OBJ_3(feat_compute_obj, feat_compute);

static mp_obj_t feat_size(mp_obj_t self_in) {
    return mp_obj_new_int(((feat_obj_t*)MP_OBJ_TO_PTR(self_in))->n_out);
}
static MP_DEFINE_CONST_FUN_OBJ_1(feat_size_obj, feat_size);

mp_map_elem_t dct_locals_table[1], spec_locals_table[4], feat_locals_table[2];
static MP_DEFINE_CONST_DICT(dct_locals, dct_locals_table);
static MP_DEFINE_CONST_DICT(spec_locals, spec_locals_table);
static MP_DEFINE_CONST_DICT(feat_locals, feat_locals_table);

static void spectral_register(void) {
    dct_locals_table[0] = dsp_method(MP_QSTR_forward, &dct_forward_obj);
    dsp_type(&dct_type, MP_QSTR_DCT, dct_make_new, &dct_locals);

    spec_locals_table[0] = dsp_method(MP_QSTR_process, &spec_process_obj);
    spec_locals_table[1] = dsp_method(MP_QSTR_frames, &spec_frames_obj);
    spec_locals_table[2] = dsp_method(MP_QSTR_frame_size, &spec_frame_size_obj);
    spec_locals_table[3] = dsp_method(MP_QSTR_reset, &spec_reset_obj);
    dsp_type(&spec_type, MP_QSTR_Spectrogram, spec_make_new, &spec_locals);

    feat_locals_table[0] = dsp_method(MP_QSTR_compute, &feat_compute_obj);
    feat_locals_table[1] = dsp_method(MP_QSTR_size, &feat_size_obj);
    dsp_type(&feat_type, MP_QSTR_Features, feat_make_new, &feat_locals);
}
#endif  // ML_DSP_SPECTRAL

// ---- module ----------------------------------------------------------------

mp_obj_t mpy_init(mp_obj_fun_bc_t* self, size_t n_args, size_t n_kw, mp_obj_t* args) {
    MP_DYNRUNTIME_INIT_ENTRY
#if ML_DSP_PARTS & ML_DSP_FFT
    fft_register();
#endif
#if ML_DSP_PARTS & ML_DSP_FFT_Q15
    fft_q15_register();
#endif
#if ML_DSP_PARTS & ML_DSP_ANY_FILTER
    filters_register();
#endif
#if ML_DSP_PARTS & ML_DSP_SPECTRAL
    spectral_register();
#endif
    MP_DYNRUNTIME_INIT_EXIT
}
