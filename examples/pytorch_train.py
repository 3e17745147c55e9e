#!/usr/bin/env python3
"""Tune a PyTorch network with quante-carlo: an exec objective on the worker's GPU (not run in CI).

    quante-worker --gpu 0 --objective digits_torch=exec:"python3 examples/pytorch_train.py"
    # or one worker per GPU:  quante-worker --gpus all --objective digits_torch=exec:"..."

Study space (TOML): lr (float, log), layers (int 1..4), width (int 16..512), dropout (float 0..0.5),
activation (relu|gelu|tanh), batch_size (int 16..256), epochs (int; a study with [fidelity] gives
max_steps instead, which wins). Reports the validation cross-entropy after every epoch (with the
accuracy as a metric) and stops early when the study's scheduler says so (StopTrial: the job's
loss is then the last reported one); returns the final validation loss, on data/digits.csv (read
once per process and kept on the GPU between jobs). The worker's --gpu N sets CUDA_VISIBLE_DEVICES=N, so the GPU is "cuda:0"
here. CUDA out-of-memory becomes an error answer for that job; the process lives on.
"""
import csv
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))

import torch  # noqa: E402
from torch import nn  # noqa: E402

from quante_objective import StopTrial, serve  # noqa: E402

DEVICE = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
ACTIVATIONS = {"relu": nn.ReLU, "gelu": nn.GELU, "tanh": nn.Tanh}


def load_digits(path=os.path.join(HERE, "..", "data", "digits.csv"), val_fraction=0.2, seed=0):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))[1:]
    x = torch.tensor([[float(v) for v in r[:-1]] for r in rows])
    y = torch.tensor([int(r[-1]) for r in rows])
    order = torch.randperm(len(rows), generator=torch.Generator().manual_seed(seed))
    n_val = int(round(val_fraction * len(rows)))
    val, train = order[:n_val], order[n_val:]
    mean, std = x[train].mean(0), x[train].std(0).clamp_min(1e-6)
    x = (x - mean) / std
    return (x[train].to(DEVICE), y[train].to(DEVICE), x[val].to(DEVICE), y[val].to(DEVICE))


DATA = load_digits()  # once per process: kept on the GPU for every job


def evaluate(model, loss_fn, x_val, y_val):
    model.eval()
    with torch.no_grad():
        logits = model(x_val)
        return loss_fn(logits, y_val).item(), (logits.argmax(1) == y_val).float().mean().item()


def objective(params, gpu, report, max_steps=None):
    x_train, y_train, x_val, y_val = DATA
    torch.manual_seed(int(params.get("seed", 0)))
    width, layers = int(params.get("width", 64)), int(params.get("layers", 2))
    act = ACTIVATIONS[params.get("activation", "relu")]
    dropout = float(params.get("dropout", 0.0))
    modules, fan_in = [], x_train.shape[1]
    for _ in range(layers):
        modules += [nn.Linear(fan_in, width), act(), nn.Dropout(dropout)]
        fan_in = width
    modules.append(nn.Linear(fan_in, 10))
    model = nn.Sequential(*modules).to(DEVICE)
    opt = torch.optim.Adam(model.parameters(), lr=float(params["lr"]),
                           weight_decay=float(params.get("weight_decay", 0.0)))
    loss_fn = nn.CrossEntropyLoss()
    batch = int(params.get("batch_size", 64))
    epochs = max_steps or int(params.get("epochs", 10))  # step = epoch
    for epoch in range(1, epochs + 1):
        model.train()
        perm = torch.randperm(len(x_train), device=DEVICE)
        for i in range(0, len(perm), batch):
            idx = perm[i:i + batch]
            opt.zero_grad(set_to_none=True)
            loss_fn(model(x_train[idx]), y_train[idx]).backward()
            opt.step()
        val_loss, accuracy = evaluate(model, loss_fn, x_val, y_val)
        if not report(epoch, val_loss, {"accuracy": accuracy}):
            print(f"gpu {gpu}: {params} stopped after epoch {epoch} at {val_loss:.4f}")
            raise StopTrial  # the job's loss: this epoch's val_loss
    print(f"gpu {gpu}: {params} -> {val_loss:.4f} (accuracy {accuracy:.3f})")  # to the worker's log
    return {"loss": val_loss, "metrics": {"accuracy": accuracy}}


if __name__ == "__main__":
    sys.exit(serve(objective))
