#!/usr/bin/env python3
"""Reference pen features (Graves et al. 2009 style) for Tests/StrokesTests, written independently in numpy.

Makes Tests/StrokesTests/Fixtures/features/reference.json: two seeded random samples (their
strokes, y direction, config) and the T x D feature matrices that strokeFeatures must give.
Run from the package root: python3 scripts/reference/stroke_features.py
"""
import json
import numpy as np


def resample(points, step):
    """Points every `step` of arc length from the first point; the last point kept if beyond."""
    p = np.asarray(points, dtype=np.float64)
    if len(p) < 2:
        return p
    seg = np.linalg.norm(np.diff(p, axis=0), axis=1)
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    total = cum[-1]
    n = int(np.floor(total / step + 1e-9))
    targets = np.arange(n + 1) * step
    keep = seg > 0  # interpolate over the strictly increasing arc lengths only
    cum_u = np.concatenate([[0.0], cum[1:][keep]])
    p_u = np.concatenate([p[:1], p[1:][keep]])
    out = np.stack([np.interp(targets, cum_u, p_u[:, 0]), np.interp(targets, cum_u, p_u[:, 1])], axis=1)
    if total - targets[-1] > step * 1e-9:
        out = np.vstack([out, p[-1]])
    return out


def features(strokes, y_up, step, direction, curvature):
    flip = 1.0 if y_up else -1.0
    allp = np.vstack([np.asarray(s, dtype=np.float64) for s in strokes]) * [1.0, flip]
    lo, hi = allp.min(axis=0), allp.max(axis=0)
    unit = hi[1] - lo[1]
    if unit <= 0:
        unit = hi[0] - lo[0] if hi[0] > lo[0] else 1.0
    norm = [(np.asarray(s, dtype=np.float64) * [1.0, flip] - lo) / unit for s in strokes]
    if step:
        norm = [resample(s, step) for s in norm]
    rows, prev = [], None
    for s in norm:
        n = len(s)
        for i in range(n):
            d = s[i] - prev if prev is not None else np.zeros(2)
            row = [d[0], d[1], 1.0 if i == n - 1 else 0.0]
            if direction:
                v = s[min(i + 1, n - 1)] - s[max(i - 1, 0)]
                r = np.hypot(*v)
                row += [v[0] / r, v[1] / r] if r > 0 else [0.0, 0.0]
            if curvature:
                c, sn = 1.0, 0.0
                if 0 < i < n - 1:
                    a1 = np.arctan2(*(s[i] - s[i - 1])[::-1])
                    a2 = np.arctan2(*(s[i + 1] - s[i])[::-1])
                    if np.hypot(*(s[i] - s[i - 1])) > 0 and np.hypot(*(s[i + 1] - s[i])) > 0:
                        c, sn = np.cos(a2 - a1), np.sin(a2 - a1)
                row += [c, sn]
            rows.append(row)
            prev = s[i]
    return np.asarray(rows)


def main():
    rng = np.random.default_rng(20090501)
    cases = []
    for name, y_up, step, direction, curvature in [("wiggle-up", True, 0.05, True, True),
                                                   ("scribble-down", False, 0.0, True, True),
                                                   ("scribble-down-resampled", False, 0.1, False, True)]:
        strokes = []
        for _ in range(3):
            n = int(rng.integers(4, 12))
            walk = np.cumsum(rng.normal(0, 15, size=(n, 2)), axis=0) + rng.uniform(0, 300, size=2)
            strokes.append(np.round(walk, 1).tolist())
        m = features(strokes, y_up, step, direction, curvature)
        cases.append({"name": name, "yUp": y_up, "resample": step, "direction": direction, "curvature": curvature,
                      "strokes": strokes, "rows": m.shape[0], "cols": m.shape[1], "features": m.ravel().tolist()})
    with open("Tests/StrokesTests/Fixtures/features/reference.json", "w") as f:
        json.dump(cases, f, indent=1)


if __name__ == "__main__":
    main()
