// Multi-start L-BFGS-B on the log posterior of the hyperparameters (see hyperparameter_fit.hpp).
#include "hyperparameter_fit.hpp"

#include "marginal_likelihood.hpp"
#include "parallel_for.hpp"
#include "rng.hpp"

#include <LBFGSB.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <memory>
#include <vector>

namespace quante::opt {

double log_hyperprior(const Kernel& kernel, Eigen::VectorXd* grad) {
  double value = 0.0;
  Eigen::Index j = 0;
  kernel.for_each_hyperparameter([&](const Hyperparameter& h) {
    if (!h.fixed) {
      const double z = (h.value - h.prior_mean) / h.prior_sd;
      value -= 0.5 * z * z;
      if (grad != nullptr) (*grad)(j) -= z / h.prior_sd;
    }
    ++j;
  });
  return value;
}

namespace {

// Value returned where K cannot be factored: large and finite, so line searches back off.
constexpr double kFailedObjective = 1e100;

// Negative log posterior of the free hyperparameters, for LBFGSpp (which minimises); remembers
// the best point it has evaluated, since a line search that throws loses its iterate.
class NegativeLogPosterior {
 public:
  NegativeLogPosterior(Kernel& kernel, const Eigen::MatrixXd& X, const Eigen::VectorXd& y,
                       std::vector<Eigen::Index> free)
      : kernel_(kernel), X_(X), y_(y), free_(std::move(free)), theta_(kernel.log_values()) {}

  double operator()(const Eigen::VectorXd& x, Eigen::VectorXd& grad) {
    ++evaluations;
    for (std::size_t j = 0; j < free_.size(); ++j) theta_(free_[j]) = x(static_cast<Eigen::Index>(j));
    kernel_.set_log_values(theta_);
    auto ml = log_marginal_likelihood(kernel_, X_, y_, true, &workspace_);
    if (!ml) {
      grad.setZero();
      return kFailedObjective;
    }
    Eigen::VectorXd g = ml->gradient;
    const double value = ml->value + log_hyperprior(kernel_, &g);
    for (std::size_t j = 0; j < free_.size(); ++j) grad(static_cast<Eigen::Index>(j)) = -g(free_[j]);
    if (-value < best_value) {
      best_value = -value;
      best_x = x;
    }
    return -value;
  }

  // Puts the best point evaluated so far into the kernel.
  void install_best() {
    if (best_x.size() == 0) return;
    for (std::size_t j = 0; j < free_.size(); ++j) {
      theta_(free_[j]) = best_x(static_cast<Eigen::Index>(j));
    }
    kernel_.set_log_values(theta_);
  }

  int evaluations = 0;
  double best_value = std::numeric_limits<double>::infinity();
  Eigen::VectorXd best_x;

