"""Models in flash: `microlearn deploy --romfs` images (deploy.romfs_image) on
the emulated boards' ROMFS partition (/rom, rig/romfs/romfs/romfs.c), and
microlearn.load() using them in place.

The bound (docs/benchmarks.md, "Models in place"): the digits random forest of
the benchmarks (10 trees, max_depth 10) loaded from /rom holds at most 1 KiB of
heap, and no load path holds the model twice, even for a moment: loading from
/rom succeeds with 1 KiB of free heap, loading from a RAM file with the file's
size plus 1 KiB."""
import re

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split

import microlearn
from microlearn import deploy
from device_rig import run

ROWS = 5
RAM_BOUND = 1024  # bytes of heap a model loaded in place may hold (the goal)

# Writes the image into the partition as `mpremote romfs deploy` does
# (vfs.rom_ioctl: prepare, write, complete), mounts it, checks every file, then
# measures load() from /rom and from the RAM filesystem.
SCRIPT = """
import gc, os, vfs, uctypes, array, microlearn
img = open("image.romfs", "rb").read()
vfs.rom_ioctl(3, 0, len(img))
vfs.rom_ioctl(4, 0, 0, img)
vfs.rom_ioctl(5, 0)
img = None
vfs.mount(vfs.VfsRom(vfs.rom_ioctl(2, 0)), "/rom")
for name in sorted(os.listdir("/rom")):
    with open("/rom/" + name, "rb") as f:
        data = memoryview(f)
        same = bytes(data) == open(name, "rb").read()
        print("file", name, len(data), uctypes.addressof(data) % 4, same)
microlearn._family(1, microlearn._modules(1, open("rf10.mlm", "rb").read(9)[8])[0])  # the module the file imports


def largest():
    # The largest block the heap can give now.
    lo, hi = 0, gc.mem_free()
    while hi - lo > 16:
        mid = (lo + hi) // 2
        try:
            bytearray(mid)
            lo = mid
        except MemoryError:
            hi = mid
    return lo


def fill():
    # Fills every hole of the heap; returns the blocks (the first is the largest).
    blocks = [None] * 256  # allocated first: the list never grows in a full heap
    for i in range(len(blocks)):
        gc.collect()
        n = largest()
        if n < 32:
            break
        while n >= 32:  # largest() probed the heap a moment ago: step down if it moved
            try:
                blocks[i] = bytearray(n)
                break
            except MemoryError:
                n -= 16
    return blocks


def loads_with(path, blocks, free):
    # Leaves `free` bytes of the largest hole free (the others stay full), loads.
    blocks[0] = None
    gc.collect()
    blocks[0] = bytearray(largest() - free)
    try:
        microlearn.load(path)
        ok = True
    except MemoryError:
        ok = False
    blocks[0] = None
    gc.collect()
    return ok


for path in ("/rom/rf10.mlm", "rf10.mlm"):
    gc.collect()
    before = gc.mem_alloc()
    m = microlearn.load(path)
    gc.collect()
    print("ram", path, gc.mem_alloc() - before)
    x = array.array("f", bytes(4 * 64))
    got = []
    with open("x.bin", "rb") as f:
        while f.readinto(x) == len(x) * 4:
            got.append(m.predict(x))
    print("pred", path, got)
    m = None
blocks = fill()
print("fits", "/rom/rf10.mlm", loads_with("/rom/rf10.mlm", blocks, RAM_BOUND))
print("fits", "rf10.mlm", loads_with("rf10.mlm", blocks, SIZE + RAM_BOUND))
blocks = None
"""


def digits_forest(folder):
    """The benchmarks' digits forest (benchmarks/trees/models.py, case rf10) saved
    as folder/rf10.mlm; (its path, test rows, scikit-learn's predictions)."""
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, _ = train_test_split(X.astype(np.float32), y, test_size=0.2, random_state=0)
    est = RandomForestClassifier(10, max_depth=10, random_state=0).fit(X_train, y_train)
    path = folder / "rf10.mlm"
    microlearn.convert(est).save(path)
    rows = X_test[:ROWS]
    return path, rows, [int(v) for v in est.predict(rows)]


def measure_in_place(target, path, rows, extra=""):
    """Runs SCRIPT (and `extra` after it) on target; (its result, {path: heap
    bytes after load})."""
    odd = b"odd length, shifts what follows"  # puts the model at an unaligned spot unless padded
    image = deploy.romfs_image({"a_note.txt": odd, "rf10.mlm": path.read_bytes()})
    size = path.stat().st_size
    script = SCRIPT.replace("RAM_BOUND", str(RAM_BOUND)).replace("SIZE", str(size)) + extra
    res = run(target, script, files={"image.romfs": image, "rf10.mlm": path.read_bytes(),
                                     "a_note.txt": odd, "x.bin": rows.astype(np.float32).tobytes()})
    return res, {p: int(n) for p, n in re.findall(r"^ram (\S+) (\d+)$", res.output, re.M)}


@pytest.fixture(scope="module")
def digits_rf(tmp_path_factory):
    return digits_forest(tmp_path_factory.mktemp("romfs"))


def test_romfs_image_aligns_every_file():
    """Files of every length land 4-byte aligned; what the board reads back is
    checked on the boards (test below): here the layout the writer promises."""
    files = {f"f{n}.bin": bytes([0xA0 + n]) * n for n in range(1, 12)}  # each its own byte
    image = deploy.romfs_image(files)
    assert image[:3] == b"\xd2\xcd\x31" and len(image) % 4 == 0
    for data in files.values():
        assert image.index(data) % 4 == 0, data


def test_romfs_refuses_what_it_cannot_hold(tmp_path):
    with pytest.raises(deploy.DeployError, match="plain file name"):
        deploy.romfs_image({"lib/m.mlm": b"1234"})
    bad = tmp_path / "notes.mlm"
    bad.write_bytes(b"not a model at all")
    with pytest.raises(ValueError):
        deploy.romfs_models([bad])
    with pytest.raises(deploy.DeployError, match="--romfs writes models"):
        deploy.main(["--romfs", "--dir", str(tmp_path)])


@pytest.mark.parametrize("target", ["cortex-m3", "rv32"])
def test_models_load_in_place_from_romfs(target, digits_rf):
    path, rows, want = digits_rf
    size = path.stat().st_size
    res, ram = measure_in_place(target, path, rows)
    assert res.returncode == 0, res.output
    out = res.output
    assert "file a_note.txt 31 0 True" in out and f"file rf10.mlm {size} 0 True" in out, out
    assert ram["/rom/rf10.mlm"] <= RAM_BOUND, out  # in place: only the model object
    assert size <= ram["rf10.mlm"] <= size + RAM_BOUND, out  # read once into RAM
    assert f"pred /rom/rf10.mlm {want}" in out and f"pred rf10.mlm {want}" in out, out
    assert "fits /rom/rf10.mlm True" in out and "fits rf10.mlm True" in out, out
