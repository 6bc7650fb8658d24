# microlearn as a MicroPython user C module (make-based ports: unix, qemu, stm32,
# webassembly, ...): make USER_C_MODULES=<repo>/device/usermod
# docs/firmware.md has the recipes.
ML_USERMOD := $(USERMOD_DIR)
ML_ROOT := $(realpath $(USERMOD_DIR)/../../..)

# The families compiled in: all by default, or e.g. MICROLEARN_FAMILIES="trees dsp"
# (arrays is always in). The linker drops the engine code of the others.
MICROLEARN_FAMILIES ?= $(patsubst $(ML_USERMOD)/family_%.c,%,$(wildcard $(ML_USERMOD)/family_*.c))
ML_FAMILIES := $(sort arrays $(MICROLEARN_FAMILIES))

SRC_USERMOD_C += $(ML_USERMOD)/modmicrolearn.c $(patsubst %,$(ML_USERMOD)/family_%.c,$(ML_FAMILIES))
SRC_USERMOD_CXX += $(ML_USERMOD)/engine.cpp

CFLAGS_USERMOD += -I$(ML_ROOT)/include -DMICROLEARN_BUILTIN $(patsubst %,-DMICROLEARN_HAS_%=1,$(ML_FAMILIES))
# The engine's rules (DESIGN.md): no exceptions, RTTI or thread-safe statics.
CXXFLAGS_USERMOD += -I$(ML_ROOT)/include -std=c++17 -fno-exceptions -fno-rtti -fno-threadsafe-statics \
	-fno-asynchronous-unwind-tables -fno-unwind-tables -DNDEBUG
# Some ports (qemu, webassembly) give C++ none of their CFLAGS: the engine would
# be built for another CPU (ARM instead of Thumb) or without the port's defines.
# Theirs, minus the C-only ones (deferred: the port sets CFLAGS after this file).
CXXFLAGS += $(filter-out -W% -std=%,$(CFLAGS))
