#!/usr/bin/env bash
# Creates the Python virtual environment used by Nabla's peer benchmarks and
# installs micrograd, numpy, torch and jax (the peers set up here; no tensorflow), and
# safetensors (for load_in_torch.py and Tests/NablaTests/References/make_safetensors_reference.py).
#
# The venv lives OUTSIDE the repository, at ${NABLA_PEER_VENV:-$HOME/.venvs/nabla-peers},
# so that nothing it contains is ever tracked or carried with the working tree.
#
# Idempotent: running it again does nothing if the venv exists and micrograd,
# numpy, torch and jax are already installed in it.
#
# torch is the default PyPI wheel (a large download: it pulls in the CUDA
# libraries too, though the benchmarks run it on the CPU only). jax is the plain
# `jax` package, whose jaxlib dependency is the CPU-only build (no CUDA plugin).
#
# Usage: Benchmarks/peers/setup-venv.sh            (uses python3 from PATH)
#        PYTHON=python3.11 Benchmarks/peers/setup-venv.sh
set -euo pipefail

VENV="${NABLA_PEER_VENV:-$HOME/.venvs/nabla-peers}"
PYTHON="${PYTHON:-python3}"
MICROGRAD_VERSION="0.1.0"   # the version WORKLOADS.md's figures were measured with
# numpy and torch are not pinned (WORKLOADS.md's figures: numpy 2.4.6 with OpenBLAS 0.3.31,
# torch 2.15.0, jax 0.10.2); an installed numpy, torch or jax of any version is kept.

# 1. Create the venv unless a usable one is already there.
if [[ ! -x "$VENV/bin/python" ]]; then
    echo "setup-venv: creating $VENV" >&2
    mkdir -p "$(dirname "$VENV")"
    "$PYTHON" -m venv "$VENV"
fi

# 2. Install micrograd unless the pinned version is already installed.
installed="$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("micrograd"))' 2>/dev/null || true)"
if [[ "$installed" == "$MICROGRAD_VERSION" ]]; then
    echo "setup-venv: micrograd $installed already installed in $VENV" >&2
else
    echo "setup-venv: installing micrograd==$MICROGRAD_VERSION into $VENV" >&2
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "micrograd==$MICROGRAD_VERSION"
fi

# 3. The unpinned peers: each installed unless some version of it already is.
install_unless_present() {   # package, what it is for
    local installed
    installed="$("$VENV/bin/python" -c "import importlib.metadata as m; print(m.version('$1'))" 2>/dev/null || true)"
    if [[ -n "$installed" ]]; then
        echo "setup-venv: $1 $installed already installed in $VENV" >&2
    else
        echo "setup-venv: installing $1 ($2) into $VENV" >&2
        "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$1"
    fi
}
install_unless_present numpy "the W5 matmul peer"
install_unless_present torch "the W3 / W4 / W6 / digits-epoch peer; a large download"
install_unless_present jax "the W3 / W4 / W6 / W7 peer, on the CPU"
install_unless_present safetensors "for load_in_torch.py and the test reference script"

# 4. Sanity check: the engine, numpy, torch and jax import.
"$VENV/bin/python" -c 'from micrograd.engine import Value; assert (Value(2.0) * 3).data == 6.0'
"$VENV/bin/python" -c 'import numpy as np; assert float((np.ones((2, 2), np.float32) @ np.ones((2, 2), np.float32))[0, 0]) == 2.0'
"$VENV/bin/python" -c 'import torch; assert float((torch.ones(2, 2) @ torch.ones(2, 2))[0, 0]) == 2.0'
JAX_PLATFORMS=cpu "$VENV/bin/python" -c 'import jax.numpy as jnp; assert float((jnp.ones((2, 2)) @ jnp.ones((2, 2)))[0, 0]) == 2.0'
echo "setup-venv: ok ($VENV/bin/python)" >&2
