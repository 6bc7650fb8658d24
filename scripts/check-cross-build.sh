#!/usr/bin/env bash
# The engine and its C API compile warning-free for each microcontroller
# toolchain with the flags DESIGN.md sets, and link with no C/C++ runtime.
set -euo pipefail
cd "$(dirname "$0")/.."
FLAGS="-std=c++17 -Os -fno-exceptions -fno-rtti -fno-threadsafe-statics -nostdlib -Wall -Wextra -Werror -Iinclude"
out=$(mktemp -d)
check() {  # name compiler flags...
  local name=$1 cxx=$2; shift 2
  if ! command -v "$cxx" >/dev/null; then echo "  $name: $cxx not installed, skipped"; return; fi
  "$cxx" $FLAGS "$@" -c src/microlearn_c.cpp -o "$out/$name.o"
  local text; text=$(size -A "$out/$name.o" 2>/dev/null | awk '/^\.text/{s+=$2} END{print s}')
  echo "  $name: ok (${text:-?} bytes of code for the whole C API)"
}
check cortex-m0 arm-none-eabi-g++ -mthumb -mcpu=cortex-m0
check cortex-m3 arm-none-eabi-g++ -mthumb -mcpu=cortex-m3
check cortex-m4f arm-none-eabi-g++ -mthumb -mcpu=cortex-m4 -mfpu=fpv4-sp-d16 -mfloat-abi=hard
check rv32imc riscv64-unknown-elf-g++ -march=rv32imac -mabi=ilp32 -specs=picolibc.specs
check x64 g++
rm -rf "$out"
