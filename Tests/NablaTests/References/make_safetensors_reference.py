#!/usr/bin/env python3
"""Freezes a small PyTorch state dict, saved by the `safetensors` package, into
torch_state_dict.safetensors, and its values into torch_state_dict.json, so Nabla's tests read a
file written by PyTorch without needing Python in CI.

Run with the peer virtual environment (Benchmarks/peers/setup-venv.sh, then
`pip install safetensors`):
    ~/.venvs/nabla-peers/bin/python Tests/NablaTests/References/make_safetensors_reference.py

The state dict uses PyTorch's own names: an `nn.Sequential` MLP ("0.weight", "0.bias",
"2.weight", "2.bias", all float32) and a BatchNorm1d after a few training steps ("norm.*",
whose `num_batches_tracked` is a rank-0 int64), plus one tensor of each other kind PyTorch users
save: float64, bfloat16 and float16 (with -0, a subnormal and the largest finite half), a
rank-0 float32, an int64 vector and a zero-sized tensor. The JSON gives each tensor's dtype,
shape and values in row-major order as float64 (exact for every tensor here).
"""
import json
import os

import safetensors
import torch
from safetensors.torch import save_file
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))

torch.manual_seed(0)
mlp = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
norm = nn.BatchNorm1d(4)
norm.train()
for _ in range(3):
    norm(torch.randn(5, 4))

state = {name: t.detach().clone() for name, t in mlp.state_dict().items()}
state.update({f"norm.{name}": t.detach().clone() for name, t in norm.state_dict().items()})
state["double.weight"] = torch.randn(2, 3, dtype=torch.float64)
state["bf16.weight"] = torch.tensor([[0.1, -2.5], [3.0e38, 1.0e-30]]).to(torch.bfloat16)
state["half.weight"] = torch.tensor([[1.0, -0.0, 65504.0], [2.0**-24, 1.0 / 3.0, -2.5]], dtype=torch.float16)
state["temperature"] = torch.tensor(0.7, dtype=torch.float32)
state["position_ids"] = torch.arange(5, dtype=torch.int64)
state["empty"] = torch.zeros(0, 3)

DTYPES = {
    torch.float32: "F32",
    torch.float64: "F64",
    torch.bfloat16: "BF16",
    torch.float16: "F16",
    torch.int64: "I64",
}

save_file(state, os.path.join(HERE, "torch_state_dict.safetensors"), metadata={"format": "pt"})

expected = {
    "torch": torch.__version__,
    "safetensors": safetensors.__version__,
    "metadata": {"format": "pt"},
    "tensors": {
        name: {
            "dtype": DTYPES[t.dtype],
            "shape": list(t.shape),
            "values": t.to(torch.float64).flatten().tolist(),
        }
        for name, t in state.items()
    },
}
with open(os.path.join(HERE, "torch_state_dict.json"), "w") as f:
    json.dump(expected, f, indent=1)
    f.write("\n")
