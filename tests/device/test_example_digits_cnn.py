"""examples/digits_cnn: trains the CNN, quantizes it to int8, and on the unix
port, the emulated Cortex-M4F and Cortex-M0 decodes each held-out digit from
its PNG file (microlearn.png, upscaled to 16x16) and classifies it; the script
exits non-zero unless every board gives the PC's int8 class on every image."""
import re
import subprocess
import sys
from pathlib import Path


def test_digits_cnn_example_runs_and_agrees(tmp_path):
    root = Path(__file__).resolve().parents[2]
    plot = tmp_path / "digits.png"
    script = root / "examples" / "digits_cnn" / "digits_cnn.py"
    proc = subprocess.run([sys.executable, str(script), "--plot", str(plot)], cwd=root, capture_output=True,
                          text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = proc.stdout
    assert "every board agrees with the PC's int8 engine on every image" in out
    for target in ("unix", "cortex-m4f", "cortex-m0"):
        line = next(l for l in out.splitlines() if l.strip().startswith(f"MicroPython {target} "))
        assert "on 100.00 % of images" in line and re.search(r"within [01] levels", line), line
    keras = float(re.search(r"Keras \(float32\) on the PC +accuracy +([\d.]+) %", out).group(1))
    int8 = float(re.search(r"microlearn int8 on the PC +accuracy +([\d.]+) %", out).group(1))
    assert keras >= 95 and int8 >= keras - 2, out    # what docs/examples/digits-cnn.md states
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
