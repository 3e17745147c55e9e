"""Unit tests of python/quante_objective.py (run by ctest with PYTHONPATH=python)."""
import io
import json
import os
import subprocess
import sys
import unittest

import quante_objective as qo

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))


def run_lines(objective, lines):
    out = io.StringIO()
    qo.serve(objective, input_stream=io.StringIO("".join(l + "\n" for l in lines)), output_stream=out)
    return [json.loads(l) for l in out.getvalue().splitlines()]


class AnswerTest(unittest.TestCase):
    def test_float_dict_and_errors(self):
        def objective(params, gpu):
            if params.get("boom"):
                raise ZeroDivisionError("division by zero")
            if params.get("dict"):
                return {"loss": params["x"], "metrics": {"acc": 0.5, "tag": "x"}}
            return params["x"] + gpu

        answers = run_lines(objective, [
            '{"id": "A", "params": {"x": 1.5}, "gpu": 2}',
            '',
            '{"id": "B", "params": {"x": 2, "dict": true}}',
            '{"id": "C", "params": {"boom": 1}}',
            'garbage',
            '{"params": {}}',
            '{"id": "D"}',
        ])
        self.assertEqual(answers[0], {"id": "A", "loss": 3.5})
        self.assertEqual(answers[1], {"id": "B", "loss": 2.0, "metrics": {"acc": 0.5}})
        self.assertEqual(answers[2], {"id": "C", "error": "ZeroDivisionError: division by zero"})
        self.assertIn("not JSON", answers[3]["error"])
        self.assertIn("'id'", answers[4]["error"])
        self.assertEqual(answers[5]["id"], "D")
        self.assertIn("params", answers[5]["error"])
        self.assertEqual(len(answers), 6)

    def test_non_finite_and_bool_losses_are_errors(self):
        for value in (float("nan"), float("inf"), True, None, "1.0"):
            answer = qo.answer_for('{"id": "J", "params": {}}', lambda p, g, v=value: v)
            self.assertIn("error", answer, value)

    def test_stdout_stays_clean_in_a_real_process(self):
        script = (
            "import os, sys\n"
            "from quante_objective import serve\n"
            "def f(params, gpu):\n"
            "    print('chatter'); os.write(1, b'raw chatter\\n')\n"
            "    return params['x']\n"
            "serve(f)\n"
        )
        env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python"))
        done = subprocess.run([sys.executable, "-c", script], input='{"id": "J", "params": {"x": 4}}\n',
                              capture_output=True, text=True, env=env, timeout=60)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(done.stdout.splitlines(), ['{"id": "J", "loss": 4.0}'])
        self.assertIn("chatter", done.stderr)
        self.assertIn("raw chatter", done.stderr)


class ReportTest(unittest.TestCase):
    """Learning curves through serve(): answers to step lines come on the same input."""

    def test_report_stop_and_stoptrial(self):
        seen = []

        def objective(params, gpu, report, max_steps=None):
            seen.append(max_steps)
            for step in range(1, (max_steps or 3) + 1):
                if not report(step, 1.0 / step, {"acc": step / 10, "tag": "x"}):
                    raise qo.StopTrial
            return 0.0

        answers = run_lines(objective, [
            '{"id": "A", "params": {}, "gpu": 0, "max_steps": 5}',
            '{"id": "A", "step": 1, "continue": true}',
            '{"id": "A", "step": 2, "continue": false}',
            '{"id": "B", "params": {}}',
            '{"id": "B", "step": 1, "continue": true}',
            '{"id": "A", "step": 9, "continue": true}',  # not B's: skipped
            '{"id": "B", "step": 2, "continue": true}',
            '{"id": "B", "step": 3, "continue": true}',
        ])
        self.assertEqual(seen, [5, None])
        self.assertEqual(answers[0], {"id": "A", "step": 1, "loss": 1.0, "metrics": {"acc": 0.1}})
        self.assertEqual(answers[1]["step"], 2)
        self.assertEqual(answers[2], {"id": "A", "loss": 0.5, "metrics": {"acc": 0.2}})
        self.assertEqual([a.get("step") for a in answers[3:6]], [1, 2, 3])
        self.assertEqual(answers[6], {"id": "B", "loss": 0.0})

    def test_keyword_trial_and_return_none(self):
        def objective(params, gpu, *, trial):
            trial.report(1, 0.75)
            if not trial.report(2, float("nan")):
                return None  # the last reported loss: NaN, so an error answer
            return 1.0

        answers = run_lines(objective, [
            '{"id": "A", "params": {}}',
            '{"id": "A", "step": 1, "continue": true}',
            '{"id": "A", "step": 2, "continue": false}',
        ])
        self.assertIn("NaN", json.dumps(answers[1]))  # the step line passes NaN on as is
        self.assertIn("not a finite number", answers[2]["error"])

    def test_old_signature_and_defaulted_third_argument(self):
        def old(params, gpu, verbose=False):  # a defaulted third parameter is not a report
            return 2.0 if verbose is False else -1.0

        self.assertEqual(run_lines(old, ['{"id": "A", "params": {}, "max_steps": 3}']),
                         [{"id": "A", "loss": 2.0}])

    def test_end_of_input_and_stoptrial_without_report(self):
        def goes_on(params, gpu, report):
            return 3.0 if report(1, 1.0) else -1.0

        answers = run_lines(goes_on, ['{"id": "A", "params": {}}'])  # EOF: report() says go on
        self.assertEqual(answers[-1], {"id": "A", "loss": 3.0})

        def stops(params, gpu):
            raise qo.StopTrial

        self.assertIn("StopTrial before any report", run_lines(stops, ['{"id": "A", "params": {}}'])[0]["error"])

    def test_late_answers_between_jobs_are_skipped(self):
        answers = run_lines(lambda p, g: 1.0, ['{"id": "A", "step": 4, "continue": false}',
                                                '{"id": "B", "params": {}}'])
        self.assertEqual(answers, [{"id": "B", "loss": 1.0}])

    def test_report_times_out_in_a_real_process(self):
        script = (
            "import quante_objective as qo\n"
            "qo.REPORT_TIMEOUT = 0.2\n"
            "def f(params, gpu, report):\n"
            "    return 5.0 if report(1, 0.5) else -1.0\n"
            "qo.serve(f)\n"
        )
        env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python"))
        proc = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                text=True, env=env)
        proc.stdin.write('{"id": "J", "params": {}}\n')
        proc.stdin.flush()
        self.assertEqual(json.loads(proc.stdout.readline())["step"], 1)
        self.assertEqual(json.loads(proc.stdout.readline()), {"id": "J", "loss": 5.0})  # no answer: go on
        proc.stdin.close()
        self.assertEqual(proc.wait(timeout=30), 0)
        proc.stdout.close()


class ExamplesTest(unittest.TestCase):
    def test_examples_compile(self):  # pytorch_train.py needs torch to run, not to compile
        for name in ("python_quadratic.py", "pytorch_train.py"):
            path = os.path.join(ROOT, "examples", name)
            with open(path, encoding="utf-8") as f:
                compile(f.read(), path, "exec")


if __name__ == "__main__":
    unittest.main()
