"""Exceptions raised by microlearn on the host."""


class UnsupportedEstimatorError(TypeError):
    """The estimator, or one of its options, has no microlearn conversion."""
