#!/usr/bin/env bash
# Installs the Debian packages the project needs (idempotent; needs root).
# Cross compilers for the native modules, QEMU for the emulated boards, and what the
# MicroPython unix port needs to build.
set -euo pipefail
pkgs=(build-essential cmake pkg-config libffi-dev git python3-venv
      gcc-arm-none-eabi libnewlib-arm-none-eabi binutils-arm-none-eabi
      gcc-riscv64-unknown-elf qemu-system-arm qemu-system-misc
      picolibc-riscv64-unknown-elf
      espeak-ng  # speech synthesiser: the spoken words of examples/keywords
      libjpeg-turbo-progs  # cjpeg: JPEGs with every sampling factor and restart interval (tests of microlearn.jpeg)
      mosquitto  # the MQTT broker the docs' output examples are tested against (tests/docs)
      libglib2.0-dev libgtest-dev valgrind dpkg-dev xz-utils
      clang-14 libclang-rt-14-dev libc6-dev-i386 lib32stdc++-12-dev  # libFuzzer, 64- and 32-bit (scripts/fuzz.sh)
      emscripten nodejs chromium chromium-driver)  # the webassembly port (rig target wasm) and its playground test
optional=(gcc-xtensa-lx106 picolibc-xtensa-lx106-elf)
missing=()
for p in "${pkgs[@]}" "${optional[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}" >/dev/null
  # The xtensa toolchain is optional: the build skips that arch when it is absent.
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${optional[@]}" >/dev/null || true
fi
