"""`microlearn deploy` and `microlearn mip-index` end to end: a board on a
serial port (the emulated Cortex-M3, driven by mpremote as a USB board is,
with a filesystem in RAM and /lib on its path as a real board has), the unix
port through a folder, and a mip install from a local web server."""
import functools
import http.server
import re
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier

import microlearn
import microlearn.cli
from microlearn import deploy
from microlearn.rig import build
from microlearn.rig import run as rig_run

ROWS = [[6.0, 3.0, 4.8, 1.8], [5.1, 3.5, 1.4, 0.2], [6.7, 3.1, 5.6, 2.4]]


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    X, y = load_iris(return_X_y=True)
    est = RandomForestClassifier(5, random_state=0).fit(X, np.array(["setosa", "versicolor", "virginica"])[y])
    path = tmp_path_factory.mktemp("models") / "iris.mlm"
    microlearn.convert(est).save(path)
    return path, [str(v) for v in est.predict(np.array(ROWS))]


def mpremote(port, *args, timeout=120):
    done = subprocess.run([sys.executable, "-m", "mpremote", "connect", port, "resume", *args],
                          capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture()
def serial_board(tmp_path):
    """The emulated Cortex-M3 on a pty, with a RAM filesystem at / and /lib on sys.path."""
    firmware = build.build_qemu("MPS2_AN385")
    log = tmp_path / "qemu.log"
    qemu = subprocess.Popen(["qemu-system-arm", "-machine", "mps2-an385", "-display", "none", "-monitor", "null",
                             "-semihosting", "-kernel", str(firmware), "-serial", "pty"],
                            stdout=open(log, "w"), stderr=subprocess.STDOUT)
    try:
        for _ in range(100):
            found = re.search(r"/dev/pts/\d+", log.read_text())
            if found:
                break
            time.sleep(0.1)
        port = found.group(0)
        from microlearn.rig.paths import repo_root
        ramfs = (repo_root() / "python/microlearn/rig/on_device/ramfs.py").read_text()
        setup = tmp_path / "mount.py"
        setup.write_text(ramfs + "\nimport vfs, os, sys\nvfs.mount(RamFS(), '/')\nos.chdir('/')\n"
                         "sys.path.append('/lib')\n")
        mpremote(port, "run", str(setup))
        yield port
    finally:
        qemu.kill()
        qemu.wait()


def test_deploy_to_a_board_on_a_serial_port(serial_board, model_file):
    path, want = model_file
    out = subprocess.run([sys.executable, "-m", "microlearn", "deploy", "--port", serial_board, str(path)],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    assert "for armv7m" in out.stdout and "with 1 model(s)" in out.stdout
    code = ("import microlearn, array\nm = microlearn.load('iris.mlm')\n"
            f"print('labels', [m.predict(array.array('f', r)) for r in {ROWS!r}], microlearn.__version__)")
    res = mpremote(serial_board, "exec", code)
    assert f"labels {want!r} {microlearn.__version__}" in res


def test_deploy_lean_copies_only_what_the_model_reads(serial_board, model_file):
    """--lean: the Python modules and the one native module the forest's header
    names (a float32 packed forest: _trees_forest), not the other families' modules."""
    path, want = model_file
    out = subprocess.run([sys.executable, "-m", "microlearn", "deploy", "--lean", "--port", serial_board, str(path)],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    assert "lean: the Python modules and _trees_forest of the native modules" in out.stdout, out.stdout
    code = ("import os, microlearn, array\nm = microlearn.load('iris.mlm')\n"
            "print('files', sorted(os.listdir('lib/microlearn')))\n"
            f"print('labels', [m.predict(array.array('f', r)) for r in {ROWS!r}])")
    res = mpremote(serial_board, "exec", code)
    assert f"labels {want!r}" in res
    files = eval(re.search(r"files (\[.*\])", res).group(1))
    src = deploy.package_dir("armv7m") / "microlearn"
    native = sorted(p.name for p in src.glob("*.mpy") if deploy.is_native(p))
    assert [f for f in files if f in native] == ["_trees_forest.mpy"], files
    assert "__init__.mpy" in files and "dsp.mpy" in files and "_neural.mpy" in native


def test_deploy_lean_needs_models_and_a_board(tmp_path, model_file):
    path, _ = model_file
    res = subprocess.run([sys.executable, "-m", "microlearn", "deploy", "--lean", "--dir", str(tmp_path), str(path)],
                         capture_output=True, text=True)
    assert res.returncode == 1 and res.stderr.count("\n") == 1 and "give a board" in res.stderr


def test_deploy_romfs_puts_models_in_flash(serial_board, model_file):
    """--romfs: the model goes into the board's ROMFS partition (mpremote romfs
    deploy), is mounted at /rom and loads in place (the heap holds only the model
    object; tests/device/test_romfs.py bounds it on a bigger model)."""
    path, want = model_file
    out = subprocess.run([sys.executable, "-m", "microlearn", "deploy", "--romfs", "--port", serial_board, str(path)],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    assert "with 1 model(s) in ROMFS (/rom)" in out.stdout
    code = ("import os, gc, array, microlearn\n"  # the module the file imports, before the count
            "microlearn._family(1, microlearn._modules(1, open('/rom/iris.mlm', 'rb').read(9)[8])[0])\n"
            "gc.collect()\nbefore = gc.mem_alloc()\n"
            "m = microlearn.load('/rom/iris.mlm')\ngc.collect()\n"
            "print('ram', gc.mem_alloc() - before, os.listdir('/rom'), 'iris.mlm' in os.listdir('/'))\n"
            f"print('labels', [m.predict(array.array('f', r)) for r in {ROWS!r}])")
    res = mpremote(serial_board, "exec", code)
    assert f"labels {want!r}" in res
    ram, listing = re.search(r"ram (\d+) (\[.*\]) False", res).groups()
    assert listing == "['iris.mlm']" and int(ram) < path.stat().st_size, res

def test_mip_install_from_a_local_server(serial_board, tmp_path, model_file):
    index = tmp_path / "site"
    written = deploy.mip_index(index)
    assert {p.parent.name for p in written} >= {"x64", "armv6m", "armv7m", "armv7emsp"}
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(index))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/armv6m/package.json"  # M0 code runs on the M3
        out = mpremote(serial_board, "mip", "install", "--target", "/lib", url, timeout=600)
        assert "Done" in out
    finally:
        server.shutdown()
    path, want = model_file
    mpremote(serial_board, "cp", str(path), ":iris.mlm")
    res = mpremote(serial_board, "exec", "import microlearn, array\nm = microlearn.load('iris.mlm')\n"
                                         f"print('labels', [m.predict(array.array('f', r)) for r in {ROWS!r}])")
    assert f"labels {want!r}" in res


def test_deploy_to_a_folder_for_the_unix_port(tmp_path, model_file):
    path, want = model_file
    assert microlearn.cli.main(["deploy", "--dir", str(tmp_path / "lib"), str(path)]) == 0
    script = ("import microlearn, array\nm = microlearn.load('lib/iris.mlm')\n"
              f"print('labels', [m.predict(array.array('f', r)) for r in {ROWS!r}])")
    res = rig_run("unix", script, lib_dir=tmp_path / "lib", files={"lib/iris.mlm": path.read_bytes()})
    assert f"labels {want!r}" in res.output, res.output


def test_boards_no_package_matches_get_a_clear_message():
    with pytest.raises(deploy.DeployError, match=r"\.mpy version 6\.2.*MicroPython 1\.23 to 1\.27"):
        deploy.choose_package((5 << 10) | (2 << 8) | 6)   # armv7m firmware of MicroPython 1.22
    with pytest.raises(deploy.DeployError, match="architecture is rv64imc"):
        deploy.choose_package((12 << 10) | (3 << 8) | 6)
    with pytest.raises(deploy.DeployError, match="no native-module support"):
        deploy.choose_package((0 << 10) | (3 << 8) | 6)
    assert deploy.choose_package((7 << 10) | (3 << 8) | 6) == "armv7emsp"   # Cortex-M4F
    assert deploy.choose_package((6 << 10) | (3 << 8) | 6) == "armv7m"      # Cortex-M4 without FPU


def test_deploy_errors_are_one_line(tmp_path):
    res = subprocess.run([sys.executable, "-m", "microlearn", "deploy", "--dir", str(tmp_path), "missing.mlm"],
                         capture_output=True, text=True)
    assert res.returncode == 1 and res.stderr.count("\n") == 1 and "no such model file" in res.stderr


def test_a_wheel_installed_elsewhere_converts_deploys_and_predicts(tmp_path, serial_board):
    """The wheel this checkout builds, in a fresh venv, used from a folder
    outside the checkout: convert, deploy to the emulated board with one
    command, predict there."""
    from microlearn.rig.paths import repo_root
    root = repo_root()
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(root), "--no-build-isolation", "--no-deps",
                    "-q", "-w", str(dist), "-C", f"build-dir={root}/build/wheel"],
                   check=True, capture_output=True, timeout=1800)
    wheel = next(dist.glob("microlearn-*.whl"))
    import zipfile
    names = zipfile.ZipFile(wheel).namelist()
    for arch in ("x64", "armv6m", "armv7m", "armv7emsp"):
        assert f"microlearn/device/{arch}/microlearn/_trees.mpy" in names, arch
    assert "microlearn/device/stubs/microlearn/__init__.pyi" in names   # the device API's type stubs, for editors
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "-q", str(wheel), "scikit-learn", "mpremote"],
                   check=True, capture_output=True, timeout=1800)
    work = tmp_path / "elsewhere"
    work.mkdir()
    script = ("import microlearn\nfrom sklearn.datasets import load_iris\n"
              "from sklearn.ensemble import RandomForestClassifier\n"
              "X, y = load_iris(return_X_y=True)\n"
              "est = RandomForestClassifier(5, random_state=0).fit(X, y)\n"
              "microlearn.convert(est).save('iris.mlm')\n"
              f"print('want', est.predict({ROWS!r}).tolist())\n")
    out = subprocess.run([str(py), "-c", script], cwd=work, capture_output=True, text=True, check=True)
    want = out.stdout.split("want ", 1)[1].strip()
    assert "/work/main" not in subprocess.run(
        [str(py), "-c", "import microlearn.deploy as d; print(d.packages_root())"], cwd=work,
        capture_output=True, text=True).stdout
    res = subprocess.run([str(venv / "bin" / "microlearn"), "deploy", "--port", serial_board, "iris.mlm"],
                         cwd=work, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    got = mpremote(serial_board, "exec", "import microlearn, array\nm = microlearn.load('iris.mlm')\n"
                                         f"print('labels', [m.predict(array.array('f', r)) for r in {ROWS!r}])")
    assert f"labels {want}" in got, (got, want)
