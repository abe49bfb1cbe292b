#!/usr/bin/env python3
"""Reference trajectories for the optimizers in Sources/Networks (SGD, RMSProp, Adam).

Runs each update rule for a few steps on the gradients of a fixed quadratic
L(w) = 0.5 * sum(a * w**2) + sum(c * w), from seeded starting weights, and writes
Tests/NetworksTests/Fixtures/optimizers.json: the start, and the weights after every step.

SGD-with-momentum and Adam come from torch.optim (an independent implementation);
torch's RMSprop puts eps outside the square root, the lecture and Graves (2013) put it
inside, so RMSProp is written out here in numpy from Graves (2013) eq. 38-41.

Usage: python3 scripts/reference/make-optimizer-fixture.py
"""
import json
import os

import numpy as np
import torch

rng = np.random.default_rng(20261129)
N, STEPS = 7, 6
w0 = rng.normal(size=N)
a = rng.uniform(0.5, 3.0, size=N)
c = rng.normal(size=N)


def grad(w):
    return a * w + c


def run_torch(make):
    w = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
    opt = make([w])
    out = []
    for _ in range(STEPS):
        opt.zero_grad()
        loss = 0.5 * (torch.tensor(a) * w * w).sum() + (torch.tensor(c) * w).sum()
        loss.backward()
        opt.step()
        out.append(w.detach().numpy().tolist())
    return out


def run_rmsprop(lr, rho, eps, mu, centered, wd):
    w = w0.copy()
    n = np.zeros(N)
    gbar = np.zeros(N)
    delta = np.zeros(N)
    out = []
    for _ in range(STEPS):
        g = grad(w) + wd * w
        n = rho * n + (1 - rho) * g * g
        gbar = rho * gbar + (1 - rho) * g
        denom = n - gbar * gbar if centered else n
        delta = mu * delta - lr * g / np.sqrt(denom + eps)
        w = w + delta
        out.append(w.tolist())
    return out


cases = []
# torch SGD: v = mu*v + g; w -= lr*v, equal to ours (v' = mu*v' - lr*g; w += v') for fixed lr.
cases.append(dict(kind="sgd", learningRate=0.1, momentum=0.9, weightDecay=0.01,
                  steps=run_torch(lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=0.01))))
cases.append(dict(kind="sgd", learningRate=0.05, momentum=0.0, weightDecay=0.0,
                  steps=run_torch(lambda p: torch.optim.SGD(p, lr=0.05))))
cases.append(dict(kind="adam", learningRate=0.01, beta1=0.9, beta2=0.999, epsilon=1e-8, weightDecay=0.0,
                  steps=run_torch(lambda p: torch.optim.Adam(p, lr=0.01))))
cases.append(dict(kind="adam", learningRate=0.003, beta1=0.8, beta2=0.99, epsilon=1e-6, weightDecay=0.1,
                  steps=run_torch(lambda p: torch.optim.Adam(p, lr=0.003, betas=(0.8, 0.99), eps=1e-6,
                                                             weight_decay=0.1))))
for lr, rho, eps, mu, centered, wd in [(0.01, 0.9, 1e-6, 0.0, False, 0.0),
                                       (0.01, 0.95, 1e-4, 0.9, False, 0.0),
                                       (1e-3, 0.95, 1e-4, 0.9, True, 0.0),
                                       (2.5e-4, 0.95, 0.01, 0.0, True, 0.05)]:
    cases.append(dict(kind="rmsprop", learningRate=lr, decay=rho, epsilon=eps, momentum=mu,
                      centered=centered, weightDecay=wd, steps=run_rmsprop(lr, rho, eps, mu, centered, wd)))

out = dict(start=w0.tolist(), a=a.tolist(), c=c.tolist(), cases=cases)
path = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "NetworksTests", "Fixtures", "optimizers.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
print("wrote", os.path.normpath(path), len(cases), "cases")
