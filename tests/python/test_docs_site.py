"""The docs site builds with `mkdocs build --strict` (mkdocs.yml): no broken
link, no page named in the nav that does not exist, no API reference entry
that does not resolve (mkdocstrings reads the host package's docstrings and
the device stubs); every page of docs/ is reachable from the nav."""
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_site_builds_strictly(tmp_path):
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml"),
                           "-d", str(tmp_path / "site")], capture_output=True, text=True, timeout=600,
                          env={"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stdout + done.stderr
    assert not re.search(r"^WARNING", done.stderr, re.M), done.stderr
    site = tmp_path / "site"
    assert (site / "index.html").is_file()
    device_api = (site / "api" / "device" / "index.html").read_text()
    assert "predict_proba" in device_api and "Spectrogram" in device_api   # generated from the stubs
    host_api = (site / "api" / "host" / "index.html").read_text()
    assert "convert" in host_api and "predict" in host_api                 # from the docstrings
    for page in (ROOT / "docs").rglob("*.md"):
        if "_hooks" in page.parts:
            continue
        rel = page.relative_to(ROOT / "docs").with_suffix("")
        html = site / ("index.html" if rel.name == "index" and rel.parent == Path(".") else
                       (rel.parent / "index.html" if rel.name == "index" else rel / "index.html"))
        assert html.is_file(), page
    nav = (site / "index.html").read_text()
    for page in (ROOT / "docs").glob("*.md"):   # reachable: in the nav (mkdocs.yml, or "More" by the hook)
        assert f'href="{page.stem}/"' in nav or page.stem == "index", page.name


def test_example_pictures_are_made_by_their_script(tmp_path):
    """docs/examples/plots.py remakes the examples' pictures from the examples'
    own functions and their device runs (on the unix port)."""
    done = subprocess.run([sys.executable, str(ROOT / "docs/examples/plots.py"), str(tmp_path)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    for name in ("har.png", "anomaly.png", "gestures.png"):
        made = (tmp_path / name).read_bytes()
        assert made[:8] == b"\x89PNG\r\n\x1a\n" and len(made) > 20_000, name
        assert (ROOT / "docs/examples" / name).is_file(), f"docs/examples/{name} is not committed"
