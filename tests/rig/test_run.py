"""run(): real scripts on the unix port and on the emulated Cortex-M3."""

import io
import subprocess
import sys
import time

import pytest
from rig_helpers import ALL_TARGETS, ROOT, TARGETS

from microlearn.rig import CRASHED, RigTimeout, run
from microlearn.rig.targets import get_target


@pytest.mark.parametrize("target", TARGETS)
def test_print(target):
    rc, out = run(target, "print('hello', 6 * 7)\n")
    assert (rc, out) == (0, "hello 42\n")


@pytest.mark.parametrize("target", TARGETS)
def test_platform(target):
    rc, out = run(target, "import sys\nprint(sys.platform, sys.implementation.version[:2])")
    assert rc == 0
    assert out == {"unix": "linux (1, 25)\n", "cortex-m3": "qemu (1, 25)\n"}[target]


@pytest.mark.parametrize("target", TARGETS)
def test_uncaught_exception_gives_traceback_and_status_1(target):
    rc, out = run(target, "def f():\n    raise ValueError('boom')\nprint('before')\nf()\n")
    assert rc == 1
    assert out == (
        "before\n"
        "Traceback (most recent call last):\n"
        '  File "script.py", line 4, in <module>\n'
        '  File "script.py", line 2, in f\n'
        "ValueError: boom\n"
    )


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("code,status", [("sys.exit(7)", 7), ("sys.exit()", 0),
                                         ("sys.exit(0)", 0), ("sys.exit('why')", 1),
                                         ("raise SystemExit(3)", 3)])
def test_sys_exit_status(target, code, status):
    rc, out = run(target, f"import sys\nprint('a')\n{code}\nprint('not reached')\n")
    assert (rc, out) == (status, "a\n")


@pytest.mark.parametrize("target", TARGETS)
def test_script_from_file_and_main_name(target, tmp_path):
    script = tmp_path / "myscript.py"
    script.write_text("print(__name__)\nraise KeyError(1)\n")
    rc, out = run(target, script)
    assert rc == 1
    assert out.startswith("__main__\nTraceback")
    assert 'File "myscript.py", line 2' in out


@pytest.mark.parametrize("target", TARGETS)
def test_reads_given_files(target, tmp_path):
    data = bytes(range(256)) * 40
    (tmp_path / "data.bin").write_bytes(data)
    script = (
        "import binascii\n"
        "print(binascii.crc32(open('data.bin', 'rb').read()))\n"
        "print(open('notes.txt').read())\n"
        "print(open('sub/x.txt').read())\n"
    )
    import binascii

    rc, out = run(target, script, files={"data.bin": tmp_path / "data.bin",
                                         "notes.txt": "some notes", "sub/x.txt": b"x"})
    assert (rc, out) == (0, f"{binascii.crc32(data)}\nsome notes\nx\n")


@pytest.mark.parametrize("target", TARGETS)
def test_files_as_paths(target, tmp_path):
    (tmp_path / "a.txt").write_text("A")
    (tmp_path / "b.txt").write_text("B")
    rc, out = run(target, "print(open('a.txt').read() + open('b.txt').read())",
                  files=[tmp_path / "a.txt", str(tmp_path / "b.txt")])
    assert (rc, out) == (0, "AB\n")


@pytest.mark.parametrize("target", TARGETS)
def test_writes_and_fetches_files(target):
    script = (
        "import array\n"
        "with open('out.bin', 'wb') as f:\n"
        "    for i in range(50):\n"
        "        f.write(bytes(range(256)))\n"
        "with open('out.f32', 'wb') as f:\n"
        "    f.write(array.array('f', [1.5, -2.0]))\n"
        "print('written')\n"
    )
    res = run(target, script, fetch=["out.bin", "out.f32", "never-written"])
    assert (res.returncode, res.output) == (0, "written\n")
    assert res.files["out.bin"] == bytes(range(256)) * 50
    import struct

    assert struct.unpack("<2f", res.files["out.f32"]) == (1.5, -2.0)
    assert "never-written" not in res.files


@pytest.mark.parametrize("target", TARGETS)
def test_fetch_after_failure(target):
    res = run(target, "open('partial.txt', 'w').write('half')\n1/0\n", fetch=["partial.txt"])
    assert res.returncode == 1 and "ZeroDivisionError" in res.output
    assert res.files == {"partial.txt": b"half"}


@pytest.mark.parametrize("target", TARGETS)
def test_filesystem_behaves_like_a_real_one(target, scripts_dir):
    rc, out = run(target, scripts_dir / "fs_conformance.py")
    assert rc == 0, out
    rc_unix, out_unix = run("unix", scripts_dir / "fs_conformance.py")
    assert out == out_unix
    assert "import written module 42" in out


@pytest.mark.parametrize("target", ALL_TARGETS)
def test_imports_py_bytecode_mpy_and_native_mpy_from_lib_dir(target, make_lib):
    lib = make_lib(get_target(target).arch)
    script = (
        "import mypkg, mypkg.native\n"
        "print(mypkg.NAME, mypkg.double(21))\n"
        "mypkg.native.start(); mypkg.native.stop()\n"
        "import _markers\n"
        "print(_markers.start() is None)\n"
    )
    rc, out = run(target, script, lib_dir=lib)
    assert (rc, out) == (0, "mypkg 42\nTrue\n")


