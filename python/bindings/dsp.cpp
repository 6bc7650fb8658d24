// Host bindings of the dsp family (microlearn/dsp/), as microlearn._engine.dsp.
// Same kernels and layouts as the device's _dsp module; results come back
// as new numpy arrays (interleaved re, im where the device uses that).
#include <type_traits>

#include "bindings.hpp"

#include "microlearn/dsp/dct.hpp"
#include "microlearn/dsp/features.hpp"
#include "microlearn/dsp/fft.hpp"
#include "microlearn/dsp/fir.hpp"
#include "microlearn/dsp/iir.hpp"
#include "microlearn/dsp/spectrogram.hpp"

namespace dsp = microlearn::dsp;
using microlearn::Status;
using microlearn::bindings::raise_status;
using microlearn::bindings::Rows;

namespace {

void check(Status st, const char* what) {
    if (st != Status::ok) raise_status(st, what);
}

template <typename T>
const T* vec(const Rows<T>& a, size_t& n, const char* what) {
    if (a.ndim() != 1) throw py::value_error(std::string(what) + " must be 1-dimensional");
    n = static_cast<size_t>(a.shape(0));
    return a.data();
}

template <typename T>
const T* vec_exact(const Rows<T>& a, size_t want, const char* what) {
    size_t n;
    const T* p = vec(a, n, what);
    if (n != want)
        throw py::value_error(std::string(what) + " must hold " + std::to_string(want) + " items, got " +
                              std::to_string(n));
    return p;
}

// A q15 filter's data, on the host as on the device: integers are q15
// values; floats (any numpy float dtype, lists of them) a signal in [-1, 1)
// converted to q15 on the way in and back on the way out (the engine's
// *_process_floats; docs/dsp.md, "q15 kernels on float data").
bool is_float_data(const py::object& x) {
    const py::array a = py::array::ensure(x);
    return a && a.dtype().kind() == 'f';
}

void check_q15_floats(Status st, const char* what) {
    if (st == Status::out_of_range) throw py::value_error("NaN has no q15 value");
    check(st, what);
}

// The engine validates sizes; its bad_parameter becomes this message.
void check(Status st, const char* what, const char* bad_parameter) {
    if (st == Status::bad_parameter) throw py::value_error(bad_parameter);
    check(st, what);
}

const char kFftSizes[] = "FFT size must be a power of two from 8 to 4096";

// A size for a uint32 engine field: refused, not truncated, beyond 2^32 - 1.
uint32_t u32(size_t v, const char* name) {
    if (v > 0xffffffffu) throw py::value_error(std::string(name) + " out of range: " + std::to_string(v));
    return static_cast<uint32_t>(v);
}

class FFT {
public:
    explicit FFT(size_t n) : tw_(dsp::fft_twiddle_size(n)) {
        check(dsp::fft_init(f_, n, tw_.data(), tw_.size()), "FFT", kFftSizes);
    }
    py::array_t<float> forward(const Rows<float>& buf) const { return run(buf, false); }
    py::array_t<float> inverse(const Rows<float>& buf) const { return run(buf, true); }
    size_t size() const { return f_.n; }

private:
    py::array_t<float> run(const Rows<float>& buf, bool inv) const {
        const float* d = vec_exact(buf, 2 * f_.n, "buf (interleaved re, im)");
        py::array_t<float> out(2 * f_.n);
        std::memcpy(out.mutable_data(), d, 2 * f_.n * sizeof(float));
        check(inv ? dsp::fft_inverse(f_, out.mutable_data(), 2 * f_.n) : dsp::fft_forward(f_, out.mutable_data(), 2 * f_.n),
              "FFT");
        return out;
    }
    std::vector<float> tw_;
    dsp::Fft f_;
};

class RFFT {
public:
    explicit RFFT(size_t n) : tw_(dsp::fft_twiddle_size(n)) {
        check(dsp::rfft_init(f_, n, tw_.data(), tw_.size()), "RFFT", kFftSizes);
    }
    py::array_t<float> forward(const Rows<float>& x) const {
        py::array_t<float> out(f_.n + 2);
        check(dsp::rfft_forward(f_, vec_exact(x, f_.n, "x"), f_.n, out.mutable_data(), f_.n + 2), "RFFT");
        return out;
    }
    py::array_t<float> inverse(const Rows<float>& spec) const {
        py::array_t<float> out(f_.n);
        check(dsp::rfft_inverse(f_, vec_exact(spec, f_.n + 2, "spec"), f_.n + 2, out.mutable_data(), f_.n), "RFFT");
        return out;
    }
    py::array_t<float> power(const Rows<float>& x) const { return spectrum(x, false); }
    py::array_t<float> magnitude(const Rows<float>& x) const { return spectrum(x, true); }
    size_t size() const { return f_.n; }

private:
    py::array_t<float> spectrum(const Rows<float>& x, bool mag) const {
        std::vector<float> tmp(f_.n + 2);
        const float* p = vec_exact(x, f_.n, "x");
        check(mag ? dsp::rfft_magnitude(f_, p, f_.n, tmp.data(), tmp.size()) : dsp::rfft_power(f_, p, f_.n, tmp.data(), tmp.size()),
              "RFFT");
        py::array_t<float> out(f_.n / 2 + 1);
        std::memcpy(out.mutable_data(), tmp.data(), (f_.n / 2 + 1) * sizeof(float));
        return out;
    }
    std::vector<float> tw_;
    dsp::Rfft f_;
};

class FFTQ15 {
public:
    explicit FFTQ15(size_t n) : tw_(dsp::fft_twiddle_size(n)) {
        check(dsp::fft_q15_init(f_, n, tw_.data(), tw_.size()), "FFTQ15", kFftSizes);
    }
    py::array_t<int16_t> forward(const Rows<int16_t>& buf) const { return run(buf, false); }
    py::array_t<int16_t> inverse(const Rows<int16_t>& buf) const { return run(buf, true); }

private:
    py::array_t<int16_t> run(const Rows<int16_t>& buf, bool inv) const {
        const int16_t* d = vec_exact(buf, 2 * f_.n, "buf (interleaved re, im)");
        py::array_t<int16_t> out(2 * f_.n);
        std::memcpy(out.mutable_data(), d, 2 * f_.n * sizeof(int16_t));
        check(inv ? dsp::fft_q15_inverse(f_, out.mutable_data(), 2 * f_.n)
                  : dsp::fft_q15_forward(f_, out.mutable_data(), 2 * f_.n),
              "FFTQ15");
        return out;
    }
    std::vector<int16_t> tw_;
    dsp::FftQ15 f_;
};

class RFFTQ15 {
public:
    explicit RFFTQ15(size_t n) : tw_(dsp::fft_twiddle_size(n)) {
        check(dsp::rfft_q15_init(f_, n, tw_.data(), tw_.size()), "RFFTQ15", kFftSizes);
    }
    py::array_t<int16_t> forward(const Rows<int16_t>& x) const {
        py::array_t<int16_t> out(f_.n + 2);
        check(dsp::rfft_q15_forward(f_, vec_exact(x, f_.n, "x"), f_.n, out.mutable_data(), f_.n + 2), "RFFTQ15");
        return out;
    }

private:
    std::vector<int16_t> tw_;
    dsp::RfftQ15 f_;
};

template <typename Real>
std::vector<Real> sos_rows(const Rows<Real>& sos, size_t& n_sections) {
    if (sos.ndim() == 2 && sos.shape(1) == 6) {
        n_sections = static_cast<size_t>(sos.shape(0));
    } else if (sos.ndim() == 1 && sos.shape(0) % 6 == 0) {
        n_sections = static_cast<size_t>(sos.shape(0) / 6);
    } else {
        throw py::value_error("sos must have shape (n_sections, 6): rows [b0, b1, b2, a0, a1, a2]");
    }
    if (n_sections == 0) throw py::value_error("sos must have at least one section");
    return std::vector<Real>(sos.data(), sos.data() + 6 * n_sections);
}

void sos_status(Status st) {
    if (st == Status::bad_parameter) throw py::value_error("every section needs a finite, nonzero a0 and finite coefficients");
    if (st == Status::out_of_range)
        throw py::value_error("q15 needs stable sections with poles at least 2^-16 from z = +-1, gains below 2^28 "
                              "and passbands its signals can hold (docs/dsp.md)");
    check(st, "SOS");
}

class SOS {
public:
    explicit SOS(const Rows<float>& sos) {
        size_t ns;
        const auto rows = sos_rows(sos, ns);
        coeffs_.resize(5 * ns);
        state_.resize(2 * ns);
        sos_status(dsp::sos_init(f_, rows.data(), rows.size(), ns, coeffs_.data(), state_.data()));
    }
    py::array_t<float> process(const Rows<float>& x) {
        size_t n;
        const float* p = vec(x, n, "x");
        py::array_t<float> out(n);
        check(dsp::sos_process(f_, p, out.mutable_data(), n), "SOS");
        return out;
    }
    void reset(float x0) { dsp::sos_reset(f_, x0); }
    py::array_t<float> state() const { return py::array_t<float>(state_.size(), state_.data()); }

private:
    std::vector<float> coeffs_, state_;
    dsp::Sos f_;
};

// The two q15 kernels, by their engine struct.
Status q15_init(dsp::SosQ15& f, const std::vector<double>& r, size_t ns, int32_t* c, int32_t* st) {
    return dsp::sos_q15_init(f, r.data(), r.size(), ns, c, st);
}
Status q15_init(dsp::SosQ15Fast& f, const std::vector<double>& r, size_t ns, int32_t* c, int32_t* st) {
    const Status s = dsp::sos_q15_fast_init(f, r.data(), r.size(), ns, c, st);
    if (s == Status::out_of_range)
        throw py::value_error("fast q15 needs stable sections with poles at least 2^-6 from z = +-1 and gains "
                              "its 16-bit signals can hold (docs/dsp.md); use the exact q15 kernel (fast=False)");
    return s;
}
Status q15_process(dsp::SosQ15& f, const int16_t* x, int16_t* y, size_t n) { return dsp::sos_q15_process(f, x, y, n); }
Status q15_process(dsp::SosQ15Fast& f, const int16_t* x, int16_t* y, size_t n) {
    return dsp::sos_q15_fast_process(f, x, y, n);
}
Status q15_process(dsp::SosQ15& f, const float* x, float* y, size_t n) {
    return dsp::sos_q15_process_floats(f, x, y, n);
}
Status q15_process(dsp::SosQ15Fast& f, const float* x, float* y, size_t n) {
    return dsp::sos_q15_fast_process_floats(f, x, y, n);
}
void q15_reset(dsp::SosQ15& f, int16_t x0) { dsp::sos_q15_reset(f, x0); }
void q15_reset(dsp::SosQ15Fast& f, int16_t x0) { dsp::sos_q15_fast_reset(f, x0); }

// q15 from float64 rows: scipy's coefficients exactly. Engine: dsp::SosQ15
// (SOSQ15) or dsp::SosQ15Fast (SOSQ15Fast: 16-bit signals, 32-bit sums).
template <typename Engine>
class SosQ15Filter {
public:
    explicit SosQ15Filter(const Rows<double>& sos) {
        size_t ns;
        const auto rows = sos_rows(sos, ns);
        coeffs_.resize(dsp::kSosQ15Coeffs * ns);
        state_.resize(dsp::sos_q15_state_size(ns));
        sos_status(q15_init(f_, rows, ns, coeffs_.data(), state_.data()));
    }
    // int16 in, int16 out; or float32 in, float32 out (is_float_data).
    py::array process(const py::object& x) {
        if (is_float_data(x)) return run<float>(x);
        return run<int16_t>(x);
    }
    // x0: a q15 value, or a float (a signal value in [-1, 1), as process takes them).
    void reset(const py::object& x0) {
        if (!py::isinstance<py::float_>(x0)) return q15_reset(f_, x0.cast<int16_t>());
        const float v = x0.cast<float>();
        int16_t q;
        check_q15_floats(dsp::q15_from_floats(&v, &q, 1), "SOSQ15");
        q15_reset(f_, q);
    }
    // Per section: the kernel's coefficient words (exact: b0 b1 b2 a1 a2 shift;
    // fast: b0, (b1, b2), (-a1, -a2), shift, residue sign and offset), for tests
    // and inspection; the exact kernel's output shift.
    py::array_t<int32_t> coeffs() const { return py::array_t<int32_t>(coeffs_.size(), coeffs_.data()); }
    uint32_t out_shift() const { return f_.out_shift; }

private:
    template <typename T>
    py::array_t<T> run(const py::object& x) {
        const auto rows = x.cast<Rows<T>>();
        size_t n;
        const T* p = vec(rows, n, "x");
        py::array_t<T> out(n);
        const Status st = q15_process(f_, p, out.mutable_data(), n);
        if constexpr (sizeof(T) == 4) check_q15_floats(st, "SOSQ15");
        else check(st, "SOSQ15");
        return out;
    }

