"""Types the device stubs share (not a module on the device)."""
from array import array
from typing import Any, Dict, Union

Buffer = Union[bytes, bytearray, memoryview, array]
"""Anything with the buffer protocol: array.array, bytes, bytearray, memoryview, ulab ndarray."""

FloatArray = array
"""array.array('f') (float32); int16 models take array('h')."""

Label = Any
"""A class label as scikit-learn gave it (int, float, str or bool), an int for
clusters and components, +1/-1 for anomaly detectors, a float for regressors."""

Info = Dict[str, Any]
"""info(): the model's sizes (n_features, n_outputs, ...), for users and tests."""
