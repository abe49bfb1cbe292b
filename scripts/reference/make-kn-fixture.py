#!/usr/bin/env python3
"""Reference interpolated modified Kneser-Ney estimates for NGramBuilder's tests.

An independent plain-Python implementation of Chen & Goodman (1998) interpolated modified
Kneser-Ney with KenLM-style adjusted counts (raw counts at the highest order and for n-grams
starting with <s>, continuation counts otherwise) and KenLM's discount fallback (0.5, 1, 1.5)
when a count-of-counts n1..n4 is zero or a discount falls outside [0, k]. Empty lines are skipped;
in char mode whitespace runs become <space>. Unigrams interpolate with the uniform distribution
over every word but <s> (</s> and <unk> included).

Writes Tests/DecodingTests/Fixtures/kn-reference.json:
  {"word3": {"discounts": [[D1, D2, D3+] per order], "ngrams": {"w1 w2": [log10 p, log10 bo or null]}}, ...}

Usage (from the package root): python3 scripts/reference/make-kn-fixture.py
"""
import json
import math
import os
from collections import defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "Tests", "DecodingTests", "Fixtures")


def tokenize(line, unit):
    if unit == "word":
        return line.split()
    out = []
    for ch in line.strip():
        if ch.isspace():
            if not out or out[-1] != "<space>":
                out.append("<space>")
        else:
            out.append(ch)
    return out


def estimate(lines, order, unit, fallback=(0.5, 1.0, 1.5)):
    sentences = [["<s>"] + tokenize(l, unit) + ["</s>"] for l in lines if tokenize(l, unit)]
    vocab = {"<s>", "</s>", "<unk>"}
    raw = defaultdict(int)
    for s in sentences:
        vocab.update(s)
        for n in range(1, order + 1):
            for i in range(len(s) - n + 1):
                raw[tuple(s[i:i + n])] += 1
    # adjusted counts
    left = defaultdict(set)
    for g in raw:
        if len(g) >= 2:
            left[g[1:]].add(g[0])
    adj = [dict() for _ in range(order)]
    for g, c in raw.items():
        n = len(g)
        if g == ("<s>",):
            continue
        if n == order or g[0] == "<s>":
            adj[n - 1][g] = c
        else:
            adj[n - 1][g] = len(left[g])
    # discounts
    discounts = []
    for n in range(order):
        nk = [0] * 5
        for c in adj[n].values():
            if 1 <= c <= 4:
                nk[c] += 1
        d = list(fallback)
        if all(nk[k] > 0 for k in range(1, 5)):
            y = nk[1] / (nk[1] + 2 * nk[2])
            comp = [1 - 2 * y * nk[2] / nk[1], 2 - 3 * y * nk[3] / nk[2], 3 - 4 * y * nk[4] / nk[3]]
            if all(0 <= comp[k] <= k + 1 for k in range(3)):
                d = comp
        discounts.append(d)

    def D(n, c):
        return discounts[n][min(c, 3) - 1]

    total = [defaultdict(float) for _ in range(order)]
    gnum = [defaultdict(float) for _ in range(order)]
    for n in range(order):
        for g, c in adj[n].items():
            if c > 0:
                total[n][g[:-1]] += c
                gnum[n][g[:-1]] += D(n, c)

    def gamma(n, h):
        if total[n].get(h, 0) <= 0:
            return None
        return gnum[n][h] / total[n][h]

    V = len(vocab) - 1
    prob = [dict() for _ in range(order)]
    g0 = gamma(0, ())
    for w in vocab - {"<s>"}:
        c = adj[0].get((w,), 0)
        a = (c - D(0, c)) / total[0][()] if c > 0 else 0.0
        prob[0][(w,)] = a + (g0 if g0 is not None else 1.0) / V
    for n in range(1, order):
        for g, c in adj[n].items():
            h = g[:-1]
            prob[n][g] = (c - D(n, c)) / total[n][h] + gamma(n, h) * prob[n - 1][g[1:]]
    out = {}
    for n in range(order):
        for g, p in prob[n].items():
            bo = gamma(n + 1, g) if n + 1 < order else None
            out[" ".join(g)] = [math.log10(p), math.log10(bo) if bo is not None else None]
    bo = gamma(1, ("<s>",)) if order > 1 else None
    out["<s>"] = [-99.0, math.log10(bo) if bo is not None else None]
    # each context's distribution sums to one (self-check of this reference)
    for n in range(order):
        for h in list(total[n].keys()):
            s = 0.0
            for w in vocab - {"<s>"}:
                s += interpolated(prob, gamma, h + (w,), order)
            assert abs(s - 1) < 1e-9, (h, s)
    return {"discounts": discounts, "ngrams": out}


def interpolated(prob, gamma, g, order):
    """p(w | h) for g = h + (w,) by interpolation (h may be unseen)."""
    n = len(g) - 1
    if n == 0:
        return prob[0][g]
    if g in prob[n]:
        return prob[n][g]
    gm = gamma(n, g[:-1])
    return (gm if gm is not None else 1.0) * interpolated(prob, gamma, g[1:], order)


def main():
    with open(os.path.join(FIXTURES, "kn-corpus.txt"), encoding="utf-8") as f:
        lines = f.read().split("\n")
    ref = {
        "word3": estimate(lines, 3, "word"),
        "word2": estimate(lines, 2, "word"),
        "char4": estimate(lines, 4, "char"),
    }
    with open(os.path.join(FIXTURES, "kn-reference.json"), "w", encoding="utf-8") as f:
        json.dump(ref, f, indent=1, sort_keys=True)
    for k, v in ref.items():
        print(k, len(v["ngrams"]), "n-grams, discounts", [[round(d, 4) for d in ds] for ds in v["discounts"]])


if __name__ == "__main__":
    main()
