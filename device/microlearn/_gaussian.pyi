"""microlearn._gaussian: GaussianNB, GaussianMixture, BayesianGaussianMixture, EllipticEnvelope."""
from typing import List, Optional, Union

from ._types import Buffer, FloatArray, Info, Label


class GaussianModel:
    """A Gaussian model; `x` is array('f') of n_features finite floats.
    predict(), and every call given `out`, allocate nothing."""

    def predict(self, x: FloatArray, out: Optional[FloatArray] = None) -> Label:
        """Class label, mixture component, or +1/-1 (EllipticEnvelope). `out`
        is for regressors: given one, TypeError (as every family's classifiers)."""

    def predict_proba(self, x: FloatArray, out: Optional[FloatArray] = None) -> Union[List[float], FloatArray]:
        """Class or component probabilities."""

    def score_samples(self, x: FloatArray, out: Optional[FloatArray] = None) -> Union[float, FloatArray]:
        """Mixtures: the log-likelihood; EllipticEnvelope: minus the Mahalanobis distance."""

    def decision_function(self, x: FloatArray, out: Optional[FloatArray] = None) -> Union[float, FloatArray]:
        """EllipticEnvelope: score_samples - offset."""

    def info(self) -> Info:
        """A dict of the model's sizes."""


def load(source: Buffer) -> GaussianModel:
    """Validates the bytes once; a writable buffer is copied, a read-only one kept."""
