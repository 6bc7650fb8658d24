"""microlearn._linear: linear classifiers and regressors, log-link GLMs, and SGD learning on the device."""
from typing import List, Optional, Union

from ._types import Buffer, FloatArray, Info, Label


class LinearModel:
    """A linear model; `x` is array('f') of n_features finite floats.
    predict(), partial_fit() and every call given `out` allocate nothing."""

    def predict(self, x: FloatArray, out: Optional[FloatArray] = None) -> Union[Label, float]:
        """Class label; regressors: a float, or out[n_outputs]."""

    def decision_function(self, x: FloatArray, out: Optional[FloatArray] = None) -> Union[float, List[float], FloatArray]:
        """Classifiers: W x + b (a float when binary)."""

    def predict_proba(self, x: FloatArray, out: Optional[FloatArray] = None) -> Union[List[float], FloatArray]:
        """LogisticRegression, SGD with log_loss or modified_huber."""

    def partial_fit(self, x: FloatArray, y: Union[int, float]) -> None:
        """One SGD step as scikit-learn's (SGDClassifier/SGDRegressor, or a trainable loaded model)."""

    def to_bytes(self) -> bytes:
        """The .mlm file (CRC rewritten), for the PC."""

    def save(self, path: str) -> None:
        """Writes to_bytes() to a file."""

    def info(self) -> Info:
        """A dict of the model's sizes."""


def load(source: Buffer) -> LinearModel:
    """Validates the bytes once; a trainable model's bytes are always copied."""


def SGDClassifier(n_features: int, n_classes: int, loss: str = "hinge", alpha: float = 0.0001,
                  learning_rate: str = "optimal", eta0: float = 0.01, power_t: float = 0.5,
                  fit_intercept: bool = True) -> LinearModel:
    """A classifier learning on the device from zero weights; labels 0..n_classes-1."""


def SGDRegressor(n_features: int, alpha: float = 0.0001, learning_rate: str = "invscaling",
                 eta0: float = 0.01, power_t: float = 0.25, fit_intercept: bool = True) -> LinearModel:
    """A regressor learning on the device from zero weights."""
