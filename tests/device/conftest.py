"""Fixtures for the device tests."""
from device_rig import COMPILED_IN, ON_COMPILED_IN, TARGETS


def pytest_generate_tests(metafunc):
    """`target`: every target with natmods; the tests named in ON_COMPILED_IN also
    run on firmware with microlearn compiled in (COMPILED_IN, docs/firmware.md)."""
    if "target" in metafunc.fixturenames and not any(
            m.name == "parametrize" and "target" in m.args[0] for m in metafunc.definition.iter_markers()):
        extra = COMPILED_IN if metafunc.function.__name__ in ON_COMPILED_IN else []
        metafunc.parametrize("target", TARGETS + extra)
