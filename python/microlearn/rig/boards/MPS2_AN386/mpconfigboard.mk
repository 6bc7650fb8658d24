# microlearn's board for MicroPython's ports/qemu: QEMU's mps2-an386 machine, a
# Cortex-M4 with single-precision FPU (armv7emsp), i.e. the AN385 board (same
# memory map and UART) with an M4F. Built with
#   make -C ports/qemu BOARD=MPS2_AN386 BOARD_DIR=<this folder> ...
# by microlearn.rig.build.build_qemu.
QEMU_ARCH = arm
QEMU_MACHINE = mps2-an386

CFLAGS += -mthumb -mcpu=cortex-m4 -mfpu=fpv4-sp-d16 -mfloat-abi=hard
CFLAGS += -DQEMU_SOC_MPS2
CFLAGS += -DMICROPY_HW_MCU_NAME='"Cortex-M4F"'
# The port's start-up code does not enable the FPU; any float instruction would then
# fault (NOCP). Give CP10/CP11 full access (CPACR, 0xE000ED88) in mp_init(), before
# any Python code runs; nothing before it uses the FPU.
CFLAGS += -DMICROPY_PORT_INIT_FUNC='(*(volatile unsigned long *)0xE000ED88UL |= 0xF00000UL)'

LDSCRIPT = mcu/arm/mps2.ld

SRC_BOARD_O = shared/runtime/gchelper_native.o shared/runtime/gchelper_thumb2.o

MPY_CROSS_FLAGS += -march=armv7emsp
