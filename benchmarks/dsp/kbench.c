// _kbench: one DSP library call between two markers, for microlearn's C API
// and (when built with -DKBENCH_CMSIS) ARM's CMSIS-DSP, so that kernel-only
// instruction counts compare like with like. Benchmark only; kbench.py
// drives it (see README.md).
//
//   _kbench.run(kernel, lib, xf, xq, cf, cq, post_shift, work, out) -> items written to out
//
// kernel: index into KERNELS below; lib: 0 microlearn, 1 CMSIS-DSP.
// xf: array('f', 1024) signal; xq: array('h', 1024) the same in q15.
// cf: float coefficients (SOS rows [b0 b1 b2 a0 a1 a2] for microlearn, CMSIS's
// own layout otherwise); cq: q15 coefficients (CMSIS's layout); work: a
// bytearray for instance state and twiddles; out: array('f') or array('h').
// Everything is set up before the start marker; the call between the markers
// is the library's processing function alone.
#include "py/dynruntime.h"
#include "microlearn/microlearn.h"
#if defined(KBENCH_CMSIS)
#include "arm_math.h"
#endif

// The rig's counting markers (python/microlearn/rig/markers). Thumb: in their
// own functions (one bl and one bx each, counted): inlined right after a
// call's return, QEMU's counting plugin missed a start marker once.
#if defined(__thumb__)
__attribute__((noinline, unused)) static void MARK_START(void) { __asm volatile ("mov r11, r11" ::: "memory"); }
__attribute__((noinline, unused)) static void MARK_STOP(void) { __asm volatile ("mov r10, r10" ::: "memory"); }
#elif defined(__x86_64__)
#include <valgrind/callgrind.h>
#define MARK_START() CALLGRIND_START_INSTRUMENTATION
#define MARK_STOP() CALLGRIND_STOP_INSTRUMENTATION
#else
#define MARK_START()
#define MARK_STOP()
#endif

// Kernels compiled in (a bit mask over the enum below; kbench.py builds one
// kernel at a time to measure each one's code bytes) and libraries.
#if !defined(KBENCH_KERNELS)
#define KBENCH_KERNELS 0x7ff
#endif
#if !defined(KBENCH_MICROLEARN)
#define KBENCH_MICROLEARN 1
#endif
#define ON(k) ((((KBENCH_KERNELS) >> (k)) & 1) != 0)

#define N 1024
#define TAPS 32
#define DECIM 4
#define SECTIONS 2

enum {
    RFFT_F32, CFFT_F32, RFFT_Q15, CFFT_Q15, SOS_F32, SOS_Q15,
    FIRDEC_F32, FIR_F32, FIRDEC_Q15, FIR_Q15, SOS_Q15_FAST, N_KERNELS
};

typedef struct {
    const float* xf;
    const int16_t* xq;
    const float* cf;
    const int16_t* cq;
    int post_shift;
    uint8_t* work;  // 8-byte aligned
    void* out;
} args_t;

static inline void* carve(uint8_t** p, size_t bytes) {
    void* r = *p;
    *p += (bytes + 7) & ~(size_t)7;
    return r;
}

static inline void copy(void* dst, const void* src, size_t bytes) {
    uint8_t* d = dst;
    const uint8_t* s = src;
    while (bytes--) *d++ = *s++;
}

