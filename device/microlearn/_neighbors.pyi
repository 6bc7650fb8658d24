"""microlearn._neighbors: k-NN, NearestCentroid, KMeans, LocalOutlierFactor; k-NN and
k-means learners made on the device."""
from array import array
from typing import List, Optional, Union

from ._types import Buffer, FloatArray, Info, Label


class NeighborsModel:
    """A neighbour or centroid model, loaded or made by knn()/kmeans().
    `x` is array('f') (array('h') for int16 models) of n_features values;
    predict(), and every call given `out`, allocate nothing."""

    def predict(self, x: FloatArray, out: Optional[FloatArray] = None) -> Union[Label, float]:
        """Class label, cluster or +1/-1; regressors: a float, or out[n_outputs]."""

    def predict_proba(self, x: FloatArray, out: Optional[FloatArray] = None) -> Union[List[float], FloatArray]:
        """k-NN classifiers: the (weighted) vote shares; euclidean NearestCentroid:
        the softmax of scikit-learn's discriminant scores."""

    def transform(self, x: FloatArray, out: Optional[FloatArray] = None) -> Union[List[float], FloatArray]:
        """KMeans: the distances to the centres."""

    def score_samples(self, x: FloatArray, out: Optional[FloatArray] = None) -> Union[float, FloatArray]:
        """LocalOutlierFactor: minus the local outlier factor."""

    def decision_function(self, x: FloatArray, out: Optional[FloatArray] = None) -> Union[float, List[float],
                                                                                         FloatArray]:
        """LocalOutlierFactor: score_samples - offset; euclidean NearestCentroid:
        the discriminant score per class (two classes: one value, score_1 - score_0)."""

    def kneighbors(self, x: FloatArray, distances: FloatArray, indices: array) -> None:
        """The k nearest samples: distances into array('f'), indices into array('i')."""

    def fit(self, X: FloatArray, max_iter: int = ..., init: int = ...) -> int:
        """k-means learner: Lloyd's algorithm on n_samples * n_features floats; returns the iterations."""

    def partial_fit(self, x: FloatArray) -> int:
        """k-means learner: one online step; returns the centre that moved."""

    def add(self, x: FloatArray, label: int) -> int:
        """k-NN learner: adds a sample; returns how many samples it holds."""

    def remove(self, i: int) -> int:
        """k-NN learner: removes sample i; returns how many samples it holds."""

    def to_bytes(self) -> bytes:
        """The .mlm file of a learner, for microlearn.load() here or on the PC."""

    def info(self) -> Info:
        """A dict of the model's sizes."""


def load(source: Buffer) -> NeighborsModel:
    """Validates the bytes once; a writable buffer is copied, a read-only one kept."""


def kmeans(k: int, n_features: int) -> NeighborsModel:
    """A k-means learner, its memory fixed now."""


def knn(capacity: int, n_features: int, n_classes: int, k: int, typecode: str = "f",
        distance: int = ...) -> NeighborsModel:
    """A k-NN classifier that learns on the device (add/remove samples), memory fixed now."""
