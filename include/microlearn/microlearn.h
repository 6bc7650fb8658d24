/* microlearn C API: the engine for C firmware (Zephyr, ESP-IDF, Arduino) and
 * for MicroPython's native modules.
 *
 * Compile the definitions once: add src/microlearn_c.cpp to the build (or
 * include the c_api/ headers of the families you use from one C++ file).
 * Model bytes are read in place: keep them alive and 4-byte aligned while the
 * model is used. Every call returns an ml_status (0 = ML_OK).
 *
 * One header per family under c/, all included here; a family adds its
 * header and one line below. */
#ifndef MICROLEARN_H
#define MICROLEARN_H

#include <stddef.h>
#include <stdint.h>

#include "c/common.h"
#include "c/trees.h"
#include "c/gaussian.h"
#include "c/neighbors.h"
#include "c/svm.h"
#include "c/linear.h"
#include "c/neural.h"
#include "c/preprocess.h"
#include "c/jpeg.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- dsp: FFT, filters, DCT (include/microlearn/dsp/, docs/dsp.md) ------
 * Every object is a small view over caller-owned buffers whose sizes the
 * comments give; nothing allocates. Same conventions as numpy / scipy. */

/* FFT sizes: powers of two from 8 to 4096. Twiddle tables: n floats (or
 * n int16 for q15), filled by init; ml_fft_twiddle_size(n) is 0 for other
 * sizes. Memory-size queries here return 0 for parameters init refuses. */
typedef struct { uint32_t words[2]; const void* pointers[1]; } ml_fft_t;
size_t ml_fft_twiddle_size(size_t n);
/* Complex, in place on 2n interleaved floats; inverse scaled by 1/n. */
int ml_fft_init(ml_fft_t* f, size_t n, float* twiddles, size_t n_twiddles);
int ml_fft_forward(const ml_fft_t* f, float* data, size_t n_data);
int ml_fft_inverse(const ml_fft_t* f, float* data, size_t n_data);
/* Real input: x (n floats) -> out (n + 2 floats: n/2 + 1 interleaved bins);
 * x may be out. inverse: spec (n + 2) -> out (n), not overlapping.
 * power / magnitude: |X|^2 or |X| into out[0 .. n/2], out holding n + 2. */
int ml_rfft_init(ml_fft_t* f, size_t n, float* twiddles, size_t n_twiddles);
int ml_rfft_forward(const ml_fft_t* f, const float* x, size_t n_x, float* out, size_t n_out);
int ml_rfft_inverse(const ml_fft_t* f, const float* spec, size_t n_spec, float* out, size_t n_out);
int ml_rfft_power(const ml_fft_t* f, const float* x, size_t n_x, float* out, size_t n_out);
int ml_rfft_magnitude(const ml_fft_t* f, const float* x, size_t n_x, float* out, size_t n_out);
/* q15: forward gives fft(x) / n (complex, in place on 2n int16) and
 * rfft(x) / n (real: x n int16 -> out n + 2 int16). */
int ml_fft_q15_init(ml_fft_t* f, size_t n, int16_t* twiddles, size_t n_twiddles);
int ml_fft_q15_forward(const ml_fft_t* f, int16_t* data, size_t n_data);
int ml_fft_q15_inverse(const ml_fft_t* f, int16_t* data, size_t n_data);
int ml_rfft_q15_init(ml_fft_t* f, size_t n, int16_t* twiddles, size_t n_twiddles);
int ml_rfft_q15_forward(const ml_fft_t* f, const int16_t* x, size_t n_x, int16_t* out, size_t n_out);

/* IIR, second-order sections in scipy's sos layout: n_sections rows of
 * [b0 b1 b2 a0 a1 a2] (n_sos = 6 n_sections). float32: coeffs 5 n_sections
 * floats, state 2 n_sections floats (transposed direct form II). q15:
 * coeffs 6 n_sections int32, state 3 n_sections + 2 int32 (direct form I,
 * integer only; the _f64 init keeps float64 coefficients exact, which
 * narrow designs need). process: y may be x, n may be 0. reset(f, x0):
 * the steady state of a constant input x0 (0: zeros), as scipy's
 * sosfilt(..., zi=sosfilt_zi(sos) * x0). q15 init refuses (ML_OUT_OF_RANGE)
 * unstable sections and gains it cannot represent. */
typedef struct { uint32_t words[2]; void* pointers[2]; } ml_sos_t;
int ml_sos_init(ml_sos_t* f, const float* sos, size_t n_sos, size_t n_sections, float* coeffs, float* state);
int ml_sos_process(ml_sos_t* f, const float* x, float* y, size_t n);
void ml_sos_reset(ml_sos_t* f, float x0);
int ml_sos_q15_init(ml_sos_t* f, const float* sos, size_t n_sos, size_t n_sections, int32_t* coeffs,
                    int32_t* state);
int ml_sos_q15_init_f64(ml_sos_t* f, const double* sos, size_t n_sos, size_t n_sections, int32_t* coeffs,
                        int32_t* state);
int ml_sos_q15_process(ml_sos_t* f, const int16_t* x, int16_t* y, size_t n);
void ml_sos_q15_reset(ml_sos_t* f, int16_t x0);
/* Fast q15 (16-bit signals, Q13 feedback, 32-bit sums; the DSP extension on
 * armv7em, the same integers everywhere): same buffers as ml_sos_q15_*, a
 * looser error bound (docs/dsp.md); ML_OUT_OF_RANGE also for poles within
 * 2^-6 of z = +-1 and b it cannot hold: use ml_sos_q15_* for those. */
#define ML_SOS_Q15_FAST 1 /* these four exist */
int ml_sos_q15_fast_init(ml_sos_t* f, const float* sos, size_t n_sos, size_t n_sections, int32_t* coeffs,
                         int32_t* state);
