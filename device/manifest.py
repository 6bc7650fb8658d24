# Freezes microlearn's device package (device/microlearn/*.py) into MicroPython
# firmware: FROZEN_MANIFEST=<repo>/device/manifest.py, or include() this file
# from a board's own manifest (docs/firmware.md).
package("microlearn")
