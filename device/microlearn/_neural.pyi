"""microlearn._neural: neural networks (scikit-learn MLPs, Keras models, .tflite files; float32, int8 or 16x8).

_neural has the float32 kernels; _neural_rnn adds the recurrent layers,
_neural_int8 has the int8 ones, _neural_int16 the int16-activation (16x8)
ones, _neural_all every kernel. They share this
API; microlearn.load() imports the one a model file's header names."""
from typing import List, Optional, Union

from ._types import Buffer, FloatArray, Info, Label


class NeuralModel:
    """A neural network. `x` is array('f') of n_features values; an int8 model
    also takes array('b') (its quantized input) and array('B') (TFLite's uint8
    input), an int16 (16x8) model array('h') (its quantized input). Weights are read in place from the model bytes; the arena is
    allocated once at load (or is the caller's bytearray); predict()
    allocates nothing."""

    def predict(self, x: Buffer, out: Optional[Buffer] = None) -> Union[Label, float, List[float], Buffer]:
        """Class label, or the value (a list for several; `out` when given); with `out`, the outputs also
        go into array('f'), or for an int8 / int16 output its quantized values into array('b') /
        array('h') (real = info()['output_scale'] * (q - info()['output_zero_point']))."""

    def predict_proba(self, x: Buffer, out: Optional[FloatArray] = None) -> Union[List[float], FloatArray]:
        """Classifiers with a softmax or logistic output: the class probabilities."""

    def reset(self) -> None:
        """Zeroes the state of stateful (recurrent, streaming) layers."""

    def info(self) -> Info:
        """A dict of the model's sizes (n_features, n_outputs, arena_bytes, n_ops, input_dtype,
        output_dtype; output_scale and output_zero_point for an int8 / int16 output, ...)."""


def load(source: Buffer, arena: Optional[bytearray] = None) -> NeuralModel:
    """Validates the bytes once and allocates the arena once, or works in `arena`
    (a bytearray of at least info()['arena_bytes'])."""
