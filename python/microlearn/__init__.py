"""microlearn: scikit-learn models on microcontrollers running MicroPython.

    model = microlearn.convert(fitted_estimator)
    model.predict(X)            # the C++ engine, as on the device
    model.save("model.mlm")     # copy to the device, then microlearn.load() there
"""
from .converters import convert, supported_estimators
from .errors import UnsupportedEstimatorError
from .model import Model, load

__version__ = "0.1.0"
__all__ = ["convert", "load", "Model", "UnsupportedEstimatorError", "supported_estimators"]
