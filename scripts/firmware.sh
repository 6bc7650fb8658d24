#!/usr/bin/env bash
# Builds MicroPython firmware with microlearn compiled in (docs/firmware.md):
#   bash scripts/firmware.sh PORT [BOARD] [MAKE_VAR=VALUE ...]
#     PORT: unix, qemu, webassembly, stm32, rp2, esp32 (any port; these are documented)
#   MPY_DIR=<MicroPython 1.25 source> (default: build/micropython-1.25.0, the rig's)
# The firmware freezes the port's usual manifest plus microlearn's package
# (device/manifest.py); without micropython-lib in MPY_DIR (Debian's source has
# none) only microlearn is frozen. ESP32 needs ESP-IDF's environment (export.sh)
# sourced first; rp2 and stm32 need their submodules (make -C ports/<port> submodules
# in a git clone of MicroPython).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PORT="${1:?usage: scripts/firmware.sh PORT [BOARD] [MAKE_VAR=VALUE ...]}"
shift
BOARD=""
if [ $# -gt 0 ] && [[ "$1" != *=* ]]; then BOARD="$1"; shift; fi
MPY_DIR="$(cd "${MPY_DIR:-$ROOT/build/micropython-1.25.0}" && pwd)"
OUT="$ROOT/build/firmware/$PORT${BOARD:+-$BOARD}"
mkdir -p "$OUT"

# make-based ports take a folder of modules; CMake-based ones (esp32, rp2) a .cmake file.
case "$PORT" in
  esp32|rp2) USERMOD="$ROOT/device/usermod/micropython.cmake" ;;
  *) USERMOD="$ROOT/device/usermod" ;;
esac

MANIFEST="$OUT/manifest.py"
VARS=()
if [ -f "$MPY_DIR/lib/micropython-lib/README.md" ]; then
  case "$PORT" in
    unix) PORT_MANIFEST='$(PORT_DIR)/variants/manifest.py' ;;
    webassembly) PORT_MANIFEST='$(PORT_DIR)/variants/manifest.py' ;;
    *) PORT_MANIFEST='$(PORT_DIR)/boards/manifest.py' ;;
  esac
  printf 'include("%s")\ninclude("%s")\n' "$PORT_MANIFEST" "$ROOT/device/manifest.py" > "$MANIFEST"
else
  echo "firmware.sh: no micropython-lib in $MPY_DIR: freezing microlearn only" >&2
  mkdir -p "$OUT/no-micropython-lib"
  echo "Empty: microlearn's frozen manifest uses no micropython-lib." > "$OUT/no-micropython-lib/README.md"
  printf 'include("%s")\n' "$ROOT/device/manifest.py" > "$MANIFEST"
  VARS+=("MPY_LIB_DIR=$OUT/no-micropython-lib")
fi
# The webassembly port sets CC=emcc but not CXX (the engine is C++).
# A garbage collection unwinds the C stack through Asyncify: 4 KiB (emscripten 3.1.6's
# default) is too small a few Python calls deep.
[ "$PORT" = webassembly ] && VARS+=("CXX=em++" "LDFLAGS=-s ASYNCIFY_STACK_SIZE=262144")

make -C "$MPY_DIR/mpy-cross" -j"$(nproc)"
make -C "$MPY_DIR/ports/$PORT" -j"$(nproc)" ${BOARD:+BOARD="$BOARD"} \
  USER_C_MODULES="$USERMOD" FROZEN_MANIFEST="$MANIFEST" "${VARS[@]}" "$@"
echo "firmware.sh: built $PORT${BOARD:+ $BOARD} in $MPY_DIR/ports/$PORT (manifest: $MANIFEST)"