    std::vector<int32_t> coeffs_, state_;
    Engine f_;
};
using SOSQ15 = SosQ15Filter<dsp::SosQ15>;
using SOSQ15Fast = SosQ15Filter<dsp::SosQ15Fast>;

template <typename T, typename Tap>
class FIRT {
public:
    FIRT(const Rows<float>& h, size_t decimation) {
        size_t n;
        const float* p = vec(h, n, "taps");
        taps_.resize(n);
        delay_.resize(2 * n);
        Status st;
        if constexpr (sizeof(T) == 4)
            st = dsp::fir_init(f_, p, n, decimation, taps_.data(), delay_.data());
        else
            st = dsp::fir_q15_init(f_, p, n, decimation, taps_.data(), delay_.data());
        if (st == Status::out_of_range) throw py::value_error("q15 taps must lie in [-1, 1)");
        check(st, "FIR", "need at least one tap and a decimation from 1 to 65535");
    }
    // FIRQ15 also takes float data (is_float_data), as SOSQ15.
    py::array process(const py::object& x) {
        if constexpr (sizeof(T) == 2)
            if (is_float_data(x)) return run<float>(x);
        return run<T>(x);
    }
    size_t outputs(size_t n) const { return dsp::fir_outputs(f_, n); }
    void reset() { dsp::fir_reset(f_); }

private:
    // D: the data's type, T's own or (FIRQ15) float through the q15 kernel.
    template <typename D>
    py::array_t<D> run(const py::object& x) {
        const auto rows = x.cast<Rows<D>>();
        size_t n, n_y;
        const D* p = vec(rows, n, "x");
        const size_t k = dsp::fir_outputs(f_, n);
        py::array_t<D> out(k);
        if constexpr (std::is_same_v<D, T>)
            check(dsp::fir_process(f_, p, n, out.mutable_data(), k, n_y), "FIR");
        else
            check_q15_floats(dsp::fir_q15_process_floats(f_, p, n, out.mutable_data(), k, n_y), "FIR");
        return out;
    }