 private:
  Kernel& kernel_;
  const Eigen::MatrixXd& X_;
  const Eigen::VectorXd& y_;
  std::vector<Eigen::Index> free_;
  Eigen::VectorXd theta_;
  MarginalLikelihoodWorkspace workspace_;
};

// One L-BFGS-B run: its iterations, and whether it was stopped by its iteration cap.
struct Run {
  int iterations = 0;
  bool capped = false;
};

Run minimise(NegativeLogPosterior& f, Eigen::VectorXd x, const Eigen::VectorXd& lower,
             const Eigen::VectorXd& upper, int max_iterations) {
  LBFGSpp::LBFGSBParam<double> param;
  // Hyperparameters need no more than ~3 digits: stop on a small projected gradient or when the
  // objective stalls (relative change below 1e-6, i.e. ~1e-4 nats at n = 100).
  param.epsilon = 1e-3;
  param.epsilon_rel = 0.0;
  param.past = 1;
  param.delta = 1e-6;
  param.max_linesearch = 20;
  Run run;
  // LBFGSpp's line search throws when it cannot make progress (a kink from jitter, a nearly flat
  // direction). The best point seen stands; the search restarts from it with a fresh Hessian
  // approximation while that still improves the objective.
  for (int attempt = 0; attempt < 3 && run.iterations < max_iterations; ++attempt) {
    param.max_iterations = std::max(1, max_iterations - run.iterations);
    LBFGSpp::LBFGSBSolver<double> solver(param);
    double fx = 0.0;
    const double before = f.best_value;
    const int evaluations_before = f.evaluations;
    try {
      run.iterations += solver.minimize(f, x, fx, lower, upper);
      run.capped = run.iterations >= max_iterations;
      return run;
    } catch (const std::exception&) {
      // Count the evaluations spent as iterations, roughly (each iteration is >= 1 evaluation).
      run.iterations += std::max(1, (f.evaluations - evaluations_before) / 2);
      const bool improved = !std::isfinite(before)
                                ? f.best_value < kFailedObjective
                                : f.best_value < before - 1e-9 * std::abs(before);
      if (!improved || f.best_x.size() != x.size()) break;
      x = f.best_x;
    }
  }
  run.capped = run.iterations >= max_iterations;
  return run;
}

}  // namespace

HyperparameterFitResult fit_hyperparameters(Kernel& kernel, const Eigen::MatrixXd& X,
                                            const Eigen::VectorXd& y,
                                            const HyperparameterFitOptions& options) {
  std::vector<Eigen::Index> free;
  std::vector<Hyperparameter> params;
  kernel.for_each_hyperparameter([&](const Hyperparameter& h) { params.push_back(h); });
  for (std::size_t j = 0; j < params.size(); ++j) {
    if (!params[j].fixed) free.push_back(static_cast<Eigen::Index>(j));
  }
  HyperparameterFitResult result;
  if (free.empty() || X.rows() == 0) return result;

  const auto m = static_cast<Eigen::Index>(free.size());
  Eigen::VectorXd lower(m), upper(m), start(m);
  for (Eigen::Index j = 0; j < m; ++j) {
    const Hyperparameter& h = params[static_cast<std::size_t>(free[static_cast<std::size_t>(j)])];
    lower(j) = h.lower;
    upper(j) = h.upper;
    start(j) = std::clamp(h.value, h.lower, h.upper);
  }

  // The starts: the current values, then `restarts` draws from the prior (drawn up front, in
  // order, so the result does not depend on how the starts are spread over threads). Each start
  // runs on its own copy of the kernel; the best one's copy is polished and installed.
  const int starts = std::max(0, options.restarts) + 1;
  std::vector<Eigen::VectorXd> start_points(static_cast<std::size_t>(starts), start);
  Rng rng(options.seed);
  for (int s = 1; s < starts; ++s) {
    for (Eigen::Index j = 0; j < m; ++j) {
      const Hyperparameter& h = params[static_cast<std::size_t>(free[static_cast<std::size_t>(j)])];
      start_points[static_cast<std::size_t>(s)](j) = std::clamp(h.prior_mean + h.prior_sd * standard_normal(rng), h.lower, h.upper);
    }
  }
  std::vector<std::unique_ptr<Kernel>> copies;
  std::vector<NegativeLogPosterior> objectives;
  std::vector<Run> runs(static_cast<std::size_t>(starts));
  copies.reserve(static_cast<std::size_t>(starts));
  objectives.reserve(static_cast<std::size_t>(starts));
  for (int s = 0; s < starts; ++s) {
    copies.push_back(kernel.clone());
    objectives.emplace_back(*copies.back(), X, y, free);
  }
  auto run_start = [&](std::size_t s) {
    runs[s] = minimise(objectives[s], start_points[s], lower, upper,
                       s == 0 ? options.max_iterations : std::min(options.restart_iterations, options.max_iterations));
  };
  parallel_for(runs.size(), options.threads, run_start);
  std::size_t best_start = 0;
  for (std::size_t s = 0; s < runs.size(); ++s) {
    result.iterations += runs[s].iterations;
    result.evaluations += objectives[s].evaluations;
    if (objectives[s].best_value < objectives[best_start].best_value) best_start = s;
  }
  NegativeLogPosterior& f = objectives[best_start];
  // A random start that was cut off while still improving is finished from its best point.
  if (best_start > 0 && runs[best_start].capped && options.max_iterations > options.restart_iterations &&
      f.best_x.size() == m) {
    const Eigen::VectorXd polish_start = f.best_x;
    const int evaluations_before = f.evaluations;
    result.iterations += minimise(f, polish_start, lower, upper, options.max_iterations).iterations;
    result.evaluations += f.evaluations - evaluations_before;
  }
  if (!(f.best_value < kFailedObjective)) {
    // No start could be evaluated: put the original values back.
    Eigen::VectorXd theta(static_cast<Eigen::Index>(params.size()));
    for (std::size_t j = 0; j < params.size(); ++j) {
      theta(static_cast<Eigen::Index>(j)) = params[j].value;
    }
    kernel.set_log_values(theta);
    return result;
  }
  f.install_best();
  kernel.set_log_values(copies[best_start]->log_values());
  result.objective = -f.best_value;
  result.optimised = true;
  return result;
}

}  // namespace quante::opt
