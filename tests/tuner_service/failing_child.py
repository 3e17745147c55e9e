#!/usr/bin/env python3
"""An exec objective that fails in every way the tuner must survive, chosen by x0:
x0 < 0: an error answer; 0 <= x0 < 2: a NaN loss; x1 > 12: hangs (the study's timeout kills it);
otherwise the Branin-like value."""
import json
import math
import sys
import time

for line in sys.stdin:
    job = json.loads(line)
    x0, x1 = job["params"]["x0"], job["params"]["x1"]
    if x1 > 12:
        time.sleep(60)
    if x0 < 0:
        answer = {"id": job["id"], "error": "diverged at x0=%g" % x0}
    elif x0 < 2:
        answer = {"id": job["id"], "loss": float("nan")}
    else:
        answer = {"id": job["id"], "loss": (x1 - 5) ** 2 + math.cos(x0)}
    sys.stdout.write(json.dumps(answer) + "\n")
    sys.stdout.flush()
