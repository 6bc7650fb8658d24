"""Bytes of each neural device module's .mpy per architecture, and the RAM that
importing it takes on the emulated boards (the package imported first), as a
Markdown table for docs/neural.md:

    .venv/bin/python benchmarks/neural/module_sizes.py
"""
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import harness  # noqa: E402
from microlearn.rig import build, paths  # noqa: E402

MODULES = ["_neural", "_neural_int8_cnn", "_neural_rnn", "_neural_int8", "_neural_int16", "_neural_all"]
ARCHS = ["x64", "armv6m", "armv7m", "armv7emsp", "rv32imc"]
BOARDS = {"cortex-m0": "armv6m", "cortex-m3": "armv7m", "cortex-m4f": "armv7emsp"}


def build_measured(arch):
    """device/Makefile for arch, but only what is measured: the neural modules
    and the package's Python modules (import microlearn runs first), not the
    other families' natmods (minutes per arch on a shared machine)."""
    lib = paths.device_lib(arch) / "microlearn"
    py = sorted(p.stem for p in (paths.repo_root() / "device" / "microlearn").glob("*.py"))
    targets = [str(lib / f"{m}.mpy") for m in MODULES + py]
    harness.make(["make", "-C", str(paths.repo_root() / "device"), "-j2", f"ARCH={arch}",
                  f"MPY_DIR={build.fetch_source()}", f"BUILD={paths.device_build(arch)}",
                  f"PYTHON={sys.executable}"] + targets, f"the neural modules for {arch}")


def main():
    size = {}
    build.build_mpy_cross()
    for arch in ARCHS:
        build_measured(arch)
        for m in MODULES:
            size[m, arch] = (paths.device_lib(arch) / f"microlearn/{m}.mpy").stat().st_size
    ram = {(m, t): harness.import_ram(t, [paths.device_lib(a)], m) for t, a in BOARDS.items() for m in MODULES}
    rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                         cwd=Path(__file__).parent).stdout.strip()
    print(f"| module (commit {rev}) | " + " | ".join(ARCHS) + " | RAM to import: M0 | M3 | M4F |")
    print("|---|" + "---:|" * (len(ARCHS) + len(BOARDS)))
    for m in MODULES:
        got = [ram[m, t].get("module") for t in BOARDS]
        print(f"| `{m}` | " + " | ".join(f"{size[m, a]:,}" for a in ARCHS) + " | "
              + " | ".join("failed" if g is None else f"{g:,}" for g in got) + " |")


if __name__ == "__main__":
    main()
