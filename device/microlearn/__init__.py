# microlearn on the device: load a converted model and call predict().
#
#   import microlearn, array
#   m = microlearn.load("model.mlm")     # a path, or any buffer with the bytes
#   m.predict(array.array('f', features))
#
# The model file's header names its kind; the native module of that family
# (an .mpy next to this file) is imported on first use, so a device only
# pays RAM for the families it loads.

# Model kind (include/microlearn/model_file.hpp, ModelKind) -> native module.
# One line per family; python/microlearn/families.py is the host's table.
_FAMILIES = {
    1: "_trees",
    5: "_gaussian",
    4: "_neighbors",
    3: "_svm",
    2: "_linear",
    6: "_neural",
}
# Neural networks: six modules, each with some of the engine's kernels, as
# (the parts it has, name), smallest first. The header's flags name the parts
# the model's ops need (1 float32, 2 an int8 CNN's ops, 4 recurrent, 8 the
# other int8 ops, 16 int16 activations: neural/model.hpp); a file without
# them (flags 0: written before they were) loads with _neural_all.
_NEURAL = ((1, "_neural"), (2, "_neural_int8_cnn"), (5, "_neural_rnn"), (10, "_neural_int8"), (16, "_neural_int16"),
           (31, "_neural_all"))
_MAGIC = b"MLMF"
# Firmware with microlearn compiled in (docs/firmware.md) has each native
# module as a built-in, microlearn_<family>; filed where the .mpy would be.
try:
    import microlearn_arrays  # every firmware build has it
except ImportError:
    pass
else:
    from sys import modules as _modules
    for _name in ("_arrays", "_dsp", "_jpeg") + tuple(_FAMILIES.values()):
        try:
            _modules["microlearn." + _name] = globals()[_name] = __import__("microlearn" + _name)
        except ImportError:  # a firmware built without this family
            pass
    if "_trees" in globals():  # the firmware's trees read both layouts and both input types
        for _name in ("_trees_forest", "_trees_i16", "_trees_refs"):
            _modules["microlearn." + _name] = _trees
    if "_neural" in globals():  # the firmware's neural module has every kernel
        for _, _name in _NEURAL:
            _modules["microlearn." + _name] = _neural
__version__ = "0.1.0"  # the host package's (pyproject.toml); tests check they agree
MLM_FORMAT = 3        # the newest .mlm format version this package reads (the oldest: 2)


def _family(kind, name=None):
    name = name or _FAMILIES.get(kind)
    if name is None:
        raise ValueError("model kind %d is not supported by this microlearn" % kind)
    try:
        return __import__("microlearn." + name, None, None, (name,))
    except ImportError:
        raise ImportError("this model needs microlearn.%s, which this microlearn package (or firmware) "
                          "lacks: install the whole package for this board" % name)
    except ValueError as e:  # "incompatible .mpy arch" / "... file": the package of another board
        import sys
        mpy = getattr(sys.implementation, "_mpy", 0)  # arch << 10 | sub-version << 8 | version
        arch = ("none x86 x64 armv6 armv6m armv7m armv7em armv7emsp armv7emdp xtensa xtensawin rv32imc "
                "rv64imc").split()[mpy >> 10]
        raise ValueError("microlearn.%s cannot be imported on this board (%s): install the microlearn "
                         "package built for arch %s and .mpy version %d.%d (build/device/%s)"
                         % (name, e, arch, mpy & 0xFF, mpy >> 8 & 3, arch))


def _modules(kind, flags):
    # The modules that may read a model of this kind, from its header's flags
    # (docs/model-format.md), to try in turn; None: the family's one module.
    if kind == 1:  # tree ensembles: bit 0 refs layout, bit 1 int16 inputs, bit 2 packed float32,
        # bit 3 also: a forest or a regressor (no logistic, softmax or anomaly score)
        return (("_trees_refs",) if flags & 1 else ("_trees_i16",) if flags & 2 else ("_trees_forest",) if flags & 8
                else ("_trees",) if flags & 4
                # files written before the flags: each module calls the others' unsupported
                else ("_trees", "_trees_i16", "_trees_refs"))
    if kind == 6:  # neural networks: the kernel parts the ops need (_NEURAL)
        for have, name in _NEURAL:
            if flags and flags & have == flags:
                return (name,)
        return ("_neural_all",)  # no flags, or bits no module has: its load() checks them
    return (None,)


def _read(path):
    # A file that maps into memory (ROMFS: /rom on boards that have it) is used in
    # place: its read-only buffer, no RAM. Any other file is read once into a
    # bytes object of its exact size (read() without a size grows a buffer step by
    # step and can hold the model twice on the way).
    try:
        with open(path, "rb") as f:
            try:
                return memoryview(f)
            except TypeError:
                size = f.seek(0, 2)
                f.seek(0)
                return f.read(size)
    except OSError as e:
        raise OSError(e.args[0], "cannot read model file %r" % path)


def _not_mlm(b):
    # The error for a file that is not an .mlm file, naming what its first bytes say it is.
    what = ("a TensorFlow Lite model" if b[4:8] == b"TFL3" else "a zip archive (.keras?)" if b[:4] == b"PK\3\4"
            else "an HDF5 file (.h5?)" if b[:4] == b"\x89HDF" else "a pickle (.pkl, .joblib?)"
            if b[:1] == b"\x80" and b[1:2] in (b"\2", b"\3", b"\4", b"\5") else 0)
    return "not a microlearn model file" + ((": %s; convert it on the PC with microlearn.convert()" % what)
                                            if what else " (bad magic)")


def load(source, *args):
    """Loads an .mlm model from a file path or a buffer (bytes, bytearray,
    memoryview). A read-only buffer (bytes, a ROMFS file) is used in place; a
    writable one is copied, so changing it later cannot change the model.
    `args` go to the family's load() (a neural network's arena: a bytearray)."""
    if isinstance(source, str):
        source = _read(source)
    head = memoryview(source)[:9]
    if len(head) < 8 or bytes(head[:4]) != _MAGIC:
        raise ValueError(_not_mlm(bytes(head)))
    kind = head[6] | head[7] << 8
    names = _modules(kind, head[8] if len(head) > 8 else 0)
    for name in names:
        try:
            return _family(kind, name).load(source, *args)
        except ValueError as e:
            if name == names[-1] or not str(e).endswith("unsupported_kind"):
                raise
