#!/usr/bin/env python3
"""PyTorch reference for seqlab's LSTMNetwork (peepholes off), and a checker for saved models.

Default mode: builds a seeded torch.nn.LSTM (2 layers, bidirectional, small sizes) with an
nn.Linear + log_softmax on top, runs it on a seeded padded batch of variable-length
sequences (pack_padded_sequence), and writes Tests/NetworksTests/Fixtures/lstm-torch.safetensors:

  lstm.weight_ih_l{k}[_reverse], lstm.weight_hh_l{k}[_reverse], lstm.bias_ih_l{k}[_reverse],
  lstm.bias_hh_l{k}[_reverse], output.weight, output.bias   the model (seqlab names, docs/MODEL.md)
  input       T x B x D   time-major, zero padding
  lengths     B           sequence lengths (as float32)
  hidden      T x B x 2H  top LSTM layer output, zero on padding
  log_probs   T x B x K   log-softmax output
  loss_weights T x B x K  random w; loss = sum over real frames of log_probs * w
  grad.<name>             d loss / d parameter, for every parameter above
  grad.input  T x B x D   d loss / d input

--check FILE: loads a model saved by seqlab (safetensors; tensors named as above, and
optionally check.input (T x B x D), check.lengths (B) and check.log_probs (T x B x K), our
output) into nn.LSTM + nn.Linear with strict state-dict loading, verifies the tensor
checksum (FNV-1a 64 over the model tensors in name order: name, a 0 byte, float32 LE values)
and the metadata checksum (FNV-1a 64 over the other metadata entries in bytewise key order:
key, a 0 byte, value, a 0 byte),
and, when the check.* tensors are present, runs the model on check.input and reports the
largest difference from check.log_probs. A model written by `seqlab train` has no check.*
tensors: its checksums and its strict loading are checked, not its outputs.
The committed Tests/NetworksTests/Fixtures/lstm-seqlab-model.safetensors is written by
ModelFileTests.torchCheckFile() (Swift); its test fails if that code would write other bytes.

Usage:
  python3 scripts/reference/make-lstm-fixture.py
  python3 scripts/reference/make-lstm-fixture.py --check Tests/NetworksTests/Fixtures/lstm-seqlab-model.safetensors
"""
import argparse
import json
import os
import sys

import torch
from safetensors.torch import load_file, save_file
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.normpath(os.path.join(HERE, "..", "..", "Tests", "NetworksTests", "Fixtures"))


class Model(torch.nn.Module):
    """nn.LSTM + nn.Linear + log_softmax: the state-dict names are seqlab's tensor names."""

    def __init__(self, inputs, hidden, layers, bidirectional, classes):
        super().__init__()
        self.lstm = torch.nn.LSTM(inputs, hidden, num_layers=layers, bidirectional=bidirectional)
        self.output = torch.nn.Linear(hidden * (2 if bidirectional else 1), classes)

    def forward(self, x, lengths):
        packed = pack_padded_sequence(x, lengths, enforce_sorted=False)
        h, _ = pad_packed_sequence(self.lstm(packed)[0], total_length=x.shape[0])
        return h, torch.log_softmax(self.output(h), dim=-1)


def make():
    torch.manual_seed(20261129)
    D, H, LAYERS, K = 3, 4, 2, 5
    lengths = torch.tensor([6, 3, 5, 1])
    T, B = int(lengths.max()), len(lengths)
    model = Model(D, H, LAYERS, True, K)
    x = torch.randn(T, B, D)
    for b in range(B):
        x[lengths[b]:, b, :] = 0
    x.requires_grad_(True)
    w = torch.randn(T, B, K)
    mask = (torch.arange(T)[:, None] < lengths[None, :]).float()[:, :, None]
    h, logp = model(x, lengths)
    loss = (logp * w * mask).sum()
    loss.backward()
    tensors = {name: p.detach().clone() for name, p in model.state_dict().items()}
    tensors.update({"grad." + name: p.grad.detach().clone() for name, p in model.named_parameters()})
    tensors.update({"input": x.detach(), "lengths": lengths.float(), "hidden": h.detach(),
                    "log_probs": logp.detach(), "loss_weights": w, "grad.input": x.grad.detach()})
    tensors = {k: v.float().contiguous() for k, v in tensors.items()}
    meta = {"architecture": json.dumps(dict(inputSize=D, hiddenSizes=[H] * LAYERS, bidirectional=True,
                                            peepholes=False, classes=K)),
            "recipe": "scripts/reference/make-lstm-fixture.py", "torch": torch.__version__}
    os.makedirs(FIXTURES, exist_ok=True)
    path = os.path.join(FIXTURES, "lstm-torch.safetensors")
    save_file(tensors, path, metadata=meta)
    print("wrote", os.path.relpath(path), "loss", float(loss.detach()))


