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

Learning curves (early stopping). An objective that trains step by step (epochs) may report its
loss after each step and learn whether the study's scheduler wants it to go on. Declare a third
parameter (any name, no default) or a parameter named `report`, and it gets a function
`report(step, loss, metrics=None) -> bool`; a parameter named `max_steps` gets the study's step
budget (an int, or None when the study has none: pick your own default), and one named `trial`
gets a Trial object with all of it (trial.report, trial.max_steps, trial.id, trial.params,
trial.gpu, trial.stopped). `objective(params, gpu)` keeps working unchanged; `**kwargs` is not
used to pass these.

    from quante_objective import serve, StopTrial

    def objective(params, gpu, report, max_steps=None):
        for epoch in range(1, (max_steps or 20) + 1):
            val_loss = train_one_epoch()
            if not report(epoch, val_loss, {"accuracy": acc}):
                raise StopTrial          # or: return val_loss; or: return None
        return val_loss

report() writes the step line {"id": ..., "step": epoch, "loss": ..., "metrics": {...}}, flushes,
and waits for the worker's answer {"id": ..., "step": epoch, "continue": true|false} on stdin. It
returns that "continue"; True when no answer came within 60 s (REPORT_TIMEOUT) or the input ended.
After a False the objective should end the trial at once: raising StopTrial (or returning None)
answers the job with the last reported loss and metrics; returning a loss answers that loss. A
NaN or infinite loss is reported as such (the scheduler decides); as the final loss it is an error
answer. Steps are ints >= 0, normally 1..max_steps.

