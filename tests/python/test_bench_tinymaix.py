"""benchmarks/neural/bench_tinymaix.py without the fetched TinyMaix snapshots:
the contender says why it is absent, and the page says so in its cells and
skips the goals it cannot judge. No rig run, no TensorFlow."""
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "neural"
sys.path.insert(0, str(BENCH))

import bench_tinymaix as B  # noqa: E402
import contender  # noqa: E402  (benchmarks/neural/tinymaix, put on the path by bench_tinymaix)

TARGETS = ["unix", "cortex-m0"]


def results(tinymaix):
    """Raw results as run() writes them; tinymaix: one target's TinyMaix entry (or None: absent snapshot)."""
    res = {"tinymaix_absent": "no snapshot: run fetch github:emlearn/emlearn-micropython"} if tinymaix is None else {
        "tinymaix_commits": {"emlearn-micropython": "a" * 40, "TinyMaix": "jonnor/TinyMaix " + "b" * 40}}
    ml = {"instructions": 600_000, "ram": [9_000, 12_000], "max_diff": 0.0, "class_agree": 1.0, "accuracy": 0.9}
    m = {"macs": 51_228, "tflite_bytes": 8_000, "keras_accuracy": 0.9, "litert_accuracy": 0.9, "mlm_bytes": 7_000,
         "arena": 2_000, "targets": {}}
    if tinymaix is not None:
        m.update(tmdl_bytes=4_000, tinymaix_buffer=2_136, tinymaix_arrays=6_404)
    for t in TARGETS:
        mpy = {"microlearn": 30_000, "microlearn_modules": {"microlearn._neural_int8": 30_000},
               "microlearn_init": 1_500}
        if tinymaix is not None and "instructions" in tinymaix:
            mpy["tinymaix"] = 7_000
        m["targets"][t] = {"arch": "x", "mpy": mpy, "microlearn": ml,
                           "tinymaix": tinymaix or {"absent": res["tinymaix_absent"]}}
    return {**res, "models": {B.GOAL_MODEL: m}}


def test_no_snapshot_is_absent_and_says_what_to_fetch(tmp_path):
    with pytest.raises(contender.Absent, match="no snapshot: run fetch github:emlearn/emlearn-micropython"):
        contender.snapshot(mirror=tmp_path)


def test_page_without_tinymaix_says_absent_and_judges_no_goal():
    page = B.report(results(None), TARGETS)
    row = next(ln for ln in page.splitlines() if ln.startswith("| TinyMaix |"))
    assert row.count("absent (no snapshot: run fetch github:emlearn/emlearn-micropython") == len(TARGETS)
    assert "| microlearn | 600,000 | 600,000 |" in page
    goals = page[page.index("## Goals"):]
    assert goals.count("not judged") == 2 * len(TARGETS)
    assert "yes" not in goals and "**no**" not in goals


def test_page_with_tinymaix_judges_each_goal():
    tm = {"instructions": 1_000_000, "ram": [7_000, 8_000], "max_diff": 0.1, "class_agree": 0.9, "accuracy": 0.8}
    goals = B.report(results(tm), TARGETS).split("## Goals")[1]
    assert "| instructions <= 0.7x TinyMaix's | unix | 600,000 | 1,000,000 (700,000 allowed) | yes |" in goals
    assert "| flash (.mpy + model) <= TinyMaix's | unix | 37,000 | 11,000 | **no**: 3.36x the goal |" in goals
    assert ("| arena <= TinyMaix's RAM for the model's activations (its buffer + working arrays) | all | 2,000 | "
            "8,540 (2,136 + 6,404) | yes; against its buffer alone: within 136 B |") in goals
    assert ("| RAM held by the loaded model <= TinyMaix's | cortex-m0 | 12,000 | 8,000 | **no**: 1.50x the goal |"
            in goals)
