"""microlearn._trees: tree ensembles (decision trees, forests, gradient
boosting, XGBoost/LightGBM/CatBoost boosters, IsolationForest)."""
from typing import List, Optional, Union

from ._types import Buffer, FloatArray, Info, Label


class TreeEnsemble:
    """A tree-ensemble model; `microlearn.load()` returns it for tree files.

    `x` is array('f') of n_features values (array('h') for int16 models).
    predict() of a classifier, and every call given `out`, allocate nothing;
    without `out`, results of several values come back as a new list.
    """

    def predict(self, x: FloatArray, out: Optional[FloatArray] = None) -> Union[Label, float, FloatArray]:
        """Class label, +1/-1 (IsolationForest) or regression value; with
        `out`, a multi-output regressor's values go into array('f')."""

    def predict_proba(self, x: FloatArray, out: Optional[FloatArray] = None) -> Union[List[float], FloatArray]:
        """Class probabilities (n_classes floats), into `out` when given."""

    def decision_function(self, x: FloatArray, out: Optional[FloatArray] = None) -> Union[float, List[float], FloatArray]:
        """Boosting raw scores, or the IsolationForest decision (score_samples - offset)."""

    def score_samples(self, x: FloatArray, out: Optional[FloatArray] = None) -> Union[float, FloatArray]:
        """IsolationForest: the anomaly score as scikit-learn's score_samples."""

    def info(self) -> Info:
        """A dict of the model's sizes (n_features, n_outputs, trees, nodes, ...)."""


def load(source: Buffer) -> TreeEnsemble:
    """Validates the bytes once; a writable buffer is copied, a read-only one kept."""
