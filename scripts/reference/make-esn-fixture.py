#!/usr/bin/env python3
"""numpy reference for seqlab's echo state network pieces: eigenvalues, reservoir scaling, ridge readout.

Writes Tests/NetworksTests/Fixtures/esn-numpy.safetensors (all float64 unless noted):
  eig.<name>            square test matrices: dense5 (5x5 normal), sparse40 (40x40, 20 % uniform +-1),
                        rotation (4x4 block-diagonal rotations: complex eigenvalues only)
  eig.<name>.moduli     |eigvals| of that matrix, sorted descending (numpy.linalg.eigvals)
  reservoir.raw         60x60 float32, 10 % non-zero, uniform +-1 (an unscaled reservoir)
  reservoir.scaled      float32: raw * 0.95 / rho(raw), rho by numpy in float64
  reservoir.scaled.radius  rho(reservoir.scaled) by numpy, in float64 (1 value)
  ridge.x (40x7, first column ones), ridge.y (40x3), ridge.lambda (1 value)
  ridge.w               (x'x + lambda I)^-1 x'y, 7x3, by numpy.linalg.solve
  ridge.w0              the same with lambda = 0 (ordinary least squares, numpy.linalg.lstsq)

Usage: python3 scripts/reference/make-esn-fixture.py
"""
import os

import numpy as np
from safetensors.numpy import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, "..", "..", "Tests", "NetworksTests", "Fixtures", "esn-numpy.safetensors"))

rng = np.random.default_rng(1129)
t = {}


def moduli(a):
    return np.sort(np.abs(np.linalg.eigvals(a.astype(np.float64))))[::-1].copy()


dense5 = rng.standard_normal((5, 5))
sparse40 = np.where(rng.random((40, 40)) < 0.2, rng.uniform(-1, 1, (40, 40)), 0.0)
rotation = np.zeros((4, 4))
for k, (r, theta) in enumerate([(1.5, 0.7), (0.8, 2.0)]):
    c, s = r * np.cos(theta), r * np.sin(theta)
    rotation[2 * k:2 * k + 2, 2 * k:2 * k + 2] = [[c, -s], [s, c]]
for name, a in [("dense5", dense5), ("sparse40", sparse40), ("rotation", rotation)]:
    t["eig." + name] = a
    t["eig." + name + ".moduli"] = moduli(a)

raw = np.where(rng.random((60, 60)) < 0.1, rng.uniform(-1, 1, (60, 60)), 0.0).astype(np.float32)
scaled = (raw.astype(np.float64) * (0.95 / moduli(raw)[0])).astype(np.float32)
t["reservoir.raw"] = raw
t["reservoir.scaled"] = scaled
t["reservoir.scaled.radius"] = moduli(scaled)[:1]

x = np.concatenate([np.ones((40, 1)), rng.standard_normal((40, 6))], axis=1)
y = x @ rng.standard_normal((7, 3)) + 0.1 * rng.standard_normal((40, 3))
lam = 0.5
t["ridge.x"], t["ridge.y"], t["ridge.lambda"] = x, y, np.array([lam])
t["ridge.w"] = np.linalg.solve(x.T @ x + lam * np.eye(7), x.T @ y)
t["ridge.w0"] = np.linalg.lstsq(x, y, rcond=None)[0]

save_file({k: np.ascontiguousarray(v) for k, v in t.items()}, OUT,
          metadata={"recipe": "scripts/reference/make-esn-fixture.py", "numpy": np.__version__})
print("wrote", os.path.relpath(OUT), "rho(scaled) =", t["reservoir.scaled.radius"][0])
