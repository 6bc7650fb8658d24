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
//   SOS(coeffs, n_sections).process(x[, out]); .reset()
//   SOSQ15(coeffs, n_sections).process(x[, out]) on array('h')
//   FIR(taps, decimation).process(x[, out]) -> outputs written; .outputs(n)
//   FIRQ15(taps, decimation)
//   DCT(n, n_out, ortho).forward(x, out)
//   Spectrogram(n_fft, hop, window, output, sr, n_mels, fmin, fmax, htk, slaney, n_mfcc, center)
//       .process(x, out) -> frames written; .frames(n); .frame_size(); .reset()
//   Features(n_samples, n_axes, spec, sample_rate).compute(x, out); .size()
#include "glue.h"

// ---- argument helpers -------------------------------------------------

static const char MUST_HOLD[] = " must hold ";

// The buffer of `o`, which must be an array of typecode `tc` ('f' or 'h');
// *n gets its number of items. `what` names the argument in messages.
static void* dsp_array(mp_obj_t o, char tc, size_t* n, mp_uint_t flags, const char* what) {
    mp_buffer_info_t buf;
    if (!mp_get_buffer(o, &buf, flags) || buf.typecode != tc) {
        char msg[80];
        size_t pos = 0;
        glue_append_str(msg, &pos, sizeof msg, what);
        glue_append_str(msg, &pos, sizeof msg,
                        tc == 'f' ? " must be a float32 array: array('f', ...)" : " must be an int16 array: array('h', ...)");
        mp_raise_type_arg(&mp_type_TypeError, mp_obj_new_str(msg, pos));
    }
    *n = buf.len >> (tc == 'f' ? 2 : 1);  // a shift: no division routine on Cortex-M0
    return buf.buf;
}

static void dsp_raise_len(const char* what, const char* rule, size_t want, size_t got) {
    char msg[100];
    size_t pos = 0;
    glue_append_str(msg, &pos, 40, what);
    glue_append_str(msg, &pos, 60, rule);
    glue_append_uint(msg, &pos, want);
    glue_append_str(msg, &pos, 80, " items, got ");
    glue_append_uint(msg, &pos, got);
    mp_raise_type_arg(&mp_type_ValueError, mp_obj_new_str(msg, pos));
}

// An array of exactly n items.
static void* dsp_exact(mp_obj_t o, char tc, size_t n, mp_uint_t flags, const char* what) {
    size_t got;
    void* p = dsp_array(o, tc, &got, flags, what);
    if (got != n) dsp_raise_len(what, MUST_HOLD, n, got);
    return p;
}

// An array of at least n items.
static void* dsp_at_least(mp_obj_t o, char tc, size_t n, mp_uint_t flags, const char* what) {
    size_t got;
    void* p = dsp_array(o, tc, &got, flags, what);
    if (got < n) dsp_raise_len(what, " must hold at least ", n, got);
    return p;
}

static size_t dsp_fft_size(mp_obj_t o) {
    const mp_int_t n = mp_obj_get_int(o);
    if (n < 8 || n > 4096 || (n & (n - 1)) != 0)
        mp_raise_ValueError(MP_ERROR_TEXT("FFT size must be a power of two from 8 to 4096"));
    return (size_t)n;
}

static size_t dsp_positive(mp_obj_t o, mp_int_t max, const char* what) {
    const mp_int_t v = mp_obj_get_int(o);
    if (v < 1 || v > max) {
        char msg[80];
        size_t pos = 0;
        glue_append_str(msg, &pos, sizeof msg, what);
        glue_append_str(msg, &pos, sizeof msg, " must be from 1 to ");
        glue_append_uint(msg, &pos, (size_t)max);
        mp_raise_type_arg(&mp_type_ValueError, mp_obj_new_str(msg, pos));
    }
    return (size_t)v;
}

static mp_map_elem_t dsp_method(qstr name, const void* fun) {
    return (mp_map_elem_t){MP_OBJ_NEW_QSTR(name), MP_OBJ_FROM_PTR(fun)};
}

// ---- FFT / RFFT (float32) ---------------------------------------------

typedef struct {
    mp_obj_base_t base;
    ml_fft_t plan;
    size_t n;
    void* twiddles;
} fft_obj_t;

mp_obj_full_type_t fft_type, rfft_type, fftq15_type, rfftq15_type;

