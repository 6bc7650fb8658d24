# A ROMFS partition for the rig's QEMU boards: a user C module of MicroPython's
# ports/qemu (make USER_C_MODULES=<this folder's parent>), added by
# microlearn.rig.build to every QEMU firmware. See romfs.c.
SRC_USERMOD_C += $(USERMOD_DIR)/romfs.c
CFLAGS_USERMOD += -DMICROPY_VFS_ROM_IOCTL=1