What serve() guarantees:
- stdout carries answers only: before the first job, file descriptor 1 is pointed at stderr (so
  print(), logging and even C extensions that write to fd 1 end up in the worker's log) and the
  answers go to a private duplicate of the original stdout;
- one answer per job line, in order, flushed at once; an exception in the objective, a loss that
  is not a finite number, or a job line that is not valid JSON becomes an error answer, and the
  loop carries on with the next job;
- `gpu` is the worker's GPU (an int, -1 for none); with `quante-worker --gpu N` the process already
  sees only that GPU (CUDA_VISIBLE_DEVICES=N), so a framework should use its device 0;
- the loop ends at end of input (the worker closed the pipe) or on SIGTERM, returning 0;
- an answer to a step line that arrives after report() gave up waiting is skipped, not taken for
  a job.
"""

from __future__ import annotations

import gc
import inspect
import json
import math
import os
import select
import signal
import sys
import time
import traceback
from typing import Any, Callable, Dict, IO, Mapping, Optional, Union

__all__ = ["serve", "answer_for", "ObjectiveResult", "StopTrial", "Trial", "REPORT_TIMEOUT"]

ObjectiveResult = Union[float, int, Mapping[str, Any], None]
Objective = Callable[..., ObjectiveResult]

REPORT_TIMEOUT = 60.0  # seconds report() waits for the worker's answer before it goes on


class StopTrial(Exception):
    """Raised by the objective to end the trial now: the job is answered with the last reported
    loss (and its metrics). Raise it after report() returned False, or whenever you like."""


class _StreamLines:
    """Lines from a text stream (a test's StringIO): no timeouts."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream

    def readline(self, timeout: Optional[float] = None) -> Optional[str]:
        return self._stream.readline()


class _FdLines:
    """Lines from a file descriptor, with an optional timeout: readline returns a line, "" at
    end of input, or None when the timeout passed first."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._buffer = b""
        self._eof = False

    def readline(self, timeout: Optional[float] = None) -> Optional[str]:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            newline = self._buffer.find(b"\n")
            if newline >= 0 or self._eof:
                end = newline + 1 if newline >= 0 else len(self._buffer)
                line, self._buffer = self._buffer[:end], self._buffer[end:]
                return line.decode("utf-8", "replace")
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([self._fd], [], [], left)[0]:
                    return None
            try:
                chunk = os.read(self._fd, 65536)
            except InterruptedError:
                continue
            if chunk:
                self._buffer += chunk
            else:
                self._eof = True


class Trial:
    """One job as the objective sees it: its id, params, gpu and max_steps (None when the study
    gives none), and report() to send a step of its learning curve."""

    def __init__(self, job_id: str, params: Dict[str, Any], gpu: int, max_steps: Optional[int],
                 out: Optional[IO[str]] = None, lines: Any = None) -> None:
        self.id = job_id
        self.params = params
        self.gpu = gpu
        self.max_steps = max_steps
        self.stopped = False  # True once the worker answered "continue": false
        self.last_step: Optional[int] = None
        self.last_loss: Optional[float] = None
        self.last_metrics: Dict[str, float] = {}
        self._out = out
        self._lines = lines

    def report(self, step: int, loss: float, metrics: Optional[Mapping[str, Any]] = None) -> bool:
        """Reports the loss after `step`; returns True to go on, False to stop (see the module doc)."""
        if isinstance(step, bool) or not isinstance(step, int) or step < 0:
            raise ValueError(f"report(): step must be an int >= 0, got {step!r}")
        value = float(loss)  # numpy and torch scalars too; NaN and inf go out as they are
        clean = {str(k): v for k, v in ((k, _finite_number(v)) for k, v in (metrics or {}).items())
                 if v is not None}
        self.last_step, self.last_loss, self.last_metrics = step, value, clean
        if self._out is None:  # answer_for() without a worker: nobody to ask
            return not self.stopped
        line: Dict[str, Any] = {"id": self.id, "step": step, "loss": value}
        if clean:
            line["metrics"] = clean
        self._out.write(json.dumps(line) + "\n")
        self._out.flush()
        go_on = self._await_answer(step)
        if not go_on:
            self.stopped = True
        return go_on

    def _await_answer(self, step: int) -> bool:
        deadline = time.monotonic() + REPORT_TIMEOUT
        while True:
            left = deadline - time.monotonic()
            line = self._lines.readline(left) if left > 0 else None
            if line is None or line == "":  # no answer in time, or the worker went away: go on
                return True
            try:
                answer = json.loads(line)
            except ValueError:
                continue
            if (isinstance(answer, dict) and answer.get("id") == self.id and "continue" in answer
                    and answer.get("step", step) == step):
                return bool(answer["continue"])
            # An answer to an earlier report that came after we stopped waiting for it: skip.


_TRIAL_NAMES = ("report", "max_steps", "trial")


def _call(objective: Objective, params: Dict[str, Any], gpu: int, trial: Trial) -> ObjectiveResult:
    """Calls objective(params, gpu[, report]) with the keywords it declares (see the module doc)."""
    try:
        declared = list(inspect.signature(objective).parameters.values())
    except (TypeError, ValueError):  # a builtin or C callable: the old form
        return objective(params, gpu)
    by_name = {"report": trial.report, "max_steps": trial.max_steps, "trial": trial}
    keywords = {p.name: by_name[p.name] for p in declared
                if p.name in _TRIAL_NAMES and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    positional = [p for p in declared if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    args = [params, gpu]
    if (len(positional) >= 3 and positional[2].name not in _TRIAL_NAMES
            and positional[2].default is inspect.Parameter.empty):
        args.append(trial.report)
    return objective(*args, **keywords)


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


def answer_for(line: str, objective: Objective, *, out: Optional[IO[str]] = None,
               lines: Any = None) -> Optional[Dict[str, Any]]:
    """Evaluates one job line; returns its answer, or None for a blank line or a late answer to a
    step line. With out and lines (serve() passes them), the objective's reports go to out and
    their answers are read from lines; without, report() asks nobody and returns True."""
    if not line.strip():
        return None
    try:
        job = json.loads(line)
    except json.JSONDecodeError as e:
        return {"id": "", "error": f"the job line is not JSON: {e}"}
    if isinstance(job, dict) and "continue" in job and "params" not in job:
        return None  # the worker's answer to a report that gave up waiting for it
    if not isinstance(job, dict) or not isinstance(job.get("id"), str):
        return {"id": "", "error": "the job line has no string 'id'"}
    job_id = job["id"]
    params = job.get("params")
    if not isinstance(params, dict):
        return {"id": job_id, "error": "the job has no 'params' object"}
    gpu = job.get("gpu", -1)
    if not isinstance(gpu, int) or isinstance(gpu, bool):
        gpu = -1
    max_steps = job.get("max_steps")
    if not isinstance(max_steps, int) or isinstance(max_steps, bool) or max_steps < 1:
        max_steps = None
    trial = Trial(job_id, params, gpu, max_steps, out, lines)
    try:
        result = _call(objective, params, gpu, trial)
        if result is None and trial.last_loss is not None:
            raise StopTrial()
    except StopTrial:
        if trial.last_loss is None:
            return {"id": job_id, "error": "StopTrial before any report(): there is no loss to return"}
        return _result_answer(job_id, {"loss": trial.last_loss, "metrics": trial.last_metrics})
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


def _release_gpu_cache() -> None:
    """Gives PyTorch's cached GPU memory back after a job, so that what the worker's leak guard
    measures between jobs is what the objective really keeps (see docs/objectives.md)."""
    torch = sys.modules.get("torch")
    if torch is None:
        return
    try:
        if torch.cuda.is_initialized():
            gc.collect()
            torch.cuda.empty_cache()
    except Exception:  # noqa: BLE001 - a cache that will not empty is no reason to fail the job
        pass


def serve(objective: Objective, *, input_stream: Optional[IO[str]] = None,
          output_stream: Optional[IO[str]] = None) -> int:
    """Answers jobs from stdin (or input_stream) until end of input or SIGTERM; returns 0.

    Without output_stream, the process's stdout is claimed for answers (see the module doc)."""
    out = output_stream if output_stream is not None else _claim_stdout()
    lines = _StreamLines(input_stream) if input_stream is not None else _FdLines(sys.stdin.fileno())

    def on_term(signo: int, frame: Any) -> None:  # the worker is stopping or cancelling: leave now
        raise SystemExit(0)

    try:
        previous = signal.signal(signal.SIGTERM, on_term)
    except ValueError:  # not the main thread: leave signals alone
        previous = None
    try:
        for line in iter(lines.readline, ""):
            answer = answer_for(line, objective, out=out, lines=lines)
            if answer is None:
                continue
            _release_gpu_cache()  # before answering: the worker measures right after the answer
            out.write(json.dumps(answer, allow_nan=False) + "\n")
            out.flush()
    except (BrokenPipeError, KeyboardInterrupt):  # the worker went away, or Ctrl-C by hand
        pass
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    return 0
