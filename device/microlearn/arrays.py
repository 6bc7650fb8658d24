# Array helpers MicroPython lacks, in native code (_arrays.mpy, one per
# architecture). See device/natmods/arrays.c for the full contract.
#
#   a = arrays.empty('f', 300)              # 300 zeros, no generator, no list
#   b = arrays.full('h', 64, -1)
#   arrays.copy(dst, src, at)               # dst[at:at+len(src)] = src, any int/float mix
#   n = arrays.unpack(xyz, fifo_bytes, '<h', 1 / 16384, at)   # IMU FIFO -> g
#   arrays.to_float(x, q, scale, offset)    # int16 -> float: q * scale + offset
#   arrays.to_int(q, x, scale, offset)      # float -> int16: rounded, clamped
#   n = arrays.b64encode(data, out)         # into a preallocated bytearray
#   n = arrays.b64decode(text, out)
#   arrays.crc32(data, crc)                 # an int; or crc32(data, acc) with acc = array('I', [0]):
#                                           # acc[0] updated in place, nothing allocated
#   arrays.typecode(a)
try:
    from microlearn._arrays import (empty, full, copy, unpack, to_float, to_int,
                                    b64encode, b64decode, crc32, typecode)
except ImportError:
    raise ImportError("microlearn.arrays needs _arrays.mpy built for this board's "
                      "architecture next to it in lib/microlearn/ (make -C device ARCH=...)")
