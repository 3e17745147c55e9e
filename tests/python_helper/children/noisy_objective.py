#!/usr/bin/env python3
"""A child for test_python_helper.cpp: the helper must keep stdout clean however noisy the
objective is, and turn every failure into an error answer. Behaviour by the param "do"."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "python"))

from quante_objective import serve  # noqa: E402


def objective(params, gpu):
    what = params.get("do", "float")
    print("noise on stdout from print()")
    os.write(1, b"noise written straight to file descriptor 1\n")
    sys.stdout.write("{\"id\": \"fake\", \"loss\": 0}\n")
    if what == "float":
        return params["x"] * 2.0
    if what == "int":
        return 3
    if what == "dict":
        return {"loss": 0.25, "metrics": {"accuracy": 0.75, "name": "not a number", "bad": float("nan")}}
    if what == "gpu":
        return float(gpu)
    if what == "nan":
        return float("nan")
    if what == "string":
        return "low"
    if what == "no_loss":
        return {"metrics": {"accuracy": 1.0}}
    if what == "raise":
        raise RuntimeError("the network blew up")
    if what == "oom":
        raise MemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
    raise ValueError(f"unknown do={what}")


if __name__ == "__main__":
    sys.exit(serve(objective))
