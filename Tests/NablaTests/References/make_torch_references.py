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


MASK_3x4 = torch.tensor([[False, True, False, False], [True, False, False, True], [False, False, False, False]])

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
    # Issue 11: the operations added under PyTorch's names.
    ("flip axes 0 2", [[2, 3, 4]], lambda x: torch.flip(x, dims=(0, 2))),
    ("roll shifts 1 -2", [[3, 4]], lambda x: torch.roll(x, shifts=(1, -2), dims=(0, 1))),
    ("pad reflect", [[1, 2, 4, 5]], lambda x: F.pad(x, (2, 1, 1, 0), mode="reflect")),
    ("pad constant 0.5", [[2, 3]], lambda x: F.pad(x, (1, 2), value=0.5)),
    ("diagonal offset 1", [[2, 3, 4]], lambda x: torch.diagonal(x, offset=1, dim1=1, dim2=2)),
    ("tril -1 triu 1", [[4, 3], [4, 3]], lambda a, b: torch.tril(a, -1) + torch.triu(b, 1) * a),
    ("expand", [[3, 1]], lambda x: x.expand(2, 3, 4) * x),
    ("repeat", [[2, 3]], lambda x: x.repeat(2, 1, 2)),
    ("cumsum axis 1", [[3, 4]], lambda x: torch.cumsum(x, dim=1) * x),
    ("cumprod axis 0", [[4, 3]], lambda x: torch.cumprod(x, dim=0)),
    ("logsumexp axes 0 2", [[2, 3, 4]], lambda x: torch.logsumexp(x, dim=(0, 2))),
    ("norm p1 axis 1", [[3, 4]], lambda x: torch.linalg.vector_norm(x, ord=1, dim=1)),
    ("norm p2", [[3, 4]], lambda x: torch.linalg.vector_norm(x, ord=2)),
    ("norm p3 axis 0", [[3, 4]], lambda x: torch.linalg.vector_norm(x, ord=3, dim=0)),
    ("norm inf axis 1", [[3, 4]], lambda x: torch.linalg.vector_norm(x, ord=float("inf"), dim=1)),
    ("frobenius", [[2, 3, 4]], lambda x: torch.linalg.matrix_norm(x)),
    ("std axis 1", [[3, 5]], lambda x: x.std(dim=1)),
    ("log1p expm1", [[3, 4]], lambda x: torch.log1p(x * 0.9) + torch.expm1(x)),
    ("atan2 broadcast", [[2, 3], [3]], lambda a, b: torch.atan2(a, b)),
    ("softplus beta 2 threshold 1", [[3, 4]], lambda x: F.softplus(x * 3, beta=2, threshold=1)),
    ("silu", [[3, 4]], lambda x: F.silu(x * 3)),
    ("elu alpha 0.5", [[3, 4]], lambda x: F.elu(x * 2, alpha=0.5)),
    ("logsigmoid", [[3, 4]], lambda x: F.logsigmoid(x * 10)),
    ("hardtanh", [[3, 4]], lambda x: F.hardtanh(x * 2) * x),
    ("rsqrt reciprocal square", [[3, 4]], lambda x: torch.rsqrt(x * x + 0.5) + torch.reciprocal(x + 2) + torch.square(x)),
    ("clamp min 0", [[3, 4]], lambda x: torch.clamp(x, min=0) * x),
    ("outer", [[3], [4]], lambda a, b: torch.outer(a, b)),
    ("linear", [[2, 3], [4, 3], [4]], lambda x, w, b: F.linear(x, w, b)),
    ("gather axis 1", [[3, 4]], lambda x: torch.gather(x, 1, torch.tensor([[0, 3, 3], [1, 1, 0], [2, 0, 1]]))),
    ("scatter_add axis 0", [[3, 2], [2, 2]], lambda x, src: x.scatter_add(0, torch.tensor([[0, 2], [0, 0]]), src) * x),
    ("index_select axis 1 repeated", [[2, 4]], lambda x: torch.index_select(x, 1, torch.tensor([3, 0, 3]))),
    ("masked_fill -inf softmax", [[3, 4]], lambda x: F.softmax(x.masked_fill(MASK_3x4, float("-inf")), dim=1)),
    ("where broadcast", [[2, 3], [3]], lambda a, b: torch.where(torch.tensor([[True, False, True], [False, False, True]]), a, b) * a),
    ("strided slice", [[5, 4]], lambda x: x[1:5:2, -3:]),
    ("einsum bilinear", [[2, 3], [4, 3, 5], [2, 5]], lambda x, w, y: torch.einsum("bn,anm,bm->ba", x, w, y)),
    ("einsum diagonal", [[3, 3]], lambda a: torch.einsum("ii->i", a) * torch.einsum("ii->", a)),
    ("einsum ellipsis", [[2, 3, 4], [4, 2]], lambda a, b: torch.einsum("...ij,jk->...ik", a, b)),
    ("layer_norm", [[2, 3, 4], [3, 4], [3, 4]], lambda x, w, b: F.layer_norm(x, (3, 4), w, b, eps=1e-5)),
    ("batch_norm training", [[4, 3, 2], [3], [3]], lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True)),
    ("conv2d dilation 2 groups 2", [[1, 4, 7, 7], [6, 2, 3, 3], [6]], lambda x, w, b: F.conv2d(x, w, b, padding=2, dilation=2, groups=2)),
    ("conv2d depthwise stride 2", [[2, 3, 6, 6], [3, 1, 3, 3]], lambda x, w: F.conv2d(x, w, stride=2, padding=1, groups=3)),
    ("adaptive_avg_pool2d 3x2", [[1, 2, 5, 7]], lambda x: F.adaptive_avg_pool2d(x, (3, 2))),
    ("max_pool2d dilation 2", [[1, 2, 7, 7]], lambda x: F.max_pool2d(x, 3, stride=2, padding=1, dilation=2)),
    ("sdpa causal", [[2, 3, 4], [2, 5, 4], [2, 5, 3]], lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True)),
    ("sdpa additive mask", [[1, 3, 4], [1, 3, 4], [1, 3, 2], [3, 3]], lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m)),
    ("embedding", [[3, 4]], lambda w: F.embedding(torch.tensor([2, 0, 2, 1]), w)),
]


