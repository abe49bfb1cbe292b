#!/usr/bin/env python3
"""PyTorch's own mixed precision on the CPU, beside its float32, for `seqlab train --precision bf16`.

Trains the peer's BLSTM-CTC (../shared/peers/bench_blstm.py: nn.LSTM -> Linear -> log_softmax,
ctc_loss, Adam 1e-3) on the shapes of `scripts/bench train` (batch 16 x 200 frames, 30 classes,
labels of 20), once in float32 and once with the forward under
torch.autocast("cpu", dtype=torch.bfloat16) (oneDNN's bfloat16 LSTM), and prints the median
training frames/s of --steps steps after 3 and the loss of the first and last step.

Usage: python3 scripts/reference/torch-autocast-training.py [--threads 2] [--steps 10] [--rounds 3]
Run it with glibc's malloc thresholds raised, as scripts/bench does for PyTorch:
  MALLOC_TRIM_THRESHOLD_=268435456 MALLOC_MMAP_THRESHOLD_=268435456 python3 scripts/reference/torch-autocast-training.py
"""
import argparse
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "shared", "peers"))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from bench_blstm import BLSTMCTC  # noqa: E402

SHAPES = [(40, 1, 128), (40, 2, 256), (129, 1, 128)]
T, B, K, S = 200, 16, 30, 20


def run(idim, layers, hidden, autocast, steps):
    torch.manual_seed(1234)
    model = BLSTMCTC(idim, hidden, layers, K)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    g = torch.Generator().manual_seed(1235)
    x = torch.randn(T, B, idim, generator=g)
    targets = torch.randint(1, K, (B, S), generator=g)
    in_lens, tgt_lens = torch.full((B,), T, dtype=torch.long), torch.full((B,), S, dtype=torch.long)
    losses, times = [], []
    for i in range(3 + steps):
        start = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast):
            lp = model(x)
            loss = F.ctc_loss(lp.float(), targets, in_lens, tgt_lens, blank=0, reduction="mean", zero_infinity=True)
        loss.backward()
        opt.step()
        losses.append(loss.item())
        if i >= 3:
            times.append(time.perf_counter() - start)
    return B * T / statistics.median(times), losses[0], losses[-1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    print(f"PyTorch {torch.__version__}, {args.threads} thread(s), median of {args.steps} steps after 3, "
          f"median over {args.rounds} rounds (float32 and autocast in turn)")
    print("| shape | float32 train frames/s | autocast bf16 train frames/s | autocast/float32 | loss first -> last, float32 / autocast |")
    print("|---|---|---|---|---|")
    for idim, layers, hidden in SHAPES:
        rounds = {False: [], True: []}
        for _ in range(args.rounds):
            for autocast in (False, True):
                rounds[autocast].append(run(idim, layers, hidden, autocast, args.steps))
        f32 = statistics.median(r[0] for r in rounds[False])
        bf16 = statistics.median(r[0] for r in rounds[True])
        (_, a0, a1), (_, b0, b1) = rounds[False][0], rounds[True][0]
        print(f"| in {idim}, {layers}x{hidden} | {f32:,.0f} | {bf16:,.0f} | {bf16 / f32:.2f} | "
              f"{a0:.1f} -> {a1:.2f} / {b0:.1f} -> {b1:.2f} |", flush=True)


if __name__ == "__main__":
    main()
