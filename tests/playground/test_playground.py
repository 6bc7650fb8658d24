"""The browser playground (docs/playground/) end to end in headless Chromium: the
page opened from files on disk (file://), a model and rows picked in its file
inputs, predict() run by MicroPython (webassembly, microlearn compiled in) in the
page, and the predictions shown equal to microlearn's on the host."""
import shutil
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_iris, make_regression
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import Ridge

import microlearn
from microlearn.rig import playground

PAGE = Path(__file__).resolve().parents[2] / "docs" / "playground"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The page's files as the docs site has them, with the built runtime."""
    site = tmp_path_factory.mktemp("playground")
    for name in ("index.html", "playground.js"):
        shutil.copy(PAGE / name, site / name)
    playground.write_runtime(site)
    return site


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"),
                              options=options)
    yield driver
    driver.quit()


def _open(browser, site):
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get((site / "index.html").as_uri())
    WebDriverWait(browser, 120).until(
        lambda d: d.find_element("id", "status").text.startswith(("Ready", "micropython-runtime.js", "MicroPython did not start")))
    assert browser.find_element("id", "status").text.startswith("Ready"), browser.find_element("id", "status").text


def _run(browser, files, label_column=False):
    """Picks the files ({input id: path}), runs, and returns the table's rows."""
    from selenium.webdriver.support.ui import WebDriverWait

    for input_id, path in files.items():
        browser.find_element("id", input_id).send_keys(str(path))
    if label_column:
        browser.find_element("id", "label-column").click()
    browser.find_element("id", "run").click()
    WebDriverWait(browser, 300).until(
        lambda d: d.find_element("id", "status").text not in ("Running…", "Ready: pick a model and rows."))
    status = browser.find_element("id", "status").text
    assert status == "Done.", status
    rows = browser.find_elements("css selector", "#predictions tbody tr")
    return [[td.text for td in tr.find_elements("tag name", "td")] for tr in rows]


def _field(browser, element_id):
    return browser.find_element("id", element_id).text


def test_classifier_npy_rows_and_labels(browser, site, tmp_path):
    X, y = load_iris(return_X_y=True)
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    model = microlearn.convert(RandomForestClassifier(10, max_depth=5, random_state=0).fit(X[::2], names[::2]))
    held_out = X[1::2].astype(np.float32)
    model.save(tmp_path / "iris.mlm")
    np.save(tmp_path / "rows.npy", held_out)
    _open(browser, site)
    table = _run(browser, {"model": tmp_path / "iris.mlm", "rows": tmp_path / "rows.npy"})
    host = model.predict(held_out)
    assert [r[1] for r in table] == list(host)
    assert [int(r[0]) for r in table] == list(range(len(host)))
    assert _field(browser, "model-bytes") == f"{model.size:,}"
    assert _field(browser, "n-rows") == str(len(host))
    assert _field(browser, "agreement") == "no labels given"
    assert "JS with Emscripten" in _field(browser, "timing")


def test_regressor_and_csv_with_a_label_column(browser, site, tmp_path):
    X, y = make_regression(60, 5, noise=5.0, random_state=1)
    model = microlearn.convert(Ridge().fit(X[:40], y[:40]))
    rows = X[40:].astype(np.float32)
    model.save(tmp_path / "ridge.mlm")
    labels = model.predict(rows)  # the host's own outputs: agreement must be 100 %
    lines = ["a,b,c,d,e,target"] + [",".join(repr(float(v)) for v in r) + f",{float(t)!r}"
                                     for r, t in zip(rows, labels)]
    (tmp_path / "rows.csv").write_text("\n".join(lines) + "\n")
    _open(browser, site)
    table = _run(browser, {"model": tmp_path / "ridge.mlm", "rows": tmp_path / "rows.csv"}, label_column=True)
    shown = np.array([float(r[1]) for r in table])
    np.testing.assert_allclose(shown, model.predict(rows), rtol=1e-6, atol=1e-6)
    assert _field(browser, "agreement") == "100.00 %"  # bit for bit: the CSV holds the host's float32 values


def test_labels_file_gives_agreement_and_bad_input_an_error(browser, site, tmp_path):
    X, y = load_iris(return_X_y=True)
    model = microlearn.convert(RandomForestClassifier(5, max_depth=3, random_state=0).fit(X, y))
    model.save(tmp_path / "m.mlm")
    rows = X.astype(np.float32)
    np.save(tmp_path / "rows.npy", rows)
    np.save(tmp_path / "labels.npy", y)
    _open(browser, site)
    table = _run(browser, {"model": tmp_path / "m.mlm", "rows": tmp_path / "rows.npy",
                           "labels": tmp_path / "labels.npy"})
    host = model.predict(rows)
    assert [int(r[1]) for r in table] == list(host)
    assert _field(browser, "agreement") == f"{100 * np.mean(host == y):.2f} %"
    # Rows of the wrong width: the page says what is wrong, in MicroPython's words.
    np.save(tmp_path / "narrow.npy", rows[:, :3])
    _open(browser, site)
    for input_id, path in {"model": tmp_path / "m.mlm", "rows": tmp_path / "narrow.npy"}.items():
        browser.find_element("id", input_id).send_keys(str(path))
    browser.find_element("id", "run").click()
    from selenium.webdriver.support.ui import WebDriverWait
    WebDriverWait(browser, 120).until(lambda d: d.find_element("id", "status").text.startswith("ValueError"))
    assert "row 0 has 3 values; the model takes 4 features" in _field(browser, "status")
