// Spectrograms: windows, framing with hop, power / magnitude spectra, mel
// filterbanks (HTK and Slaney), log-mel and MFCC, as librosa computes them,
// streaming: audio goes in blocks of any length, frames come out as soon as
// they are complete.
//
//   dsp::SpectrogramConfig c;  c.n_fft = 512; c.hop = 256; c.output = dsp::SpecOutput::mfcc; ...
//   float mem[dsp::spectrogram_memory_size(c)];          // caller-owned
//   dsp::Spectrogram s; dsp::spectrogram_init(s, c, mem, size);
//   size_t n_frames; dsp::spectrogram_process(s, x, n, out, out_cap, n_frames);
//
// Frame t covers samples [t hop, t hop + n_fft) of the stream (librosa
// center=False). With center = true the stream starts with n_fft / 2 zeros,
// so frames line up with librosa's center=True, pad_mode='constant' ones;
// the last frames librosa pads on the right are not produced (a stream has
// no end). Per frame:
//   power      |rfft(w * frame)|^2                 n_fft/2 + 1 values
//   magnitude  |rfft(w * frame)|                   n_fft/2 + 1
//   mel        mel_basis @ power                   n_mels  (librosa.feature.melspectrogram)
//   log_mel    10 log10(max(mel, 1e-10))           n_mels  (librosa.power_to_db, ref=1, top_db=None)
//   mfcc       dct(log_mel, type 2, ortho)[:n_mfcc]  (librosa.feature.mfcc on that log-mel)
// Windows are periodic (scipy.signal.get_window(..., fftbins=True), as librosa).
// The mel basis is librosa.filters.mel(sr, n_fft, n_mels, fmin, fmax, htk,
// norm='slaney' or None), kept sparse: each band's run of nonzero bins.
#pragma once
#include "dct.hpp"
#include "fft.hpp"