    std::vector<Tap> taps_;
    std::vector<T> delay_;
    dsp::FirT<T, Tap> f_;
};

class DCT {
public:
    DCT(size_t n, size_t n_out, bool ortho) : table_(dsp::dct_table_size(n, n_out)) {
        check(dsp::dct_init(d_, n, n_out, ortho, table_.data(), table_.size()), "DCT", "need 1 <= n_out <= n <= 4096");
    }
    py::array_t<float> forward(const Rows<float>& x) const {
        py::array_t<float> out(d_.n_out);
        check(dsp::dct_forward(d_, vec_exact(x, d_.n, "x"), d_.n, out.mutable_data(), d_.n_out), "DCT");
        return out;
    }

private:
    std::vector<float> table_;
    dsp::Dct d_;
};

class Spectrogram {
public:
    explicit Spectrogram(const dsp::SpectrogramConfig& c) : mem_(dsp::spectrogram_memory_size(c)) {
        const Status st = dsp::spectrogram_init(s_, c, mem_.data(), mem_.size());
        if (st == Status::bad_parameter)
            throw py::value_error(
                "bad spectrogram parameters: n_fft a power of two from 8 to 4096, 1 <= hop <= n_fft, "
                "0 <= fmin < fmax <= sample_rate / 2, 1 <= n_mfcc <= n_mels <= 512; got n_fft=" +
                std::to_string(c.n_fft) + ", hop=" + std::to_string(c.hop) + ", sample_rate=" +
                py::str(py::float_(c.sample_rate)).cast<std::string>() + ", fmin=" +
                py::str(py::float_(c.fmin)).cast<std::string>() + ", fmax=" +
                (c.fmax == 0.0f ? std::string("sample_rate / 2")
                                : py::str(py::float_(c.fmax)).cast<std::string>()) +
                ", n_mels=" + std::to_string(c.n_mels) + ", n_mfcc=" + std::to_string(c.n_mfcc));
        check(st, "Spectrogram");
    }
    // Feeds a block; returns the completed frames, shape (n_frames, frame_size).
    // Integer samples are refused as on the device (they used to be taken as
    // raw values, 32768 times int16 PCM's scale).
    py::array_t<float> process(const py::object& given) {
        const py::array samples = py::array::ensure(given);
        if (!samples) throw py::error_already_set();
        const char kind = samples.dtype().kind();
        if (kind == 'i' || kind == 'u' || kind == 'b') throw py::type_error("x must be float samples: array('f') (int16 PCM: x / 32768, float32 in [-1, 1))");
        const Rows<float> x = Rows<float>::ensure(samples);
        if (!x) throw py::error_already_set();
        size_t n;
        const float* p = vec(x, n, "x");
        const size_t frames = dsp::spectrogram_frames(s_, n);
        py::array_t<float> out({frames, static_cast<size_t>(s_.n_out)});
        size_t got;
        check(dsp::spectrogram_process(s_, p, n, out.mutable_data(), frames * s_.n_out, got), "Spectrogram");
        return out;
    }
    size_t frames(size_t n) const { return dsp::spectrogram_frames(s_, n); }
    size_t frame_size() const { return s_.n_out; }
    void reset() { dsp::spectrogram_reset(s_); }
    py::array_t<float> window() const { return py::array_t<float>(s_.c.n_fft, s_.window); }
    py::array_t<float> mel_basis() const {
        if (s_.mel.n_mels == 0) throw py::value_error("this spectrogram has no mel filterbank");
        py::array_t<float> out({static_cast<size_t>(s_.mel.n_mels), static_cast<size_t>(s_.mel.n_bins)});
        float* o = out.mutable_data();
        std::fill(o, o + out.size(), 0.0f);
        const float* w = s_.mel.weights;
        for (uint32_t i = 0; i < s_.mel.n_mels; ++i) {
            for (uint32_t j = 0; j < s_.mel.count[i]; ++j) o[i * s_.mel.n_bins + s_.mel.start[i] + j] = w[j];
            w += s_.mel.count[i];
        }
        return out;
    }

private:
    std::vector<float> mem_;
    dsp::Spectrogram s_;
};

class Features {
public:
    Features(size_t n_samples_in, size_t n_axes_in, const Rows<float>& spec, float sample_rate) {
        const uint32_t n_samples = u32(n_samples_in, "n_samples"), n_axes = u32(n_axes_in, "n_axes");
        if (spec.ndim() != 2 || spec.shape(1) != 3) throw py::value_error("spec must have shape (n_features, 3)");
        for (ssize_t i = 0; i < spec.shape(0); ++i) {
            dsp::FeatureSpec s;
            s.kind = static_cast<dsp::Feature>(static_cast<uint32_t>(spec.at(i, 0)));
            s.a = spec.at(i, 1);
            s.b = spec.at(i, 2);
            spec_.push_back(s);
        }
        mem_.resize(dsp::features_memory_size(n_samples, spec_.data(), spec_.size()) + 1);
        const Status st = dsp::features_init(f_, n_samples, n_axes, sample_rate, spec_.data(), spec_.size(),
                                             mem_.data(), mem_.size());
        if (st == Status::out_of_range)
            throw py::value_error("percentiles must lie in [0, 100]; bands need 0 <= low < high and a sample rate");
        if (st == Status::bad_parameter)
            throw py::value_error("need 2 <= n_samples <= 65535 (<= 4096 with bands), 1 <= n_axes <= 64, 1 to 256 features");
        check(st, "Features");
    }
    // X: (n_windows, n_samples, n_axes) or (n_samples, n_axes) -> (n_windows, n_features * n_axes).
    py::array_t<float> compute(const Rows<float>& X) {
        const size_t per = static_cast<size_t>(f_.n_samples) * f_.n_axes;
        if (X.size() % per != 0 || X.size() == 0)
            throw py::value_error("X must hold whole windows of n_samples * n_axes = " + std::to_string(per) + " values");
        const size_t windows = X.size() / per, width = static_cast<size_t>(f_.n_features) * f_.n_axes;
        py::array_t<float> out({windows, width});
        for (size_t w = 0; w < windows; ++w)
            check(dsp::features_compute(f_, X.data() + w * per, per, out.mutable_data() + w * width, width), "Features");
        return out;
    }

private:
    std::vector<dsp::FeatureSpec> spec_;
    std::vector<float> mem_;
    dsp::Features f_;
};

}  // namespace

