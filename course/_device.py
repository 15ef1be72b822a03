"""Where PyTorch code runs: the GPU when there is one, else the CPU."""

from __future__ import annotations

import torch


def device() -> torch.device:
    """Return ``torch.device("cuda")`` when CUDA is available, else ``torch.device("cpu")``.

    Every PyTorch path in the course takes a ``device=`` argument that defaults to this.
    """
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")