@pytest.mark.parametrize("target", ALL_TARGETS)
def test_native_module_built_from_c(target, rigtest_natmod):
    arch = get_target(target).arch
    script = "import rigtest\nprint(rigtest.add(40, 2))\n"
    if arch in ("x64", "armv7emsp"):  # archs whose dynruntime has floats
        script += "print(rigtest.scale(1.5, 2.5))\n"
    rc, out = run(target, script, lib_dir=rigtest_natmod(arch))
    assert rc == 0, out
    assert out.split() == ["42", "3.75"][: len(out.split())]
    assert len(out.split()) == (2 if arch in ("x64", "armv7emsp") else 1)


def test_cortex_m4f_has_hardware_float():
    rc, out = run("cortex-m4f", "import sys, math\n"
                                "print(sys.implementation._mpy >> 10)\n"
                                "print(math.sqrt(2.0), 1.5 * 2.25)\n")
    # .mpy arch 7 = armv7emsp; the firmware's float code runs on the FPU.
    assert (rc, out) == (0, "7\n1.414214 3.375\n")


def test_native_module_of_wrong_arch_is_refused(make_lib):
    rc, out = run("cortex-m3", "import mypkg.native", lib_dir=make_lib("x64"))
    assert rc == 1
    assert "ValueError: incompatible .mpy arch" in out


@pytest.mark.parametrize("target", TARGETS)
def test_stream_receives_output_as_it_comes(target):
    stream = io.StringIO()
    res = run(target, "for i in range(3):\n    print('line', i)\n1/0\n", stream=stream)
    assert stream.getvalue() == res.output
    assert res.output.startswith("line 0\nline 1\nline 2\nTraceback")


@pytest.mark.parametrize("target", TARGETS)
def test_timeout_kills_and_raises(target):
    t0 = time.monotonic()
    with pytest.raises(RigTimeout) as info:
        run(target, "print('spinning')\nwhile True:\n    pass\n", timeout=3)
    assert time.monotonic() - t0 < 10
    assert "within 3" in str(info.value)
    assert info.value.output == "spinning\n"


def test_cpu_fault_is_reported_as_crash():
    res = run("cortex-m3", "print('before')\nimport machine\nmachine.mem32[0x50000000]\n",
              timeout=20)
    assert res.crashed and res.returncode == CRASHED
    assert res.output.startswith("before\nHardFault exception caught:\n")


def test_cpu_fault_on_riscv_is_reported_as_crash():
    # The rv32 port prints the trap and leaves QEMU (semihosting exit) instead of spinning.
    res = run("rv32", "print('before')\nimport machine\nmachine.mem32[0x10] = 1\n", timeout=20)
    assert res.crashed and res.returncode == CRASHED
    assert res.output.startswith("before\n\nMACHINE EXCEPTION CAUGHT:\n")
    assert "(Store/AMO access fault)" in res.output


def test_segfault_on_unix_is_reported_as_crash():
    res = run("unix", "import uctypes\nuctypes.bytearray_at(8, 4)[0]\n")
    assert res.crashed and res.returncode < 0


def test_qemu_run_is_quick():
    run("cortex-m3", "pass")
    t0 = time.monotonic()
    run("cortex-m3", "pass")
    assert time.monotonic() - t0 < 1.0  # boot, mount, run, exit: ~0.1 s


def test_setup_is_instant_when_built():
    from microlearn.rig import build

    t0 = time.monotonic()
    build.setup(ALL_TARGETS, natmods=False)
    assert time.monotonic() - t0 < 1.0


def _cli(*args, cwd=None):
    env = {"PYTHONPATH": str(ROOT / "python"), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "microlearn.rig", *args], cwd=cwd,
                          env=env, capture_output=True, text=True)


@pytest.mark.parametrize("target", TARGETS)
def test_cli_run(target, tmp_path):
    (tmp_path / "s.py").write_text(
        "print(open('in.txt').read())\nopen('out.txt', 'w').write('o')\nimport sys\nsys.exit(5)\n")
    (tmp_path / "in.txt").write_text("input")
    p = _cli("run", "--target", target, "s.py", "in.txt", "--fetch", "out.txt",
             "--fetch-dir", "got", cwd=tmp_path)
    assert (p.returncode, p.stdout) == (5, "input\n"), p.stderr
    assert (tmp_path / "got" / "out.txt").read_text() == "o"


def test_cli_errors_are_clear(tmp_path):
    p = _cli("run", "--target", "unix", "missing.py", cwd=tmp_path)
    assert p.returncode == 2
    assert "missing.py does not exist" in p.stderr
    p = _cli("run", "--target", "cortex-m7", "x.py", cwd=tmp_path)
    assert p.returncode == 2 and "invalid choice" in p.stderr
