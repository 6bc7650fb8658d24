"""examples/keywords: espeak-ng words -> .wav -> log-mel on the device -> int8
CNN, and streaming over a longer recording, on the unix port and the emulated
Cortex-M4F (a smaller data set and fewer epochs than the example's defaults;
the full run, with Cortex-M0 and instruction counts, is
`python examples/keywords/keywords.py`)."""
import importlib.util
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from microlearn.rig import build, run
from microlearn.rig.targets import get_target

pytest.importorskip("keras")
pytest.importorskip("scipy")
if shutil.which("espeak-ng") is None:
    pytest.skip("espeak-ng is not installed (scripts/setup-system.sh installs it)", allow_module_level=True)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def keywords():
    spec = importlib.util.spec_from_file_location("keywords", ROOT / "examples" / "keywords" / "keywords.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_keywords_example_agrees_with_the_host_on_every_clip_and_window(keywords, capsys):
    """Features bit for bit (CRC of each clip's log-mel), classes and int8
    probabilities equal to the host engine's, the streaming windows equal;
    main() returns non-zero on any difference."""
    status = keywords.main(n_train=100, n_test=10, n_device=2, targets=("unix", "cortex-m4f"),
                           count_targets=(), epochs=25)
    out = capsys.readouterr().out
    assert status == 0, out[-3000:]
    assert "every target gives the host engine's results" in out
    for target in ("unix", "cortex-m4f"):
        assert re.search(rf"MicroPython {target} .* log-mel bit for bit the PC's on 100.00 %, the host engine's "
                         r"class on 100.00 %, probabilities equal; \d+ stream windows equal", out), out[-3000:]
    accuracy = float(re.search(r"microlearn int8 on the PC  accuracy +([\d.]+) %", out).group(1))
    assert accuracy >= 70, out[-3000:]                      # 6 classes: chance is 17 %
    assert "DETECTED" in out, out[-3000:]


def test_keywords_device_script_refuses_a_wav_of_another_rate_or_length(keywords):
    """A 16 kHz file, or a clip shorter than a second (which would leave the
    previous clip's samples in the buffer), is a ValueError naming what was
    expected, not a wrong answer."""
    samples = (np.sin(np.arange(keywords.CLIP) / 5) * 8000).astype(np.int16)
    other_rate = keywords.wav_bytes(samples).replace(keywords.RATE.to_bytes(4, "little"),
                                                     (16000).to_bytes(4, "little"), 1)
    script = keywords.device_script().replace('m = microlearn.load("keywords.mlm")', "") + """
for name in ("rate.wav", "short.wav"):
    try:
        read(name, pcm, audio)
    except ValueError as e:
        print("ValueError:", e)
"""
    files = {"rate.wav": other_rate, "short.wav": keywords.wav_bytes(samples[:-1])}
    res = run("unix", script, files=files, lib_dir=build.build_natmods(get_target("unix").arch))
    assert res.returncode == 0, res.output
    assert "ValueError: rate.wav: expected 16-bit mono at 8000 Hz" in res.output
    assert "ValueError: short.wav: expected 8000 samples, got 7999" in res.output
