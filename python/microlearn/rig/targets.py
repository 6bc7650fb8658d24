"""The targets the rig can run scripts on.

A target is a MicroPython build plus the native-module architecture it loads:

    unix       MicroPython's unix port on this machine             natmods: x64
    cortex-m3  QEMU mps2-an385 board (Cortex-M3)                   natmods: armv7m
    cortex-m4f QEMU mps2-an386 board (Cortex-M4 + single FPU)       natmods: armv7emsp
    cortex-m0  the same mps2-an385 board, armv6m natmods           natmods: armv6m
    rv32       QEMU virt board, RISC-V rv32imac (ESP32-C3/C6 stand-in)  natmods: rv32imc

and, with microlearn compiled into the firmware (firmware.py): unix-builtin,
cortex-m3-builtin and wasm (the webassembly port under node).

The mps2-an386 board definition is ours (boards/MPS2_AN386): MicroPython has none.

There is no working Cortex-M0 board in QEMU 7.2 for MicroPython (MICROBIT faults at
start: QEMU's nRF51 has 16 KB of RAM, the board's linker script assumes 256 KB).
MicroPython accepts armv6m native code on an armv7m port (armv6m is a subset of
armv7m, and the .mpy loader allows any arch up to the port's own), so armv6m builds
run unchanged on the Cortex-M3 board. The instruction mix is the armv6m one; the
timing model is not a Cortex-M0's (QEMU has none anyway: it counts instructions).
"""

from dataclasses import dataclass
from typing import Optional

from .paths import RigError

# GC heap of our QEMU firmware builds. The port's default is 140 KB; files a script
# writes, models read into RAM and native code loaded by imports live in this heap,
# so we give it 2 MiB (the mps2 boards have 4 MB of RAM for firmware, stack and
# heap; big benchmark models need it). Real parts have less: measure RAM needs
# separately, do not infer them from "it ran in QEMU".
QEMU_HEAP_SIZE = 2 * 1024 * 1024
# Boards whose firmware RAM is smaller: MicroPython's virt linker script gives the
# RISC-V board 2 MiB for data, bss and heap together.
BOARD_HEAP_SIZE = {"VIRT_RV32": 2 * 1024 * 1024 - 64 * 1024}


@dataclass(frozen=True)
class Target:
    name: str
    arch: str  # native module architecture (mpy_ld / dynruntime.mk ARCH)
    kind: str  # "unix" or "qemu"
    board: Optional[str] = None  # ports/qemu BOARD= (for kind == "qemu")
    machine: Optional[str] = None  # qemu-system-arm -machine
    description: str = ""
    qemu_system: str = "qemu-system-arm"  # the QEMU binary (kind == "qemu")
    qemu_args: tuple = ()  # extra QEMU arguments
    bundle_addr: int = 0x20000000  # where the rig's file bundle goes (bundle.py)
    romfs_addr: int = 0x21000000  # the ROMFS partition (romfs/romfs/romfs.c)


TARGETS = {
    t.name: t
    for t in (
        Target("unix", "x64", "unix", description="MicroPython unix port (x86-64)"),
        Target(
            "cortex-m3",
            "armv7m",
            "qemu",
            board="MPS2_AN385",
            machine="mps2-an385",
            description="QEMU mps2-an385, Cortex-M3, armv7m natmods",
        ),
        Target(
            "cortex-m4f",
            "armv7emsp",
            "qemu",
            board="MPS2_AN386",
            machine="mps2-an386",
            description="QEMU mps2-an386, Cortex-M4F (hard float), armv7emsp natmods",
        ),
        Target(
            "cortex-m0",
            "armv6m",
            "qemu",
            board="MPS2_AN385",
            machine="mps2-an385",
            description="armv6m natmods on QEMU mps2-an385 (Cortex-M3 runs armv6m code)",
        ),
        Target(
            "rv32",
            "rv32imc",
            "qemu",
            board="VIRT_RV32",
            machine="virt",
            description="QEMU virt, RISC-V rv32imac (ESP32-C3/C6 stand-in), rv32imc natmods",
            qemu_system="qemu-system-riscv32",
            qemu_args=("-bios", "none"),
            bundle_addr=0x82000000,
            romfs_addr=0x81000000,
        ),
    )
}


def get_target(name: str) -> Target:
    try:
        return TARGETS[name]
    except KeyError:
        raise RigError(
            f"unknown target {name!r}; known targets: {', '.join(TARGETS)}"
        ) from None


from .firmware import TARGETS as _BUILTIN  # noqa: E402  (firmware.py uses Target)
TARGETS.update(_BUILTIN)
