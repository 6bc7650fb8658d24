"""The examples run end to end and report full agreement with scikit-learn
(they exit non-zero otherwise)."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("example", ["demo.py", "har_activity.py", "anomaly_vibration.py"])
def test_example_runs_and_agrees(example):
    proc = subprocess.run([sys.executable, str(ROOT / "examples" / example)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "agree with scikit-learn on every" in proc.stdout