#if KBENCH_MICROLEARN
static size_t run_microlearn(int kernel, const args_t* a) {
    uint8_t* w = a->work;
    float* of = a->out;
    int16_t* oq = a->out;
    size_t n_y = 0;
    int st = -1;
    switch (kernel) {
        case RFFT_F32: {
            if (!ON(RFFT_F32)) break;
            ml_fft_t f;
            if (ml_rfft_init(&f, N, carve(&w, 4 * N), N) != 0) break;
            MARK_START();
            st = ml_rfft_forward(&f, a->xf, N, of, N + 2);
            MARK_STOP();
            n_y = N + 2;
            break;
        }
        case CFFT_F32: {
            if (!ON(CFFT_F32)) break;
            ml_fft_t f;
            if (ml_fft_init(&f, N, carve(&w, 4 * N), N) != 0) break;
            for (size_t i = 0; i < N; ++i) of[2 * i] = a->xf[i], of[2 * i + 1] = 0.0f;
            MARK_START();
            st = ml_fft_forward(&f, of, 2 * N);
            MARK_STOP();
            n_y = 2 * N;
            break;
        }
        case RFFT_Q15: {
            if (!ON(RFFT_Q15)) break;
            ml_fft_t f;
            if (ml_rfft_q15_init(&f, N, carve(&w, 2 * N), N) != 0) break;
            MARK_START();
            st = ml_rfft_q15_forward(&f, a->xq, N, oq, N + 2);
            MARK_STOP();
            n_y = N + 2;
            break;
        }
        case CFFT_Q15: {
            if (!ON(CFFT_Q15)) break;
            ml_fft_t f;
            if (ml_fft_q15_init(&f, N, carve(&w, 2 * N), N) != 0) break;
            for (size_t i = 0; i < N; ++i) oq[2 * i] = a->xq[i], oq[2 * i + 1] = 0;
            MARK_START();
            st = ml_fft_q15_forward(&f, oq, 2 * N);
            MARK_STOP();
            n_y = 2 * N;
            break;
        }
        case SOS_F32: {
            if (!ON(SOS_F32)) break;
            ml_sos_t f;
            if (ml_sos_init(&f, a->cf, 6 * SECTIONS, SECTIONS, carve(&w, 4 * 5 * SECTIONS),
                            carve(&w, 4 * 2 * SECTIONS)) != 0)
                break;
            MARK_START();
            st = ml_sos_process(&f, a->xf, of, N);
            MARK_STOP();
            n_y = N;
            break;
        }
        case SOS_Q15: {
            if (!ON(SOS_Q15)) break;
            ml_sos_t f;
            if (ml_sos_q15_init(&f, a->cf, 6 * SECTIONS, SECTIONS, carve(&w, 4 * 6 * SECTIONS),
                                carve(&w, 4 * (3 * SECTIONS + 2))) != 0)
                break;
            MARK_START();
            st = ml_sos_q15_process(&f, a->xq, oq, N);
            MARK_STOP();
            n_y = N;
            break;
        }
#if defined(ML_SOS_Q15_FAST)  // not in builds of older commits (--baseline): the run fails there
        case SOS_Q15_FAST: {
            if (!ON(SOS_Q15_FAST)) break;
            ml_sos_t f;
            if (ml_sos_q15_fast_init(&f, a->cf, 6 * SECTIONS, SECTIONS, carve(&w, 4 * 6 * SECTIONS),
                                     carve(&w, 4 * (3 * SECTIONS + 2))) != 0)
                break;
            MARK_START();
            st = ml_sos_q15_fast_process(&f, a->xq, oq, N);
            MARK_STOP();
            n_y = N;
            break;
        }
#endif
        case FIRDEC_F32:
        case FIR_F32: {
            if (!ON(FIRDEC_F32) && !ON(FIR_F32)) break;
            ml_fir_t f;
            if (ml_fir_init(&f, a->cf, TAPS, kernel == FIR_F32 ? 1 : DECIM, carve(&w, 4 * TAPS),
                            carve(&w, 4 * 2 * TAPS)) != 0)
                break;
            MARK_START();
            st = ml_fir_process(&f, a->xf, N, of, N, &n_y);
            MARK_STOP();
            break;
        }
        case FIRDEC_Q15:
        case FIR_Q15: {
            if (!ON(FIRDEC_Q15) && !ON(FIR_Q15)) break;
            ml_fir_t f;
            if (ml_fir_q15_init(&f, a->cf, TAPS, kernel == FIR_Q15 ? 1 : DECIM, carve(&w, 2 * TAPS),
                                carve(&w, 2 * 2 * TAPS)) != 0)
                break;
            MARK_START();
            st = ml_fir_q15_process(&f, a->xq, N, oq, N, &n_y);
            MARK_STOP();
            break;
        }
    }
    if (st != 0) mp_raise_ValueError(MP_ERROR_TEXT("microlearn kernel failed"));
    return n_y;
}
#endif

