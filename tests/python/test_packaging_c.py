"""C and C++ firmware packaging: the CMake package (find_package from an
installed prefix, used by a consumer project outside the checkout), the
Arduino library layout, PlatformIO's library.json, the Zephyr module, and
the bare-metal example on the emulated Cortex-M3 printing the host's
predictions (docs/c-firmware.md)."""
import json
import re
import shutil
import struct
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest
import yaml

import microlearn

ROOT = Path(__file__).resolve().parents[2]
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def run(*cmd, **kw):
    done = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=900, **kw)
    assert done.returncode == 0, " ".join(map(str, cmd)) + "\n" + done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def iris_header(tmp_path_factory):
    from sklearn.datasets import load_iris
    from sklearn.ensemble import RandomForestClassifier
    X, y = load_iris(return_X_y=True)
    est = RandomForestClassifier(10, max_depth=3, random_state=0).fit(X, y)
    folder = tmp_path_factory.mktemp("model")
    microlearn.convert(est).to_c_header(folder / "model.h", name="model")
    rows = X.astype(np.float32)
    return folder, rows, est.predict(rows)


def test_versions_agree():
    assert re.search(r"set\(MICROLEARN_VERSION (\S+)\)", (ROOT / "cmake/package.cmake").read_text())[1] == VERSION
    assert json.loads((ROOT / "library.json").read_text())["version"] == VERSION
    assert re.search(r"^version=(\S+)$", (ROOT / "library.properties").read_text(), re.M)[1] == VERSION


def test_find_package_from_an_installed_prefix(tmp_path, iris_header):
    """cmake --install, then a project elsewhere: find_package(microlearn),
    microlearn::c for a C program (examples/c/predict.c), microlearn::microlearn
    for C++; nothing compiled from the checkout."""
    folder, rows, want = iris_header
    prefix = tmp_path / "prefix"
    run("cmake", "-S", ROOT, "-B", tmp_path / "build", "-DMICROLEARN_TESTS=OFF", f"-DCMAKE_INSTALL_PREFIX={prefix}")
    run("cmake", "--install", tmp_path / "build")
    app = tmp_path / "app"
    app.mkdir()
    shutil.copy(ROOT / "examples/c/predict.c", app / "predict.c")
    shutil.copy(folder / "model.h", app / "model.h")
    (app / "engine.cpp").write_text(
        '#include "microlearn/trees.hpp"\n#include "model.h"\n'
        "int main() { microlearn::trees::Model m; "
        "return microlearn::trees::load(model, MODEL_SIZE, m) == microlearn::Status::ok ? 0 : 1; }\n")
    (app / "CMakeLists.txt").write_text(
        "cmake_minimum_required(VERSION 3.18)\nproject(app C CXX)\n"
        f"find_package(microlearn {VERSION} REQUIRED)\n"
        "add_executable(predict predict.c)\ntarget_link_libraries(predict PRIVATE microlearn::c)\n"
        "add_executable(engine engine.cpp)\ntarget_link_libraries(engine PRIVATE microlearn::microlearn)\n")
    build = tmp_path / "app-build"
    run("cmake", "-S", app, "-B", build, f"-DCMAKE_PREFIX_PATH={prefix}", "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON")
    run("cmake", "--build", build)
    commands = (build / "compile_commands.json").read_text()
    assert str(ROOT) not in commands and str(prefix) in commands
    run(build / "engine")
    out = subprocess.run([build / "predict"], input=rows.tobytes(), capture_output=True, check=True)
    np.testing.assert_array_equal(np.array(out.stdout.split(), dtype=int), want)


