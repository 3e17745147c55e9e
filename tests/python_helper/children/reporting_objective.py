#!/usr/bin/env python3
"""A child for test_python_helper.cpp: a learning curve through quante_objective's report().
Loss after epoch e is 1 + 1/e; "style" picks how the objective stops when told:
  raise (default)  raises StopTrial          return_none  returns None
  return_value     returns -1.0 (its own final loss)
With the argument "trial" it serves with_trial instead, which takes the keyword `trial` (loss
10 - epoch). Without max_steps in the job it runs param "epochs" (default 4) epochs."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "python"))

from quante_objective import StopTrial, serve  # noqa: E402


def curve(params, gpu, report, max_steps=None):
    style = params.get("style", "raise")
    epochs = max_steps or int(params.get("epochs", 4))
    loss = None
    for epoch in range(1, epochs + 1):
        loss = 1.0 + 1.0 / epoch
        print(f"epoch {epoch}: {loss}")  # to the worker's log, never into the protocol
        if not report(epoch, loss, {"epoch": epoch, "gpu": gpu}):
            if style == "raise":
                raise StopTrial
            if style == "return_value":
                return -1.0
            return None
    return {"loss": loss, "metrics": {"epochs_run": epochs}}


def with_trial(params, gpu, *, trial):
    for epoch in range(1, (trial.max_steps or 4) + 1):
        if not trial.report(epoch, 10.0 - epoch):
            raise StopTrial
    return 0.0


if __name__ == "__main__":
    # "trial" as the first argument serves the keyword form, else the positional one.
    sys.exit(serve(with_trial if sys.argv[1:] == ["trial"] else curve))