#if defined(KBENCH_CMSIS)
static size_t run_cmsis(int kernel, const args_t* a) {
    uint8_t* w = a->work;
    float* of = a->out;
    int16_t* oq = a->out;
    // CMSIS's FFTs overwrite their input: work on a copy.
    float* xf = carve(&w, 4 * N);
    int16_t* xq = carve(&w, 2 * N);
    copy(xf, a->xf, 4 * N);
    copy(xq, a->xq, 2 * N);
    int ok = 0;
    size_t n_y = 0;
    switch (kernel) {
        case RFFT_F32: {
            if (!ON(RFFT_F32)) break;
            arm_rfft_fast_instance_f32 s;
            if (arm_rfft_fast_init_1024_f32(&s) != ARM_MATH_SUCCESS) break;
            MARK_START();
            arm_rfft_fast_f32(&s, xf, of, 0);
            MARK_STOP();
            ok = 1, n_y = N;
            break;
        }
        case CFFT_F32: {
            if (!ON(CFFT_F32)) break;
            arm_cfft_instance_f32 s;
            if (arm_cfft_init_1024_f32(&s) != ARM_MATH_SUCCESS) break;
            for (size_t i = 0; i < N; ++i) of[2 * i] = a->xf[i], of[2 * i + 1] = 0.0f;
            MARK_START();
            arm_cfft_f32(&s, of, 0, 1);
            MARK_STOP();
            ok = 1, n_y = 2 * N;
            break;
        }
        case RFFT_Q15: {
            if (!ON(RFFT_Q15)) break;
            arm_rfft_instance_q15 s;
            if (arm_rfft_init_1024_q15(&s, 0, 1) != ARM_MATH_SUCCESS) break;
            MARK_START();
            arm_rfft_q15(&s, xq, oq);
            MARK_STOP();
            ok = 1, n_y = 2 * N;
            break;
        }
        case CFFT_Q15: {
            if (!ON(CFFT_Q15)) break;
            arm_cfft_instance_q15 s;
            if (arm_cfft_init_1024_q15(&s) != ARM_MATH_SUCCESS) break;
            for (size_t i = 0; i < N; ++i) oq[2 * i] = a->xq[i], oq[2 * i + 1] = 0;
            MARK_START();
            arm_cfft_q15(&s, oq, 0, 1);
            MARK_STOP();
            ok = 1, n_y = 2 * N;
            break;
        }
        case SOS_F32: {
            if (!ON(SOS_F32)) break;
            arm_biquad_cascade_df2T_instance_f32 s;
            arm_biquad_cascade_df2T_init_f32(&s, SECTIONS, a->cf, carve(&w, 4 * 2 * SECTIONS));
            for (size_t i = 0; i < 2 * SECTIONS; ++i) s.pState[i] = 0.0f;
            MARK_START();
            arm_biquad_cascade_df2T_f32(&s, xf, of, N);
            MARK_STOP();
            ok = 1, n_y = N;
            break;
        }
        case SOS_Q15:
        case SOS_Q15_FAST: {  // CMSIS's one q15 biquad against both of ours
            if (!ON(kernel)) break;
            arm_biquad_casd_df1_inst_q15 s;
            arm_biquad_cascade_df1_init_q15(&s, SECTIONS, a->cq, carve(&w, 2 * 4 * SECTIONS), (int8_t)a->post_shift);
            MARK_START();
            arm_biquad_cascade_df1_q15(&s, xq, oq, N);
            MARK_STOP();
            ok = 1, n_y = N;
            break;
        }
        case FIRDEC_F32: {
            if (!ON(FIRDEC_F32)) break;
            arm_fir_decimate_instance_f32 s;
            if (arm_fir_decimate_init_f32(&s, TAPS, DECIM, a->cf, carve(&w, 4 * (TAPS + N)), N) != ARM_MATH_SUCCESS)
                break;
            MARK_START();
            arm_fir_decimate_f32(&s, xf, of, N);
            MARK_STOP();
            ok = 1, n_y = N / DECIM;
            break;
        }
        case FIR_F32: {
            if (!ON(FIR_F32)) break;
            arm_fir_instance_f32 s;
            arm_fir_init_f32(&s, TAPS, a->cf, carve(&w, 4 * (TAPS + N)), N);
            MARK_START();
            arm_fir_f32(&s, xf, of, N);
            MARK_STOP();
            ok = 1, n_y = N;
            break;
        }
        case FIRDEC_Q15: {
            if (!ON(FIRDEC_Q15)) break;
            arm_fir_decimate_instance_q15 s;
            if (arm_fir_decimate_init_q15(&s, TAPS, DECIM, a->cq, carve(&w, 2 * (TAPS + N)), N) != ARM_MATH_SUCCESS)
                break;
            MARK_START();
            arm_fir_decimate_q15(&s, xq, oq, N);
            MARK_STOP();
            ok = 1, n_y = N / DECIM;
            break;
        }
        case FIR_Q15: {
            if (!ON(FIR_Q15)) break;
            arm_fir_instance_q15 s;
            if (arm_fir_init_q15(&s, TAPS, a->cq, carve(&w, 2 * (TAPS + N)), N) != ARM_MATH_SUCCESS) break;
            MARK_START();
            arm_fir_q15(&s, xq, oq, N);
            MARK_STOP();
            ok = 1, n_y = N;
            break;
        }
    }
    if (!ok) mp_raise_ValueError(MP_ERROR_TEXT("CMSIS-DSP init failed"));
    return n_y;
}

