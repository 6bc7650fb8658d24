# microlearn on the device: load a converted model and call predict().
#
#   import microlearn, array
#   m = microlearn.load("model.mlm")     # a path, or any buffer with the bytes
#   m.predict(array.array('f', features))
#
# The model file's header names its kind; the native module of that family
# (an .mpy next to this file) is imported on first use, so a device only
# pays RAM for the families it loads.

_FAMILIES = {1: "_trees"}
_MAGIC = b"MLMF"


def _family(kind):
    name = _FAMILIES.get(kind)
    if name is None:
        raise ValueError("model kind %d is not supported by this microlearn" % kind)
    return __import__("microlearn." + name, None, None, (name,))


def load(source):
    """Loads an .mlm model from a file path or a buffer (bytes, bytearray,
    memoryview). A buffer is used in place, not copied: keep it unchanged."""
    if isinstance(source, str):
        try:
            with open(source, "rb") as f:
                source = f.read()
        except OSError as e:
            raise OSError(e.args[0], "cannot read model file %r" % source)
    head = memoryview(source)[:8]
    if len(head) < 8 or bytes(head[:4]) != _MAGIC:
        raise ValueError("not a microlearn model file (bad magic)")
    return _family(head[6] | head[7] << 8).load(source)
