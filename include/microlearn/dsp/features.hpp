// Windowed features for activity recognition: one call turns a multi-axis
// window (n_samples rows of n_axes values, interleaved as an accelerometer
// gives them: x y z x y z ...) into a configured feature vector.
//
//   dsp::FeatureSpec spec[] = {{dsp::Feature::mean}, {dsp::Feature::percentile, 75},
//                              {dsp::Feature::band_energy, 0.5f, 3.0f}};
//   float mem[dsp::features_memory_size(n_samples, spec, 3)];
//   dsp::Features f; dsp::features_init(f, n_samples, n_axes, sample_rate, spec, 3, mem, size);
//   dsp::features_compute(f, window, n_samples * n_axes, out, 3 * n_axes);
//
// out is feature-major: out[i * n_axes + a] is feature i of axis a. Per axis
// (population statistics, as numpy / scipy.stats with bias=True):
//   mean, std (ddof 0), min, max, rms = sqrt(mean(x^2)), ptp = max - min,
//   crossings = #{t >= 1 : (x[t-1] >= mean) != (x[t] >= mean)},
//   skew = m3 / m2^1.5, kurtosis = m4 / m2^2 - 3 (Fisher; both 0 when m2 = 0),
//   percentile p = numpy.percentile(x, p) (linear interpolation),
//   band_energy [lo, hi) Hz = sum over bins k with lo <= k sr / n_fft < hi of
//     |rfft(x, n_fft)[k]|^2 / n_samples, n_fft = next power of two >= max(n_samples, 8)
//     (zero-padded, mean not removed).
// The spec, the twiddles and the scratch live in caller memory.
#pragma once
#include "fft.hpp"

