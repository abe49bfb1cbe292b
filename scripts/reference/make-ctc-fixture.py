#!/usr/bin/env python3
"""Reference values for the CTC tests, from PyTorch's ctc_loss (an independent implementation).

Draws seeded random logits for a few utterances (varying T, K and label lengths, with repeated
labels, an empty label sequence and a tight T = |l| + repeats case), computes in float64
    log_probs = log_softmax(logits)
    loss      = torch.nn.functional.ctc_loss(log_probs, labels, reduction='none', blank=0)
    grad      = d loss / d logits   (autograd through log_softmax)
and writes inputs and expected values to Tests/CTCTests/Fixtures/ctc-torch.json.

Run from the package root:  python3 scripts/reference/make-ctc-fixture.py
"""
import json
import os

import torch
import torch.nn.functional as F

SEED = 20061
# (frames T, classes K incl. blank, labels)
CASES = [
    (1, 3, [2]),
    (2, 4, [1]),
    (5, 4, [1, 1]),
    (7, 5, [1, 2, 2, 3]),
    (6, 3, [1, 1, 2, 2]),        # tight: 4 labels + 2 repeats = 6 frames
    (10, 6, [3, 1, 4, 1, 5]),
    (12, 3, [1, 2, 1, 1]),
    (4, 5, []),
]


def main():
    torch.manual_seed(SEED)
    out = []
    for T, K, labels in CASES:
        logits = (2.0 * torch.randn(T, K, dtype=torch.float64)).requires_grad_(True)
        log_probs = F.log_softmax(logits, dim=-1)
        # ctc_loss wants (T, N, C) with N = 1; an empty target is passed with target length 0.
        targets = torch.tensor([labels if labels else [1]], dtype=torch.long)
        loss = F.ctc_loss(log_probs.unsqueeze(1), targets,
                          input_lengths=torch.tensor([T]), target_lengths=torch.tensor([len(labels)]),
                          blank=0, reduction="none", zero_infinity=False)[0]
        (grad,) = torch.autograd.grad(loss, logits)
        out.append({
            "frames": T, "classes": K, "labels": labels,
            "logProbs": [float(f"{v:.17g}") for v in log_probs.detach().flatten().tolist()],
            "loss": float(loss.detach()),
            "gradient": [float(f"{v:.17g}") for v in grad.flatten().tolist()],
        })
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "..", "..", "Tests", "CTCTests", "Fixtures", "ctc-torch.json")
    with open(path, "w") as f:
        f.write('{"source":%s,\n' % json.dumps(f"torch {torch.__version__} F.ctc_loss float64, seed {SEED}"))
        f.write('"layout":"logProbs and gradient are T x K row-major; gradient is d loss / d logits",\n')
        f.write('"utterances":[\n')
        f.write(",\n".join(json.dumps(u, separators=(",", ":")) for u in out))
        f.write("\n]}\n")
    print("wrote", os.path.normpath(path))


if __name__ == "__main__":
    main()
