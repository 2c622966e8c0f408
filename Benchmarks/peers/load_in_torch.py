#!/usr/bin/env python3
"""Checks that weights saved by `nabla train --save` load into the same torch.nn modules.

With the peer venv's python (torch and safetensors installed), from the repository root:

    swift build -c release --product nabla
    ~/.venvs/nabla-peers/bin/python Benchmarks/peers/load_in_torch.py

It trains micrograd's moons demo and the digits CNN with `nabla train ... --save`, loads each
file into the PyTorch model of the same architecture with load_state_dict(strict=True), and
prints PyTorch's accuracy with Nabla's weights beside Nabla's own (they should agree).
"""

import gzip
import os
import re
import subprocess
import sys
import tempfile

import torch
import torch.nn as nn
from safetensors.torch import load_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NABLA = os.path.join(ROOT, ".build", "release", "nabla")


def train(arguments: list, path: str) -> str:
    output = subprocess.run([NABLA, "train", *arguments, "--save", path], check=True, capture_output=True, text=True).stdout
    return [line for line in output.splitlines() if line.startswith("final")][0]


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        moons_path, cnn_path = os.path.join(folder, "moons.safetensors"), os.path.join(folder, "cnn.safetensors")
        nabla_moons = train(["moons"], moons_path)
        nabla_cnn = train(["digits", "--model", "cnn"], cnn_path)

        mlp = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 1)).double()
        mlp.load_state_dict(load_file(moons_path), strict=True)
        points, labels = harness.demo_data()[:2]
        with torch.no_grad():
            scores = mlp(torch.tensor(points, dtype=torch.float64)).squeeze(1).tolist()
        moons_accuracy = sum((s > 0) == (y > 0) for s, y in zip(scores, labels)) / len(labels)
        print(f"moons: PyTorch accuracy with Nabla's weights {moons_accuracy:.4f}; nabla: {nabla_moons}")

        cnn = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                            nn.Flatten(), nn.Linear(128, 10))
        cnn.load_state_dict(load_file(cnn_path), strict=True)
        path = os.path.join(ROOT, "Sources", "Nabla", "Data", "Resources", "digits.csv.gz")
        rows = [list(map(float, line.split(","))) for line in gzip.open(path, "rt").read().split()]
        test = [row for i, row in enumerate(rows) if i % 5 == 0]
        x = torch.tensor([row[:64] for row in test]).reshape(-1, 1, 8, 8) / 16
        y = torch.tensor([int(row[64]) for row in test])
        with torch.no_grad():
            cnn_accuracy = (cnn(x).argmax(1) == y).float().mean().item()
        print(f"digits CNN: PyTorch test accuracy with Nabla's weights {cnn_accuracy:.4f}; nabla: {nabla_cnn}")
        nabla_test = float(re.search(r"test accuracy ([0-9.]+)%", nabla_cnn).group(1)) / 100
        agree = moons_accuracy == 1.0 and abs(cnn_accuracy - nabla_test) < 0.002
        print("agree" if agree else "DISAGREE")
        return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