def test_arduino_layout_compiles_with_only_src_on_the_path(tmp_path):
    """Arduino compiles src/**/*.cpp with -I src and nothing else; a sketch includes <microlearn.h>."""
    props = dict(line.split("=", 1) for line in (ROOT / "library.properties").read_text().splitlines()
                 if "=" in line and not line.startswith("#"))
    for key in ("name", "version", "author", "maintainer", "sentence", "paragraph", "category", "architectures"):
        assert props.get(key), key
    assert props["includes"] == "microlearn.h" and (ROOT / "src" / props["includes"]).is_file()
    sources = sorted((ROOT / "src").rglob("*.cpp")) + sorted((ROOT / "src").rglob("*.c"))
    sketch = tmp_path / "sketch.cpp"
    sketch.write_text("#include <microlearn.h>\nint main() { return ml_reader_version() ? 0 : 1; }\n")
    flags = ["-std=gnu++17", "-Os", "-fno-exceptions", "-fno-rtti", "-Wall", "-Wextra", "-Werror", f"-I{ROOT / 'src'}"]
    objs = []
    for i, src in enumerate(sources + [sketch]):
        objs.append(tmp_path / f"{i}.o")
        run("g++", *flags, "-c", src, "-o", objs[-1], cwd=tmp_path)
    run("g++", *objs, "-o", tmp_path / "sketch")
    run(tmp_path / "sketch")
    if shutil.which("arm-none-eabi-g++"):  # and for a board
        for src in sources:
            run("arm-none-eabi-g++", "-mcpu=cortex-m0plus", "-mthumb", *flags, "-c", src, "-o", tmp_path / "m0.o")


def test_platformio_library_json_names_what_exists(tmp_path):
    lib = json.loads((ROOT / "library.json").read_text())
    build = lib["build"]
    include = ROOT / build["includeDir"]
    for header in lib["headers"]:
        assert (include / header).is_file(), header
    picked = [p for p in (ROOT / build["srcDir"]).iterdir()
              if any(f"+<{p.name}>" == f for f in build["srcFilter"])]
    assert [p.name for p in picked] == ["microlearn_c.cpp"]
    run("g++", *build["flags"], f"-I{include}", "-fsyntax-only", picked[0])


def test_zephyr_module_points_at_its_files():
    module = yaml.safe_load((ROOT / "zephyr/module.yml").read_text())
    assert module["build"]["cmake"] == "zephyr"
    kconfig = (ROOT / module["build"]["kconfig"]).read_text()
    cmake = (ROOT / "zephyr/CMakeLists.txt").read_text()
    symbol = re.search(r"^config (\w+)", kconfig, re.M)[1]
    assert f"if(CONFIG_{symbol})" in cmake
    for path in re.findall(r"\$\{MICROLEARN_DIR\}/(\S+?)\)", cmake):
        assert (ROOT / path).exists(), path


@pytest.mark.skipif(not (shutil.which("arm-none-eabi-gcc") and shutil.which("qemu-system-arm")),
                    reason="needs arm-none-eabi-gcc and qemu-system-arm (scripts/setup-system.sh)")
def test_bare_metal_example_prints_the_hosts_predictions(tmp_path):
    """examples/c/baremetal: built with arm-none-eabi-gcc, run on QEMU's
    mps2-an385; each row's label and probabilities (float32 bits) equal the
    host engine's, and the labels scikit-learn's."""
    out = run("make", "-s", "-C", ROOT / "examples/c/baremetal", "run", f"BUILD={tmp_path}", f"PYTHON={sys.executable}")
    lines = [line.split() for line in out.splitlines() if line.startswith("row ")]
    assert out.strip().endswith("done")
    from sklearn.datasets import load_iris
    from sklearn.ensemble import RandomForestClassifier
    X, y = load_iris(return_X_y=True)    # what make_model.py trains
    est = RandomForestClassifier(10, max_depth=3, random_state=0).fit(X, y)
    rows = X[::5].astype(np.float32)
    proba = microlearn.convert(est).predict_proba(rows).astype(np.float32)
    assert len(lines) == len(rows)
    got_labels = [int(line[3]) for line in lines]
    np.testing.assert_array_equal(got_labels, est.predict(rows))
    for line, p in zip(lines, proba):
        assert line[5:] == [struct.pack(">f", v).hex() for v in p], line
    assert any(0 < v < 1 for v in proba.ravel())   # rows whose trees disagree, not only 0/1
