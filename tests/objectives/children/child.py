#!/usr/bin/env python3
"""A test child for the exec objective (stdlib only). It answers each job line on stdin with one
line on stdout; the job's categorical param "do" picks what it does for that job:

  answer (default)  loss = the sum of the numeric params; metrics: pid, jobs answered so far,
                    the job's gpu and the QUANTE_GPU / CUDA_VISIBLE_DEVICES it was started with
  exit              writes "exiting on purpose" to stderr and exits with status param "code"
  segv              kills itself with SIGSEGV
  error             answers {"error": "no good"}
  nan / inf         answers a NaN / infinite loss (Python writes NaN / Infinity: not JSON)
  string_loss       answers "loss": "low"
  no_loss           answers only the id
  garbage           writes a line that is not JSON
  wrong_id          answers for another job id
  partial           writes an answer without its newline, then waits for the next job
  huge              writes a 2 MiB line
  hang              writes "hanging" to stderr and sleeps for an hour
  spawn_hang        starts a grandchild (sleep 3600), writes its pid to the file param
                    "pidfile", and sleeps for an hour
  stderr            writes param "lines" lines of 100 bytes to stderr, then answers loss 0
  close_stdout      closes its stdout and sleeps for an hour
  say               writes param "text" to stderr, then answers loss 0
"""
import json
import os
import signal
import subprocess
import sys
import time

jobs = 0
for line in sys.stdin:
    job = json.loads(line)
    jobs += 1
    params = job["params"]
    do = params.get("do", "answer")
    answer = {"id": job["id"]}
    if do == "answer":
        answer["loss"] = float(sum(v for v in params.values() if isinstance(v, (int, float))))
        answer["metrics"] = {
            "pid": os.getpid(),
            "jobs": jobs,
            "gpu": job["gpu"],
            "quante_gpu": int(os.environ.get("QUANTE_GPU", "-99")),
            "cuda_visible_devices": int(os.environ.get("CUDA_VISIBLE_DEVICES", "-99")),
            "not_a_number": "skipped",
        }
    elif do == "exit":
        print("exiting on purpose", file=sys.stderr, flush=True)
        sys.exit(int(params.get("code", 3)))
    elif do == "segv":
        os.kill(os.getpid(), signal.SIGSEGV)
    elif do == "error":
        answer["error"] = "no good"
    elif do == "nan":
        answer["loss"] = float("nan")
    elif do == "inf":
        answer["loss"] = float("inf")
    elif do == "string_loss":
        answer["loss"] = "low"
    elif do == "no_loss":
        pass
    elif do == "garbage":
        print("this is not json", flush=True)
        continue
    elif do == "wrong_id":
        answer["id"] = "not-" + job["id"]
        answer["loss"] = 1.0
    elif do == "partial":
        sys.stdout.write('{"id": "%s", "loss": 1.0' % job["id"])
        sys.stdout.flush()
        continue
    elif do == "huge":
        sys.stdout.write('{"id": "%s", "pad": "%s", "loss": 1}\n' % (job["id"], "x" * (2 << 20)))
        sys.stdout.flush()
        continue
    elif do == "hang":
        print("hanging", file=sys.stderr, flush=True)
        time.sleep(3600)
    elif do == "spawn_hang":
        grandchild = subprocess.Popen(["sleep", "3600"])
        with open(params["pidfile"], "w") as f:
            f.write(str(grandchild.pid))
        time.sleep(3600)
    elif do == "stderr":
        for i in range(int(params["lines"])):
            sys.stderr.write("noise %06d %s\n" % (i, "z" * 87))
        sys.stderr.flush()
        answer["loss"] = 0.0
    elif do == "close_stdout":
        os.close(1)
        time.sleep(3600)
    elif do == "say":
        print(params["text"], file=sys.stderr, flush=True)
        answer["loss"] = 0.0
    print(json.dumps(answer), flush=True)
