"""A PyTorch objective that leaks 1 GiB of GPU memory per job (it keeps every tensor it made), for
scripts/gpu-check: on a real GPU the worker's leak guard, reading NVML, must restart it."""
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
from quante_objective import serve  # noqa: E402

kept = []


def objective(params, gpu):
    kept.append(torch.ones(256 * 1024 * 1024, device="cuda"))  # 1 GiB of float32
    return {"loss": float(params["x0"]), "metrics": {"pid": os.getpid(), "held_gib": len(kept)}}


if __name__ == "__main__":
    serve(objective)
