#!/usr/bin/env python3
"""Freezes PyTorch's values and gradients for a few tensor operations into torch_references.json,
so Nabla's tests compare against PyTorch without needing Python in CI.

Run with the peer virtual environment (Benchmarks/peers/setup-venv.sh):
    ~/.venvs/nabla-peers/bin/python Tests/NablaTests/References/make_torch_references.py

Inputs come from the LCG of Benchmarks/WORKLOADS.md, so Swift regenerates them exactly:
each case draws its inputs in order from LCG(seed), uniform(-1, 1) in float64. Each case records
y = f(inputs) and the gradients of sum(y * w) with respect to every input, where w is drawn next
from the same generator, uniform(0.5, 1.5).
"""
import json
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)


class LCG:
    def __init__(self, seed):
        self.state = seed

    def next(self):
        self.state = (6364136223846793005 * self.state + 1442695040888963407) % 2**64
        return (self.state >> 11) * 2.0**-53

    def uniform(self, lo, hi, shape):
        n = 1
        for d in shape:
            n *= d
        return torch.tensor([lo + (hi - lo) * self.next() for _ in range(n)]).reshape(shape)


CASES = [
    ("conv2d stride 2 padding 1 bias", [[2, 3, 5, 5], [4, 3, 3, 3], [4]], lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1)),
    ("maxPool2d 2x2", [[1, 2, 4, 6]], lambda x: F.max_pool2d(x, 2)),
    ("avgPool2d 3x3 stride 1 padding 1", [[1, 2, 4, 4]], lambda x: F.avg_pool2d(x, 3, stride=1, padding=1)),
    ("logSoftmax axis 1", [[3, 5]], lambda x: F.log_softmax(x, dim=1)),
    ("softmax axis 0", [[4, 3]], lambda x: F.softmax(x, dim=0)),
    ("crossEntropy", [[4, 5]], lambda x: F.cross_entropy(x, torch.tensor([0, 4, 2, 2]))),
    ("matmul batched broadcast", [[2, 1, 3, 4], [3, 4, 2]], lambda a, b: a @ b),
    ("variance axis 1", [[3, 6]], lambda x: x.var(dim=1)),
    ("tanh sigmoid broadcast", [[2, 3], [3]], lambda a, b: torch.tanh(a) * torch.sigmoid(b)),
    ("logSumExp axis 1", [[3, 4]], lambda x: torch.logsumexp(x, dim=1)),
]


def main():
    out = []
    for seed, (name, shapes, f) in enumerate(CASES, start=1):
        rng = LCG(seed)
        inputs = [rng.uniform(-1, 1, s).requires_grad_(True) for s in shapes]
        y = f(*inputs)
        w = rng.uniform(0.5, 1.5, list(y.shape))
        grads = torch.autograd.grad((y * w).sum(), inputs)
        out.append({
            "name": name, "seed": seed, "shapes": shapes,
            "output_shape": list(y.shape), "output": y.detach().flatten().tolist(),
            "gradients": [g.flatten().tolist() for g in grads],
        })
    path = __file__.replace("make_torch_references.py", "torch_references.json")
    with open(path, "w") as file:
        json.dump({"torch": torch.__version__, "cases": out}, file, indent=1)
    print(f"wrote {len(out)} cases to {path}")


if __name__ == "__main__":
    main()
