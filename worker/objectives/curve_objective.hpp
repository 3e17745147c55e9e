// builtin:curve:FUNCTION: a synthetic learning curve that ends at a test function, for testing
// early stopping and multi-fidelity schedulers without a GPU. A job runs T steps (the job's
// max_steps, else 50), reports the loss after each step t = 1..T, and ends early, with the last
// reported loss, when the reporter answers false. The optional param step_ms (a number >= 0,
// default 0) sleeps that long before each step; cancel() and the timeout end the sleep (Timeout).
// The other params are FUNCTION's x0..x{d-1}, read and checked as builtin:FUNCTION does.
//
// The curve (u in [0,1]^d: x scaled to FUNCTION's domain, f* its optimum, Delta = |f(x) - f*|):
//   loss(x, t) = f(x) + gap(x) * (exp(-k(x) t / T) - exp(-k(x))) / (1 - exp(-k(x)))
//   gap(x)     = (1 + Delta) * (0.25 + 1.5 s1(u))      the excess loss at t = 0
//   k(x)       = 1 + 7 s2(u)                           how fast it closes, per run of T steps
//   s1(u)      = 1/2 + 1/2 sin(2 pi sum_i (i+1) u_i / d + 0.7)
//   s2(u)      = 1/2 + 1/2 cos(2.6 pi sum_i (d-i) u_i / d + 0.2)
// so the loss falls monotonically from f(x) + gap(x) and equals f(x) at t = T exactly (the
// factor is exp(-k) - exp(-k) = 0). Start and rate depend smoothly and differently on x, so
// curves cross: a point with a better f(x) may start higher or learn slower and trail early on.
// Early losses rank points by f(x) informatively (a worse f(x) starts higher, through 1 + Delta)
// but imperfectly (gap and rate vary by a factor of 7 and 8). Steps beyond T (a job without
// max_steps uses T = 50) are never run.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "objective.hpp"
#include "test_functions.hpp"

namespace quante::worker {

// The curve above at step t of total, for the point x whose value is fx.
double curve_loss(const TestFunction& function, const std::vector<double>& x, double fx, std::int64_t t,
                  std::int64_t total);

class CurveObjective final : public Objective {
 public:
  static constexpr std::int64_t kDefaultSteps = 50;

  CurveObjective(TestFunction function, const ObjectiveContext& context);

  // NAME is what follows "builtin:curve:", e.g. "branin".
  static ObjectiveOrError make(const std::string& name, const ObjectiveContext& context);

  std::string describe() const override { return "builtin:curve:" + function_.name; }

 protected:
  Evaluation run(const std::string& job_id, const Params& params, TrialReporter& reporter) override;

 private:
  TestFunction function_;
  ObjectiveContext context_;
};

}  // namespace quante::worker