def fnv1a64(chunks):
    """FNV-1a 64 over the bytes of chunks in turn, as seqlab writes it: fnv1a64: + 16 hex digits."""
    h = 0xcbf29ce484222325
    for chunk in chunks:
        for byte in chunk:
            h = ((h ^ byte) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return "fnv1a64:%016x" % h


def check(path):
    from safetensors import safe_open
    with safe_open(path, "pt") as f:
        meta = f.metadata() or {}
    arch = json.loads(meta.get("seqlab.architecture", meta.get("architecture", "{}")))
    tensors = load_file(path)
    probe = {name: tensors.pop(name) for name in ("check.input", "check.lengths", "check.log_probs")
             if name in tensors}
    checksum = fnv1a64(name.encode() + b"\0" + tensors[name].float().numpy().astype("<f4").tobytes()
                       for name in sorted(tensors))
    stored = meta.get("seqlab.checksum")
    print("checksum %s, stored %s: %s" % (checksum, stored, "match" if checksum == stored else "MISMATCH"))
    if checksum != stored:
        sys.exit("MISMATCH: checksum")
    checksum = fnv1a64(key.encode() + b"\0" + meta[key].encode() + b"\0"
                       for key in sorted((k for k in meta if k != "seqlab.metadata_checksum"), key=lambda k: k.encode()))
    stored = meta.get("seqlab.metadata_checksum")
    if stored is None:
        print("metadata checksum: none stored (a file written before seqlab.metadata_checksum existed), not checked")
    else:
        print("metadata checksum %s, stored %s: %s" % (checksum, stored, "match" if checksum == stored else "MISMATCH"))
    if stored is not None and checksum != stored:
        sys.exit("MISMATCH: metadata checksum")
    if arch.get("peepholes"):
        sys.exit("model has peepholes; torch.nn.LSTM has none, so it cannot be checked here")
    sizes = set(arch["hiddenSizes"])
    if len(sizes) != 1:
        sys.exit("nn.LSTM needs one hidden size for all layers, the model has %s" % arch["hiddenSizes"])
    model = Model(arch["inputSize"], sizes.pop(), len(arch["hiddenSizes"]), arch["bidirectional"], arch["classes"])
    model.load_state_dict(tensors, strict=True)
    if len(probe) < 3:
        print("%s: %d tensors loaded into nn.LSTM + nn.Linear (strict); no check.input, check.lengths and"
              " check.log_probs tensors, so the outputs are not compared" % (os.path.relpath(path), len(tensors)))
        print("OK")
        return
    x, lengths, expected = probe["check.input"], probe["check.lengths"].long(), probe["check.log_probs"]
    with torch.no_grad():
        _, logp = model(x, lengths)
    mask = (torch.arange(x.shape[0])[:, None] < lengths[None, :])
    diff = (logp - expected).abs()[mask].max().item()
    print("%s: %d tensors loaded into nn.LSTM + nn.Linear (strict); largest |log-prob difference| %.3g over %d frames"
          % (os.path.relpath(path), len(tensors), diff, int(mask.sum())))
    if diff > 1e-5:
        sys.exit("MISMATCH: difference above 1e-5")
    print("OK")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", metavar="FILE", help="check a model saved by seqlab against nn.LSTM")
    args = parser.parse_args()
    check(args.check) if args.check else make()
