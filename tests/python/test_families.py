"""The constants written in several languages agree: kind ids (C++ ModelKind,
mlm.KIND_*, the host and device family tables), container section ids,
format version and status codes (C++ Status, C ml_status)."""
import ast
import re
from pathlib import Path

from microlearn import _engine, families, mlm

ROOT = Path(__file__).resolve().parents[2]
INCLUDE = ROOT / "include" / "microlearn"


def cpp_enum(text: str, name: str) -> dict:
    body = re.search(r"enum (?:class )?%s\b[^{]*\{(.*?)\};" % name, text, re.S).group(1)
    body = re.sub(r"//[^\n]*|/\*.*?\*/", "", body, flags=re.S)
    return {k: int(v, 0) for k, v in re.findall(r"(\w+)\s*=\s*(0x[0-9A-Fa-f]+|\d+)", body)}


def test_kind_ids_agree_everywhere():
    kinds = cpp_enum((INCLUDE / "model_file.hpp").read_text(), "ModelKind")
    assert {k.upper(): v for k, v in kinds.items()} == {
        n[len("KIND_"):]: getattr(mlm, n) for n in dir(mlm) if n.startswith("KIND_")}
    for kind, family in families.FAMILIES.items():
        assert kinds[family.name] == kind == family.kind
        assert hasattr(_engine, family.engine), family
    device = (ROOT / "device" / "microlearn" / "__init__.py").read_text()
    table = ast.literal_eval(re.search(r"_FAMILIES = (\{.*?\})", device, re.S).group(1))
    assert table == {k: f.device_module for k, f in families.FAMILIES.items()}
    makefile = (ROOT / "device" / "Makefile").read_text()
    natmods = re.search(r"^NATMODS = (.*)$", makefile, re.M).group(1).split()
    for f in families.FAMILIES.values():
        assert f.device_module.lstrip("_") in natmods


def test_container_sections_and_version_agree():
    text = (INCLUDE / "model_file.hpp").read_text()
    sections = cpp_enum(text, "ContainerSection")
    assert sections == {"section_metadata": mlm.SECTION_METADATA,
                        "section_class_labels": mlm.SECTION_CLASS_LABELS,
                        "section_class_names": mlm.SECTION_CLASS_NAMES,
                        "section_preprocess_steps": mlm.SECTION_PREPROCESS_STEPS,
                        "section_preprocess_params": mlm.SECTION_PREPROCESS_PARAMS,
                        "section_preprocess_indices": mlm.SECTION_PREPROCESS_INDICES}
    assert _engine.FORMAT_VERSION == mlm.FORMAT_VERSION
    assert _engine.OLDEST_FORMAT_VERSION == mlm.OLDEST_FORMAT_VERSION


def test_status_codes_agree_between_cpp_and_c():
    cpp = cpp_enum((INCLUDE / "status.hpp").read_text(), "Status")
    c = cpp_enum((INCLUDE / "c" / "common.h").read_text(), "ml_status")
    assert {"ML_" + k.upper(): v for k, v in cpp.items()} == c


def test_versions_agree():
    import microlearn
    device = (ROOT / "device" / "microlearn" / "__init__.py").read_text()
    assert re.search(r'__version__ = "([^"]+)"', device).group(1) == microlearn.__version__
    assert int(re.search(r"MLM_FORMAT = (\d+)", device).group(1)) == mlm.FORMAT_VERSION
    assert re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.M).group(1) == \
        microlearn.__version__
    assert re.search(r"^VERSION = (\S+)", (ROOT / "device" / "Makefile").read_text(), re.M).group(1) == \
        microlearn.__version__
