#!/usr/bin/env python3
"""Optuna's TPE and random search on bench_optimizer_quality's functions and protocol (issue 14).

Same protocol as the C++ bench: 2 d random initial points (d counting variables), then batches
of q = 4 (asked together, told together; TPE with constant_liar so the batch spreads) up to 60
evaluations (100 for d > 6); regret = best true value - the minimum, median and quartiles over
seeds. Same functions: the test functions (branin, hartmann6, ackley<d>, levy<d>, rosenbrock<d>)
and the mixed ones of mixed_functions.hpp (mixed_hartmann6, mixed_levy5); the formulas here must
match worker/objectives/test_functions.cpp and bench/optimizer/mixed_functions.hpp.
Variants (--variants, functions with float parameters only), as in bench_optimizer_quality:
noise5 / noise20 (Gaussian noise of sd 5 % / 20 % of the function's range, here over 1024
uniform random points rather than Sobol points), diverge (u_0 > 0.7 returns
10^(3 + 3 (u_0 - 0.7) / 0.3)), fail (u_{d-1} > 0.7 fails: a FAIL trial for TPE, nothing learnt
for random search). The regret is of the true value of the best observed evaluation, which is
what Optuna's best_trial names.

  tpe_baseline.py [--seeds N] [--functions a,b,...] [--methods tpe,random] [--variants plain,...]

Optuna is optional (Debian: python3-optuna): without it TPE is skipped with a message and only
random search runs (it needs nothing but Python).
"""
import argparse
import math
import random
import sys

try:
    import optuna
    import warnings
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)  # constant_liar
except ImportError:  # CI and most machines: no optuna
    optuna = None


def branin(x):
    a, b, c, r, s, t = 1.0, 5.1 / (4 * math.pi ** 2), 5 / math.pi, 6.0, 10.0, 1 / (8 * math.pi)
    u = x[1] - b * x[0] ** 2 + c * x[0] - r
    return a * u * u + s * (1 - t) * math.cos(x[0]) + s


H6_A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
H6_P = [[0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886], [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
        [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650], [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381]]
H6_MIN = -3.32236801141551


def hartmann6(x):
    alpha = [1.0, 1.2, 3.0, 3.2]
    return -sum(alpha[i] * math.exp(-sum(H6_A[i][j] * (x[j] - H6_P[i][j]) ** 2 for j in range(6))) for i in range(4))


def rosenbrock(x):
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (x[i] - 1) ** 2 for i in range(len(x) - 1))


def ackley(x):
    n = len(x)
    s = sum(v * v for v in x) / n
    c = sum(math.cos(2 * math.pi * v) for v in x) / n
    return -20 * math.exp(-0.2 * math.sqrt(s)) - math.exp(c) + 20 + math.e


def levy(x):
    w = [1 + (v - 1) / 4 for v in x]
    total = math.sin(math.pi * w[0]) ** 2
    for wi in w[:-1]:
        total += (wi - 1) ** 2 * (1 + 10 * math.sin(math.pi * wi + 1) ** 2)
    total += (w[-1] - 1) ** 2 * (1 + math.sin(2 * math.pi * w[-1]) ** 2)
    return total


def box(d, low, high):
    return [("x%d" % j, "float", low, high) for j in range(d)]


def test_function(name):
    """(params, optimum, f(dict)) or None."""
    if name == "branin":
        params = [("x0", "float", -5.0, 10.0), ("x1", "float", 0.0, 15.0)]
        return params, 0.39788735772973816, lambda p: branin([p["x0"], p["x1"]])
    if name == "hartmann6":
        return box(6, 0.0, 1.0), H6_MIN, lambda p: hartmann6([p["x%d" % j] for j in range(6)])
    for family, low, high, f in (("rosenbrock", -5.0, 10.0, rosenbrock), ("ackley", -32.768, 32.768, ackley),
                                 ("levy", -10.0, 10.0, levy)):
        if name.startswith(family) and name[len(family):].isdigit():
            d = int(name[len(family):])
            return box(d, low, high), 0.0, (lambda d, f: lambda p: f([p["x%d" % j] for j in range(d)]))(d, f)
    if name == "mixed_hartmann6":
        params = box(6, 0.0, 1.0) + [("flip", "cat", 4), ("scale", "cat", 3), ("act", "cat", 5),
                                     ("width", "logint", 1, 256), ("batch", "logint", 2, 512)]

        def f(p):
            x = [p["x%d" % j] for j in range(6)]
            flip = p["flip"]
            if flip > 0:
                for j in (2 * (flip - 1), 2 * (flip - 1) + 1):
                    x[j] = 1.0 - x[j]
            act = p["act"]
            w = math.log2(p["width"]) - [3, 5, 6, 4, 2][act]
            b = math.log2(p["batch"]) - 6.0
            return hartmann6(x) + [0.6, 0.0, 0.3][p["scale"]] + [0.4, 0.8, 0.0, 0.2, 1.0][act] + 0.15 * w * w + 0.1 * b * b
        return params, H6_MIN, f
    if name == "mixed_levy5":
        params = box(5, -10.0, 10.0) + [("shift", "cat", 3), ("offset", "cat", 4), ("gain", "cat", 3),
                                        ("layers", "logint", 1, 32), ("units", "logint", 8, 1024)]

        def f(p):
            s = p["shift"]
            x = [p["x%d" % j] + [0.0, 2.0, -3.0][s] for j in range(5)]
            lay = math.log2(p["layers"]) - 2.0
            u = math.log2(p["units"]) - 7.0 - s
            return [1.0, 1.5, 2.5][p["gain"]] * levy(x) + [0.5, 0.0, 1.0, 0.25][p["offset"]] + 0.3 * lay * lay + 0.2 * u * u
        return params, 0.0, f
    return None


