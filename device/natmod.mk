# Builds one native module (.mpy) from C glue plus the C++ engine, for one
# architecture, with MicroPython's py/dynruntime.mk. Called by device/Makefile:
#   make -f natmod.mk MPY_DIR=... ARCH=... MOD=_trees SRC=natmods/trees.c \
#        SRC_CXX=natmods/trees_engine.cpp BUILD=... OUT=...
ROOT := $(abspath $(dir $(realpath $(lastword $(MAKEFILE_LIST))))/..)

# C++ objects go into the link next to dynruntime's C objects.
SRC_O = $(addprefix $(BUILD)/, $(SRC_CXX:.cpp=.o))

# Soft-float architectures need libgcc's float routines linked in.
ifneq ($(filter $(ARCH),armv6m armv7m rv32imc xtensa),)
LINK_RUNTIME = 1
endif

# Microcontroller ports use single-precision floats; the unix port (x64) double.
ifneq ($(ARCH),x64)
MICROPY_FLOAT_IMPL ?= float
endif

CFLAGS_EXTRA = -I$(ROOT)/include -I$(ROOT)/device/natmods
CFLAGS_EXTRA += $(NATMOD_CFLAGS)

include $(MPY_DIR)/py/dynruntime.mk

# xtensa: mpy_ld 1.25 cannot link a literal `mp_native_qstr_table + N` (GCC
# folds a qstr's index into it); mpy_ld_xtensa.py runs it with that fixed.
ifeq ($(ARCH),xtensa)
MPY_LD = $(PYTHON) $(ROOT)/device/mpy_ld_xtensa.py $(MPY_DIR)/tools/mpy_ld.py
endif

# Dead code out: each engine function and object in its own section (the C
# glue's unused static functions are gone already; sections there only cost
# bytes), and the link goes through natmod_ld.py, which keeps only the
# sections mpy_init reaches (picolibc's specs left out: they add a linker
# script that a partial link cannot take). Not on xtensa, whose partial link
# folds the literal pools into .text, where mpy_ld 1.25 cannot relocate them:
# there every module holds its engine unit whole.
ifneq ($(ARCH),xtensa)
MPY_LD := $(PYTHON) $(ROOT)/device/natmod_ld.py "$(CROSS)gcc $(filter-out -specs=%,$(CFLAGS_ARCH))" \
	"$(filter -I% -D% -U% -std=% -specs=%,$(filter-out -DMP_CONFIGFILE=%,$(CFLAGS)))" $(MPY_LD)
endif

# The engine's rules (DESIGN.md): no exceptions, RTTI, thread-safe statics,
# and position-independent code for mpy_ld.
CXXFLAGS = $(CFLAGS_ARCH) -Os -std=c++17 -fno-exceptions -fno-rtti -fno-threadsafe-statics \
	-fno-asynchronous-unwind-tables -fno-unwind-tables -ffunction-sections -fdata-sections -Wall -Wextra -Werror -DNDEBUG \
	-I$(ROOT)/include

$(BUILD)/%.o: %.cpp $(wildcard $(ROOT)/include/microlearn/*.hpp $(ROOT)/include/microlearn/*/*.hpp)
	$(ECHO) "CXX $<"
	$(Q)$(MKDIR) -p $(dir $@)
	$(Q)$(CROSS)g++ $(CXXFLAGS) -o $@ -c $<

# dynruntime.mk makes the C glue's objects depend on their .c file only: a
# change to glue.h or the C API headers must rebuild them too.
$(addprefix $(BUILD)/, $(patsubst %.c,%.o,$(filter %.c,$(SRC)))): $(ROOT)/device/natmods/glue.h \
	$(wildcard $(ROOT)/include/microlearn/*.h $(ROOT)/include/microlearn/c/*.h)
