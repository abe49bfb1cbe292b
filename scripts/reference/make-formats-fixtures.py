#!/usr/bin/env python3
"""Writes the Formats test fixtures with independent implementations (kaldiio, safetensors, numpy).

Run from the package root:  python3 scripts/reference/make-formats-fixtures.py
Writes into Tests/FormatsTests/Fixtures/:
  float.ark + float.scp   binary FM archive (kaldiio.save_ark) and its scp (byte offsets)
  double.ark              binary DM archive (float64 matrices)
  vector.ark              binary FV (float32 vectors)
  cm.ark cm2.ark cm3.ark  Kaldi compressed matrices (kSpeechFeature, kTwoByteAuto, kOneByteAuto)
  text.ark + text.scp     text archive (kaldiio text=True) and its scp
  vector.scp cm.scp       the scps of vector.ark and cm.ark
  range.scp               scp lines with Kaldi row/column ranges ("float.ark:74[2:4]")
  tensors.safetensors     F32/F64/I32/I64 with one metadata entry (safetensors.numpy.save_file)
  model.safetensors       several metadata entries, 2-D weights
  expected.txt            the values, as kaldiio/safetensors read them back, in plain text:
    matrix FILE KEY ROWS COLS v1 v2 ...        (row-major; floats as Python repr of the float32/64)
    tensor FILE NAME DTYPE NDIM D1 .. Dn v1 ...
    meta FILE KEY VALUE                        (VALUE is the rest of the line)
Seeded, so running it again gives the same files (except the order of multi-key metadata in
model.safetensors, which Python's safetensors writes from a hash map).
"""
import os
import sys

import kaldiio
import numpy as np
from safetensors.numpy import load_file, save_file
from safetensors import safe_open

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
OUT = os.path.join(ROOT, "Tests", "FormatsTests", "Fixtures")
os.makedirs(OUT, exist_ok=True)
os.chdir(OUT)  # so the scp lists "float.ark:N", a path relative to the fixture folder

rng = np.random.default_rng(20261129)
lines = []


def values(a):
    return " ".join(repr(float(x)) if a.dtype.kind == "f" else str(int(x)) for x in np.asarray(a).reshape(-1))


def record_archive(name, reader=kaldiio.load_ark):
    for key, m in reader(name):
        m = np.asarray(m)
        if m.ndim == 1:
            m = m.reshape(1, -1)
        lines.append(f"matrix {name} {key} {m.shape[0]} {m.shape[1]} {values(m)}".rstrip())


# Binary float matrices: odd shapes, a 1×1, and extreme values.
floats = {
    "utt1": rng.normal(size=(4, 3)).astype(np.float32),
    "utt-2": (rng.normal(size=(7, 5)) * 100).astype(np.float32),
    "u3": np.array([[1e-30, -0.0, 3.4e38]], dtype=np.float32),
    "single": np.array([[0.5]], dtype=np.float32),
}
kaldiio.save_ark("float.ark", floats, scp="float.scp")
record_archive("float.ark")

kaldiio.save_ark("double.ark", {"d1": rng.normal(size=(3, 2)), "d2": np.array([[0.1, 1e300], [-2.5, 7.0]])})
record_archive("double.ark")

kaldiio.save_ark("vector.ark", {"v1": rng.normal(size=5).astype(np.float32), "v2": np.array([2.0], dtype=np.float32)}, scp="vector.scp")
record_archive("vector.ark")

# Compressed: ≥ 5 rows uses true percentiles, fewer rows the special small-matrix path; a constant matrix.
compressible = {
    "c1": (rng.normal(size=(9, 4)) * 3 + 1).astype(np.float32),
    "c2": rng.uniform(-5, 5, size=(3, 6)).astype(np.float32),
    "flat": np.full((6, 2), 4.25, dtype=np.float32),
    "c4": rng.normal(size=(10, 3)).astype(np.float32),
}
for name, method in [("cm.ark", 2), ("cm2.ark", 3), ("cm3.ark", 5)]:
    kaldiio.save_ark(name, compressible, compression_method=method, scp="cm.scp" if name == "cm.ark" else None)
    record_archive(name)

kaldiio.save_ark("text.ark", {"t1": floats["utt1"], "t2": np.array([[0.1, 2.0, -3.5e-8]], dtype=np.float32), "t3": floats["u3"]}, scp="text.scp", text=True)
record_archive("text.ark")

# The scp: keys and byte offsets as kaldiio wrote them, values read back through the scp.
record_archive("float.scp", reader=lambda n: kaldiio.load_scp_sequential(n))
record_archive("text.scp", reader=lambda n: kaldiio.load_scp_sequential(n))

# Kaldi range specifiers after the offsets (util/kaldi-holder.cc ExtractObjectRange; both ends
# included, as Kaldi's subsegment_data_dir.sh writes them): rows, rows and columns, all rows of some
# columns, a last row up to 2 past the end (cut to the matrix), a compressed matrix, a vector.
def scp_locations(name):
    with open(name) as f:
        return dict(line.split() for line in f)


floc, vloc, cloc = scp_locations("float.scp"), scp_locations("vector.scp"), scp_locations("cm.scp")
with open("range.scp", "w") as f:
    f.write(f"rows {floc['utt-2']}[2:4]\n")
    f.write(f"block {floc['utt-2']}[1:6,1:3]\n")
    f.write(f"cols {floc['utt1']}[:,2:2]\n")
    f.write(f"past-end {floc['utt-2']}[5:8]\n")
    f.write(f"compressed {cloc['c4']}[3:7,0:1]\n")
    f.write(f"vector {vloc['v1']}[1:3]\n")
record_archive("range.scp", reader=lambda n: kaldiio.load_scp_sequential(n))


def record_safetensors(name):
    with safe_open(name, framework="np") as f:
        meta = f.metadata() or {}
    for key in sorted(meta):
        lines.append(f"meta {name} {key} {meta[key]}")
    for tname, t in sorted(load_file(name).items()):
        dtype = {"float32": "F32", "float64": "F64", "int32": "I32", "int64": "I64"}[str(t.dtype)]
        lines.append(f"tensor {name} {tname} {dtype} {t.ndim} {' '.join(map(str, t.shape))} {values(t)}".replace("  ", " ").rstrip())


save_file({
    "weight": rng.normal(size=(2, 3)).astype(np.float32),
    "bias": np.array([0.1, -0.2], dtype=np.float64),
    "labels": np.array([3, -1, 2_000_000_000], dtype=np.int32),
    "steps": np.array([[2**40, -5]], dtype=np.int64),
    "scalar": np.array(1.5, dtype=np.float32),
}, "tensors.safetensors", metadata={"format": "seqlab-test"})
record_safetensors("tensors.safetensors")

save_file({
    "lstm.w": rng.normal(size=(4, 3)).astype(np.float32),
    "lstm.b": np.zeros(4, dtype=np.float32),
}, "model.safetensors", metadata={"architecture": "blstm", "alphabet": "_ a b c", "seed": "7"})
record_safetensors("model.safetensors")

with open("expected.txt", "w") as f:
    f.write("# Written by scripts/reference/make-formats-fixtures.py (kaldiio %s, numpy %s); do not edit.\n"
            % (getattr(kaldiio, "__version__", "?"), np.__version__))
    f.write("\n".join(lines) + "\n")
print("wrote", len(lines), "expected entries to", os.path.relpath(OUT, ROOT), file=sys.stderr)
