#!/usr/bin/env python3
"""Checks that files seqlab writes read correctly in Python (kaldiio, safetensors).

Usage, from the package root:
    swift test --disable-swift-testing --filter OursForPythonTests
    python3 scripts/reference/check-ours-in-python.py [FOLDER]

FOLDER defaults to <temporary folder>/seqlab-formats-ours, where OursForPythonTests writes our
float.ark (binary FM), text.ark (text), cm.ark (the CM values, rewritten as FM), tensors.safetensors
and model.safetensors (several metadata keys, which Python itself writes in hash order, so byte
identity with Python is impossible there and values are compared instead). Every value must equal
Tests/FormatsTests/Fixtures/expected.txt exactly. Prints one line per file; exits 1 on any mismatch.
"""
import os
import sys
import tempfile

import kaldiio
import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
EXPECTED = os.path.join(ROOT, "Tests", "FormatsTests", "Fixtures", "expected.txt")
folder = sys.argv[1] if len(sys.argv) > 1 else os.path.join(tempfile.gettempdir(), "seqlab-formats-ours")

matrices, tensors, metadata = {}, {}, {}
np.seterr(over="ignore")  # float32 max (3.4e38) printed as a double warns spuriously when cast back
for line in open(EXPECTED, encoding="utf-8"):
    if line.startswith("#"):
        continue
    f = line.rstrip("\n").split(" ")
    if f[0] == "matrix":
        rows, cols = int(f[3]), int(f[4])
        matrices.setdefault(f[1], []).append((f[2], np.array([float(x) for x in f[5:]], dtype=np.float32).reshape(rows, cols)))
    elif f[0] == "tensor":
        ndim = int(f[4])
        shape = tuple(int(x) for x in f[5:5 + ndim])
        dtype = {"F32": np.float32, "F64": np.float64, "I32": np.int32, "I64": np.int64}[f[3]]
        conv = float if f[3].startswith("F") else int
        tensors.setdefault(f[1], {})[f[2]] = np.array([conv(x) for x in f[5 + ndim:]], dtype=dtype).reshape(shape)
    elif f[0] == "meta":
        metadata.setdefault(f[1], {})[f[2]] = line.rstrip("\n").split(" ", 3)[3]

failures = 0


def report(name, ok, detail=""):
    global failures
    failures += 0 if ok else 1
    print(f"{'ok  ' if ok else 'FAIL'} {name} {detail}")


for name in ["float.ark", "text.ark", "cm.ark"]:
    path = os.path.join(folder, name)
    got = list(kaldiio.load_ark(path))
    want = matrices[name]
    ok = [k for k, _ in got] == [k for k, _ in want] and all(
        g.dtype == np.float32 and g.shape == w.shape and np.array_equal(g.view(np.uint32), w.view(np.uint32))
        for (_, g), (_, w) in zip(got, want))
    report(name, ok, f"({len(got)} records, kaldiio {kaldiio.__version__ if hasattr(kaldiio, '__version__') else ''})")

for name in ["tensors.safetensors", "model.safetensors"]:
    path = os.path.join(folder, name)
    got = load_file(path)
    with safe_open(path, framework="np") as f:
        meta = f.metadata() or {}
    want = tensors[name]
    ok = sorted(got) == sorted(want) and all(
        got[k].dtype == want[k].dtype and got[k].shape == want[k].shape and got[k].tobytes() == want[k].tobytes() for k in want)
    ok = ok and meta == metadata.get(name, {})
    report(name, ok, f"({len(got)} tensors, {len(meta)} metadata keys)")

sys.exit(1 if failures else 0)
