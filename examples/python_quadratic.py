#!/usr/bin/env python3
"""A pure-Python exec objective served by python/quante_objective.py (tested in CI).

    quante-worker --objective quadratic=exec:"python3 examples/python_quadratic.py"

Loss: (x - 0.3)^2 + (y + 0.2)^2 + penalty(shape), minimum 0 at x = 0.3, y = -0.2, shape "round".
Params: x, y (reals), optional shape (round|square|flat) and fail (true-ish: raise, to show that an
exception becomes an error answer). print() goes to the worker's log, never into the answers.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))

from quante_objective import serve  # noqa: E402

PENALTY = {"round": 0.0, "square": 0.5, "flat": 1.0}


def quadratic(params, gpu):
    if params.get("fail"):
        raise ValueError("asked to fail")
    x = float(params["x"])
    y = float(params["y"])
    shape = params.get("shape", "round")
    if shape not in PENALTY:
        raise KeyError(f"unknown shape {shape!r}")
    print(f"evaluating x={x} y={y} shape={shape} on gpu {gpu}")  # goes to stderr: the worker's log
    loss = (x - 0.3) ** 2 + (y + 0.2) ** 2 + PENALTY[shape]
    return {"loss": loss, "metrics": {"distance": ((x - 0.3) ** 2 + (y + 0.2) ** 2) ** 0.5}}


if __name__ == "__main__":
    sys.exit(serve(quadratic))
