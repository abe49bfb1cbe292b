#!/usr/bin/env python3
"""Bellman fixed points of the lecture's 2x3 grid, found independently of seqlab.

Enumerates every deterministic policy of the small world, solves the linear system
U = r_pi + gamma P_pi U exactly with numpy for each, and keeps the policy whose
utilities are largest everywhere (the optimal one). Writes
Tests/GridRLTests/Fixtures/lecture-2x3-utilities.json (row-major utilities, walls 0).
The map is written out here by hand from data/grids/lecture-2x3.grid, not parsed.
"""
import itertools, json, os
import numpy as np

rows, cols, gamma, p = 2, 3, 0.9, 0.8
reward = [[0, 0, 0], [0, -10, 10]]
terminal = {(1, 1), (1, 2)}
moves = [(-1, 0), (0, 1), (1, 0), (0, -1)]  # up right down left

cells = [(r, c) for r in range(rows) for c in range(cols)]
decision = [x for x in cells if x not in terminal]
index = {x: i for i, x in enumerate(cells)}

def dest(x, m):
    r, c = x[0] + moves[m][0], x[1] + moves[m][1]
    return (r, c) if 0 <= r < rows and 0 <= c < cols else x

best = None
for policy in itertools.product(range(4), repeat=len(decision)):
    n = len(cells)
    A = np.eye(n); b = np.zeros(n)
    for x in terminal:
        b[index[x]] = reward[x[0]][x[1]]
    for x, a in zip(decision, policy):
        i = index[x]
        b[i] = reward[x[0]][x[1]]
        for m, q in ((a, p), ((a + 1) % 4, (1 - p) / 2), ((a + 3) % 4, (1 - p) / 2)):
            A[i, index[dest(x, m)]] -= gamma * q
    u = np.linalg.solve(A, b)
    if best is None or np.all(u >= best - 1e-12):
        best = u
out = os.path.join(os.path.dirname(__file__), "../../Tests/GridRLTests/Fixtures/lecture-2x3-utilities.json")
with open(out, "w") as f:
    json.dump({"utilities": [round(float(v), 12) for v in best]}, f)
    f.write("\n")
print(best.reshape(rows, cols))
