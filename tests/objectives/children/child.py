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
  stale             first writes a final line and a step line for job "old-ID" (a late answer
                    of an earlier job), then answers loss 7

Learning curves (step lines, each answered by the worker on stdin):
  report            steps 1..param "steps" (default: the job's max_steps, else 5), loss 1/step,
                    reading the answer after each; on "continue": false it ends at once with the
                    last loss. Final metrics: last_step, max_steps (-1 when the job has none)
  report_ignore     the same, but it goes on after a stop; metric stops_seen counts them
  report_sequence   reports the steps of param "steps" ("1,1,3,2"), loss = step / 10, reading
                    each answer; loss param "nan_at" (a step) is NaN; answers loss 0.5
  report_bad        step lines with a negative, a fractional and a string step, and a string
                    loss, then a good step 1; answers loss 0.25 with metric good_answers (answers
                    that said continue) and step_less (answers without a "step")
  report_noread     writes param "steps" step lines without reading stdin, answers loss 1, and
                    reads stdin again only 1 s later
  flood             writes param "steps" step lines at once while a thread reads the answers;
                    answers loss 2 once all are read (or after 20 s) with metric answers
  raw               writes param "text" with "{ID}" replaced by the job id, as its final line
  many_metrics      answers loss 1 with param "count" metrics, names param "name_bytes" long
"""
import json
import os
import signal
import subprocess
import sys
import threading
import time


def send(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def read_answer():
    return json.loads(sys.stdin.readline())


jobs = 0
while True:
    line = sys.stdin.readline()
    if not line:
        break
    job = json.loads(line)
    if "params" not in job:  # an answer to a step line that came too late to be read: skip it
        continue
    jobs += 1
    params = job["params"]
    do = params.get("do", "answer")
    answer = {"id": job["id"]}
    if do in ("report", "report_ignore"):
        steps = int(params.get("steps", job.get("max_steps", 5)))
        loss, last, stops = None, 0, 0
        for step in range(1, steps + 1):
            loss, last = 1.0 / step, step
            send({"id": job["id"], "step": step, "loss": loss, "metrics": {"half": loss / 2}})
            reply = read_answer()
            assert reply["id"] == job["id"] and reply["step"] == step, reply
            if not reply["continue"]:
                stops += 1
                if do == "report":
                    break
        answer["loss"] = loss
        answer["metrics"] = {"last_step": last, "max_steps": job.get("max_steps", -1), "stops_seen": stops}
    elif do == "report_sequence":
        nan_at = params.get("nan_at", -1)
        for step in (int(s) for s in params["steps"].split(",")):
            send({"id": job["id"], "step": step, "loss": float("nan") if step == nan_at else step / 10})
            read_answer()
        answer["loss"] = 0.5
    elif do == "report_bad":
        good, step_less = 0, 0
        for bad in ('"step": -1, "loss": 1', '"step": 2.5, "loss": 1', '"step": "x", "loss": 1',
                    '"step": 3, "loss": "low"', '"step": 1, "loss": 0.5'):
            sys.stdout.write('{"id": "%s", %s}\n' % (job["id"], bad))
            sys.stdout.flush()
            reply = read_answer()
            good += 1 if reply["continue"] else 0
            step_less += 0 if "step" in reply else 1
        answer["loss"] = 0.25
        answer["metrics"] = {"good_answers": good, "step_less": step_less}
    elif do == "report_noread":
        for step in range(1, int(params["steps"]) + 1):
            sys.stdout.write('{"id": "%s", "step": %d, "loss": 1.0}\n' % (job["id"], step))
        send({"id": job["id"], "loss": 1.0})
        # Not reading stdin for a while yet, so that the worker meets a full pipe, which it
        # would not if this loop drained the answers as it waits for the next job.
        time.sleep(1.0)
        continue
    elif do == "flood":
        steps = int(params["steps"])
        got = [0]

        def reader():
            while got[0] < steps:
                if not sys.stdin.readline():
                    return
                got[0] += 1

        thread = threading.Thread(target=reader, daemon=True)
        thread.start()
        out = "".join('{"id": "%s", "step": %d, "loss": %d.5}\n' % (job["id"], s, s) for s in range(1, steps + 1))
        sys.stdout.write(out)
        sys.stdout.flush()
        thread.join(20)
        answer["loss"] = 2.0
        answer["metrics"] = {"answers": got[0]}
    elif do == "raw":
        sys.stdout.write(params["text"].replace("{ID}", job["id"]) + "\n")
        sys.stdout.flush()
        continue
    elif do == "many_metrics":
        answer["loss"] = 1.0
        width = int(params.get("name_bytes", 8))
        answer["metrics"] = {("m%06d" % i).ljust(width, "x"): i for i in range(int(params["count"]))}
    elif do == "stale":
        send({"id": "old-" + job["id"], "loss": 3.0})
        send({"id": "old-" + job["id"], "step": 1, "loss": 3.0})
        answer["loss"] = 7.0
    elif do == "answer":
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
