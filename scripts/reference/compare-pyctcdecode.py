#!/usr/bin/env python3
"""Compares seqlab's prefix beam search with pyctcdecode on the decode benchmark's emissions.

First:  swift run -c release bench-decode --reps 1 --dump DIR   (scripts/bench decode does both)
Then:   python3 scripts/reference/compare-pyctcdecode.py DIR

Reads DIR/{peaky,flat}.f32 (100 x 200 x 30 float32 log-probabilities, blank 0, space 1, a-z ' .)
and DIR/{kind}-beam{16,64}.txt (our top hypotheses as token ids), decodes the same emissions with
pyctcdecode 0.5.0 (no LM; decode(beam_width=W) with its defaults beam_prune_logp=-10,
token_min_logp=-5, as in ../shared/peers/bench_decode.py) and prints, per kind and beam, the
fraction of utterances whose label sequences agree, how often our hypothesis is at least as probable as
pyctcdecode's under the exact CTC probability log p(labels | x) (computed here by the CTC forward
recursion, Graves et al. 2006 eq. 6-8, in float64 numpy), the mean difference of those
log-probabilities, and pyctcdecode's time.
"""
import os
import sys
import time
import warnings

import numpy as np

N, T, K = 100, 200, 30
LETTERS = [chr(ord("a") + i) for i in range(26)] + ["'", "."]


def ctc_log_prob(lp, labels, blank=0):
    """log p(labels | x) by the CTC forward recursion over the blank-extended label sequence."""
    lp = lp.astype(np.float64)
    ext = [blank]
    for l in labels:
        ext += [l, blank]
    S = len(ext)
    alpha = np.full(S, -np.inf)
    alpha[0] = lp[0, ext[0]]
    if S > 1:
        alpha[1] = lp[0, ext[1]]
    for t in range(1, lp.shape[0]):
        prev = alpha.copy()
        shifted1 = np.concatenate(([-np.inf], prev[:-1]))
        shifted2 = np.concatenate(([-np.inf, -np.inf], prev[:-2]))
        allow = np.array([s >= 2 and ext[s] != blank and ext[s] != ext[s - 2] for s in range(S)])
        shifted2 = np.where(allow, shifted2, -np.inf)
        alpha = np.logaddexp(np.logaddexp(prev, shifted1), shifted2) + lp[t, ext]
    return np.logaddexp(alpha[-1], alpha[-2]) if S > 1 else alpha[-1]


def main():
    from pyctcdecode import build_ctcdecoder
    directory = sys.argv[1]
    # Index 1 is written "#" rather than " " so that pyctcdecode does not normalise spaces and
    # both decoders' outputs are compared (and scored) as the exact label sequences.
    labels = ["", "#"] + LETTERS
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        decoder = build_ctcdecoder(labels)
    index = {c: i for i, c in enumerate(labels)}
    print("| emissions | beam | same top hypothesis | ours at least as probable | mean log p(ours) - log p(theirs) | pyctcdecode s/100 utt |")
    print("|---|---|---|---|---|---|")
    for kind in ("peaky", "flat"):
        lp = np.fromfile(os.path.join(directory, f"{kind}.f32"), dtype="<f4").reshape(N, T, K)
        for width in (16, 64):
            with open(os.path.join(directory, f"{kind}-beam{width}.txt")) as f:
                ours = [[int(x) for x in line.split()] for line in f.read().split("\n")[:N]]
            start = time.perf_counter()
            theirs = [[index[c] for c in decoder.decode(u, beam_width=width)] for u in lp]
            seconds = time.perf_counter() - start
            same = sum(a == b for a, b in zip(ours, theirs))
            diffs = [ctc_log_prob(u, a) - ctc_log_prob(u, b) for u, a, b in zip(lp, ours, theirs)]
            better = sum(d >= -1e-3 for d in diffs)
            print(f"| {kind} | {width} | {same / N:.2f} | {better / N:.2f} | {np.mean(diffs):.3f} | {seconds:.3f} |")


if __name__ == "__main__":
    main()
