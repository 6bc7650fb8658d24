"""The model families, one entry each: the registry that the host Model, the
converters, `microlearn check` and the device's load() dispatch on.

Adding a family: its engine header, C API, device glue and converter module,
then one line here and one in device/microlearn/__init__.py (_FAMILIES).
tests/python/test_families.py checks that the kind ids agree with the C++
engine's ModelKind and with the device's table.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import mlm


@dataclass(frozen=True)
class Family:
    kind: int            # .mlm kind id (include/microlearn/model_file.hpp, ModelKind)
    name: str            # ModelKind's name
    engine: str          # its class in the host extension microlearn._engine
    converter: str       # its module in microlearn.converters
    device_module: str   # its native module on the device: microlearn.<device_module>


FAMILIES = {f.kind: f for f in [
    Family(mlm.KIND_TREE_ENSEMBLE, "tree_ensemble", "TreesModel", "trees", "_trees"),
    Family(mlm.KIND_GAUSSIAN, "gaussian", "GaussianModel", "gaussian", "_gaussian"),
    Family(mlm.KIND_NEIGHBORS, "neighbors", "NeighborsModel", "neighbors", "_neighbors"),
    Family(mlm.KIND_SVM, "svm", "SvmModel", "svm", "_svm"),
    Family(mlm.KIND_LINEAR, "linear", "LinearModel", "linear", "_linear"),
    Family(mlm.KIND_NEURAL_NETWORK, "neural_network", "NeuralModel", "neural", "_neural"),
]}


def family_of_kind(kind: int) -> Family:
    family = FAMILIES.get(kind)
    if family is None:
        raise ValueError(f"invalid model file: model kind {kind} is not supported by this microlearn "
                         f"(it reads {', '.join(f.name for f in FAMILIES.values())})")
    return family