void microlearn::bindings::bind_dsp(py::module_& parent) {
    py::module_ m = parent.def_submodule("dsp", "microlearn's dsp kernels (same code as the device)");
    py::class_<FFT>(m, "FFT")
        .def(py::init<size_t>())
        .def("forward", &FFT::forward)
        .def("inverse", &FFT::inverse)
        .def("size", &FFT::size);
    py::class_<RFFT>(m, "RFFT")
        .def(py::init<size_t>())
        .def("forward", &RFFT::forward)
        .def("inverse", &RFFT::inverse)
        .def("power", &RFFT::power)
        .def("magnitude", &RFFT::magnitude)
        .def("size", &RFFT::size);
    py::class_<FFTQ15>(m, "FFTQ15")
        .def(py::init<size_t>())
        .def("forward", &FFTQ15::forward)
        .def("inverse", &FFTQ15::inverse);
    py::class_<RFFTQ15>(m, "RFFTQ15").def(py::init<size_t>()).def("forward", &RFFTQ15::forward);
    py::class_<SOS>(m, "SOS")
        .def(py::init<const Rows<float>&>())
        .def("process", &SOS::process)
        .def("reset", &SOS::reset, py::arg("x0") = 0.0f)
        .def("state", &SOS::state);
    py::class_<SOSQ15>(m, "SOSQ15")
        .def(py::init<const Rows<double>&>())
        .def("process", &SOSQ15::process)
        .def("reset", &SOSQ15::reset, py::arg("x0") = 0)
        .def("coeffs", &SOSQ15::coeffs)
        .def("out_shift", &SOSQ15::out_shift);
    py::class_<SOSQ15Fast>(m, "SOSQ15Fast")
        .def(py::init<const Rows<double>&>(), py::arg("sos"))
        .def("process", &SOSQ15Fast::process)
        .def("reset", &SOSQ15Fast::reset, py::arg("x0") = 0)
        .def("coeffs", &SOSQ15Fast::coeffs);
    using FIR = FIRT<float, float>;
    using FIRQ15 = FIRT<int16_t, int16_t>;
    py::class_<FIR>(m, "FIR")
        .def(py::init<const Rows<float>&, size_t>(), py::arg("taps"), py::arg("decimation") = 1)
        .def("process", &FIR::process)
        .def("outputs", &FIR::outputs)
        .def("reset", &FIR::reset);
    py::class_<FIRQ15>(m, "FIRQ15")
        .def(py::init<const Rows<float>&, size_t>(), py::arg("taps"), py::arg("decimation") = 1)
        .def("process", &FIRQ15::process)
        .def("outputs", &FIRQ15::outputs)
        .def("reset", &FIRQ15::reset);
    py::class_<DCT>(m, "DCT")
        .def(py::init<size_t, size_t, bool>(), py::arg("n"), py::arg("n_out"), py::arg("ortho"))
        .def("forward", &DCT::forward);
    py::class_<Spectrogram>(m, "Spectrogram")
        .def(py::init([](size_t n_fft, size_t hop, uint32_t window, uint32_t output, float sample_rate,
                         size_t n_mels, float fmin, float fmax, bool htk, bool slaney_norm, size_t n_mfcc,
                         bool center) {
                 dsp::SpectrogramConfig c;
                 c.n_fft = u32(n_fft, "n_fft");
                 c.hop = u32(hop, "hop");
                 c.window = static_cast<dsp::Window>(window);
                 c.output = static_cast<dsp::SpecOutput>(output);
                 c.sample_rate = sample_rate;
                 c.n_mels = u32(n_mels, "n_mels");
                 c.fmin = fmin;
                 c.fmax = fmax;
                 c.htk = htk;
                 c.slaney_norm = slaney_norm;
                 c.n_mfcc = u32(n_mfcc, "n_mfcc");
                 c.center = center;
                 return new Spectrogram(c);
             }),
             py::arg("n_fft"), py::arg("hop"), py::arg("window"), py::arg("output"), py::arg("sample_rate"),
             py::arg("n_mels"), py::arg("fmin"), py::arg("fmax"), py::arg("htk"), py::arg("slaney_norm"),
             py::arg("n_mfcc"), py::arg("center"))
        .def("process", &Spectrogram::process)
        .def("frames", &Spectrogram::frames)
        .def("frame_size", &Spectrogram::frame_size)
        .def("reset", &Spectrogram::reset)
        .def("window", &Spectrogram::window)
        .def("mel_basis", &Spectrogram::mel_basis);
    py::class_<Features>(m, "Features")
        .def(py::init<size_t, size_t, const Rows<float>&, float>())
        .def("compute", &Features::compute);
}
