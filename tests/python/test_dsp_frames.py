"""Spectrograms against librosa, windowed features against numpy / scipy."""
import librosa
import numpy as np
import pytest
import scipy.signal
import scipy.stats

from microlearn import dsp


SR = 16000


def audio(seconds=1.0, seed=0):
    t = np.arange(int(SR * seconds)) / SR
    rng = np.random.default_rng(seed)
    y = 0.5 * np.sin(2 * np.pi * 440 * t) + 0.2 * np.sin(2 * np.pi * 3000 * t) + 0.05 * rng.standard_normal(len(t))
    return y.astype(np.float32)


@pytest.mark.parametrize("window", ["hann", "hamming", "blackman"])
@pytest.mark.parametrize("n_fft", [8, 512, 4096])
def test_windows_match_scipy(window, n_fft):
    s = dsp.Spectrogram(n_fft, n_fft // 2, window, "power")
    np.testing.assert_allclose(s.window(), scipy.signal.get_window(window, n_fft, fftbins=True), atol=2e-7)


@pytest.mark.parametrize("htk", [False, True])
@pytest.mark.parametrize("norm", ["slaney", None])
@pytest.mark.parametrize("n_fft,n_mels,fmin,fmax", [(512, 40, 0.0, None), (1024, 64, 20.0, 7600.0), (256, 20, 300.0, 4000.0)])
def test_mel_basis_matches_librosa(htk, norm, n_fft, n_mels, fmin, fmax):
    s = dsp.Spectrogram(n_fft, n_fft // 2, "hann", "mel", SR, n_mels, fmin, fmax, htk, norm)
    ref = librosa.filters.mel(sr=SR, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax, htk=htk, norm=norm)
    assert np.max(np.abs(s.mel_basis() - ref)) <= 1e-5 * np.max(np.abs(ref))


@pytest.mark.parametrize("sr,n_fft,n_mels,fmin,fmax,htk", [
    (22050, 2048, 128, 0.0, None, False), (16000, 512, 40, 7000.0, 8000.0, False),
    (16000, 512, 40, 7000.0, 8000.0, True), (16000, 4096, 40, 7900.0, 8000.0, False),
    (16000, 4096, 128, 100.0, 200.0, True), (16000, 4096, 128, 4000.0, 8000.0, False),
    (16000, 512, 300, 0.0, None, False),  # 300 > 257 bins: librosa's empty bands, empty here too
    (16000, 512, 10, 7999.0, 8000.0, False)])  # all empty in librosa: the Nyquist bin took a weight past fmax
def test_narrow_mel_bands_keep_the_float32_edge_bound(sr, n_fft, n_mels, fmin, fmax, htk):
    """docs/dsp.md: the basis is within max(1e-5, 8 * 2^-24 * f_max / df) of
    its maximum, df the narrowest gap between the mel edges (float32 edges)."""
    s = dsp.Spectrogram(n_fft, n_fft // 2, "hann", "mel", sr, n_mels, fmin, fmax, htk)
    ref = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax, htk=htk)
    edges = librosa.mel_frequencies(n_mels + 2, fmin=fmin, fmax=fmax or sr / 2, htk=htk)
    bound = max(1e-5, 8 * 2.0 ** -24 * edges.max() / np.diff(edges).min())
    assert np.max(np.abs(s.mel_basis() - ref)) <= bound * np.max(ref)
    assert ((s.mel_basis() > 0).any(axis=1) == (ref > 0).any(axis=1)).all()


def librosa_frames(y, output, n_fft, hop, window, center, n_mels=40, n_mfcc=13, htk=False):
    S = np.abs(librosa.stft(y, n_fft=n_fft, hop_length=hop, window=window, center=center, pad_mode="constant"))
    if output == "power":
        return (S ** 2).T
    if output == "magnitude":
        return S.T
    M = librosa.feature.melspectrogram(S=S ** 2, sr=SR, n_mels=n_mels, htk=htk)
    if output == "mel":
        return M.T
    L = librosa.power_to_db(M, top_db=None)
    if output == "log_mel":
        return L.T
    return librosa.feature.mfcc(S=L, n_mfcc=n_mfcc).T


@pytest.mark.parametrize("output", ["power", "magnitude", "mel", "log_mel", "mfcc"])
@pytest.mark.parametrize("center", [False, True])
@pytest.mark.parametrize("window", ["hann", "hamming"])
def test_streaming_spectrogram_matches_librosa(output, center, window):
    y = audio()
    n_fft, hop = 512, 160
    s = dsp.Spectrogram(n_fft, hop, window, output, SR, 40, center=center)
    # Blocks of awkward sizes: frames come out as soon as they are complete.
    blocks = np.split(y, [1, 100, 1000, 1001, 7000])
    assert s.frames(len(blocks[0])) == 0
    got = np.concatenate([s.process(b) for b in blocks])
    ref = librosa_frames(y, output, n_fft, hop, window, center)
    n_expected = 1 + (len(y) - n_fft) // hop if not center else 1 + (len(y) + n_fft // 2 - n_fft) // hop
    assert got.shape == (n_expected, s.frame_size())
    ref = ref[: len(got)]
    # Tolerance: 1e-5 of the largest value of the spectrogram (float32 vs float64).
    assert np.max(np.abs(got - ref)) <= 1e-5 * np.max(np.abs(ref)), output
    s.reset()
    np.testing.assert_array_equal(s.process(y), got)


def test_mfcc_htk_and_sizes():
    y = audio(0.5, seed=1)
    s = dsp.Spectrogram(1024, 512, "hann", "mfcc", SR, n_mels=64, htk=True, n_mfcc=20)
    got = s.process(y)
    ref = librosa_frames(y, "mfcc", 1024, 512, "hann", False, n_mels=64, n_mfcc=20, htk=True)
    assert np.max(np.abs(got - ref)) <= 1e-5 * np.max(np.abs(ref))


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_a_nan_or_inf_sample_makes_its_frames_nan_not_silence(bad):
    """librosa.power_to_db's np.maximum(amin, S) keeps a NaN band NaN; the
    floor read it as -100 dB (silence) and MFCC as ordinary numbers."""
    y = audio(0.25)
    y[1000] = bad
    n_fft, hop = 512, 128
    covering = [t for t in range(1 + (len(y) - n_fft) // hop) if t * hop <= 1000 < t * hop + n_fft]
    for output in ("mel", "log_mel", "mfcc"):
        got = dsp.Spectrogram(n_fft, hop, "hann", output, SR).process(y)
        assert np.flatnonzero(np.isnan(got).any(axis=1)).tolist() == covering, output
        assert np.isnan(got[covering]).all() and np.isfinite(np.delete(got, covering, axis=0)).all(), output
    assert np.isnan(librosa.power_to_db(np.array([np.nan, 1.0]), top_db=None)[0])  # (librosa.stft refuses them)


def test_spectrogram_rejects_bad_parameters():
    with pytest.raises(ValueError, match="window"):
        dsp.Spectrogram(512, 128, "kaiser")
    # The message names what is expected and what was given.
    with pytest.raises(ValueError, match="power of two.*got n_fft=500, hop=128"):
        dsp.Spectrogram(500, 128)
    with pytest.raises(ValueError, match="hop <= n_fft.*got n_fft=512, hop=1024"):
        dsp.Spectrogram(512, 1024)
    with pytest.raises(ValueError, match="n_mfcc <= n_mels.*n_mels=10, n_mfcc=20"):
        dsp.Spectrogram(512, 128, output="mfcc", n_mels=10, n_mfcc=20)
    with pytest.raises(ValueError, match="fmax <= sample_rate / 2.*sample_rate=16000.0, fmin=0.0, fmax=16000.0"):
        dsp.Spectrogram(512, 128, output="mel", fmax=SR)


FEATURES = ["mean", "std", "min", "max", "rms", "ptp", "crossings", "skew", "kurtosis", "p5", "p50",
            ("percentile", 90), ("band_energy", 0.5, 3.0), ("band_energy", 3, 12.5)]


def reference_features(w, rate):
    cols = []
    n = len(w)
    n_fft = max(8, 1 << (n - 1).bit_length())
    for f in FEATURES:
        for a in range(w.shape[1]):
            x = w[:, a].astype(np.float64)
            m = x.mean()
            name = f if isinstance(f, str) else f[0]
            if name == "mean": v = m
            elif name == "std": v = x.std()
            elif name == "min": v = x.min()
            elif name == "max": v = x.max()
            elif name == "rms": v = np.sqrt(np.mean(x ** 2))
            elif name == "ptp": v = np.ptp(x)
            elif name == "crossings":
                s = x >= m
                v = np.sum(s[1:] != s[:-1])
            elif name == "skew": v = scipy.stats.skew(x)
            elif name == "kurtosis": v = scipy.stats.kurtosis(x)
            elif name == "percentile": v = np.percentile(x, f[1])
            elif name.startswith("p"): v = np.percentile(x, float(name[1:]))
            else:
                P = np.abs(np.fft.rfft(x, n_fft)) ** 2
                hz = np.arange(n_fft // 2 + 1) * rate / n_fft
                v = P[(hz >= f[1]) & (hz < f[2])].sum() / n
            cols.append(v)
    return np.array(cols)


@pytest.mark.parametrize("n_samples,n_axes", [(128, 3), (100, 1), (50, 6), (3, 2)])  # 3: an 8-point FFT
def test_features_match_numpy(n_samples, n_axes):
    rng = np.random.default_rng(n_samples)
    X = (rng.standard_normal((4, n_samples, n_axes)) * 2 + 1).astype(np.float32)
    f = dsp.Features(n_samples, n_axes, FEATURES, sample_rate=50)
    got = f.compute(X)
    ref = np.array([reference_features(w, 50) for w in X])
    assert got.shape == (4, len(FEATURES) * n_axes)
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(f.compute(X[0]), ref[:1], rtol=1e-5, atol=1e-5)
    assert len(f.names()) == got.shape[1]


def test_features_constant_window():
    f = dsp.Features(16, 1, ["std", "skew", "kurtosis", "crossings", "p50"])
    np.testing.assert_array_equal(f.compute(np.full((16, 1), 3.0, np.float32)), [[0, 0, 0, 0, 3]])


def test_features_nan_in_an_axis_makes_its_features_nan():
    # numpy's mean/min/max/percentile of a window with a NaN are NaN; min,
    # max and percentiles used to skip it. Other axes are unaffected.
    rng = np.random.default_rng(7)
    w = rng.standard_normal((32, 3)).astype(np.float32)
    w[5, 1] = np.nan
    w[0, 2] = np.inf  # inf is not NaN: min/max/percentiles as numpy's
    f = dsp.Features(32, 3, FEATURES, sample_rate=50)
    got = f.compute(w)[0].reshape(len(FEATURES), 3)
    ref = reference_features(w, 50).reshape(len(FEATURES), 3)
    assert np.isnan(got[:, 1]).all()
    np.testing.assert_allclose(got[:, 0], ref[:, 0], rtol=1e-5, atol=1e-5)
    for name, g, r in zip(FEATURES, got[:, 2], ref[:, 2]):
        if name in ("min", "max", "p5", "p50") or (isinstance(name, tuple) and name[0] == "percentile"):
            np.testing.assert_allclose(g, r, rtol=1e-6, err_msg=str(name))


def test_features_reject_bad_spec():
    with pytest.raises(ValueError, match="feature must be one of"):
        dsp.Features(16, 3, ["median"])
    with pytest.raises(ValueError, match="percentiles"):
        dsp.Features(16, 3, ["p150"])
    with pytest.raises(ValueError, match="bands"):
        dsp.Features(16, 3, [("band_energy", 1, 2)])  # no sample rate
