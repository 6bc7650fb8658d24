// Fuzz driver for the DSP objects (include/microlearn/dsp/): each one's init
// with parameters read off the input (sizes, coefficients and configs, any
// float bit pattern included), then a block of samples processed.
//
// Input: one byte picks the object (kObjects below), the rest are its
// parameters and samples (mlfuzz::Reader: past the end, zeros). Checked
// for every object:
//  - buffers are exactly the size the object's size query (or its docs)
//    asks for, so AddressSanitizer catches any access past them; a buffer
//    smaller than asked must make init fail;
//  - init either fails, and then processing is refused (bad_argument), or
//    succeeds, and then processing with the documented sizes succeeds and
//    a smaller output buffer is refused;
//  - streaming objects give the same bits when a block is fed in two parts.
//
// A new DSP object adds one function and one line in kObjects.
#include "fuzz.hpp"

#include <initializer_list>

#include <microlearn/dsp/dct.hpp>
#include <microlearn/dsp/features.hpp>
#include <microlearn/dsp/fft.hpp>
#include <microlearn/dsp/fir.hpp>
#include <microlearn/dsp/iir.hpp>
#include <microlearn/dsp/spectrogram.hpp>

namespace {

using microlearn::Status;
using mlfuzz::Exact;
using mlfuzz::Reader;
namespace D = microlearn::dsp;

// Caller buffers are capped at this many elements: a size query asking for
// more gets this much, and init must then fail.
constexpr size_t kMaxElements = size_t(1) << 20;

// How many elements to hand an init that asks for `want`: mostly `want`
// (capped), sometimes one less.
size_t room(Reader& r, size_t want) {
    if (want > kMaxElements) return kMaxElements;
    return (r.u8() % 8 == 0 && want > 0) ? want - 1 : want;
}

// A count of elements the engine uses without being told a buffer size
// (FIR taps, SOS sections): kept small enough to allocate.
uint32_t small(uint32_t n) { return n > 4096 ? n % 4096 : n; }

// A float parameter: one of the typical values, or any bit pattern.
float param(Reader& r, std::initializer_list<float> typical) {
    const uint8_t pick = r.u8();
    if (pick >= 192) return r.f32();
    return typical.begin()[pick % typical.size()];
}

// n samples: in [-1, 1) (from 16-bit values) or any bit patterns.
void signal(Reader& r, float* x, size_t n) {
    if (r.u8() & 1) {
        r.floats(x, n);
        return;
    }
    for (size_t i = 0; i < n; ++i) x[i] = static_cast<float>(static_cast<int16_t>(r.u8() | (r.u8() << 8))) / 32768.0f;
}

void signal(Reader& r, int16_t* x, size_t n) {
    for (size_t i = 0; i < n; ++i) x[i] = static_cast<int16_t>(r.u8() | (r.u8() << 8));
}

// Length of a block to stream (at least 1) and where to cut it in two.
void block(Reader& r, size_t& n, size_t& cut) {
    n = 1 + r.u8() + (r.u8() & 1 ? 256 * size_t(r.u8() & 15) : 0);
    cut = r.u16() % (n + 1);
}

bool same_bits(const void* a, const void* b, size_t bytes) { return bytes == 0 || memcmp(a, b, bytes) == 0; }

// The same bits, except that any NaN equals any NaN: a FIR output may come
// from its four-output kernel in one call and its one-output kernel in
// another (where the block starts decides), and the compiler may order the
// operands of a commutative add differently in the two, which picks a
// different NaN operand to propagate. Every other bit must match.
bool same_values(const float* a, const float* b, size_t n) {
    for (size_t i = 0; i < n; ++i)
        if (!same_bits(a + i, b + i, sizeof(float)) && !(a[i] != a[i] && b[i] != b[i])) return false;
    return true;
}

bool same_values(const int16_t* a, const int16_t* b, size_t n) { return same_bits(a, b, n * sizeof(int16_t)); }

// ---- FFTs -------------------------------------------------------------------

void fft(Reader& r) {
    const size_t n = r.size();
    Exact<float> tw(room(r, D::fft_twiddle_size(n)));
    D::Fft f;
    const Status st = D::fft_init(f, n, tw.data(), tw.size());
    Exact<float> data(st == Status::ok ? 2 * n : 16);
    signal(r, data.data(), data.size());
    if (st != Status::ok) {
        ML_FUZZ_CHECK(D::fft_forward(f, data.data(), data.size()) == Status::bad_argument);
        return;
    }
    ML_FUZZ_CHECK(tw.size() >= n);
    ML_FUZZ_CHECK(D::fft_forward(f, data.data(), data.size()) == Status::ok);
    ML_FUZZ_CHECK(D::fft_inverse(f, data.data(), data.size()) == Status::ok);
    ML_FUZZ_CHECK(D::fft_forward(f, data.data(), data.size() - 1) == Status::size_mismatch);
}

void rfft(Reader& r) {
    const size_t n = r.size();
    Exact<float> tw(room(r, D::fft_twiddle_size(n)));
    D::Rfft f;
    const Status st = D::rfft_init(f, n, tw.data(), tw.size());
    Exact<float> x(st == Status::ok ? n : 16), out(x.size() + 2), back(x.size());
    signal(r, x.data(), x.size());
    if (st != Status::ok) {
        ML_FUZZ_CHECK(D::rfft_forward(f, x.data(), x.size(), out.data(), out.size()) == Status::bad_argument);
        return;
    }
    ML_FUZZ_CHECK(D::rfft_forward(f, x.data(), n, out.data(), out.size()) == Status::ok);
    ML_FUZZ_CHECK(D::rfft_inverse(f, out.data(), out.size(), back.data(), back.size()) == Status::ok);
    ML_FUZZ_CHECK(D::rfft_power(f, x.data(), n, out.data(), out.size()) == Status::ok);
    ML_FUZZ_CHECK(D::rfft_magnitude(f, x.data(), n, out.data(), out.size()) == Status::ok);
    // In place (x is the first n floats of out) gives the same bits.
    Exact<float> spec(n + 2), inplace(n + 2);
    ML_FUZZ_CHECK(D::rfft_forward(f, x.data(), n, spec.data(), spec.size()) == Status::ok);
    memcpy(inplace.data(), x.data(), 4 * n);
    ML_FUZZ_CHECK(D::rfft_forward(f, inplace.data(), n, inplace.data(), inplace.size()) == Status::ok);
    ML_FUZZ_CHECK(same_bits(spec.data(), inplace.data(), 4 * spec.size()));
    ML_FUZZ_CHECK(D::rfft_forward(f, x.data(), n, out.data(), out.size() - 1) == Status::size_mismatch);
}

void fft_q15(Reader& r) {
    const size_t n = r.size();
    Exact<int16_t> tw(room(r, D::fft_twiddle_size(n)));
    D::FftQ15 f;
    const Status st = D::fft_q15_init(f, n, tw.data(), tw.size());
    Exact<int16_t> data(st == Status::ok ? 2 * n : 16);
    signal(r, data.data(), data.size());
    if (st != Status::ok) {
        ML_FUZZ_CHECK(D::fft_q15_forward(f, data.data(), data.size()) == Status::bad_argument);
        return;
    }
    ML_FUZZ_CHECK(D::fft_q15_forward(f, data.data(), data.size()) == Status::ok);
    ML_FUZZ_CHECK(D::fft_q15_inverse(f, data.data(), data.size()) == Status::ok);
}

void rfft_q15(Reader& r) {
    const size_t n = r.size();
    Exact<int16_t> tw(room(r, D::fft_twiddle_size(n)));
    D::RfftQ15 f;
    const Status st = D::rfft_q15_init(f, n, tw.data(), tw.size());
    Exact<int16_t> x(st == Status::ok ? n : 16), out(x.size() + 2);
    signal(r, x.data(), x.size());
    const Status run = D::rfft_q15_forward(f, x.data(), x.size(), out.data(), out.size());
    ML_FUZZ_CHECK(run == (st == Status::ok ? Status::ok : Status::bad_argument));
}

// ---- filters ------------------------------------------------------------------

// Filters a block whole and in two parts from a fresh state: same values
// (same bits but for NaN payloads: SOS pairs samples in its main loop).
template <typename Obj, typename X, typename Init, typename Run>
void stream_twice(Obj& f, Init init, Run run, Reader& r) {
    size_t n, cut;
    block(r, n, cut);
    Exact<X> x(n), whole(n), parts(n);
    signal(r, x.data(), n);
    ML_FUZZ_CHECK(run(f, x.data(), whole.data(), n) == Status::ok);
    ML_FUZZ_CHECK(init(f) == Status::ok);
    if (cut > 0) ML_FUZZ_CHECK(run(f, x.data(), parts.data(), cut) == Status::ok);
    if (cut < n) ML_FUZZ_CHECK(run(f, x.data() + cut, parts.data() + cut, n - cut) == Status::ok);
    ML_FUZZ_CHECK(same_values(whole.data(), parts.data(), n));  // a NaN's payload may differ
}

// scipy-layout sos rows: a0 mostly 1, the other coefficients typical
// filter values or any bit pattern; now and then a length that is not 6
// per section.
Exact<float> sos_rows(Reader& r, uint32_t n_sections) {
    const size_t n_sos = r.u8() % 8 ? 6 * size_t(n_sections) : r.size() % 4096;
    Exact<float> sos(n_sos);
    for (size_t i = 0; i < n_sos; ++i)
        sos[i] = i % 6 == 3 && r.u8() % 4 ? 1.0f : param(r, {0.0f, 0.5f, -1.5f, 0.7f, 1.0f, 2.0f, -0.9f});
    return sos;
}

void sos(Reader& r) {
    const uint32_t n_sections = small(r.size());
    Exact<float> rows = sos_rows(r, n_sections), coeffs(5 * size_t(n_sections)), state(2 * size_t(n_sections));
    const size_t n_sos = rows.size();
    D::Sos f;
    auto init = [&](D::Sos& o) { return D::sos_init(o, rows.data(), n_sos, n_sections, coeffs.data(), state.data()); };
    auto run = [](D::Sos& o, const float* x, float* y, size_t n) { return D::sos_process(o, x, y, n); };
    if (init(f) != Status::ok) {
        float y[4] = {};
        ML_FUZZ_CHECK(run(f, y, y, 4) == Status::bad_argument);
        return;
    }
    stream_twice<D::Sos, float>(f, init, run, r);
}

// The exact q15 kernel and the fast one: same rows, buffers and contract
// (the fast one refuses more designs).
template <typename F, Status (*Init)(F&, const float*, size_t, size_t, int32_t*, int32_t*),
          Status (*Process)(F&, const int16_t*, int16_t*, size_t)>
void sos_q15_generic(Reader& r) {
    const uint32_t n_sections = small(r.size());
    Exact<float> rows = sos_rows(r, n_sections);
    Exact<int32_t> coeffs(D::kSosQ15Coeffs * n_sections), state(D::sos_q15_state_size(n_sections));
    const size_t n_sos = rows.size();
    F f;
    auto init = [&](F& o) { return Init(o, rows.data(), n_sos, n_sections, coeffs.data(), state.data()); };
    if (init(f) != Status::ok) {
        int16_t y[4] = {};
        ML_FUZZ_CHECK(Process(f, y, y, 4) == Status::bad_argument);
        return;
    }
    stream_twice<F, int16_t>(f, init, Process, r);
}

void sos_q15(Reader& r) { sos_q15_generic<D::SosQ15, D::sos_q15_init<float>, D::sos_q15_process>(r); }
void sos_q15_fast(Reader& r) {
    sos_q15_generic<D::SosQ15Fast, D::sos_q15_fast_init<float>, D::sos_q15_fast_process>(r);
}

// FIR taps: typical values or any bit pattern (q15 init refuses those
// outside [-1, 1)).
template <typename Fir, typename X, typename Tap, typename Init>
void fir_generic(Reader& r, Init init_fn) {
    const uint32_t n_taps = small(r.size());
    const size_t decimation = r.size();
    Exact<float> h(n_taps);
    for (auto& v : h) v = param(r, {0.25f, 0.5f, -0.125f, 0.999f, -1.0f, 0.0f});
    Exact<Tap> taps(n_taps);
    Exact<X> delay(2 * size_t(n_taps));
    Fir f;
    auto init = [&](Fir& o) { return init_fn(o, h.data(), n_taps, decimation, taps.data(), delay.data()); };
    size_t n_y = 0;
    if (init(f) != Status::ok) {
        X y[4] = {};
        ML_FUZZ_CHECK(D::fir_process(f, y, 4, y, 4, n_y) == Status::bad_argument);
        return;
    }
    // A block whole and in two parts: the outputs of both are the same bits.
    size_t n, cut;
    block(r, n, cut);
    Exact<X> x(n);
    signal(r, x.data(), n);
    const size_t outs = D::fir_outputs(f, n);
    Exact<X> whole(outs), parts(outs);
    if (outs > 0) ML_FUZZ_CHECK(D::fir_process(f, x.data(), n, whole.data(), outs - 1, n_y) == Status::size_mismatch);
    ML_FUZZ_CHECK(D::fir_process(f, x.data(), n, whole.data(), outs, n_y) == Status::ok && n_y == outs);
    ML_FUZZ_CHECK(init(f) == Status::ok);
    const size_t first = D::fir_outputs(f, cut);
    n_y = 0;
    if (cut > 0) ML_FUZZ_CHECK(D::fir_process(f, x.data(), cut, parts.data(), first, n_y) == Status::ok && n_y == first);
    if (cut < n) ML_FUZZ_CHECK(D::fir_process(f, x.data() + cut, n - cut, parts.data() + first, outs - first, n_y) == Status::ok);
    else n_y = 0;
    ML_FUZZ_CHECK(first + n_y == outs && same_values(whole.data(), parts.data(), outs));
}

void fir(Reader& r) {
    fir_generic<D::Fir, float, float>(r, [](D::Fir& f, const float* h, size_t n, size_t d, float* t, float* dl) {
        return D::fir_init(f, h, n, d, t, dl);
    });
}

void fir_q15(Reader& r) {
    fir_generic<D::FirQ15, int16_t, int16_t>(
        r, [](D::FirQ15& f, const float* h, size_t n, size_t d, int16_t* t, int16_t* dl) {
            return D::fir_q15_init(f, h, n, d, t, dl);
        });
}

void dct(Reader& r) {
    const size_t n = r.size(), n_out = r.size();
    const bool ortho = r.u8() & 1;
    Exact<float> table(room(r, D::dct_table_size(n, n_out)));
    D::Dct d;
    const Status st = D::dct_init(d, n, n_out, ortho, table.data(), table.size());
    Exact<float> x(st == Status::ok ? n : 4), y(st == Status::ok ? n_out : 4);
    signal(r, x.data(), x.size());
    const Status run = D::dct_forward(d, x.data(), x.size(), y.data(), y.size());
    ML_FUZZ_CHECK(run == (st == Status::ok ? Status::ok : Status::bad_argument));
    if (st == Status::ok) ML_FUZZ_CHECK(D::dct_forward(d, x.data(), x.size(), y.data(), y.size() - 1) == Status::size_mismatch);
}

// ---- frames -------------------------------------------------------------------

void spectrogram(Reader& r) {
    D::SpectrogramConfig c;
    c.n_fft = r.size();
    c.hop = r.size();
    c.window = static_cast<D::Window>(r.u8() < 250 ? r.u8() % 5 : r.u32());
    c.output = static_cast<D::SpecOutput>(r.u8() < 250 ? r.u8() % 6 : r.u32());
    c.sample_rate = param(r, {16000.0f, 8000.0f, 22050.0f, 50.0f, 0.0f, -1.0f});
    c.n_mels = r.size();
    c.fmin = param(r, {0.0f, 20.0f, 300.0f, 4000.0f});
    c.fmax = param(r, {0.0f, 4000.0f, 8000.0f, 11025.0f});
    c.htk = r.u8() & 1;
    c.slaney_norm = r.u8() & 1;
    c.n_mfcc = r.size();
    c.center = r.u8() & 1;
    const size_t want = D::spectrogram_memory_size(c);
    Exact<float> mem(room(r, want));
    D::Spectrogram s;
    size_t frames = 0;
    if (D::spectrogram_init(s, c, mem.data(), mem.size()) != Status::ok) {
        float y[4] = {};
        ML_FUZZ_CHECK(D::spectrogram_process(s, y, 4, y, 4, frames) == Status::bad_argument);
        return;
    }
    ML_FUZZ_CHECK(mem.size() >= want);
    const size_t frame = D::spectrogram_frame_size(s.c);
    ML_FUZZ_CHECK(frame > 0);
    // A block whole and in two parts: the same frames, the same bits.
    size_t n, cut;
    block(r, n, cut);
    Exact<float> x(n);
    signal(r, x.data(), n);
    const size_t total = D::spectrogram_frames(s, n);
    Exact<float> whole(total * frame), parts(total * frame);
    if (total > 0) ML_FUZZ_CHECK(D::spectrogram_process(s, x.data(), n, whole.data(), whole.size() - 1, frames) == Status::size_mismatch);
    ML_FUZZ_CHECK(D::spectrogram_process(s, x.data(), n, whole.data(), whole.size(), frames) == Status::ok && frames == total);
    D::spectrogram_reset(s);
    const size_t first = D::spectrogram_frames(s, cut);
    ML_FUZZ_CHECK(D::spectrogram_process(s, x.data(), cut, parts.data(), first * frame, frames) == Status::ok && frames == first);
    ML_FUZZ_CHECK(D::spectrogram_process(s, x.data() + cut, n - cut, parts.data() + first * frame, (total - first) * frame, frames) == Status::ok);
    ML_FUZZ_CHECK(first + frames == total && same_bits(whole.data(), parts.data(), 4 * whole.size()));
}

void features(Reader& r) {
    const uint32_t n_samples = r.size(), n_axes = r.size();
    const float sample_rate = param(r, {50.0f, 100.0f, 0.0f, 1.0f});
    const size_t n_spec = r.u8() % 20;
    Exact<D::FeatureSpec> spec(n_spec);
    for (auto& s : spec) {
        const uint8_t kind = r.u8();
        s.kind = static_cast<D::Feature>(kind < 240 ? kind % 12 : r.u32());
        s.a = param(r, {0.0f, 25.0f, 50.0f, 100.0f, 0.5f, 3.0f});
        s.b = param(r, {3.0f, 10.0f, 25.0f, 1e9f});
    }
    const size_t want = D::features_memory_size(n_samples, spec.data(), n_spec);
    Exact<float> mem(room(r, want));
    D::Features f;
    const Status st = D::features_init(f, n_samples, n_axes, sample_rate, spec.data(), n_spec, mem.data(), mem.size());
    const size_t n_x = st == Status::ok ? size_t(n_samples) * n_axes : 4;
    if (n_x > kMaxElements) return;
    Exact<float> x(n_x), out(st == Status::ok ? n_spec * n_axes : 4);
    signal(r, x.data(), n_x);
    const Status run = D::features_compute(f, x.data(), x.size(), out.data(), out.size());
    ML_FUZZ_CHECK(run == (st == Status::ok ? Status::ok : Status::bad_argument));
    if (st == Status::ok) {
        ML_FUZZ_CHECK(mem.size() >= want);
        ML_FUZZ_CHECK(D::features_compute(f, x.data(), x.size(), out.data(), out.size() - 1) == Status::size_mismatch);
    }
}

// ---- the registry -------------------------------------------------------------

struct Object {
    const char* name;
    void (*run)(Reader& r);  // reads parameters, inits, processes
};

constexpr Object kObjects[] = {
    {"fft", fft},         {"rfft", rfft}, {"fft_q15", fft_q15}, {"rfft_q15", rfft_q15},
    {"sos", sos},         {"sos_q15", sos_q15}, {"fir", fir},   {"fir_q15", fir_q15},
    {"dct", dct},         {"spectrogram", spectrogram},          {"features", features},
    {"sos_q15_fast", sos_q15_fast},  // last: the saved inputs' first bytes keep their objects
};
constexpr size_t kObjectCount = sizeof(kObjects) / sizeof(kObjects[0]);

}  // namespace

ML_FUZZ_TARGET(fuzz_dsp_one) {
    Reader r(data, size);
    const uint8_t pick = r.u8();
    kObjects[pick % kObjectCount].run(r);
    return 0;
}
