# File operations a microlearn test script may use. The rig test runs this on the
# unix port (a real filesystem) and on QEMU (the rig's RAM filesystem) and expects
# the same output from both.
import array
import os


def check(label, fn):
    try:
        print(label, fn())
    except OSError as e:
        print(label, "OSError", e.errno)


with open("t.bin", "wb") as f:
    print("write", f.write(b"hello\nworld\n"))
    print("tell", f.tell())
with open("t.bin", "rb") as f:
    print("read", f.read(3), f.tell(), f.read(), f.read())
with open("t.bin") as f:
    print("lines", [line for line in f])
with open("t.bin") as f:
    print("readline", f.readline(), f.readline(), repr(f.readline()))
with open("t.bin", "ab") as f:
    f.write(b"more")
with open("t.bin", "r+b") as f:
    f.seek(2)
    f.write(b"XY")
    print("end", f.seek(0, 2), f.tell())
with open("t.bin", "rb") as f:
    print("after", f.read())
with open("t.txt", "w") as f:
    print("text", f.write("caf\u00e9\n"))
with open("t.txt") as f:
    print("text", f.read())

a = array.array("f", [1.5, 2.5, -3.0])
with open("f.bin", "wb") as f:
    print("array write", f.write(a))
b = array.array("f", [0.0] * 3)
with open("f.bin", "rb") as f:
    print("readinto array", f.readinto(b), list(b))
ba = bytearray(5)
with open("t.bin", "rb") as f:
    print("readinto bytearray", f.readinto(ba), ba)
    f.seek(14)
    print("readinto short", f.readinto(ba), ba)

print("stat", os.stat("t.bin")[6], os.stat("t.bin")[0] & 0x4000)
os.mkdir("d")
print("stat dir", os.stat("d")[0] & 0x4000 != 0)
check("mkdir again", lambda: os.mkdir("d"))
with open("d/x.txt", "w") as f:
    f.write("x")
print("listdir d", sorted(os.listdir("d")))
print("listdir .", sorted(n for n in os.listdir() if n in ("t.bin", "f.bin", "d")))
os.chdir("d")
print("chdir", os.getcwd().endswith("/d"), open("x.txt").read())
os.chdir("..")
os.rename("d/x.txt", "d/y.txt")
print("rename", sorted(os.listdir("d")))
check("rmdir non-empty", lambda: os.rmdir("d"))
os.remove("d/y.txt")
os.rmdir("d")
print("removed", "d" in os.listdir())
check("open missing", lambda: open("missing.txt"))
check("stat missing", lambda: os.stat("missing"))
check("remove missing", lambda: os.remove("missing"))

with open("mymod.py", "w") as f:
    f.write("X = 42\n")
import mymod

print("import written module", mymod.X)
