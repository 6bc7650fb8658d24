"""Sizes on the host: the engine validates them (the bindings allocate what
its size queries say, 0 for a refused size) and its refusal comes back as a
ValueError naming the rule, also for sizes no memory could hold."""
import pytest

from microlearn import dsp


@pytest.mark.parametrize("make, message", [
    (lambda: dsp.RFFT(2 ** 40), "power of two from 8 to 4096"),  # was a MemoryError (allocated first)
    (lambda: dsp.FFT(2 ** 32 + 8), "power of two from 8 to 4096"),
    (lambda: dsp.FFTQ15(12), "power of two from 8 to 4096"),
    (lambda: dsp.RFFTQ15(8192), "power of two from 8 to 4096"),
    (lambda: dsp.DCT(2 ** 31, 2 ** 31), "n_out <= n <= 4096"),
    (lambda: dsp.DCT(10, 11), "n_out <= n <= 4096"),
    (lambda: dsp.FIR([], 1), "at least one tap"),
    (lambda: dsp.FIR([0.5], 2 ** 40), "decimation from 1 to 65535"),
    (lambda: dsp.Spectrogram(2 ** 31), "power of two from 8 to 4096"),
    (lambda: dsp.Spectrogram(512, output="mel", n_mels=2 ** 31), "n_mels <= 512"),
])
def test_refused_sizes_are_value_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize("make, message", [
    (lambda: dsp.Spectrogram(2 ** 33), "n_fft out of range"),  # was a TypeError (uint32 argument)
    (lambda: dsp.Features(2 ** 32 + 128, 3, ["mean"]), "n_samples out of range"),
    (lambda: dsp.Features(70000, 3, ["mean"]), "n_samples <= 65535"),
])
def test_sizes_beyond_uint32_are_value_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()
