# MicroPython code that runs ON THE DEVICE (never imported on the host), after ramfs.py
# (the rig sends both in one raw-REPL command, so RamFS is defined here).
#
# _rig_mount(addr, size, crc)  mount a RamFS at "/" holding the files of the bundle
#                              QEMU loaded at addr (format: see microlearn/rig/bundle.py)
# _rig_run(name)               run a script from the RamFS like `micropython name`
#                              would; its exit status is left in _rig_status
# _rig_fetch(name)             print a file's bytes in base64 (or "-" if it is absent)

import sys, gc, vfs, struct, binascii

_rig_status = None
_rig_fs = None


def _rig_mount(addr, size, crc):
    global _rig_fs
    import uctypes, os

    mem = memoryview(uctypes.bytearray_at(addr, size))
    if binascii.crc32(mem) != crc:
        raise RuntimeError("rig: the file bundle in memory is corrupt")
    if bytes(mem[0:4]) != b"MLRB":
        raise RuntimeError("rig: no file bundle in memory")
    count = struct.unpack_from("<I", mem, 4)[0]
    fs = RamFS()
    fs.makedirs("/lib")
    pos = 8
    for _ in range(count):
        off, n, name_len = struct.unpack_from("<IIH", mem, pos)
        pos += 10
        name = str(bytes(mem[pos : pos + name_len]), "utf-8")
        pos += name_len
        fs.add(name, mem[off : off + n])
    vfs.mount(fs, "/")
    os.chdir("/")
    sys.path[:] = ["", "/lib", ".frozen"]
    _rig_fs = fs
    gc.collect()


def _rig_run(name):
    # Like the unix port: an uncaught exception prints its traceback and gives status
    # 1, sys.exit(n) gives n. (The line of this function in tracebacks is removed on
    # the host.)
    global _rig_status
    _rig_status = 1
    g = {"__name__": "__main__", "__file__": name}
    try:
        with open(name) as f:
            code = compile(f.read(), name, "exec")
        gc.collect()
        exec(code, g)
        _rig_status = 0
    except SystemExit as e:
        code = e.args[0] if e.args else 0
        if code is None:
            _rig_status = 0
        elif isinstance(code, int):
            _rig_status = code & 0xFF
        else:  # like the unix port: a non-int value gives 1, silently
            _rig_status = 1
    except BaseException as e:
        sys.print_exception(e)
    g = None


def _rig_fetch(name):
    data = _rig_fs.contents(name)
    if data is None:
        print("-")
        return
    mv = memoryview(data)
    for i in range(0, len(mv), 3 * 1024):
        sys.stdout.write(binascii.b2a_base64(mv[i : i + 3 * 1024]))