int ml_sos_q15_fast_init_f64(ml_sos_t* f, const double* sos, size_t n_sos, size_t n_sections, int32_t* coeffs,
                             int32_t* state);
int ml_sos_q15_fast_process(ml_sos_t* f, const int16_t* x, int16_t* y, size_t n);
void ml_sos_q15_fast_reset(ml_sos_t* f, int16_t x0);

/* FIR with decimation: y = lfilter(h, 1, x)[::decimation], streaming.
 * taps: n_taps, delay: 2 n_taps (float, or int16 for q15; q15 taps must lie
 * in [-1, 1)). process writes ml_fir_outputs(f, n) values (*n_y) into y of
 * capacity n_y_cap; y may be x. */
typedef struct { uint32_t words[4]; void* pointers[2]; } ml_fir_t;
int ml_fir_init(ml_fir_t* f, const float* h, size_t n_taps, size_t decimation, float* taps, float* delay);
int ml_fir_process(ml_fir_t* f, const float* x, size_t n, float* y, size_t n_y_cap, size_t* n_y);
int ml_fir_q15_init(ml_fir_t* f, const float* h, size_t n_taps, size_t decimation, int16_t* taps,
                    int16_t* delay);
int ml_fir_q15_process(ml_fir_t* f, const int16_t* x, size_t n, int16_t* y, size_t n_y_cap, size_t* n_y);
/* The q15 kernels on float32 data in [-1, 1) (for chips without an FPU;
 * docs/dsp.md, "q15 kernels on float data"): each x to q15 as round(x *
 * 32768), halves away from zero, saturated (inf too), each output back as q /
 * 32768 exactly; y may be x. NaN in x: ML_OUT_OF_RANGE, nothing filtered.
 * The _fast one for a filter made by ml_sos_q15_fast_init*. */
/* The conversion they make: q[i] = round(x[i] * 32768), halves away from
 * zero, saturated; NaN: ML_OUT_OF_RANGE, q untouched. */
int ml_q15_from_f32(const float* x, int16_t* q, size_t n);
int ml_sos_q15_process_f32(ml_sos_t* f, const float* x, float* y, size_t n);
int ml_sos_q15_fast_process_f32(ml_sos_t* f, const float* x, float* y, size_t n);
int ml_fir_q15_process_f32(ml_fir_t* f, const float* x, size_t n, float* y, size_t n_y_cap, size_t* n_y);
size_t ml_fir_outputs(const ml_fir_t* f, size_t n);
void ml_fir_reset(ml_fir_t* f);
void ml_fir_q15_reset(ml_fir_t* f);

/* DCT-II, first n_out of n coefficients, scipy.fft.dct(type=2, norm=None or
 * 'ortho'). table: n * n_out floats. */
typedef struct { uint32_t words[2]; const void* pointers[1]; } ml_dct_t;
size_t ml_dct_table_size(size_t n, size_t n_out); /* 0 unless 1 <= n_out <= n <= 4096 */
int ml_dct_init(ml_dct_t* d, size_t n, size_t n_out, int ortho, float* table, size_t n_table);
int ml_dct_forward(const ml_dct_t* d, const float* x, size_t n_x, float* y, size_t n_y);

/* Streaming spectrogram (power, magnitude, mel, log-mel, MFCC per frame).
 * window: 0 rectangular, 1 hann, 2 hamming, 3 blackman (periodic).
 * output: 0 power, 1 magnitude, 2 mel, 3 log_mel (dB), 4 mfcc.
 * fmax 0 means sample_rate / 2. memory: ml_spectrogram_memory_size floats.
 * process feeds n samples and writes each completed frame (frame_size
 * floats) to out (capacity out_cap floats); *n_frames gets how many. */
typedef struct {
    uint32_t n_fft, hop, window, output, n_mels, n_mfcc;
    int htk, slaney_norm, center;
    float sample_rate, fmin, fmax;
} ml_spectrogram_config_t;
typedef struct { uint32_t words[48]; const void* pointers[12]; } ml_spectrogram_t;
size_t ml_spectrogram_memory_size(const ml_spectrogram_config_t* c);
int ml_spectrogram_init(ml_spectrogram_t* s, const ml_spectrogram_config_t* c, float* memory, size_t n_memory);
int ml_spectrogram_process(ml_spectrogram_t* s, const float* x, size_t n, float* out, size_t out_cap,
                           size_t* n_frames);
size_t ml_spectrogram_frames(const ml_spectrogram_t* s, size_t n);
size_t ml_spectrogram_frame_size(const ml_spectrogram_t* s);
void ml_spectrogram_reset(ml_spectrogram_t* s);

/* Windowed features over n_samples rows of n_axes values (interleaved).
 * spec: n_spec rows of 3 floats [kind, a, b]; kind 0 mean, 1 std, 2 min,
 * 3 max, 4 rms, 5 ptp, 6 crossings, 7 skew, 8 kurtosis, 9 percentile (a = p),
 * 10 band_energy (a, b = low, high Hz). spec_storage: 3 n_spec floats (kept);
 * memory: ml_features_memory_size floats. out: n_spec * n_axes floats,
 * feature-major. */
typedef struct { uint32_t words[12]; const void* pointers[6]; } ml_features_t;
size_t ml_features_memory_size(uint32_t n_samples, const float* spec, size_t n_spec);
int ml_features_init(ml_features_t* f, uint32_t n_samples, uint32_t n_axes, float sample_rate, const float* spec,
                     size_t n_spec, float* spec_storage, float* memory, size_t n_memory);
int ml_features_compute(ml_features_t* f, const float* x, size_t n_x, float* out, size_t n_out);

#ifdef __cplusplus
}
#endif

#endif /* MICROLEARN_H */
