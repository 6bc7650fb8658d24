"""The emlearn-micropython contender of the trees and DSP benchmarks
(benchmarks/emlearn_mp.py) without its fetched snapshot: every figure says
"absent" and why, the pages say so, and the q15 IIR goals fall back to issue
12's quoted figures, labelled as quoted; with a rebuilt figure, the quoted one
is gone. No rig run, no build."""
import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "benchmarks"), str(ROOT / "benchmarks" / "dsp")]

import emlearn_mp  # noqa: E402
import emlearn_dsp  # noqa: E402


def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


dsp_report = load("dsp_report", ROOT / "benchmarks" / "dsp" / "report.py")
trees_report = load("trees_report", ROOT / "benchmarks" / "trees" / "report.py")


@pytest.fixture
def no_snapshot(tmp_path, monkeypatch):
    monkeypatch.setattr(emlearn_mp, "SNAPSHOT", tmp_path / "missing")
    return str(tmp_path / "missing")


def test_build_without_snapshot_is_absent_and_names_the_snapshot(no_snapshot):
    for arch in ("x64", "armv7m", "armv6m"):
        b = emlearn_mp.build(arch)
        assert set(b) == {"absent"}
        assert "github:emlearn/emlearn-micropython" in b["absent"] and no_snapshot in b["absent"]


def test_dsp_measure_without_snapshot_is_absent(no_snapshot):
    assert "absent" in emlearn_dsp.measure(["cortex-m3"])


def test_trees_page_says_absent(no_snapshot):
    emp = emlearn_mp.build("armv7m")
    assert trees_report.emlearn_mp_figure(emp, "emlearn_fft").endswith(f"absent ({emp['absent']})")
    rows = trees_report.emlearn_mp_rows(emp, ("emlearn_fft", "emlearn_iir"))
    assert rows == [f"| emlearn-micropython | absent: {emp['absent']} | | | | |"]


def kernels(emp):
    return {"targets": {}, "cmsis": False, "baseline": None, "emlearn_mp": emp}


MP = {"cortex-m3": {dsp_report.MP_SOS_Q15: 127_300.0, dsp_report.MP_SOS_Q15_FAST: 61_230.0},
      "cortex-m0": {dsp_report.MP_SOS_Q15: 602_585.0, dsp_report.MP_SOS_Q15_FAST: 108_365.0}}


def test_dsp_goals_fall_back_to_the_quoted_figures_labelled_so():
    page = dsp_report.goals(kernels({"absent": "no snapshot"}), MP)
    rows = [r for r in page.splitlines() if "emlearn-micropython's" in r]
    assert len(rows) == 4
    for r in rows:
        assert "quoted from issue 12: its rebuild is absent here" in r
    assert "87,826" in rows[0] + rows[1] or "87,826" in rows[2] + rows[3]
    assert "absent (no snapshot)" in dsp_report.emlearn_section(kernels({"absent": "no snapshot"}), MP)


def test_dsp_goals_use_the_rebuilt_figure_and_drop_the_quoted_one():
    mp = {t: dict(v) for t, v in MP.items()}
    mp["cortex-m3"][dsp_report.MP_EMLEARN_Q15] = 84_668.0
    mp["cortex-m0"][dsp_report.MP_EMLEARN_Q15] = None  # its module did not build for armv6m
    page = dsp_report.goals(kernels({"errors": {}, "build": {}, "ram": {}}), mp)
    m3 = [r for r in page.splitlines() if r.startswith("| cortex-m3") and "emlearn-micropython's" in r]
    m0 = [r for r in page.splitlines() if r.startswith("| cortex-m0") and "emlearn-micropython's" in r]
    assert all("84,668 (rebuilt" in r and "quoted" not in r for r in m3)
    assert all("182,076 (quoted from issue 12" in r for r in m0)
    assert "| emlearn-micropython emlearn_iir_q15 2 stages x 1024 (its allocation fixed) | absent | 84,668 |" in \
        dsp_report.micropython_table({"cortex-m0": mp["cortex-m0"], "cortex-m3": mp["cortex-m3"]})
