"""Serve a Python function as a quante-carlo exec objective (standard library only).

The worker runs the objective's command once and keeps it alive; jobs arrive as JSON lines on
stdin and answers must leave as JSON lines on stdout, one per job, in order
(see ARCHITECTURE.md, "exec objectives"):

    worker -> child: {"id": "J42", "params": {"lr": 0.001, "layers": 3}, "gpu": 0}
    child -> worker: {"id": "J42", "loss": 0.1834, "metrics": {"accuracy": 0.93}}
    child -> worker: {"id": "J42", "error": "ValueError: lr must be positive"}

Usage, in the training script that the worker runs (`--objective NAME=exec:"python3 train.py"`):

    from quante_objective import serve

    def objective(params, gpu):
        ...
        return loss                      # or {"loss": loss, "metrics": {"accuracy": acc}}

    if __name__ == "__main__":
        serve(objective)

What serve() guarantees:
- stdout carries answers only: before the first job, file descriptor 1 is pointed at stderr (so
  print(), logging and even C extensions that write to fd 1 end up in the worker's log) and the
  answers go to a private duplicate of the original stdout;
- one answer per job line, in order, flushed at once; an exception in the objective, a loss that
  is not a finite number, or a job line that is not valid JSON becomes an error answer, and the
  loop carries on with the next job;
- `gpu` is the worker's GPU (an int, -1 for none); with `quante-worker --gpu N` the process already
  sees only that GPU (CUDA_VISIBLE_DEVICES=N), so a framework should use its device 0;
- the loop ends at end of input (the worker closed the pipe) or on SIGTERM, returning 0.
"""

from __future__ import annotations

import json
import math
import os
import signal
import sys
import traceback
from typing import Any, Callable, Dict, IO, Mapping, Optional, Union

__all__ = ["serve", "answer_for", "ObjectiveResult"]

ObjectiveResult = Union[float, int, Mapping[str, Any]]
Objective = Callable[[Dict[str, Any], int], ObjectiveResult]


def _finite_number(value: Any) -> Optional[float]:
    """float(value) for ints, floats and numeric scalars (numpy, torch); None for anything else
    (bools, strings, None) and for NaN and infinities."""
    if isinstance(value, (bool, str, bytes)) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _result_answer(job_id: str, result: ObjectiveResult) -> Dict[str, Any]:
    """The answer line for what the objective returned, or an error answer saying what is wrong."""
    metrics: Dict[str, float] = {}
    if isinstance(result, Mapping):
        if "error" in result and result["error"] is not None:
            return {"id": job_id, "error": str(result["error"])}
        if "loss" not in result:
            return {"id": job_id, "error": "the objective returned a dict without a 'loss'"}
        raw_metrics = result.get("metrics") or {}
        if not isinstance(raw_metrics, Mapping):
            return {"id": job_id, "error": "the objective's 'metrics' is not a dict"}
        for name, value in raw_metrics.items():
            number = _finite_number(value)
            if number is not None:  # a non-numeric or non-finite metric is dropped, not fatal
                metrics[str(name)] = number
        result = result["loss"]
    loss = _finite_number(result)
    if loss is None:
        return {"id": job_id, "error": f"the objective's loss {result!r} is not a finite number"}
    answer: Dict[str, Any] = {"id": job_id, "loss": loss}
    if metrics:
        answer["metrics"] = metrics
    return answer


def answer_for(line: str, objective: Objective) -> Optional[Dict[str, Any]]:
    """Evaluates one job line; returns its answer, or None for a blank line."""
    if not line.strip():
        return None
    try:
        job = json.loads(line)
    except json.JSONDecodeError as e:
        return {"id": "", "error": f"the job line is not JSON: {e}"}
    if not isinstance(job, dict) or not isinstance(job.get("id"), str):
        return {"id": "", "error": "the job line has no string 'id'"}
    job_id = job["id"]
    params = job.get("params")
    if not isinstance(params, dict):
        return {"id": job_id, "error": "the job has no 'params' object"}
    gpu = job.get("gpu", -1)
    if not isinstance(gpu, int) or isinstance(gpu, bool):
        gpu = -1
    try:
        result = objective(params, gpu)
    except Exception as e:  # noqa: BLE001 - every failure of the user's code is an error answer
        traceback.print_exc(file=sys.stderr)
        message = str(e).strip().splitlines()[0] if str(e).strip() else ""
        return {"id": job_id, "error": f"{type(e).__name__}: {message}" if message else type(e).__name__}
    return _result_answer(job_id, result)


def _claim_stdout() -> IO[str]:
    """Moves fd 1 to stderr and returns a private text stream on the original stdout."""
    sys.stdout.flush()
    answers_fd = os.dup(1)
    os.set_inheritable(answers_fd, False)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return os.fdopen(answers_fd, "w", encoding="utf-8", buffering=1)


def serve(objective: Objective, *, input_stream: Optional[IO[str]] = None,
          output_stream: Optional[IO[str]] = None) -> int:
    """Answers jobs from stdin (or input_stream) until end of input or SIGTERM; returns 0.

    Without output_stream, the process's stdout is claimed for answers (see the module doc)."""
    out = output_stream if output_stream is not None else _claim_stdout()
    source = input_stream if input_stream is not None else sys.stdin

    def on_term(signo: int, frame: Any) -> None:  # the worker is stopping or cancelling: leave now
        raise SystemExit(0)

    try:
        previous = signal.signal(signal.SIGTERM, on_term)
    except ValueError:  # not the main thread: leave signals alone
        previous = None
    try:
        for line in iter(source.readline, ""):
            answer = answer_for(line, objective)
            if answer is None:
                continue
            out.write(json.dumps(answer, allow_nan=False) + "\n")
            out.flush()
    except (BrokenPipeError, KeyboardInterrupt):  # the worker went away, or Ctrl-C by hand
        pass
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    return 0
