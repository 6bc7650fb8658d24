// Definitions of the dsp C API functions (microlearn.h).
// Include from exactly one C++ translation unit.
//
// ML_DSP_PARTS picks which groups it defines (a bit each, all by default): the
// device builds one native module per group, each defining only its own.
#pragma once
#ifndef ML_DSP_PARTS
#define ML_DSP_PARTS 7
#endif
#define ML_DSP_FFT 1      // ml_fft_*, ml_rfft_* (float and q15)
#define ML_DSP_FILTERS 2  // ml_sos_*, ml_fir_* (float and q15)
#define ML_DSP_SPECTRAL 4 // ml_dct_*, ml_spectrogram_*, ml_features_*
#include "../microlearn.h"
#include "../dsp/dct.hpp"
#include "../dsp/features.hpp"
#include "../dsp/fft.hpp"
#include "../dsp/fir.hpp"
#include "../dsp/iir.hpp"
#include "../dsp/spectrogram.hpp"

namespace microlearn {
namespace c_api {

// The C handles are opaque storage for the engine's structs.
template <typename Engine, typename Handle>
inline Engine& dsp_handle(Handle* h) {
    static_assert(sizeof(Engine) <= sizeof(Handle), "C handle too small");
    static_assert(alignof(Engine) <= alignof(Handle), "C handle under-aligned");
    return *reinterpret_cast<Engine*>(h);
}

template <typename Engine, typename Handle>
inline const Engine& dsp_handle(const Handle* h) {
    static_assert(sizeof(Engine) <= sizeof(Handle), "C handle too small");
    static_assert(alignof(Engine) <= alignof(Handle), "C handle under-aligned");
    return *reinterpret_cast<const Engine*>(h);
}

inline int dsp_code(Status s) { return static_cast<int>(s); }

inline dsp::SpectrogramConfig spectrogram_config(const ml_spectrogram_config_t& c) {
    dsp::SpectrogramConfig e;
    e.n_fft = c.n_fft;
    e.hop = c.hop;
    e.window = static_cast<dsp::Window>(c.window);
    e.output = static_cast<dsp::SpecOutput>(c.output);
    e.sample_rate = c.sample_rate;
    e.n_mels = c.n_mels;
    e.fmin = c.fmin;
    e.fmax = c.fmax;
    e.htk = c.htk != 0;
    e.slaney_norm = c.slaney_norm != 0;
    e.n_mfcc = c.n_mfcc;
    e.center = c.center != 0;
    return e;
}

static_assert(sizeof(dsp::FeatureSpec) == 3 * sizeof(float), "FeatureSpec is three 32-bit fields");

}  // namespace c_api
}  // namespace microlearn

