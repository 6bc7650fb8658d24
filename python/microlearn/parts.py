"""Common microcontroller parts, for `microlearn check --part` and
Model.report(part=...): the RAM that MicroPython's heap typically has after
boot, and the filesystem that holds the model and the package.

The figures are approximate (they vary with the firmware build, its version
and what the board's boot code does): they are for a first "will it fit?",
not a guarantee. Measure on the board with gc.mem_free() and os.statvfs('/').
A part of your own: --part RAM_KIB:FLASH_KIB (e.g. --part 96:512).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Part:
    name: str
    heap_bytes: int        # free MicroPython heap after boot, typical
    filesystem_bytes: int  # the board's filesystem, typical
    note: str = ""


KIB, MIB = 1024, 1024 * 1024

PARTS = {p.name: p for p in [
    Part("rp2040", 190 * KIB, 1408 * KIB, "Raspberry Pi Pico: 264 KiB SRAM, 2 MiB flash (Pico W: 848 KiB filesystem)"),
    Part("rp2350", 440 * KIB, 3 * MIB, "Raspberry Pi Pico 2: 520 KiB SRAM, 4 MiB flash"),
    Part("esp32", 110 * KIB, 2 * MIB, "ESP32 without PSRAM, 4 MiB flash; needs Espressif's toolchain (xtensawin)"),
    Part("esp32-psram", 4 * MIB, 2 * MIB, "ESP32 or ESP32-S3 with 4+ MiB PSRAM (xtensawin)"),
    Part("esp32-c3", 130 * KIB, 2 * MIB, "ESP32-C3/C6: rv32imc, 400 KiB SRAM, 4 MiB flash"),
    Part("esp8266", 36 * KIB, 1 * MIB, "ESP8266: 80 KiB user RAM; filesystem depends on the module's flash"),
    Part("stm32f405", 100 * KIB, 112 * KIB, "pyboard v1.1: 192 KiB RAM, filesystem in internal flash (or SD card)"),
    Part("stm32f411", 80 * KIB, 64 * KIB, "WeAct Black Pill: 128 KiB RAM, 512 KiB flash"),
    Part("nrf52840", 160 * KIB, 256 * KIB, "nRF52840: 256 KiB RAM, 1 MiB flash"),
]}


def get_part(name: str) -> Part:
    if name in PARTS:
        return PARTS[name]
    ram, sep, flash = name.partition(":")
    if sep:
        try:
            return Part(name, int(float(ram) * KIB), int(float(flash) * KIB), "your sizes")
        except ValueError:
            pass
    raise ValueError(f"unknown part {name!r}: known parts are {', '.join(PARTS)}, or give RAM_KIB:FLASH_KIB")


def describe(part: Part) -> str:
    return (f"part {part.name}: about {part.heap_bytes:,} bytes of MicroPython heap, {part.filesystem_bytes:,} "
            f"bytes of filesystem ({part.note}; approximate: measure on the board)")


def warnings(part: Part, flash: int, ram: int) -> list:
    """Messages where `flash` (model + native module bytes) or `ram` (import +
    load) exceed the part, or use most of it."""
    out = []
    for what, need, have in (("RAM", ram, part.heap_bytes), ("flash", flash, part.filesystem_bytes)):
        if need > have:
            out.append(f"{what}: needs {need:,} bytes, more than the {have:,} a {part.name} typically has")
        elif need > 0.75 * have:
            out.append(f"{what}: needs {need:,} bytes, {100 * need / have:.0f} % of a {part.name}'s {have:,}")
    return out