static fft_obj_t* fft_new(const mp_obj_type_t* type, size_t n_args, size_t n_kw, const mp_obj_t* args, int q15) {
    mp_arg_check_num(n_args, n_kw, 1, 1, false);
    const size_t n = dsp_fft_size(args[0]);
    fft_obj_t* self = mp_obj_malloc(fft_obj_t, type);
    self->n = n;
    self->twiddles = q15 ? (void*)m_new(int16_t, n) : (void*)m_new(float, n);
    return self;
}

static mp_obj_t fft_make_new(const mp_obj_type_t* type, size_t n_args, size_t n_kw, const mp_obj_t* args) {
    fft_obj_t* self = fft_new(type, n_args, n_kw, args, 0);
    glue_check(ml_fft_init(&self->plan, self->n, self->twiddles, self->n));
    return MP_OBJ_FROM_PTR(self);
}

static mp_obj_t rfft_make_new(const mp_obj_type_t* type, size_t n_args, size_t n_kw, const mp_obj_t* args) {
    fft_obj_t* self = fft_new(type, n_args, n_kw, args, 0);
    glue_check(ml_rfft_init(&self->plan, self->n, self->twiddles, self->n));
    return MP_OBJ_FROM_PTR(self);
}

static mp_obj_t fftq15_make_new(const mp_obj_type_t* type, size_t n_args, size_t n_kw, const mp_obj_t* args) {
    fft_obj_t* self = fft_new(type, n_args, n_kw, args, 1);
    glue_check(ml_fft_q15_init(&self->plan, self->n, self->twiddles, self->n));
    return MP_OBJ_FROM_PTR(self);
}

