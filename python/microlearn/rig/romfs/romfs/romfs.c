// microlearn rig: a ROMFS partition ("/rom") for MicroPython's QEMU boards.
//
// Real boards keep ROMFS in memory-mapped flash; QEMU's boards have spare RAM in
// their memory map that stands in for it:
//     mps2-an385 / mps2-an386   0x21000000, 16 MB of PSRAM the firmware does not use
//     virt (RISC-V)             0x81000000, RAM above the firmware's 8 MB
// The partition is ROMFS_SIZE bytes at ROMFS_BASE. vfs.rom_ioctl() implements what
// `mpremote romfs deploy` uses: query the segment, prepare (erase), write, complete.
// MicroPython mounts the partition at /rom at every (soft) reset when it holds a
// valid ROMFS image (py/runtime.c, mp_init), so after a deploy a soft reset or
//     vfs.mount(vfs.VfsRom(vfs.rom_ioctl(2, 0)), "/rom")
// makes the files visible. The rig can also preload an image (QEMU's -device loader)
// as if the flash had been programmed before power-on.
#include <string.h>

#include "py/runtime.h"
#include "py/mperrno.h"
#include "py/objarray.h"
#include "extmod/vfs.h"

#if defined(QEMU_SOC_VIRT)
#define ROMFS_BASE (0x81000000)
#elif defined(QEMU_SOC_MPS2)
#define ROMFS_BASE (0x21000000)
#else
#error "microlearn romfs: no ROMFS partition address for this QEMU board"
#endif
#define ROMFS_SIZE (4 * 1024 * 1024)

static MP_DEFINE_MEMORYVIEW_OBJ(romfs_partition, 'B', 0, ROMFS_SIZE, (void *)ROMFS_BASE);

// The flash write granularity a real part would have; writes must be multiples.
#define ROMFS_MIN_WRITE (4)

mp_obj_t mp_vfs_rom_ioctl(size_t n_args, const mp_obj_t *args) {
    mp_int_t cmd = mp_obj_get_int(args[0]);
    if (cmd == MP_VFS_ROM_IOCTL_GET_NUMBER_OF_SEGMENTS) {
        return MP_OBJ_NEW_SMALL_INT(1);
    }
    if (n_args < 2 || mp_obj_get_int(args[1]) != 0) {
        return MP_OBJ_NEW_SMALL_INT(-MP_EINVAL);  // one partition: id 0
    }
    switch (cmd) {
        case MP_VFS_ROM_IOCTL_GET_SEGMENT:
            return MP_OBJ_FROM_PTR(&romfs_partition);
        case MP_VFS_ROM_IOCTL_WRITE_PREPARE: {  // (3, 0, length): erase what will be written
            mp_int_t length = n_args > 2 ? mp_obj_get_int(args[2]) : -1;
            if (length < 0 || length > ROMFS_SIZE) {
                return MP_OBJ_NEW_SMALL_INT(-MP_EINVAL);
            }
            memset((void *)ROMFS_BASE, 0xff, length);
            return MP_OBJ_NEW_SMALL_INT(ROMFS_MIN_WRITE);
        }
        case MP_VFS_ROM_IOCTL_WRITE: {  // (4, 0, offset, buffer)
            if (n_args < 4) {
                return MP_OBJ_NEW_SMALL_INT(-MP_EINVAL);
            }
            mp_int_t offset = mp_obj_get_int(args[2]);
            mp_buffer_info_t buf;
            mp_get_buffer_raise(args[3], &buf, MP_BUFFER_READ);
            if (offset < 0 || buf.len % ROMFS_MIN_WRITE != 0 || buf.len > (size_t)(ROMFS_SIZE - offset)) {
                return MP_OBJ_NEW_SMALL_INT(-MP_EINVAL);
            }
            memcpy((uint8_t *)ROMFS_BASE + offset, buf.buf, buf.len);
            return MP_OBJ_NEW_SMALL_INT(0);
        }
        case MP_VFS_ROM_IOCTL_WRITE_COMPLETE:
            return MP_OBJ_NEW_SMALL_INT(0);
        default:
            return MP_OBJ_NEW_SMALL_INT(-MP_EINVAL);
    }
}
