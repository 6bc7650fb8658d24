"""Fixtures for the device tests."""
from device_rig import COMPILED_IN, ON_COMPILED_IN, TARGETS


def pytest_generate_tests(metafunc):
    """`target`: every target with natmods; the tests named in ON_COMPILED_IN also
    run on firmware with microlearn compiled in (COMPILED_IN, docs/firmware.md)."""
    if "target" in metafunc.fixturenames and not any(
            m.name == "parametrize" and "target" in m.args[0] for m in metafunc.definition.iter_markers()):
        extra = COMPILED_IN if metafunc.function.__name__ in ON_COMPILED_IN else []
        metafunc.parametrize("target", TARGETS + extra)


def pytest_collection_modifyitems(config, items):
    """On compiled-in firmware, the first case of each parametrised test only: the
    glue and engine are the natmods' (every case runs on those targets), and three
    more targets with every case would add minutes to CI (docs/firmware.md)."""
    keep, drop, seen = [], [], set()
    for item in items:
        spec = getattr(item, "callspec", None)
        target = spec.params.get("target") if spec is not None else None
        key = (item.path, item.originalname, target)
        if target in COMPILED_IN and key in seen:
            drop.append(item)
        else:
            seen.add(key)
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
