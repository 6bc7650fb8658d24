"""microlearn on the device (MicroPython): load a converted model and call predict().

```python
import microlearn, array
m = microlearn.load("model.mlm")          # a path, or any buffer with the bytes
m.predict(array.array("f", features))     # class label (or value)
```

`load()` reads the file's header and imports the native module of the
model's family on first use, so a device pays RAM only for the families it
loads. Once loaded, `predict()` and every method given `out` allocate
nothing on the heap.
"""
from typing import Optional, Union

from . import arrays as arrays, dsp as dsp, npyfile as npyfile, npzfile as npzfile, recorder as recorder, \
    wave as wave
from . import png as png
from . import jpeg as jpeg
from ._gaussian import GaussianModel
from ._linear import LinearModel
from ._neighbors import NeighborsModel
from ._neural import NeuralModel
from ._svm import SvmModel
from ._trees import TreeEnsemble
from ._types import Buffer

__version__: str
"""The package's version; the same as the host package's `microlearn.__version__`."""

MLM_FORMAT: int
"""The .mlm format version this package reads."""

Model = Union[TreeEnsemble, GaussianModel, NeighborsModel, SvmModel, LinearModel, NeuralModel]
"""What `load()` returns: the model object of the file's family."""


def load(source: Union[str, Buffer], arena: Optional[bytearray] = None) -> Model:
    """Loads an .mlm model from a file path or a buffer (bytes, bytearray,
    memoryview). `arena`: a neural network may work in your bytearray instead
    of allocating its own (see NeuralModel).

    A read-only buffer (bytes, a ROMFS file) is used in place; a writable
    one is copied, so changing it later cannot change the model. A file in
    a ROMFS partition (/rom) is used in place. The file is validated once (magic, format version, CRC, every size and index).

    Raises:
        OSError: the file cannot be read.
        ValueError: not a model file, a newer format version, a corrupt file,
            or a family whose native module is missing or built for another
            architecture (the message names the package to install).
    """
