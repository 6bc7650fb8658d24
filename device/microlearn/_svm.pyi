"""microlearn._svm: SVC, NuSVC, SVR, NuSVR, OneClassSVM."""
from typing import List, Optional, Union

from ._types import Buffer, FloatArray, Info, Label


class SvmModel:
    """A kernel SVM; `x` is array('f') of n_features finite floats.
    Classifier and OneClassSVM predict(), and every call given `out`, allocate nothing."""

    def predict(self, x: FloatArray, out: Optional[FloatArray] = None) -> Union[Label, float]:
        """Class label, +1/-1 (OneClassSVM) or value (regressors, into `out` when given)."""

    def predict_proba(self, x: FloatArray, out: Optional[FloatArray] = None) -> Union[List[float], FloatArray]:
        """SVC(probability=True) only: libsvm's Platt-scaled, pairwise-coupled probabilities."""

    def decision_function(self, x: FloatArray, out: Optional[FloatArray] = None) -> Union[float, List[float], FloatArray]:
        """'ovo' or 'ovr' decision values as fitted (not for regressors)."""

    def score_samples(self, x: FloatArray, out: Optional[FloatArray] = None) -> Union[float, FloatArray]:
        """OneClassSVM only."""

    def info(self) -> Info:
        """A dict of the model's sizes."""


def load(source: Buffer) -> SvmModel:
    """Validates the bytes once; a writable buffer is copied, a read-only one kept."""