extern "C" {

#define ML_DSP_NULL_CHECK(p) \
    if ((p) == nullptr) return ML_BAD_ARGUMENT

#if ML_DSP_PARTS & ML_DSP_FFT
size_t ml_fft_twiddle_size(size_t n) { return microlearn::dsp::fft_twiddle_size(n); }

int ml_fft_init(ml_fft_t* f, size_t n, float* tw, size_t n_tw) {
    using namespace microlearn;
    ML_DSP_NULL_CHECK(f);
    return c_api::dsp_code(dsp::fft_init(c_api::dsp_handle<dsp::Fft>(f), n, tw, n_tw));
}
int ml_fft_forward(const ml_fft_t* f, float* data, size_t n_data) {
    using namespace microlearn;
    ML_DSP_NULL_CHECK(f);
    return c_api::dsp_code(dsp::fft_forward(c_api::dsp_handle<dsp::Fft>(f), data, n_data));
}
int ml_fft_inverse(const ml_fft_t* f, float* data, size_t n_data) {
    using namespace microlearn;
    ML_DSP_NULL_CHECK(f);
    return c_api::dsp_code(dsp::fft_inverse(c_api::dsp_handle<dsp::Fft>(f), data, n_data));
}

int ml_rfft_init(ml_fft_t* f, size_t n, float* tw, size_t n_tw) {
    using namespace microlearn;
    ML_DSP_NULL_CHECK(f);
    return c_api::dsp_code(dsp::rfft_init(c_api::dsp_handle<dsp::Rfft>(f), n, tw, n_tw));
}
int ml_rfft_forward(const ml_fft_t* f, const float* x, size_t n_x, float* out, size_t n_out) {
    using namespace microlearn;
    ML_DSP_NULL_CHECK(f);
    return c_api::dsp_code(dsp::rfft_forward(c_api::dsp_handle<dsp::Rfft>(f), x, n_x, out, n_out));
}
int ml_rfft_inverse(const ml_fft_t* f, const float* spec, size_t n_spec, float* out, size_t n_out) {
    using namespace microlearn;
    ML_DSP_NULL_CHECK(f);
    return c_api::dsp_code(dsp::rfft_inverse(c_api::dsp_handle<dsp::Rfft>(f), spec, n_spec, out, n_out));
}
int ml_rfft_power(const ml_fft_t* f, const float* x, size_t n_x, float* out, size_t n_out) {
    using namespace microlearn;
    ML_DSP_NULL_CHECK(f);
    return c_api::dsp_code(dsp::rfft_power(c_api::dsp_handle<dsp::Rfft>(f), x, n_x, out, n_out));
}
int ml_rfft_magnitude(const ml_fft_t* f, const float* x, size_t n_x, float* out, size_t n_out) {
    using namespace microlearn;
    ML_DSP_NULL_CHECK(f);
    return c_api::dsp_code(dsp::rfft_magnitude(c_api::dsp_handle<dsp::Rfft>(f), x, n_x, out, n_out));
}

int ml_fft_q15_init(ml_fft_t* f, size_t n, int16_t* tw, size_t n_tw) {
    using namespace microlearn;
    ML_DSP_NULL_CHECK(f);
    return c_api::dsp_code(dsp::fft_q15_init(c_api::dsp_handle<dsp::FftQ15>(f), n, tw, n_tw));
}
int ml_fft_q15_forward(const ml_fft_t* f, int16_t* data, size_t n_data) {
    using namespace microlearn;
    ML_DSP_NULL_CHECK(f);
    return c_api::dsp_code(dsp::fft_q15_forward(c_api::dsp_handle<dsp::FftQ15>(f), data, n_data));
}
int ml_fft_q15_inverse(const ml_fft_t* f, int16_t* data, size_t n_data) {
    using namespace microlearn;
    ML_DSP_NULL_CHECK(f);
    return c_api::dsp_code(dsp::fft_q15_inverse(c_api::dsp_handle<dsp::FftQ15>(f), data, n_data));
}
int ml_rfft_q15_init(ml_fft_t* f, size_t n, int16_t* tw, size_t n_tw) {
    using namespace microlearn;
    ML_DSP_NULL_CHECK(f);
    return c_api::dsp_code(dsp::rfft_q15_init(c_api::dsp_handle<dsp::RfftQ15>(f), n, tw, n_tw));
}
int ml_rfft_q15_forward(const ml_fft_t* f, const int16_t* x, size_t n_x, int16_t* out, size_t n_out) {
    using namespace microlearn;
    ML_DSP_NULL_CHECK(f);
    return c_api::dsp_code(dsp::rfft_q15_forward(c_api::dsp_handle<dsp::RfftQ15>(f), x, n_x, out, n_out));
}
#endif  // ML_DSP_FFT

#if ML_DSP_PARTS & ML_DSP_FILTERS
int ml_sos_init(ml_sos_t* f, const float* sos, size_t n_sos, size_t n_sections, float* coeffs, float* state) {
    using namespace microlearn;
    ML_DSP_NULL_CHECK(f);
    return c_api::dsp_code(dsp::sos_init(c_api::dsp_handle<dsp::Sos>(f), sos, n_sos, n_sections, coeffs, state));
}
int ml_sos_process(ml_sos_t* f, const float* x, float* y, size_t n) {
    using namespace microlearn;
    ML_DSP_NULL_CHECK(f);
    return c_api::dsp_code(dsp::sos_process(c_api::dsp_handle<dsp::Sos>(f), x, y, n));
}
void ml_sos_reset(ml_sos_t* f, float x0) {
    using namespace microlearn;
    if (f != nullptr && c_api::dsp_handle<dsp::Sos>(f).state != nullptr) dsp::sos_reset(c_api::dsp_handle<dsp::Sos>(f), x0);
}
int ml_sos_q15_init(ml_sos_t* f, const float* sos, size_t n_sos, size_t n_sections, int32_t* coeffs, int32_t* state) {
    using namespace microlearn;
    ML_DSP_NULL_CHECK(f);
    return c_api::dsp_code(dsp::sos_q15_init(c_api::dsp_handle<dsp::SosQ15>(f), sos, n_sos, n_sections, coeffs, state));
}
int ml_sos_q15_init_f64(ml_sos_t* f, const double* sos, size_t n_sos, size_t n_sections, int32_t* coeffs,
                        int32_t* state) {
    using namespace microlearn;
    ML_DSP_NULL_CHECK(f);
    return c_api::dsp_code(dsp::sos_q15_init(c_api::dsp_handle<dsp::SosQ15>(f), sos, n_sos, n_sections, coeffs, state));
}
int ml_sos_q15_process(ml_sos_t* f, const int16_t* x, int16_t* y, size_t n) {
    using namespace microlearn;
    ML_DSP_NULL_CHECK(f);
    return c_api::dsp_code(dsp::sos_q15_process(c_api::dsp_handle<dsp::SosQ15>(f), x, y, n));
}
void ml_sos_q15_reset(ml_sos_t* f, int16_t x0) {
    using namespace microlearn;
    if (f != nullptr && c_api::dsp_handle<dsp::SosQ15>(f).state != nullptr)
        dsp::sos_q15_reset(c_api::dsp_handle<dsp::SosQ15>(f), x0);
}
int ml_sos_q15_fast_init(ml_sos_t* f, const float* sos, size_t n_sos, size_t n_sections, int32_t* coeffs,
                         int32_t* state) {
    using namespace microlearn;
    ML_DSP_NULL_CHECK(f);
    return c_api::dsp_code(
        dsp::sos_q15_fast_init(c_api::dsp_handle<dsp::SosQ15Fast>(f), sos, n_sos, n_sections, coeffs, state));
}
int ml_sos_q15_fast_init_f64(ml_sos_t* f, const double* sos, size_t n_sos, size_t n_sections, int32_t* coeffs,
                             int32_t* state) {
    using namespace microlearn;
    ML_DSP_NULL_CHECK(f);
    return c_api::dsp_code(
        dsp::sos_q15_fast_init(c_api::dsp_handle<dsp::SosQ15Fast>(f), sos, n_sos, n_sections, coeffs, state));
}
int ml_sos_q15_fast_process(ml_sos_t* f, const int16_t* x, int16_t* y, size_t n) {
    using namespace microlearn;
    ML_DSP_NULL_CHECK(f);
    return c_api::dsp_code(dsp::sos_q15_fast_process(c_api::dsp_handle<dsp::SosQ15Fast>(f), x, y, n));
}
void ml_sos_q15_fast_reset(ml_sos_t* f, int16_t x0) {
    using namespace microlearn;
    if (f != nullptr && c_api::dsp_handle<dsp::SosQ15Fast>(f).state != nullptr)
        dsp::sos_q15_fast_reset(c_api::dsp_handle<dsp::SosQ15Fast>(f), x0);
}

int ml_fir_init(ml_fir_t* f, const float* h, size_t n_taps, size_t decimation, float* taps, float* delay) {
    using namespace microlearn;
    ML_DSP_NULL_CHECK(f);
    return c_api::dsp_code(dsp::fir_init(c_api::dsp_handle<dsp::Fir>(f), h, n_taps, decimation, taps, delay));
}
int ml_fir_process(ml_fir_t* f, const float* x, size_t n, float* y, size_t n_y_cap, size_t* n_y) {
    using namespace microlearn;
    ML_DSP_NULL_CHECK(f);
    ML_DSP_NULL_CHECK(n_y);
    return c_api::dsp_code(dsp::fir_process(c_api::dsp_handle<dsp::Fir>(f), x, n, y, n_y_cap, *n_y));
}
int ml_fir_q15_init(ml_fir_t* f, const float* h, size_t n_taps, size_t decimation, int16_t* taps,
                    int16_t* delay) {
    using namespace microlearn;
    ML_DSP_NULL_CHECK(f);
    return c_api::dsp_code(dsp::fir_q15_init(c_api::dsp_handle<dsp::FirQ15>(f), h, n_taps, decimation, taps, delay));
}
int ml_fir_q15_process(ml_fir_t* f, const int16_t* x, size_t n, int16_t* y, size_t n_y_cap, size_t* n_y) {
    using namespace microlearn;
    ML_DSP_NULL_CHECK(f);
    ML_DSP_NULL_CHECK(n_y);
    return c_api::dsp_code(dsp::fir_process(c_api::dsp_handle<dsp::FirQ15>(f), x, n, y, n_y_cap, *n_y));
}
// The q15 kernels on float32 data: one function per kernel, so that a
// device module links only its own.
int ml_sos_q15_process_f32(ml_sos_t* f, const float* x, float* y, size_t n) {
    using namespace microlearn;
    ML_DSP_NULL_CHECK(f);
    return c_api::dsp_code(dsp::sos_q15_process_floats(c_api::dsp_handle<dsp::SosQ15>(f), x, y, n));
}
int ml_sos_q15_fast_process_f32(ml_sos_t* f, const float* x, float* y, size_t n) {
    using namespace microlearn;
    ML_DSP_NULL_CHECK(f);
    return c_api::dsp_code(dsp::sos_q15_fast_process_floats(c_api::dsp_handle<dsp::SosQ15Fast>(f), x, y, n));
}
int ml_fir_q15_process_f32(ml_fir_t* f, const float* x, size_t n, float* y, size_t n_y_cap, size_t* n_y) {
    using namespace microlearn;
    ML_DSP_NULL_CHECK(f);
    ML_DSP_NULL_CHECK(n_y);
    return c_api::dsp_code(dsp::fir_q15_process_floats(c_api::dsp_handle<dsp::FirQ15>(f), x, n, y, n_y_cap, *n_y));
}
int ml_q15_from_f32(const float* x, int16_t* q, size_t n) {
    return microlearn::c_api::dsp_code(microlearn::dsp::q15_from_floats(x, q, n));
}
size_t ml_fir_outputs(const ml_fir_t* f, size_t n) {
    using namespace microlearn;
    // Same layout for both scalar types.
    const auto& e = c_api::dsp_handle<dsp::Fir>(f);
    return e.n_taps == 0 ? 0 : dsp::fir_outputs(e.decimation, e.phase, n);
}
void ml_fir_reset(ml_fir_t* f) {
    using namespace microlearn;
    if (f != nullptr && c_api::dsp_handle<dsp::Fir>(f).n_taps != 0) dsp::fir_reset(c_api::dsp_handle<dsp::Fir>(f));
}
void ml_fir_q15_reset(ml_fir_t* f) {
    using namespace microlearn;
    if (f != nullptr && c_api::dsp_handle<dsp::FirQ15>(f).n_taps != 0) dsp::fir_reset(c_api::dsp_handle<dsp::FirQ15>(f));
}
#endif  // ML_DSP_FILTERS

#if ML_DSP_PARTS & ML_DSP_SPECTRAL
size_t ml_dct_table_size(size_t n, size_t n_out) { return microlearn::dsp::dct_table_size(n, n_out); }
int ml_dct_init(ml_dct_t* d, size_t n, size_t n_out, int ortho, float* table, size_t n_table) {
    using namespace microlearn;
    ML_DSP_NULL_CHECK(d);
    return c_api::dsp_code(dsp::dct_init(c_api::dsp_handle<dsp::Dct>(d), n, n_out, ortho != 0, table, n_table));
}
int ml_dct_forward(const ml_dct_t* d, const float* x, size_t n_x, float* y, size_t n_y) {
    using namespace microlearn;
    ML_DSP_NULL_CHECK(d);
    return c_api::dsp_code(dsp::dct_forward(c_api::dsp_handle<dsp::Dct>(d), x, n_x, y, n_y));
}

size_t ml_spectrogram_memory_size(const ml_spectrogram_config_t* c) {
    using namespace microlearn;
    if (c == nullptr) return 0;
    return dsp::spectrogram_memory_size(c_api::spectrogram_config(*c));
}
int ml_spectrogram_init(ml_spectrogram_t* s, const ml_spectrogram_config_t* c, float* memory, size_t n_memory) {
    using namespace microlearn;
    ML_DSP_NULL_CHECK(s);
    ML_DSP_NULL_CHECK(c);
    return c_api::dsp_code(
        dsp::spectrogram_init(c_api::dsp_handle<dsp::Spectrogram>(s), c_api::spectrogram_config(*c), memory, n_memory));
}
int ml_spectrogram_process(ml_spectrogram_t* s, const float* x, size_t n, float* out, size_t out_cap,
                           size_t* n_frames) {
    using namespace microlearn;
    ML_DSP_NULL_CHECK(s);
    ML_DSP_NULL_CHECK(n_frames);
    return c_api::dsp_code(dsp::spectrogram_process(c_api::dsp_handle<dsp::Spectrogram>(s), x, n, out, out_cap, *n_frames));
}
size_t ml_spectrogram_frames(const ml_spectrogram_t* s, size_t n) {
    using namespace microlearn;
    return s == nullptr ? 0 : dsp::spectrogram_frames(c_api::dsp_handle<dsp::Spectrogram>(s), n);
}
size_t ml_spectrogram_frame_size(const ml_spectrogram_t* s) {
    using namespace microlearn;
    return s == nullptr ? 0 : c_api::dsp_handle<dsp::Spectrogram>(s).n_out;
}
void ml_spectrogram_reset(ml_spectrogram_t* s) {
    using namespace microlearn;
    if (s != nullptr && c_api::dsp_handle<dsp::Spectrogram>(s).frame != nullptr)
        dsp::spectrogram_reset(c_api::dsp_handle<dsp::Spectrogram>(s));
}

size_t ml_features_memory_size(uint32_t n_samples, const float* spec, size_t n_spec) {
    using namespace microlearn;
    if (spec == nullptr || n_samples > 65535) return 0;  // features_init refuses more samples
    // Only the kinds matter for the size.
    bool sort = false, fft = false;
    for (size_t i = 0; i < n_spec; ++i) {
        const float k = spec[3 * i];
        sort = sort || k == 9.0f;
        fft = fft || k == 10.0f;
    }
    const size_t n_fft = dsp::features_fft_size(n_samples);
    return (sort ? n_samples : 0) + (fft ? 2 * n_fft + 2 : 0);
}
int ml_features_init(ml_features_t* f, uint32_t n_samples, uint32_t n_axes, float sample_rate, const float* spec,
                     size_t n_spec, float* spec_storage, float* memory, size_t n_memory) {
    using namespace microlearn;
    ML_DSP_NULL_CHECK(f);
    ML_DSP_NULL_CHECK(spec);
    ML_DSP_NULL_CHECK(spec_storage);
    c_api::dsp_handle<dsp::Features>(f) = dsp::Features{};
    dsp::FeatureSpec* s = reinterpret_cast<dsp::FeatureSpec*>(spec_storage);
    for (size_t i = 0; i < n_spec; ++i) {
        const float k = spec[3 * i];
        if (!(k >= 0.0f && k < static_cast<float>(dsp::Feature::count_))) return ML_BAD_PARAMETER;
        s[i].kind = static_cast<dsp::Feature>(static_cast<uint32_t>(k));
        s[i].a = spec[3 * i + 1];
        s[i].b = spec[3 * i + 2];
    }
    return c_api::dsp_code(
        dsp::features_init(c_api::dsp_handle<dsp::Features>(f), n_samples, n_axes, sample_rate, s, n_spec, memory, n_memory));
}
int ml_features_compute(ml_features_t* f, const float* x, size_t n_x, float* out, size_t n_out) {
    using namespace microlearn;
    ML_DSP_NULL_CHECK(f);
    return c_api::dsp_code(dsp::features_compute(c_api::dsp_handle<dsp::Features>(f), x, n_x, out, n_out));
}
#endif  // ML_DSP_SPECTRAL

#undef ML_DSP_NULL_CHECK

}  // extern "C"