namespace microlearn {
namespace dsp {

enum class Window : uint32_t { rectangular = 0, hann = 1, hamming = 2, blackman = 3 };
enum class SpecOutput : uint32_t { power = 0, magnitude = 1, mel = 2, log_mel = 3, mfcc = 4 };

struct SpectrogramConfig {
    uint32_t n_fft = 512;
    uint32_t hop = 256;
    Window window = Window::hann;
    SpecOutput output = SpecOutput::power;
    float sample_rate = 16000.0f;
    uint32_t n_mels = 40;
    float fmin = 0.0f;
    float fmax = 0.0f;  // 0: sample_rate / 2
    bool htk = false;
    bool slaney_norm = true;
    uint32_t n_mfcc = 13;
    bool center = false;
};

// Fills w[0..n) with a periodic (DFT-even) window, or symmetric if !periodic.
inline Status make_window(float* w, size_t n, Window kind, bool periodic = true) {
    if (w == nullptr) return Status::bad_argument;
    if (n == 0) return Status::bad_parameter;
    const uint32_t big_n = static_cast<uint32_t>(periodic ? n : n - 1);
    float a0, a1, a2;
    if (kind == Window::hann) {
        a0 = 0.5f; a1 = 0.5f; a2 = 0.0f;
    } else if (kind == Window::hamming) {
        a0 = 0.54f; a1 = 0.46f; a2 = 0.0f;
    } else if (kind == Window::blackman) {
        a0 = 0.42f; a1 = 0.5f; a2 = 0.08f;
    } else if (kind == Window::rectangular) {
        a0 = 1.0f; a1 = 0.0f; a2 = 0.0f;
    } else {
        return Status::bad_parameter;
    }
    if (big_n == 0) {
        w[0] = 1.0f;
        return Status::ok;
    }
    const float nf = static_cast<float>(big_n);
    for (uint32_t k = 0; k < n; ++k) {
        // Angles 2 pi k / N as pi * t; t reduced mod 2 exactly via k mod N.
        const float t = math::quotient(2.0f * static_cast<float>(k), nf);
        const float c1 = math::cos_pi(t), c2 = math::cos_pi(2.0f * t);
        w[k] = a0 - a1 * c1 + a2 * c2;
    }
    return Status::ok;
}

// ---- mel scale -------------------------------------------------------------

inline float hz_to_mel(float f, bool htk) {
    if (htk) return 2595.0f * math::log10(1.0f + f * (1.0f / 700.0f));
    const float f_sp = 200.0f / 3.0f;
    if (f < 1000.0f) return math::quotient(f, f_sp);
    const float logstep = 0.068751777f;  // log(6.4) / 27
    return 15.0f + math::quotient(math::log(f * 0.001f), logstep);
}

inline float mel_to_hz(float m, bool htk) {
    if (htk) return 700.0f * (math::exp(m * (2.302585093f / 2595.0f)) - 1.0f);
    const float f_sp = 200.0f / 3.0f;
    if (m < 15.0f) return f_sp * m;
    return 1000.0f * math::exp(0.068751777f * (m - 15.0f));
}

struct MelBank {
    uint32_t n_mels = 0, n_bins = 0;
    const uint16_t* start = nullptr;  // first nonzero bin of each band
    const uint16_t* count = nullptr;  // number of bins of each band
    const float* weights = nullptr;   // all bands' weights, one run after another
};

// Upper bound of the weights a bank needs: a bin lies in at most two bands.
inline size_t mel_weights_capacity(uint32_t n_bins) { return 2u * n_bins; }

// Builds librosa.filters.mel(sr, n_fft, n_mels, fmin, fmax, htk, norm).
// mel_f (n_mels + 2 floats) is scratch; start/count hold n_mels each.
inline Status mel_init(MelBank& b, float sr, uint32_t n_fft, uint32_t n_mels, float fmin, float fmax, bool htk,
                       bool slaney_norm, uint16_t* start, uint16_t* count, float* weights, size_t weights_cap,
                       float* mel_f) {
    b = MelBank{};
    if (start == nullptr || count == nullptr || weights == nullptr || mel_f == nullptr) return Status::bad_argument;
    const uint32_t n_bins = n_fft / 2 + 1;
    if (!(sr > 0.0f) || n_mels == 0 || n_mels > 512 || !(fmin >= 0.0f) || !(fmax > fmin) || fmax > 0.5f * sr * 1.0001f)
        return Status::bad_parameter;
    if (weights_cap < mel_weights_capacity(n_bins)) return Status::size_mismatch;
    // Band edges, evenly spaced in mel.
    const float m_lo = hz_to_mel(fmin, htk), m_hi = hz_to_mel(fmax, htk);
    const float m_step = math::quotient(m_hi - m_lo, static_cast<float>(n_mels + 1));
    for (uint32_t i = 0; i < n_mels + 2; ++i) mel_f[i] = mel_to_hz(m_lo + m_step * static_cast<float>(i), htk);
    // The end edges exactly as given (librosa's float64 round trip keeps them
    // to 1e-12): float32's may land past them, and the Nyquist bin at fmax
    // (or the bin at fmin) then takes a weight librosa's band does not have.
    mel_f[0] = fmin;
    mel_f[n_mels + 1] = fmax;
    const float bin_hz = math::quotient(sr, static_cast<float>(n_fft));
    size_t used = 0;
    for (uint32_t i = 0; i < n_mels; ++i) {
        const float lo = mel_f[i], mid = mel_f[i + 1], hi = mel_f[i + 2];
        const float inv_lo = math::quotient(1.0f, mid - lo), inv_hi = math::quotient(1.0f, hi - mid);
        const float enorm = slaney_norm ? math::quotient(2.0f, hi - lo) : 1.0f;
        uint32_t first = n_bins, n = 0;
        for (uint32_t k = 0; k < n_bins; ++k) {
            const float f = bin_hz * static_cast<float>(k);
            const float up = (f - lo) * inv_lo, down = (hi - f) * inv_hi;
            const float w = up < down ? up : down;
            if (w > 0.0f) {
                if (first == n_bins) first = k;
                // Bins of a band are contiguous; fill any zero-weight gap.
                while (first + n < k) {
                    if (used >= weights_cap) return Status::size_mismatch;
                    weights[used++] = 0.0f;
                    ++n;
                }
                if (used >= weights_cap) return Status::size_mismatch;
                weights[used++] = w * enorm;
                ++n;
            }
        }
        start[i] = static_cast<uint16_t>(first == n_bins ? 0 : first);
        count[i] = static_cast<uint16_t>(n);
    }
    b.n_mels = n_mels;
    b.n_bins = n_bins;
    b.start = start;
    b.count = count;
    b.weights = weights;
    return Status::ok;
}

inline void mel_apply(const MelBank& b, const float* power, float* out) {
    const float* w = b.weights;
    for (uint32_t i = 0; i < b.n_mels; ++i) {
        const float* p = power + b.start[i];
        float acc = 0.0f;
        for (uint32_t j = 0; j < b.count[i]; ++j) acc += w[j] * p[j];
        w += b.count[i];
        out[i] = acc;
    }
}

// ---- streaming spectrogram -----------------------------------------------

struct Spectrogram {
    SpectrogramConfig c;
    uint32_t n_out = 0;  // values per frame
    uint32_t fill = 0;   // samples in the frame buffer
    Rfft rfft;
    MelBank mel;
    Dct dct;
    const float* window = nullptr;
    float* frame = nullptr;  // n_fft
    float* work = nullptr;   // n_fft + 2
    float* bands = nullptr;  // n_mels
};

inline uint32_t spectrogram_frame_size(const SpectrogramConfig& c) {
    if (c.output == SpecOutput::power || c.output == SpecOutput::magnitude) return c.n_fft / 2 + 1;
    if (c.output == SpecOutput::mfcc) return c.n_mfcc;
    return c.n_mels;
}

// The sizes spectrogram_init accepts: n_fft a power of two from 8 to 4096,
// 1 <= hop <= n_fft, a known output, 1 <= n_mels <= 512 for mel outputs,
// 1 <= n_mfcc <= n_mels for mfcc. (Frequencies are checked by init.)
inline bool spectrogram_config_ok(const SpectrogramConfig& c) {
    if (!is_fft_size(c.n_fft) || c.hop == 0 || c.hop > c.n_fft) return false;
    if (static_cast<uint32_t>(c.output) > static_cast<uint32_t>(SpecOutput::mfcc)) return false;
    if (c.output >= SpecOutput::mel && (c.n_mels == 0 || c.n_mels > 512)) return false;
    return c.output != SpecOutput::mfcc || (c.n_mfcc != 0 && c.n_mfcc <= c.n_mels);
}

// Floats of caller memory spectrogram_init needs for this configuration;
// 0 when spectrogram_config_ok(c) fails.
inline size_t spectrogram_memory_size(const SpectrogramConfig& c) {
    if (!spectrogram_config_ok(c)) return 0;
    const size_t n = c.n_fft, bins = n / 2 + 1;
    size_t total = n /* twiddles */ + n /* window */ + n /* frame */ + (n + 2) /* work */;
    if (c.output == SpecOutput::mel || c.output == SpecOutput::log_mel || c.output == SpecOutput::mfcc) {
        total += c.n_mels /* start + count as u16 */ + mel_weights_capacity(static_cast<uint32_t>(bins)) +
                 (c.n_mels + 2) /* bands, and mel_f scratch at init */;
    }
    if (c.output == SpecOutput::mfcc) total += static_cast<size_t>(c.n_mfcc) * c.n_mels;
    return total;
}

inline void spectrogram_reset(Spectrogram& s) {
    if (s.frame == nullptr) return;  // not initialized
    for (uint32_t i = 0; i < s.c.n_fft; ++i) s.frame[i] = 0.0f;
    s.fill = s.c.center ? s.c.n_fft / 2 : 0;
}

namespace detail {

inline Status spectrogram_setup(Spectrogram& s, const SpectrogramConfig& c, float* mem, size_t mem_size) {
    if (!spectrogram_config_ok(c)) return Status::bad_parameter;
    if (mem == nullptr) return Status::bad_argument;
    const bool wants_mel = c.output >= SpecOutput::mel;
    if (mem_size < spectrogram_memory_size(c)) return Status::size_mismatch;
    s.c = c;
    if (wants_mel && c.fmax == 0.0f) s.c.fmax = 0.5f * c.sample_rate;
    const uint32_t n = c.n_fft, bins = n / 2 + 1;
    float* p = mem;
    Status st = rfft_init(s.rfft, n, p, n);
    if (st != Status::ok) return st;
    p += n;
    st = make_window(p, n, c.window, true);
    if (st != Status::ok) return st;
    s.window = p;
    p += n;
    s.frame = p;
    p += n;
    s.work = p;
    p += n + 2;
    if (wants_mel) {
        uint16_t* start = reinterpret_cast<uint16_t*>(p);
        uint16_t* count = start + c.n_mels;
        p += c.n_mels;  // 2 * n_mels u16
        float* weights = p;
        p += mel_weights_capacity(bins);
        s.bands = p;  // also the mel_f scratch (n_mels + 2) during init
        st = mel_init(s.mel, s.c.sample_rate, n, c.n_mels, s.c.fmin, s.c.fmax, c.htk, c.slaney_norm, start, count,
                      weights, mel_weights_capacity(bins), s.bands);
        if (st != Status::ok) return st;
        p += c.n_mels + 2;
    }
    if (c.output == SpecOutput::mfcc) {
        st = dct_init(s.dct, c.n_mels, c.n_mfcc, true, p, static_cast<size_t>(c.n_mfcc) * c.n_mels);
        if (st != Status::ok) return st;
    }
    s.n_out = spectrogram_frame_size(c);
    spectrogram_reset(s);
    return Status::ok;
}

}  // namespace detail

// A failed init leaves s empty (no frame buffer), so process() refuses it
// and reset() does nothing, rather than run on a half-built object (a bad
// window or mel range is found only after the config is stored).
inline Status spectrogram_init(Spectrogram& s, const SpectrogramConfig& c, float* mem, size_t mem_size) {
    s = Spectrogram{};
    const Status st = detail::spectrogram_setup(s, c, mem, mem_size);
    if (st != Status::ok) s = Spectrogram{};
    return st;
}

// Frames the next n samples complete.
inline size_t spectrogram_frames(const Spectrogram& s, size_t n) {
    const size_t have = s.fill + n;
    if (s.frame == nullptr || have < s.c.n_fft) return 0;
    return 1 + udiv(static_cast<uint32_t>(have - s.c.n_fft), s.c.hop);
}

namespace detail {

// One complete frame in s.frame -> n_out values at out.
inline void spectrogram_frame(Spectrogram& s, float* out) {
    const uint32_t n = s.c.n_fft, bins = n / 2 + 1;
    for (uint32_t i = 0; i < n; ++i) s.work[i] = s.frame[i] * s.window[i];
    rfft_power(s.rfft, s.work, n, s.work, n + 2);
    const SpecOutput o = s.c.output;
    if (o == SpecOutput::power || o == SpecOutput::magnitude) {
        for (uint32_t k = 0; k < bins; ++k) out[k] = o == SpecOutput::power ? s.work[k] : math::sqrt(s.work[k]);
        return;
    }
    float* mel = o == SpecOutput::mfcc ? s.bands : out;
    mel_apply(s.mel, s.work, mel);
    if (o == SpecOutput::mel) return;
    // max(mel, 1e-10) as numpy's maximum: a NaN band (a NaN or inf sample in
    // the frame) stays NaN, never the floor's -100 dB of silence.
    for (uint32_t i = 0; i < s.c.n_mels; ++i) mel[i] = 10.0f * math::log10(mel[i] < 1e-10f ? 1e-10f : mel[i]);
    if (o == SpecOutput::mfcc) dct_forward(s.dct, mel, s.c.n_mels, out, s.c.n_mfcc);
}

}  // namespace detail

// Feeds n samples; writes each completed frame's n_out values to out (room
// for out_cap floats), n_frames of them. Fails without consuming anything
// when out is too small for spectrogram_frames(s, n) frames.
inline Status spectrogram_process(Spectrogram& s, const float* x, size_t n, float* out, size_t out_cap,
                                  size_t& n_frames) {
    n_frames = 0;
    if (s.frame == nullptr || (x == nullptr && n != 0)) return Status::bad_argument;  // not initialized
    const size_t frames = spectrogram_frames(s, n);
    if (frames * s.n_out > out_cap || (frames != 0 && out == nullptr)) return Status::size_mismatch;
    const uint32_t nfft = s.c.n_fft, hop = s.c.hop;
    size_t i = 0;
    while (i < n) {
        uint32_t take = nfft - s.fill;
        if (take > n - i) take = static_cast<uint32_t>(n - i);
        for (uint32_t j = 0; j < take; ++j) s.frame[s.fill + j] = x[i + j];
        s.fill += take;
        i += take;
        if (s.fill == nfft) {
            detail::spectrogram_frame(s, out + n_frames * s.n_out);
            ++n_frames;
            for (uint32_t j = hop; j < nfft; ++j) s.frame[j - hop] = s.frame[j];
            s.fill = nfft - hop;
        }
    }
    return Status::ok;
}

}  // namespace dsp
}  // namespace microlearn
