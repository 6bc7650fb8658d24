import subprocess
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture(scope="session")
def engine_object(tmp_path_factory):
    """The C API's definitions (src/microlearn_c.cpp) compiled once, as C
    firmware compiles them, for the tests that link C programs against it."""
    obj = tmp_path_factory.mktemp("engine") / "ml.o"
    subprocess.run(["g++", "-std=c++17", "-Os", "-Wall", "-Wextra", "-Werror", f"-I{ROOT / 'include'}", "-c",
                    str(ROOT / "src/microlearn_c.cpp"), "-o", str(obj)], check=True)
    return obj
