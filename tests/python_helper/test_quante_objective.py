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


if __name__ == "__main__":
    unittest.main()
