# microlearn's build of MicroPython's VIRT_RV32 board (QEMU virt, RISC-V 32-bit), for
# Debian's toolchain (gcc-riscv64-unknown-elf 12 + picolibc-riscv64-unknown-elf).
# Built with
#   make -C ports/qemu BOARD=VIRT_RV32 BOARD_DIR=<this folder> ...
# by microlearn.rig.build.build_qemu.
#
# The port's own board asks for -march=rv32imac_zicsr. GCC 12 then finds no multilib
# of that name (Debian ships rv32imac/ilp32) and links the 64-bit libgcc and
# picolibc: the link fails. We name the multilib's arch, rv32imac, and select the
# older ISA spec (2.2), in which the CSR instructions the start-up code uses are
# still part of the base ISA, so the assembler accepts them without "_zicsr".
QEMU_ARCH = riscv32
QEMU_MACHINE = virt

RV32_ARCH = rv32imac
CFLAGS += -misa-spec=2.2
AFLAGS += -misa-spec=2.2

CFLAGS += -DQEMU_SOC_VIRT
CFLAGS += -DMICROPY_HW_MCU_NAME='"$(RV32_ARCH)"'

LDSCRIPT = mcu/rv32/virt.ld

SRC_BOARD_O += shared/runtime/gchelper_native.o shared/runtime/gchelper_rv32i.o

MPY_CROSS_FLAGS += -march=rv32imc