namespace microlearn {
namespace dsp {

enum class Feature : uint32_t {
    mean = 0,
    std = 1,
    min = 2,
    max = 3,
    rms = 4,
    ptp = 5,
    crossings = 6,
    skew = 7,
    kurtosis = 8,
    percentile = 9,   // a = p in [0, 100]
    band_energy = 10, // a = low Hz, b = high Hz
    count_ = 11
};

struct FeatureSpec {
    Feature kind = Feature::mean;
    float a = 0.0f;
    float b = 0.0f;
};

struct Features {
    uint32_t n_samples = 0, n_axes = 0, n_features = 0, n_fft = 0;
    float sample_rate = 0.0f;
    bool needs_sort = false, needs_fft = false;
    const FeatureSpec* spec = nullptr;
    Rfft rfft;
    float* sorted = nullptr;  // n_samples
    float* work = nullptr;    // n_fft + 2
};

inline uint32_t features_fft_size(uint32_t n_samples) {
    uint32_t n = kMinFftSize;
    while (n < n_samples && n < 0x80000000u) n <<= 1;  // no wrap to 0 (and endless loop) past 2^31
    return n;
}

inline bool spec_needs(const FeatureSpec* spec, size_t n, Feature kind) {
    for (size_t i = 0; i < n; ++i)
        if (spec[i].kind == kind) return true;
    return false;
}

// Floats of caller memory features_init needs.
inline size_t features_memory_size(uint32_t n_samples, const FeatureSpec* spec, size_t n_spec) {
    size_t total = 0;
    if (spec == nullptr || n_samples > 65535) return 0;
    if (spec_needs(spec, n_spec, Feature::percentile)) total += n_samples;
    if (spec_needs(spec, n_spec, Feature::band_energy)) {
        const uint32_t n_fft = features_fft_size(n_samples);
        total += n_fft + n_fft + 2;
    }
    return total;
}

namespace detail {

inline Status features_setup(Features& f, uint32_t n_samples, uint32_t n_axes, float sample_rate,
                            const FeatureSpec* spec, size_t n_spec, float* mem, size_t mem_size) {
    if (spec == nullptr || (mem == nullptr && mem_size != 0)) return Status::bad_argument;
    if (n_samples < 2 || n_samples > 65535 || n_axes == 0 || n_axes > 64 || n_spec == 0 || n_spec > 256)
        return Status::bad_parameter;
    for (size_t i = 0; i < n_spec; ++i) {
        const FeatureSpec& s = spec[i];
        if (static_cast<uint32_t>(s.kind) >= static_cast<uint32_t>(Feature::count_)) return Status::bad_parameter;
        if (s.kind == Feature::percentile && !(s.a >= 0.0f && s.a <= 100.0f)) return Status::out_of_range;
        if (s.kind == Feature::band_energy && !(sample_rate > 0.0f && s.a >= 0.0f && s.b > s.a))
            return Status::out_of_range;
    }
    if (mem_size < features_memory_size(n_samples, spec, n_spec)) return Status::size_mismatch;
    f.n_samples = n_samples;
    f.n_axes = n_axes;
    f.n_features = static_cast<uint32_t>(n_spec);
    f.sample_rate = sample_rate;
    f.spec = spec;
    f.needs_sort = spec_needs(spec, n_spec, Feature::percentile);
    f.needs_fft = spec_needs(spec, n_spec, Feature::band_energy);
    float* p = mem;
    if (f.needs_sort) {
        f.sorted = p;
        p += n_samples;
    }
    if (f.needs_fft) {
        f.n_fft = features_fft_size(n_samples);
        if (f.n_fft > kMaxFftSize) return Status::bad_parameter;
        const Status st = rfft_init(f.rfft, f.n_fft, p, f.n_fft);
        if (st != Status::ok) return st;
        p += f.n_fft;
        f.work = p;
    }
    return Status::ok;
}

}  // namespace detail

// A failed init leaves f empty, so compute() refuses it rather than run on
// a half-set-up object (a window too long for the FFT is found late).
inline Status features_init(Features& f, uint32_t n_samples, uint32_t n_axes, float sample_rate,
                            const FeatureSpec* spec, size_t n_spec, float* mem, size_t mem_size) {
    f = Features{};
    const Status st = detail::features_setup(f, n_samples, n_axes, sample_rate, spec, n_spec, mem, mem_size);
    if (st != Status::ok) f = Features{};
    return st;
}

namespace detail {

// In-place heapsort (ascending): no recursion, no allocation.
inline void sift_down(float* a, uint32_t root, uint32_t n) {
    for (;;) {
        uint32_t child = 2 * root + 1;
        if (child >= n) return;
        if (child + 1 < n && a[child + 1] > a[child]) ++child;
        if (!(a[child] > a[root])) return;
        const float t = a[root];
        a[root] = a[child];
        a[child] = t;
        root = child;
    }
}

inline void heapsort(float* a, uint32_t n) {
    for (uint32_t i = n / 2; i-- > 0;) sift_down(a, i, n);
    for (uint32_t end = n; end-- > 1;) {
        const float t = a[0];
        a[0] = a[end];
        a[end] = t;
        sift_down(a, 0, end);
    }
}

// True if one of n values, `stride` apart, is NaN (integer tests only).
inline bool has_nan(const float* x, uint32_t n, uint32_t stride) {
    for (uint32_t t = 0; t < n; ++t)
        if (math::is_nan_bits(math::to_bits(x[t * stride]))) return true;
    return false;
}

// numpy.percentile(sorted, p), method 'linear'.
inline float percentile_sorted(const float* s, uint32_t n, float p) {
    const float pos = p * 0.01f * static_cast<float>(n - 1);
    uint32_t i = static_cast<uint32_t>(pos);
    if (i >= n - 1) return s[n - 1];
    const float t = pos - static_cast<float>(i);
    const float d = s[i + 1] - s[i];
    return t >= 0.5f ? s[i + 1] - d * (1.0f - t) : s[i] + d * t;
}

}  // namespace detail

// x: n_samples * n_axes floats; out: n_features * n_axes floats.
inline Status features_compute(Features& f, const float* x, size_t n_x, float* out, size_t n_out) {
    if (f.n_samples == 0 || x == nullptr || out == nullptr) return Status::bad_argument;
    if (n_x != static_cast<size_t>(f.n_samples) * f.n_axes || n_out < static_cast<size_t>(f.n_features) * f.n_axes)
        return Status::size_mismatch;
    const uint32_t n = f.n_samples, axes = f.n_axes;
    const float inv_n = math::quotient(1.0f, static_cast<float>(n));
    for (uint32_t a = 0; a < axes; ++a) {
        // Two passes over values shifted by the first sample: a constant
        // window sums exact zeros (mean exact; std, skew, kurtosis exactly
        // 0), and an offset one (9.81 +- 0.02) keeps the digits of its spread.
        const float k0 = x[a];
        float sum = 0.0f, lo = k0, hi = k0;
        for (uint32_t t = 0; t < n; ++t) {
            const float v = x[t * axes + a];
            sum += v - k0;
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
        // A NaN makes the sum NaN (so does +inf beside -inf): only then look
        // for one. An axis holding a NaN gives NaN for every feature, as
        // numpy's mean, min, max and percentile do (min/max compares above
        // would skip it).
        if (__builtin_expect(math::is_nan_bits(math::to_bits(sum)), 0) && detail::has_nan(x + a, n, axes)) {
            for (uint32_t i = 0; i < f.n_features; ++i) out[i * axes + a] = math::from_bits(0x7FC00000u);
            continue;
        }
        const float shifted_mean = sum * inv_n, mean = k0 + shifted_mean;
        float m2 = 0.0f, m3 = 0.0f, m4 = 0.0f;
        uint32_t crossings = 0;
        bool prev = x[a] >= mean;
        for (uint32_t t = 0; t < n; ++t) {
            const float v = x[t * axes + a];
            const float d = (v - k0) - shifted_mean, d2 = d * d;
            m2 += d2;
            m3 += d2 * d;
            m4 += d2 * d2;
            const bool above = v >= mean;
            crossings += above != prev;
            prev = above;
        }
        m2 *= inv_n;
        m3 *= inv_n;
        m4 *= inv_n;
        if (f.needs_sort) {
            for (uint32_t t = 0; t < n; ++t) f.sorted[t] = x[t * axes + a];
            detail::heapsort(f.sorted, n);
        }
        if (f.needs_fft) {
            for (uint32_t t = 0; t < n; ++t) f.work[t] = x[t * axes + a];
            for (uint32_t t = n; t < f.n_fft; ++t) f.work[t] = 0.0f;
            rfft_power(f.rfft, f.work, f.n_fft, f.work, f.n_fft + 2);
        }
        const float sd = math::sqrt(m2);
        for (uint32_t i = 0; i < f.n_features; ++i) {
            const FeatureSpec& s = f.spec[i];
            float v = 0.0f;
            // An if chain, not a switch: jump tables carry absolute
            // relocations that armv6m native modules cannot hold.
            const Feature k = s.kind;
            if (k == Feature::mean) {
                v = mean;
            } else if (k == Feature::std) {
                v = sd;
            } else if (k == Feature::min) {
                v = lo;
            } else if (k == Feature::max) {
                v = hi;
            } else if (k == Feature::rms) {
                v = math::sqrt(m2 + mean * mean);
            } else if (k == Feature::ptp) {
                v = hi - lo;
            } else if (k == Feature::crossings) {
                v = static_cast<float>(crossings);
            } else if (k == Feature::skew) {
                v = m2 > 0.0f ? math::quotient(m3, m2 * sd) : 0.0f;
            } else if (k == Feature::kurtosis) {
                v = m2 > 0.0f ? math::quotient(m4, m2 * m2) - 3.0f : 0.0f;
            } else if (k == Feature::percentile) {
                v = detail::percentile_sorted(f.sorted, n, s.a);
            } else if (k == Feature::band_energy) {
                const float bin_hz = math::quotient(f.sample_rate, static_cast<float>(f.n_fft));
                float e = 0.0f;
                for (uint32_t b = 0; b <= f.n_fft / 2; ++b) {
                    const float hz = bin_hz * static_cast<float>(b);
                    if (hz >= s.a && hz < s.b) e += f.work[b];
                }
                v = e * inv_n;
            }
            out[i * axes + a] = v;
        }
    }
    return Status::ok;
}

}  // namespace dsp
}  // namespace microlearn
