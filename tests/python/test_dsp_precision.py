"""Precision edges of the dsp kernels: windowed features of constant and
offset windows (scipy.stats in float64), log-mel / MFCC of bands far below a
frame's peak (librosa in float64): the bounds docs/dsp.md states."""
import librosa
import numpy as np
import pytest
import scipy.fft
import scipy.signal
import scipy.stats

from microlearn import dsp

STATS = ["mean", "std", "skew", "kurtosis", "rms", "crossings"]


@pytest.mark.parametrize("value", [3.0, 9.81, -1234.5678, 1e-3, 0.1])
@pytest.mark.parametrize("n", [16, 100, 128, 1000])
def test_constant_windows_give_exact_zeros(value, n):
    # A float32 mean of n equal values is not exactly the value (9.81 * 100
    # / 100 rounds), which used to leave std > 0, skew +-1, kurtosis -2.
    got = dsp.Features(n, 2, STATS).compute(np.full((n, 2), value, np.float32))[0]
    v = np.float32(value)
    np.testing.assert_array_equal(got, [v, v, 0, 0, 0, 0, 0, 0, abs(v), abs(v), 0, 0])


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("offset,spread", [(9.81, 0.02), (-273.15, 0.5), (1000.0, 1.0), (0.0, 1.0)])
def test_offset_windows_match_scipy_stats(offset, spread, seed):
    rng = np.random.default_rng(seed)
    x = (offset + spread * rng.standard_normal((128, 3))).astype(np.float32)
    got = dsp.Features(128, 3, STATS[:5]).compute(x)[0].reshape(5, 3)
    xd = x.astype(np.float64)
    ref = [xd.mean(0), xd.std(0), scipy.stats.skew(xd), scipy.stats.kurtosis(xd), np.sqrt((xd ** 2).mean(0))]
    for name, g, r in zip(STATS, got, ref):
        tol = 1e-5 * max(1.0, float(np.max(np.abs(r)))) if name in ("mean", "rms") else 1e-5
        assert np.max(np.abs(g - r)) < tol, (name, g, r)


# log-mel: every power bin carries float32 FFT rounding of about 9 eps of the
# frame's largest bin (librosa's numpy FFT runs in float64), so a band
# P_band below the frame's peak bin P_peak errs by up to
#   5e-6 * sqrt(P_peak / P_band) dB   (+ 1e-4 dB),
# e.g. 0.005 dB at 60 dB below the peak, 0.05 dB at 80 dB.
SR = 16000


def signals():
    rng = np.random.default_rng(0)
    t = np.arange(SR) / SR
    yield "tone + faint noise", 0.5 * np.sin(2 * np.pi * 440 * t) + 1e-4 * rng.standard_normal(len(t))
    yield "tone + fainter noise", 0.5 * np.sin(2 * np.pi * 3000 * t) + 1e-6 * rng.standard_normal(len(t))
    lowpass = scipy.signal.butter(8, 0.05, output="sos")
    yield "low-passed noise", scipy.signal.sosfilt(lowpass, rng.standard_normal(len(t)))
    yield "speech-like", np.sin(2 * np.pi * 150 * t) * (1 + np.sin(2 * np.pi * 3 * t)) + 1e-3 * rng.standard_normal(len(t))


def log_mel_reference(y, n_fft, hop, n_mels):
    S = np.abs(librosa.stft(y.astype(np.float64), n_fft=n_fft, hop_length=hop, window="hann", center=False)) ** 2
    M = librosa.feature.melspectrogram(S=S, sr=SR, n_mels=n_mels).T
    return 10 * np.log10(np.maximum(M, 1e-10)), S.T.max(axis=1, keepdims=True), M


@pytest.mark.parametrize("n_fft", [512, 1024])
def test_log_mel_far_below_the_peak_within_documented_bound(n_fft):
    for name, y in signals():
        y = y.astype(np.float32)
        got = dsp.Spectrogram(n_fft, n_fft // 2, "hann", "log_mel", SR, 40).process(y)
        ref, peak, mel = log_mel_reference(y, n_fft, n_fft // 2, 40)
        ref, peak, mel = ref[:len(got)], peak[:len(got)], mel[:len(got)]
        bound = 5e-6 * np.sqrt(peak / np.maximum(mel, 1e-10)) + 1e-4
        assert np.all(np.abs(got - ref) <= bound), (name, float(np.max(np.abs(got - ref) - bound)))
        # MFCC: an orthonormal DCT of log-mel, so within the bound's 2-norm.
        mfcc = dsp.Spectrogram(n_fft, n_fft // 2, "hann", "mfcc", SR, 40, n_mfcc=13).process(y)
        mref = scipy.fft.dct(ref, type=2, norm="ortho", axis=1)[:, :13]
        assert np.all(np.abs(mfcc - mref) <= np.sqrt((bound ** 2).sum(axis=1, keepdims=True)) + 1e-4), name
