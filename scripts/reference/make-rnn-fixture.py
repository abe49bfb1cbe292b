#!/usr/bin/env python3
"""PyTorch reference for seqlab's ElmanLayer: a seeded bidirectional torch.nn.RNN (tanh).

Writes Tests/NetworksTests/Fixtures/rnn-torch.safetensors:
  elman.weight_ih_l0[_reverse] (H x D), elman.weight_hh_l0[_reverse] (H x H),
  elman.bias_ih_l0[_reverse], elman.bias_hh_l0[_reverse] (H)      the weights (seqlab names)
  input      T x B x D   time-major, zero padding;  lengths  B (float32)
  hidden     T x B x 2H  [forward | reverse] outputs, zero on padding (pack_padded_sequence)
  loss_weights T x B x 2H; loss = sum over real frames of hidden * w
  grad.<name>, grad.input   autograd gradients of that loss

Usage: python3 scripts/reference/make-rnn-fixture.py
"""
import os

import torch
from safetensors.torch import save_file
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, "..", "..", "Tests", "NetworksTests", "Fixtures", "rnn-torch.safetensors"))

torch.manual_seed(1129)
D, H = 3, 4
lengths = torch.tensor([5, 2, 4])
T, B = int(lengths.max()), len(lengths)
rnn = torch.nn.RNN(D, H, nonlinearity="tanh", bidirectional=True)
x = torch.randn(T, B, D)
for b in range(B):
    x[lengths[b]:, b, :] = 0
x.requires_grad_(True)
h, _ = pad_packed_sequence(rnn(pack_padded_sequence(x, lengths, enforce_sorted=False))[0], total_length=T)
w = torch.randn(T, B, 2 * H)
mask = (torch.arange(T)[:, None] < lengths[None, :]).float()[:, :, None]
loss = (h * w * mask).sum()
loss.backward()
tensors = {"elman." + n: p.detach().clone() for n, p in rnn.named_parameters()}
tensors.update({"grad.elman." + n: p.grad.detach().clone() for n, p in rnn.named_parameters()})
tensors.update({"input": x.detach(), "lengths": lengths.float(), "hidden": h.detach(), "loss_weights": w,
                "grad.input": x.grad.detach()})
save_file({k: v.float().contiguous() for k, v in tensors.items()}, OUT,
          metadata={"recipe": "scripts/reference/make-rnn-fixture.py", "torch": torch.__version__})
print("wrote", os.path.relpath(OUT), "loss", float(loss.detach()))
