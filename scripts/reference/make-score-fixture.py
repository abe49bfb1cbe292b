#!/usr/bin/env python3
"""Reference error counts for the Score tests, computed with jiwer (pip install jiwer==4.0.0).

Reads the Kaldi text fixtures Tests/DecodingTests/Fixtures/score-ref.txt and score-hyp.txt
(`uttid labels...`), scores every reference utterance (a missing hypothesis counts as empty,
like Kaldi's compute-wer --mode=all; hypotheses without a reference are ignored), at word level
(jiwer.process_words on the labels joined by single spaces) and at character level
(jiwer.process_characters on the same strings: spaces count as characters), and writes
Tests/DecodingTests/Fixtures/score-reference.json with per-utterance [hits, subs, dels, ins],
the totals, and jiwer's WER/CER.

Usage (from the package root): python3 scripts/reference/make-score-fixture.py
"""
import json
import os

import jiwer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "Tests", "DecodingTests", "Fixtures")


def read_text(name):
    out = {}
    with open(os.path.join(FIXTURES, name), encoding="utf-8") as f:
        for line in f:
            fields = line.split()
            if fields:
                out[fields[0]] = " ".join(fields[1:])
    return out


def main():
    ref = read_text("score-ref.txt")
    hyp = read_text("score-hyp.txt")
    keys = list(ref)
    refs = [ref[k] for k in keys]
    hyps = [hyp.get(k, "") for k in keys]
    result = {"jiwer": jiwer.__version__ if hasattr(jiwer, "__version__") else "4.0.0"}
    for unit, process in (("word", jiwer.process_words), ("char", jiwer.process_characters)):
        per = {}
        for k, r, h in zip(keys, refs, hyps):
            o = process(r, h)
            per[k] = [o.hits, o.substitutions, o.deletions, o.insertions]
        total = process(refs, hyps)
        result[unit] = {
            "utterances": per,
            "totals": [total.hits, total.substitutions, total.deletions, total.insertions],
            "rate": total.wer if unit == "word" else total.cer,
        }
        print(unit, result[unit]["totals"], round(result[unit]["rate"], 6))
    with open(os.path.join(FIXTURES, "score-reference.json"), "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