static mp_obj_t rfftq15_make_new(const mp_obj_type_t* type, size_t n_args, size_t n_kw, const mp_obj_t* args) {
    fft_obj_t* self = fft_new(type, n_args, n_kw, args, 1);
    glue_check(ml_rfft_q15_init(&self->plan, self->n, self->twiddles, self->n));
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

typedef int (*rfft_fn)(const ml_fft_t*, const float*, size_t, float*, size_t);

static mp_obj_t rfft_apply(mp_obj_t self_in, mp_obj_t x_in, mp_obj_t out_in, rfft_fn fn) {
    fft_obj_t* self = MP_OBJ_TO_PTR(self_in);
    const float* x = dsp_exact(x_in, 'f', self->n, MP_BUFFER_READ, "x");
    size_t n_out;
    float* out = dsp_array(out_in, 'f', &n_out, MP_BUFFER_WRITE, "out");
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

static mp_obj_t rfftq15_forward(mp_obj_t self_in, mp_obj_t x_in, mp_obj_t out_in) {
    fft_obj_t* self = MP_OBJ_TO_PTR(self_in);
    const int16_t* x = dsp_exact(x_in, 'h', self->n, MP_BUFFER_READ, "x");
    size_t n_out;
    int16_t* out = dsp_array(out_in, 'h', &n_out, MP_BUFFER_WRITE, "out");
    if (n_out < self->n + 2) dsp_raise_len("out", " must hold at least n + 2 = ", self->n + 2, n_out);
    glue_check(ml_rfft_q15_forward(&self->plan, x, self->n, out, n_out));
    return out_in;
}
static MP_DEFINE_CONST_FUN_OBJ_3(rfftq15_forward_obj, rfftq15_forward);

static mp_obj_t fft_size(mp_obj_t self_in) {
    return mp_obj_new_int(((fft_obj_t*)MP_OBJ_TO_PTR(self_in))->n);
}
static MP_DEFINE_CONST_FUN_OBJ_1(fft_size_obj, fft_size);

// ---- SOS (IIR) --------------------------------------------------------

typedef struct {
    mp_obj_base_t base;
    ml_sos_t f;
    size_t n_sections;
    void* coeffs;
    void* state;
} sos_obj_t;

mp_obj_full_type_t sos_type, sosq15_type;

static mp_obj_t sos_new(const mp_obj_type_t* type, size_t n_args, size_t n_kw, const mp_obj_t* args, int q15) {
    mp_arg_check_num(n_args, n_kw, 1, 2, false);
    size_t n_c;
    const float* c = dsp_array(args[0], 'f', &n_c, MP_BUFFER_READ, "coeffs");
    size_t ns = n_args > 1 ? dsp_positive(args[1], 1000, "n_sections") : n_c / 6;
    if (ns == 0 || n_c != 6 * ns)
        dsp_raise_len("coeffs", " must hold 6 per section ([b0, b1, b2, a0, a1, a2] rows): ", 6 * (ns ? ns : 1), n_c);
    sos_obj_t* self = mp_obj_malloc(sos_obj_t, type);
    self->n_sections = ns;
    int st;
    if (q15) {
        self->coeffs = m_new(int32_t, 5 * ns);
        self->state = m_new(int32_t, 4 * ns);
        float* scratch = m_new(float, 5 * ns);
        st = ml_sos_q15_init(&self->f, c, n_c, ns, self->coeffs, self->state, scratch);
        m_del(float, scratch, 5 * ns);
    } else {
        self->coeffs = m_new(float, 5 * ns);
        self->state = m_new(float, 2 * ns);
        st = ml_sos_init(&self->f, c, n_c, ns, self->coeffs, self->state);
    }
    if (st == ML_BAD_PARAMETER) mp_raise_ValueError(MP_ERROR_TEXT("every section needs a finite, nonzero a0 and finite coefficients"));
    if (st == ML_OUT_OF_RANGE) mp_raise_ValueError(MP_ERROR_TEXT("coefficients too large for q15 (|b / a0| and |a / a0| must be below 2^31)"));
    glue_check(st);
    return MP_OBJ_FROM_PTR(self);
}

static mp_obj_t sos_make_new(const mp_obj_type_t* type, size_t n_args, size_t n_kw, const mp_obj_t* args) {
    return sos_new(type, n_args, n_kw, args, 0);
}
static mp_obj_t sosq15_make_new(const mp_obj_type_t* type, size_t n_args, size_t n_kw, const mp_obj_t* args) {
    return sos_new(type, n_args, n_kw, args, 1);
}

// process(x[, out]): filters x into out (same length), or in place.
static mp_obj_t sos_process(size_t n_args, const mp_obj_t* args) {
    sos_obj_t* self = MP_OBJ_TO_PTR(args[0]);
    size_t n;
    float* x = dsp_array(args[1], 'f', &n, MP_BUFFER_RW, "x");
    float* y = n_args > 2 ? dsp_exact(args[2], 'f', n, MP_BUFFER_WRITE, "out (as long as x)") : x;
    glue_check(ml_sos_process(&self->f, x, y, n));
    return args[n_args - 1];
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(sos_process_obj, 2, 3, sos_process);

static mp_obj_t sosq15_process(size_t n_args, const mp_obj_t* args) {
    sos_obj_t* self = MP_OBJ_TO_PTR(args[0]);
    size_t n;
    int16_t* x = dsp_array(args[1], 'h', &n, MP_BUFFER_RW, "x");
    int16_t* y = n_args > 2 ? dsp_exact(args[2], 'h', n, MP_BUFFER_WRITE, "out (as long as x)") : x;
    glue_check(ml_sos_q15_process(&self->f, x, y, n));
    return args[n_args - 1];
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(sosq15_process_obj, 2, 3, sosq15_process);

static mp_obj_t sos_reset(mp_obj_t self_in) {
    ml_sos_reset(&((sos_obj_t*)MP_OBJ_TO_PTR(self_in))->f);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(sos_reset_obj, sos_reset);

static mp_obj_t sosq15_reset(mp_obj_t self_in) {
    ml_sos_q15_reset(&((sos_obj_t*)MP_OBJ_TO_PTR(self_in))->f);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(sosq15_reset_obj, sosq15_reset);

// ---- FIR ----------------------------------------------------------------

typedef struct {
    mp_obj_base_t base;
    ml_fir_t f;
    void* taps;
    void* delay;
} fir_obj_t;

mp_obj_full_type_t fir_type, firq15_type;

static mp_obj_t fir_new(const mp_obj_type_t* type, size_t n_args, size_t n_kw, const mp_obj_t* args, int q15) {
    mp_arg_check_num(n_args, n_kw, 1, 2, false);
    size_t n_taps;
    const float* h = dsp_array(args[0], 'f', &n_taps, MP_BUFFER_READ, "taps");
    if (n_taps == 0) mp_raise_ValueError(MP_ERROR_TEXT("taps must not be empty"));
    const size_t dec = n_args > 1 ? dsp_positive(args[1], 65535, "decimation") : 1;
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
    glue_check(st);
    return MP_OBJ_FROM_PTR(self);
}

static mp_obj_t fir_make_new(const mp_obj_type_t* type, size_t n_args, size_t n_kw, const mp_obj_t* args) {
    return fir_new(type, n_args, n_kw, args, 0);
}
static mp_obj_t firq15_make_new(const mp_obj_type_t* type, size_t n_args, size_t n_kw, const mp_obj_t* args) {
    return fir_new(type, n_args, n_kw, args, 1);
}

// process(x[, out]) -> number of outputs written (to out, or to the front
// of x when filtering in place).
static mp_obj_t fir_process_any(size_t n_args, const mp_obj_t* args, int q15) {
    fir_obj_t* self = MP_OBJ_TO_PTR(args[0]);
    const char tc = q15 ? 'h' : 'f';
    size_t n, n_y;
    void* x = dsp_array(args[1], tc, &n, MP_BUFFER_RW, "x");
    const size_t need = ml_fir_outputs(&self->f, n);
    void* y = x;
    size_t cap = n;
    if (n_args > 2) y = dsp_at_least(args[2], tc, need, MP_BUFFER_WRITE, "out"), cap = need;
    size_t written;
    const int st = q15 ? ml_fir_q15_process(&self->f, x, n, y, cap, &written)
                       : ml_fir_process(&self->f, x, n, y, cap, &written);
    glue_check(st);
    n_y = written;
    return mp_obj_new_int(n_y);
}

static mp_obj_t fir_process(size_t n_args, const mp_obj_t* args) { return fir_process_any(n_args, args, 0); }
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(fir_process_obj, 2, 3, fir_process);

static mp_obj_t firq15_process(size_t n_args, const mp_obj_t* args) { return fir_process_any(n_args, args, 1); }
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(firq15_process_obj, 2, 3, firq15_process);

// outputs(n): how many outputs the next process() of n samples writes.
static mp_obj_t fir_outputs(mp_obj_t self_in, mp_obj_t n_in) {
    const mp_int_t n = mp_obj_get_int(n_in);
    return mp_obj_new_int(n <= 0 ? 0 : ml_fir_outputs(&((fir_obj_t*)MP_OBJ_TO_PTR(self_in))->f, (size_t)n));
}
static MP_DEFINE_CONST_FUN_OBJ_2(fir_outputs_obj, fir_outputs);

static mp_obj_t fir_reset(mp_obj_t self_in) {
    ml_fir_reset(&((fir_obj_t*)MP_OBJ_TO_PTR(self_in))->f);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(fir_reset_obj, fir_reset);

static mp_obj_t firq15_reset(mp_obj_t self_in) {
    ml_fir_q15_reset(&((fir_obj_t*)MP_OBJ_TO_PTR(self_in))->f);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(firq15_reset_obj, firq15_reset);

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
    const size_t n = dsp_positive(args[0], 4096, "n");
    const size_t n_out = n_args > 1 && args[1] != mp_const_none ? dsp_positive(args[1], (mp_int_t)n, "n_out") : n;
    const int ortho = n_args > 2 ? mp_obj_is_true(args[2]) : 1;
    dct_obj_t* self = mp_obj_malloc(dct_obj_t, type);
    self->n = n;
    self->n_out = n_out;
    self->table = m_new(float, n * n_out);
    glue_check(ml_dct_init(&self->d, n, n_out, ortho, self->table, n * n_out));
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
    c.n_fft = dsp_fft_size(args[0]);
    c.hop = dsp_positive(args[1], (mp_int_t)c.n_fft, "hop");
    c.window = (uint32_t)mp_obj_get_int(args[2]);
    c.output = (uint32_t)mp_obj_get_int(args[3]);
    c.sample_rate = mp_obj_get_float(args[4]);
    c.n_mels = dsp_positive(args[5], 512, "n_mels");
    c.fmin = mp_obj_get_float(args[6]);
    c.fmax = mp_obj_get_float(args[7]);
    c.htk = mp_obj_is_true(args[8]);
    c.slaney_norm = mp_obj_is_true(args[9]);
    c.n_mfcc = dsp_positive(args[10], 512, "n_mfcc");
    c.center = mp_obj_is_true(args[11]);
    if (c.window > 3) mp_raise_ValueError(MP_ERROR_TEXT("window must be 'hann', 'hamming', 'blackman' or 'rectangular'"));
    if (c.output > 4) mp_raise_ValueError(MP_ERROR_TEXT("output must be 'power', 'magnitude', 'mel', 'log_mel' or 'mfcc'"));
    const size_t mem = ml_spectrogram_memory_size(&c);
    spec_obj_t* self = mp_obj_malloc(spec_obj_t, type);
    self->memory = m_new(float, mem);
    const int st = ml_spectrogram_init(&self->s, &c, self->memory, mem);
    if (st == ML_BAD_PARAMETER)
        mp_raise_ValueError(MP_ERROR_TEXT("bad spectrogram parameters: need 0 <= fmin < fmax <= sample_rate / 2 and n_mfcc <= n_mels"));
    glue_check(st);
    return MP_OBJ_FROM_PTR(self);
}

// process(x, out) -> number of frames written to out (frame_size() floats each).
static mp_obj_t spec_process(mp_obj_t self_in, mp_obj_t x_in, mp_obj_t out_in) {
    spec_obj_t* self = MP_OBJ_TO_PTR(self_in);
    size_t n, cap;
    const float* x = dsp_array(x_in, 'f', &n, MP_BUFFER_READ, "x");
    float* out = dsp_array(out_in, 'f', &cap, MP_BUFFER_WRITE, "out");
    const size_t need = ml_spectrogram_frames(&self->s, n) * ml_spectrogram_frame_size(&self->s);
    if (cap < need) dsp_raise_len("out", " must hold at least frames(len(x)) * frame_size() = ", need, cap);
    size_t frames;
    glue_check(ml_spectrogram_process(&self->s, x, n, out, cap, &frames));
    return mp_obj_new_int(frames);
}
static MP_DEFINE_CONST_FUN_OBJ_3(spec_process_obj, spec_process);

static mp_obj_t spec_frames(mp_obj_t self_in, mp_obj_t n_in) {
    const mp_int_t n = mp_obj_get_int(n_in);
    return mp_obj_new_int(n <= 0 ? 0 : ml_spectrogram_frames(&((spec_obj_t*)MP_OBJ_TO_PTR(self_in))->s, (size_t)n));
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
    const size_t n_samples = dsp_positive(args[0], 65535, "n_samples");
    const size_t n_axes = dsp_positive(args[1], 64, "n_axes");
    size_t n_spec;
    const float* spec = dsp_array(args[2], 'f', &n_spec, MP_BUFFER_READ, "spec");
    if (n_spec == 0 || n_spec % 3 != 0) mp_raise_ValueError(MP_ERROR_TEXT("spec must hold [kind, a, b] triples"));
    n_spec /= 3;
    const float rate = mp_obj_get_float(args[3]);
    feat_obj_t* self = mp_obj_malloc(feat_obj_t, type);
    const size_t mem = ml_features_memory_size((uint32_t)n_samples, spec, n_spec);
    self->spec = m_new(float, 3 * n_spec);
    self->memory = m_new(float, mem + 1);
    self->n_in = n_samples * n_axes;
    self->n_out = n_spec * n_axes;
    const int st = ml_features_init(&self->f, (uint32_t)n_samples, (uint32_t)n_axes, rate, spec, n_spec, self->spec,
                                    self->memory, mem + 1);
    if (st == ML_OUT_OF_RANGE)
        mp_raise_ValueError(MP_ERROR_TEXT("percentiles must lie in [0, 100]; bands need 0 <= low < high and a sample rate"));
    if (st == ML_BAD_PARAMETER)
        mp_raise_ValueError(MP_ERROR_TEXT("need n_samples >= 2 (<= 4096 with bands), at most 256 features of known kinds"));
    glue_check(st);
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

// ---- module ----------------------------------------------------------------

mp_map_elem_t fft_locals_table[3], rfft_locals_table[5], fftq15_locals_table[3], rfftq15_locals_table[2];
mp_map_elem_t sos_locals_table[2], sosq15_locals_table[2], fir_locals_table[3], firq15_locals_table[3];
mp_map_elem_t dct_locals_table[1], spec_locals_table[4], feat_locals_table[2];
static MP_DEFINE_CONST_DICT(spec_locals, spec_locals_table);
static MP_DEFINE_CONST_DICT(feat_locals, feat_locals_table);
static MP_DEFINE_CONST_DICT(fft_locals, fft_locals_table);
static MP_DEFINE_CONST_DICT(rfft_locals, rfft_locals_table);
static MP_DEFINE_CONST_DICT(fftq15_locals, fftq15_locals_table);
static MP_DEFINE_CONST_DICT(rfftq15_locals, rfftq15_locals_table);
static MP_DEFINE_CONST_DICT(sos_locals, sos_locals_table);
static MP_DEFINE_CONST_DICT(sosq15_locals, sosq15_locals_table);
static MP_DEFINE_CONST_DICT(fir_locals, fir_locals_table);
static MP_DEFINE_CONST_DICT(firq15_locals, firq15_locals_table);
static MP_DEFINE_CONST_DICT(dct_locals, dct_locals_table);

typedef mp_obj_t (*make_new_fn)(const mp_obj_type_t*, size_t, size_t, const mp_obj_t*);

static void dsp_type(mp_obj_full_type_t* t, qstr name, make_new_fn make_new, const mp_obj_dict_t* locals) {
    t->base.type = (void*)&mp_type_type;
    t->flags = MP_TYPE_FLAG_NONE;
    t->name = name;
    MP_OBJ_TYPE_SET_SLOT(t, make_new, make_new, 0);
    MP_OBJ_TYPE_SET_SLOT(t, locals_dict, (void*)locals, 1);
    mp_store_global(name, MP_OBJ_FROM_PTR(t));
}

mp_obj_t mpy_init(mp_obj_fun_bc_t* self, size_t n_args, size_t n_kw, mp_obj_t* args) {
    MP_DYNRUNTIME_INIT_ENTRY

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

    fftq15_locals_table[0] = dsp_method(MP_QSTR_forward, &fftq15_forward_obj);
    fftq15_locals_table[1] = dsp_method(MP_QSTR_inverse, &fftq15_inverse_obj);
    fftq15_locals_table[2] = dsp_method(MP_QSTR_size, &fft_size_obj);
    dsp_type(&fftq15_type, MP_QSTR_FFTQ15, fftq15_make_new, &fftq15_locals);

    rfftq15_locals_table[0] = dsp_method(MP_QSTR_forward, &rfftq15_forward_obj);
    rfftq15_locals_table[1] = dsp_method(MP_QSTR_size, &fft_size_obj);
    dsp_type(&rfftq15_type, MP_QSTR_RFFTQ15, rfftq15_make_new, &rfftq15_locals);

    sos_locals_table[0] = dsp_method(MP_QSTR_process, &sos_process_obj);
    sos_locals_table[1] = dsp_method(MP_QSTR_reset, &sos_reset_obj);
    dsp_type(&sos_type, MP_QSTR_SOS, sos_make_new, &sos_locals);

    sosq15_locals_table[0] = dsp_method(MP_QSTR_process, &sosq15_process_obj);
    sosq15_locals_table[1] = dsp_method(MP_QSTR_reset, &sosq15_reset_obj);
    dsp_type(&sosq15_type, MP_QSTR_SOSQ15, sosq15_make_new, &sosq15_locals);

    fir_locals_table[0] = dsp_method(MP_QSTR_process, &fir_process_obj);
    fir_locals_table[1] = dsp_method(MP_QSTR_reset, &fir_reset_obj);
    fir_locals_table[2] = dsp_method(MP_QSTR_outputs, &fir_outputs_obj);
    dsp_type(&fir_type, MP_QSTR_FIR, fir_make_new, &fir_locals);

    firq15_locals_table[0] = dsp_method(MP_QSTR_process, &firq15_process_obj);
    firq15_locals_table[1] = dsp_method(MP_QSTR_reset, &firq15_reset_obj);
    firq15_locals_table[2] = dsp_method(MP_QSTR_outputs, &fir_outputs_obj);
    dsp_type(&firq15_type, MP_QSTR_FIRQ15, firq15_make_new, &firq15_locals);

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

    MP_DYNRUNTIME_INIT_EXIT
}