def suggest(trial, spec):
    name, kind = spec[0], spec[1]
    if kind == "float":
        return trial.suggest_float(name, spec[2], spec[3])
    if kind == "logint":
        return trial.suggest_int(name, spec[2], spec[3], log=True)
    return int(trial.suggest_categorical(name, list(range(spec[2]))))


def random_value(rng, spec):
    kind = spec[1]
    if kind == "float":
        return spec[2] + rng.random() * (spec[3] - spec[2])
    if kind == "logint":  # as quante encodes a log int: log-uniform over [low - 0.5, high + 0.5]
        a, b = math.log(spec[2] - 0.5), math.log(spec[3] + 0.5)
        return min(max(int(round(math.exp(a + rng.random() * (b - a)))), spec[2]), spec[3])
    return rng.randrange(spec[2])


def observe(variant, params, f, p, noise_rng, noise_sd):
    """(observed loss or None for a failure, true value)."""
    true = f(p)
    floats = [s for s in params if s[1] == "float"]
    u = [(p[s[0]] - s[2]) / (s[3] - s[2]) for s in floats]
    if variant in ("noise5", "noise20"):
        return true + noise_rng.gauss(0.0, noise_sd), true
    if variant == "diverge" and u[0] > 0.7:
        return 10.0 ** (3.0 + 3.0 * (u[0] - 0.7) / 0.3), true
    if variant == "fail" and u[-1] > 0.7:
        return None, true
    return true, true


def run(method, params, f, seed, budget, n0, variant="plain", noise_sd=0.0, q=4):
    """The true value of the best observed evaluation."""
    rng = random.Random(seed * 7919 + 17)
    noise_rng = random.Random(seed * 104729 + 5)
    best_seen, best_true = math.inf, math.inf
    if method == "random":
        for _ in range(budget):
            seen, true = observe(variant, params, f, {s[0]: random_value(rng, s) for s in params}, noise_rng, noise_sd)
            if seen is not None and seen < best_seen:
                best_seen, best_true = seen, true
        return best_true
    sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=n0, constant_liar=True)
    study = optuna.create_study(sampler=sampler, direction="minimize")
    done = 0
    while done < budget:
        trials = [study.ask() for _ in range(min(q if done >= n0 else n0, budget - done))]
        for t in trials:
            seen, true = observe(variant, params, f, {s[0]: suggest(t, s) for s in params}, noise_rng, noise_sd)
            if seen is None:
                study.tell(t, state=optuna.trial.TrialState.FAIL)
                continue
            study.tell(t, seen)
            if seen < best_seen:
                best_seen, best_true = seen, true
        done += len(trials)
    return best_true


def function_range(params, f):
    rng = random.Random(12345)
    values = [f({s[0]: random_value(rng, s) for s in params}) for _ in range(1024)]
    return max(values) - min(values)


def quantile(values, p):
    v = sorted(values)
    pos = p * (len(v) - 1)
    lo = int(math.floor(pos))
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (pos - lo) * (v[hi] - v[lo])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--functions", default="branin,hartmann6,ackley5,levy10,rosenbrock4,ackley20,levy30,"
                                           "mixed_hartmann6,mixed_levy5")
    ap.add_argument("--methods", default="tpe,random")
    ap.add_argument("--variants", default="plain")
    args = ap.parse_args()
    methods = args.methods.split(",")
    if "tpe" in methods and optuna is None:
        print("optuna is not installed (Debian: apt-get install python3-optuna): TPE skipped", file=sys.stderr)
        methods = [m for m in methods if m != "tpe"]
    print("%-20s %-9s %-15s %11s %11s %11s" % ("function", "variant", "method", "q25", "median", "q75"))
    for name in args.functions.split(","):
        found = test_function(name)
        if found is None:
            print("unknown function %s" % name, file=sys.stderr)
            return 2
        params, optimum, f = found
        d = len(params)
        budget = 100 if d > 6 else 60
        for variant in args.variants.split(","):
            if variant not in ("plain", "noise5", "noise20", "diverge", "fail"):
                print("unknown variant %s" % variant, file=sys.stderr)
                return 2
            if variant != "plain" and any(s[1] != "float" for s in params):
                continue  # as the C++ bench: variants of the continuous functions
            noise_sd = {"noise5": 0.05, "noise20": 0.2}.get(variant, 0.0) * function_range(params, f)
            for method in methods:
                regrets = [run(method, params, f, s, budget, 2 * d, variant, noise_sd) - optimum for s in range(args.seeds)]
                print("%-20s %-9s %-15s %11.4g %11.4g %11.4g" % (name, variant, method, quantile(regrets, 0.25),
                                                                 quantile(regrets, 0.5), quantile(regrets, 0.75)),
                      flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
