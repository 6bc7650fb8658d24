"""The dsp C API as C firmware uses it (microlearn.h + src/microlearn_c.cpp,
compiled here): q15 SOS from float64 rows, steady-state reset, empty blocks,
the fast q15 SOS (a refusal, float rows) and size queries, against the host
engine and scipy."""
import subprocess
from pathlib import Path

import numpy as np
import scipy.signal as ss

from microlearn import dsp

ROOT = Path(__file__).resolve().parents[2]

PROGRAM = r"""
#include <stdio.h>
#include <stdlib.h>
#include "microlearn/microlearn.h"

#define N_SECTIONS 4
#define N 600

int main(void) {
    double sos[6 * N_SECTIONS];
    int16_t x[N], y[N];
    if (fread(sos, sizeof sos, 1, stdin) != 1 || fread(x, sizeof x, 1, stdin) != 1) return 2;
    int32_t coeffs[6 * N_SECTIONS], state[3 * N_SECTIONS + 2];
    ml_sos_t f;
    if (ml_sos_q15_init_f64(&f, sos, 6 * N_SECTIONS, N_SECTIONS, coeffs, state) != ML_OK) return 3;
    if (ml_sos_q15_process(&f, x, y, 200) != ML_OK) return 4;
    if (ml_sos_q15_process(&f, NULL, NULL, 0) != ML_OK) return 5;  /* an empty block: no-op */
    if (ml_sos_q15_process(&f, x + 200, y + 200, N - 200) != ML_OK) return 6;
    fwrite(y, sizeof y, 1, stdout);
    ml_sos_q15_reset(&f, x[0]);  /* steady state of a constant x[0] */
    if (ml_sos_q15_process(&f, x, y, N) != ML_OK) return 7;
    fwrite(y, sizeof y, 1, stdout);

    float rows[6 * N_SECTIONS], fc[5 * N_SECTIONS], fs[2 * N_SECTIONS], xf[N];
    for (int i = 0; i < 6 * N_SECTIONS; ++i) rows[i] = (float)sos[i];
    for (int i = 0; i < N; ++i) xf[i] = x[i] / 32768.0f;
    if (ml_sos_init(&f, rows, 6 * N_SECTIONS, N_SECTIONS, fc, fs) != ML_OK) return 8;
    if (ml_sos_process(&f, NULL, NULL, 0) != ML_OK) return 9;
    ml_sos_reset(&f, 0.25f);
    if (ml_sos_process(&f, xf, xf, N) != ML_OK) return 10;
    fwrite(xf, sizeof xf, 1, stdout);

    const float h[3] = {0.25f, 0.5f, 0.25f};
    float taps[3], delay[6];
    ml_fir_t fir;
    size_t n_y = 99;
    if (ml_fir_init(&fir, h, 3, 2, taps, delay) != ML_OK) return 11;
    if (ml_fir_process(&fir, NULL, 0, NULL, 0, &n_y) != ML_OK || n_y != 0) return 12;

    /* Size queries say 0 for what init refuses. */
    if (ml_fft_twiddle_size(100) != 0 || ml_fft_twiddle_size(1024) != 1024) return 13;
    if (ml_dct_table_size(40, 13) != 520 || ml_dct_table_size(5000, 13) != 0 || ml_dct_table_size(10, 11) != 0) return 14;
    ml_spectrogram_config_t c = {512, 256, 1, 3, 40, 13, 0, 1, 0, 16000.0f, 0.0f, 0.0f};
    if (ml_spectrogram_memory_size(&c) == 0) return 15;
    c.n_fft = 500;
    if (ml_spectrogram_memory_size(&c) != 0) return 16;

    /* The fast q15 SOS refuses this narrow design (poles within 2^-6 of z = 1) and
     * takes butter(4, 0.1) from float rows. */
    if (ml_sos_q15_fast_init_f64(&f, sos, 6 * N_SECTIONS, N_SECTIONS, coeffs, state) != ML_OUT_OF_RANGE) return 17;
    static const float low[12] = {0.00041659920440659937f, 0.0008331984088131987f, 0.00041659920440659937f, 1.0f,
                                  -1.4796742169311934f, 0.5558215432824889f,
                                  1.0f, 2.0f, 1.0f, 1.0f, -1.7009643319435257f, 0.7884997398152979f};
    if (ml_sos_q15_fast_init(&f, low, 12, 2, coeffs, state) != ML_OK) return 18;
    ml_sos_q15_fast_reset(&f, x[0]);
    if (ml_sos_q15_fast_process(&f, NULL, NULL, 0) != ML_OK) return 19;
    if (ml_sos_q15_fast_process(&f, x, y, N) != ML_OK) return 20;
    fwrite(y, sizeof y, 1, stdout);
    return 0;
}
"""


def test_c_api_sos_q15_reset_and_empty_blocks(tmp_path):
    include = ROOT / "include"
    (tmp_path / "dsp.c").write_text(PROGRAM)
    subprocess.run(["g++", "-std=c++17", "-O2", "-Wall", "-Wextra", "-Werror", f"-I{include}", "-c",
                    str(ROOT / "src/microlearn_c.cpp"), "-o", str(tmp_path / "ml.o")], check=True)
    subprocess.run(["gcc", "-std=c11", "-Wall", "-Wextra", "-Werror", f"-I{include}", str(tmp_path / "dsp.c"),
                    str(tmp_path / "ml.o"), "-o", str(tmp_path / "dsp")], check=True)
    sos = ss.butter(8, 0.035, output="sos")
    x = (np.random.default_rng(0).uniform(-0.5, 0.5, 600) * 32768).astype(np.int16)
    out = subprocess.run([str(tmp_path / "dsp")], input=sos.astype("<f8").tobytes() + x.tobytes(),
                         capture_output=True)
    assert out.returncode == 0, out.returncode
    y, yzi = np.frombuffer(out.stdout[:1200], np.int16), np.frombuffer(out.stdout[1200:2400], np.int16)
    yf = np.frombuffer(out.stdout[2400:4800], np.float32)
    f = dsp.SOS(sos, q15=True)
    np.testing.assert_array_equal(y, f.process(x))  # the host's engine, exactly
    f.reset(int(x[0]))
    np.testing.assert_array_equal(yzi, f.process(x))
    ref, _ = ss.sosfilt(sos, x / 32768.0, zi=ss.sosfilt_zi(sos) * (x[0] / 32768.0))
    assert np.max(np.abs(yzi - np.round(ref * 32768))) <= 2
    g = dsp.SOS(sos)
    g.reset(0.25)
    np.testing.assert_array_equal(yf, g.process((x / np.float32(32768)).astype(np.float32)))
    # The fast q15 kernel from float rows: the host's engine from the same values, exactly.
    fast = dsp.SOS(ss.butter(4, 0.1, output="sos").astype(np.float32).astype(np.float64), q15=True, fast=True)
    fast.reset(int(x[0]))
    np.testing.assert_array_equal(np.frombuffer(out.stdout[4800:], np.int16), fast.process(x))