def main():
    out = []
    for seed, (name, shapes, f) in enumerate(CASES, start=1):
        rng = LCG(seed)
        inputs = [rng.uniform(-1, 1, s).requires_grad_(True) for s in shapes]
        y = f(*inputs)
        w = rng.uniform(0.5, 1.5, list(y.shape))
        grads = torch.autograd.grad((y * w).sum(), inputs, create_graph=True)
        v = [rng.uniform(-1, 1, list(x.shape)) for x in inputs]
        g = sum((gk * vk).sum() for gk, vk in zip(grads, v))
        if g.requires_grad:
            hvps = torch.autograd.grad(g, inputs, allow_unused=True)
            hvps = [torch.zeros(x.shape) if h is None else h.detach().clone() for h, x in zip(hvps, inputs)]
        else:
            hvps = [torch.zeros(x.shape) for x in inputs]
        out.append({
            "name": name, "seed": seed, "shapes": shapes,
            "output_shape": list(y.shape), "output": y.detach().flatten().tolist(),
            "gradients": [g.detach().flatten().tolist() for g in grads],
            "hessian_vector_products": [h.detach().flatten().tolist() for h in hvps],
        })
    path = __file__.replace("make_torch_references.py", "torch_references.json")
    with open(path, "w") as file:
        json.dump({"torch": torch.__version__, "cases": out}, file, indent=1)
    print(f"wrote {len(out)} cases to {path}")


if __name__ == "__main__":
    main()