#if defined(KBENCH_CMSIS) && defined(__ARM_ARCH_6M__)
// arm_cfft_f32's inverse path divides (1.0f / L), and libgcc's armv6m
// __aeabi_fdiv holds an absolute relocation that mpy_ld cannot link. The
// benchmark runs forward transforms only, so this is never reached: if it
// is, it fails loudly.
float __aeabi_fdiv(float a, float b);
float __aeabi_fdiv(float a, float b) {
    (void)a, (void)b;
    mp_raise_ValueError(MP_ERROR_TEXT("float division not linked on armv6m"));
}
#endif

#endif

static void* buffer(mp_obj_t o, size_t min_bytes) {
    mp_buffer_info_t b;
    mp_get_buffer_raise(o, &b, MP_BUFFER_RW);
    if (b.len < min_bytes || ((uintptr_t)b.buf & 7) != 0)
        mp_raise_ValueError(MP_ERROR_TEXT("buffer too small or not 8-byte aligned"));
    return b.buf;
}

static mp_obj_t kbench_run(size_t n_args, const mp_obj_t* args) {
    (void)n_args;
    const mp_int_t kernel = mp_obj_get_int(args[0]), lib = mp_obj_get_int(args[1]);
    if (kernel < 0 || kernel >= N_KERNELS) mp_raise_ValueError(MP_ERROR_TEXT("no such kernel"));
    args_t a = {
        buffer(args[2], 4 * N), buffer(args[3], 2 * N), buffer(args[4], 4 * 6 * SECTIONS),
        buffer(args[5], 2 * 6 * SECTIONS), (int)mp_obj_get_int(args[6]), buffer(args[7], 16 * N),
        buffer(args[8], 4 * (2 * N + 2)),
    };
    (void)a;
    size_t n_y = 0;
    if (lib == 0) {
#if KBENCH_MICROLEARN
        n_y = run_microlearn((int)kernel, &a);
#else
        mp_raise_ValueError(MP_ERROR_TEXT("built without microlearn"));
#endif
    } else {
#if defined(KBENCH_CMSIS)
        n_y = run_cmsis((int)kernel, &a);
#else
        mp_raise_ValueError(MP_ERROR_TEXT("built without CMSIS-DSP"));
#endif
    }
    return mp_obj_new_int((mp_int_t)n_y);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(kbench_run_obj, 9, 9, kbench_run);

mp_obj_t mpy_init(mp_obj_fun_bc_t* self, size_t n_args, size_t n_kw, mp_obj_t* args) {
    MP_DYNRUNTIME_INIT_ENTRY
    mp_store_global(MP_QSTR_run, MP_OBJ_FROM_PTR(&kbench_run_obj));
#if defined(KBENCH_CMSIS)
    mp_store_global(MP_QSTR_cmsis, mp_const_true);
#else
    mp_store_global(MP_QSTR_cmsis, mp_const_false);
#endif
    MP_DYNRUNTIME_INIT_EXIT
}
