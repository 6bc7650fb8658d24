# Builds _kbench.mpy (kbench.c: microlearn's DSP kernels, and CMSIS-DSP's when
# CMSIS_DSP and CMSIS_CORE name source trees) for one architecture, with
# MicroPython's dynruntime flags (-Os, the arch's -mcpu/-mfpu). kbench.py calls:
#   make -f kbench.mk ARCH=armv7emsp MPY_DIR=<micropython> BUILD=<dir> [CMSIS_DSP=<dir> CMSIS_CORE=<dir>]
# Everything is compiled with -ffunction-sections -fdata-sections and
# pre-linked with --gc-sections (mpy_ld keeps every section it is given), so
# the module holds only what the eleven kernels reach, CMSIS's tables included.
HERE := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
ROOT := $(abspath $(HERE)/../..)
# microlearn's headers (kbench.py --baseline points this at an older commit's).
ML_INCLUDE ?= $(ROOT)/include
MOD = _kbench
ARCH ?= armv7emsp
ifneq ($(filter $(ARCH),armv6m armv7m),)
LINK_RUNTIME = 1
endif
ifneq ($(ARCH),x64)
MICROPY_FLOAT_IMPL ?= float
endif

CMSIS_SRC = \
	TransformFunctions/arm_rfft_fast_f32.c TransformFunctions/arm_rfft_fast_init_f32.c \
	TransformFunctions/arm_cfft_f32.c TransformFunctions/arm_cfft_init_f32.c \
	TransformFunctions/arm_cfft_radix8_f32.c TransformFunctions/arm_bitreversal2.c \
	TransformFunctions/arm_rfft_q15.c TransformFunctions/arm_rfft_init_q15.c \
	TransformFunctions/arm_cfft_q15.c TransformFunctions/arm_cfft_init_q15.c \
	TransformFunctions/arm_cfft_radix4_q15.c \
	FilteringFunctions/arm_biquad_cascade_df2T_f32.c FilteringFunctions/arm_biquad_cascade_df2T_init_f32.c \
	FilteringFunctions/arm_biquad_cascade_df1_q15.c FilteringFunctions/arm_biquad_cascade_df1_init_q15.c \
	FilteringFunctions/arm_fir_decimate_f32.c FilteringFunctions/arm_fir_decimate_init_f32.c \
	FilteringFunctions/arm_fir_f32.c FilteringFunctions/arm_fir_init_f32.c \
	FilteringFunctions/arm_fir_decimate_q15.c FilteringFunctions/arm_fir_decimate_init_q15.c \
	FilteringFunctions/arm_fir_q15.c FilteringFunctions/arm_fir_init_q15.c \
	CommonTables/arm_common_tables.c CommonTables/arm_const_structs.c BasicMathFunctions/arm_shift_q15.c

SRC_O = $(BUILD)/linked.o
OBJS = $(BUILD)/kbench.o $(BUILD)/libc_shim.o $(BUILD)/dsp_engine.o
ifneq ($(CMSIS_DSP),)
OBJS += $(addprefix $(BUILD)/cmsis/,$(CMSIS_SRC:.c=.o))
KBENCH_CMSIS = -DKBENCH_CMSIS -DARM_MATH_LOOPUNROLL -I$(CMSIS_DSP)/Include -I$(CMSIS_DSP)/PrivateInclude \
	-I$(CMSIS_CORE)/CMSIS/Core/Include
endif

# -fno-jump-tables: armv6m switch tables are absolute relocations, which
# .mpy files cannot hold (kbench.c's switch, CMSIS's).
CFLAGS_EXTRA = -I$(ML_INCLUDE) -ffunction-sections -fdata-sections -fno-jump-tables $(KBENCH_CMSIS) \
	$(CFLAGS_EXTRA_KBENCH)

include $(MPY_DIR)/py/dynruntime.mk

$(CONFIG_H): $(HERE)/kbench.c

$(BUILD)/kbench.o: $(HERE)/kbench.c $(CONFIG_H)
	$(Q)$(CROSS)gcc $(CFLAGS) -o $@ -c $<

$(BUILD)/libc_shim.o: $(HERE)/libc_shim.c $(CONFIG_H)
	$(Q)$(CROSS)gcc $(CFLAGS) -o $@ -c $<

# CMSIS-DSP's sources: the same flags, C99 as the rest, its warnings not ours.
$(BUILD)/cmsis/%.o: $(CMSIS_DSP)/Source/%.c $(CONFIG_H)
	$(Q)$(MKDIR) -p $(dir $@)
	$(Q)$(CROSS)gcc $(filter-out -Werror -Wall,$(CFLAGS)) -w -o $@ -c $<

# The engine exactly as device/natmod.mk compiles it, plus the section flags
# (and ENGINE_FLAGS: kbench.py --engine-flags, e.g. -ffp-contract=off).
$(BUILD)/dsp_engine.o: $(ROOT)/device/natmods/dsp_engine.cpp $(wildcard $(ML_INCLUDE)/microlearn/*.hpp $(ML_INCLUDE)/microlearn/*/*.hpp)
	$(Q)$(CROSS)g++ $(CFLAGS_ARCH) -Os -std=c++17 -fno-exceptions -fno-rtti -fno-threadsafe-statics \
		-fno-asynchronous-unwind-tables -fno-unwind-tables -Wall -Wextra -Werror -DNDEBUG \
		-ffunction-sections -fdata-sections $(ENGINE_FLAGS) -I$(ML_INCLUDE) -o $@ -c $<

$(BUILD)/linked.o: $(OBJS)
	$(Q)$(CROSS)ld -r --gc-sections -u mpy_init -o $@ $^
