// Type-II maximum a posteriori estimate of the kernel's hyperparameters:
//   maximise  log p(y | X, theta) + sum_j log N(theta_j; prior_mean_j, prior_sd_j^2)
// over the free log hyperparameters theta within their bounds, by L-BFGS-B (Byrd, Lu, Nocedal &
// Zhu, SIAM J. Sci. Comput. 1995; LBFGSpp's implementation) with the analytic gradient of
// marginal_likelihood.hpp. Starts: the kernel's current values (the previous optimum, which makes
// refits after a few more points cheap) plus `restarts` draws from the prior clipped to the
// bounds, drawn from a generator seeded by the caller. The random starts are screened: each runs
// at most `restart_iterations` iterations (enough to reach its basin), and only when one of them
// beats the warm start is it polished up to `max_iterations`. Most of a refit's cost is thus the
// warm start; each evaluation costs one Cholesky and one K^-1 (O(n^3)).
// LBFGSpp's line search throws where it cannot progress; the best point evaluated is kept and
// the search restarted from it (at most twice) while it still improves.
#pragma once

#include <algorithm>
#include <thread>

#include "kernel.hpp"

#include <Eigen/Core>

#include <cstdint>

namespace quante::opt {

struct HyperparameterFitOptions {
  int restarts = 4;             // prior draws besides the current values
  int max_iterations = 100;     // L-BFGS-B iterations from the current values and for the polish
  int restart_iterations = 5;   // cap for each random start
  std::uint64_t seed = 0;
  // Threads the starts are spread over (the result does not depend on it): the machine's cores.
  int threads = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
};

struct HyperparameterFitResult {
  double objective = 0.0;  // log marginal likelihood + log prior at the optimum
  int iterations = 0;      // L-BFGS-B iterations, all starts together
  int evaluations = 0;     // objective evaluations (each one Cholesky and one K^-1)
  bool optimised = false;  // false when nothing was free or no start could be evaluated
};

// Leaves the best hyperparameters found in `kernel` (unchanged when nothing improved on them).
HyperparameterFitResult fit_hyperparameters(Kernel& kernel, const Eigen::MatrixXd& X,
                                            const Eigen::VectorXd& y,
                                            const HyperparameterFitOptions& options);

// The log prior sum_j log N(theta_j; mean_j, sd_j^2) over the free hyperparameters (constants
// dropped), added to grad (all hyperparameters, visitor order) when grad is not null.
double log_hyperprior(const Kernel& kernel, Eigen::VectorXd* grad);

}  // namespace quante::opt
