"""Mutation fuzzing of the device-side file parsers (.npy, .npz, .wav) on real
MicroPython (the unix port).

A driver running inside MicroPython takes the seed files of
tests/fuzz/corpus/{npy,npz,wav}/ (small valid files written by numpy, zipfile
and CPython's wave), mutates each many times (bit flips, interesting byte and
word values, truncation, deleted/inserted/duplicated ranges, changed digits in
the text header), writes the result to a file and parses it the way a user
would: open, read everything (streaming and whole), for every member. Every
failure must be a ValueError (wave.Error is one) or OSError whose message
starts with the file's name, never another exception, a crash or a hang (each
case must finish within a second). The cases are deterministic (a fixed
xorshift generator); the total is bounded in time for CI (~15 s here, 9 s at most per format). A
finding is printed with the seed, case number and mutations, and its file is
kept in the test's tmp folder; each one found so far is a regression test in
test_npy.py / test_wave.py.
"""
import json
from pathlib import Path

import pytest

from mpyrun import run

CORPUS = Path(__file__).resolve().parents[1] / "fuzz" / "corpus"
KINDS = ["npy", "npz", "wav"]

DRIVER = r"""
import os, sys, time
from microlearn import npyfile, npzfile, wave

class Rng:  # xorshift32: the same cases on every run
    def __init__(self, seed):
        self.s = seed or 1
    def next(self):
        s = self.s
        s ^= (s << 13) & 0xFFFFFFFF
        s ^= s >> 17
        s ^= (s << 5) & 0xFFFFFFFF
        self.s = s
        return s
    def below(self, n):
        return self.next() % n if n > 0 else 0

WORDS = (0, 1, 0x7F, 0x80, 0xFF, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x10000, 0x40000000)

def mutate(data, rng, ops):
    d = bytearray(data)
    for _ in range(1 + rng.below(3)):
        op = rng.below(8)
        n = len(d)
        i = rng.below(n + 1)
        if op == 0 and n:      # flip bits
            d[i % n] ^= 1 << rng.below(8)
        elif op == 1 and n:    # an interesting byte
            d[i % n] = WORDS[rng.below(5)]
        elif op == 2 and n >= 4:  # an interesting 16/32-bit little-endian word
            v, w = WORDS[rng.below(len(WORDS))], 2 + 2 * rng.below(2)
            i = min(i, n - w)
            for k in range(w):
                d[i + k] = (v >> (8 * k)) & 0xFF
        elif op == 3:          # truncate
            d = d[:i]
        elif op == 4:          # delete a range
            d = d[:i] + d[i + 1 + rng.below(16):]
        elif op == 5:          # insert random bytes
            d = d[:i] + bytes([rng.below(256) for _ in range(1 + rng.below(8))]) + d[i:]
        elif op == 6:          # duplicate a range
            d = d[:i] + d[i:i + 1 + rng.below(32)] + d[i:]
        else:                  # a digit of a text header: another digit, or many more
            j = d.find(b"(", 0, 256)
            if j >= 0 and j + 1 < n:
                d = d[:j + 1] + (b"9" * (1 + rng.below(24)) if rng.below(2) else bytes([48 + rng.below(10)])) + d[j + 1:]
        ops.append(op)
    return bytes(d)

def parse_npy(fn):
    with npyfile.Reader(fn) as r:
        for c in r.chunks(7):
            pass
    npyfile.load(fn)

def parse_npz(fn):
    with npzfile.NpzFile(fn) as z:
        for k in z.files:
            z[k]
            with z.reader(k) as r:
                for c in r.chunks(5):
                    pass

def parse_wav(fn):
    with wave.open(fn) as w:
        w.getparams()
        while w.readframes(9):
            pass
        w.rewind()
        buf = bytearray(16 * w.getnchannels() * w.getsampwidth())
        while w.readframes_into(buf):
            pass

PARSE = {'npy': parse_npy, 'npz': parse_npz, 'wav': parse_wav}

def fuzz(kind, seeds, cases, budget_ms):
    parse, fn = PARSE[kind], 'case.' + kind
    start, done, errors, findings = time.ticks_ms(), 0, 0, 0
    for si, path in enumerate(seeds):
        data = open(path, 'rb').read()
        parse_ok = True
        rng = Rng(0x9E3779B9 ^ (si * 7919 + len(data)))
        for case in range(cases):
            if time.ticks_diff(time.ticks_ms(), start) > budget_ms:
                print('BUDGET', kind, done)
                return done, errors, findings
            ops = []
            m = mutate(data, rng, ops)
            with open(fn, 'wb') as f:
                f.write(m)
            t0 = time.ticks_ms()
            bad = None
            try:
                parse(fn)
            except (ValueError, OSError) as e:
                errors += 1
                if not str(e).startswith(fn):
                    bad = e
            except Exception as e:
                bad = e
            dt = time.ticks_diff(time.ticks_ms(), t0)
            if bad is not None or dt > 1000:
                findings += 1
                keep = 'finding_%s_%d_%d.%s' % (kind, si, case, kind)
                with open(keep, 'wb') as f:
                    f.write(m)
                print('FINDING', json.dumps({'seed': path, 'case': case, 'ops': ops, 'ms': dt, 'file': keep,
                                             'error': '' if bad is None else '%s: %s' % (type(bad).__name__, str(bad)[:200])}))
            done += 1
    return done, errors, findings

import json
for kind, seeds in SEEDS:
    done, errors, findings = fuzz(kind, seeds, CASES, BUDGET_MS)
    print('DONE', kind, done, errors, findings)
"""


def seeds(kind):
    return sorted(str(p) for p in (CORPUS / kind).iterdir() if p.suffix == "." + kind)


@pytest.mark.parametrize("kind", KINDS)
def test_parsers_survive_mutated_files(tmp_path, kind):
    files = seeds(kind)
    assert len(files) >= 4, f"seed corpus missing: {CORPUS / kind}"
    script = f"SEEDS = [({kind!r}, {files!r})]\nCASES = 1500\nBUDGET_MS = 9000\n" + DRIVER
    out = run(script, tmp_path, timeout=120)
    lines = out.splitlines()
    findings = [json.loads(ln.split(" ", 1)[1]) for ln in lines if ln.startswith("FINDING ")]
    assert not findings, f"{len(findings)} findings (files kept in {tmp_path}):\n" + "\n".join(
        json.dumps(f) for f in findings[:20])
    done = [ln.split() for ln in lines if ln.startswith("DONE ")]
    assert len(done) == 1
    _, _, n, errors, _ = done[0]
    # Enough cases ran, and the mutations really produced bad files.
    assert int(n) >= 500 and int(errors) >= int(n) // 5, (n, errors)
