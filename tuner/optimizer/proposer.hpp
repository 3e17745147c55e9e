// The facade the tuner calls for `quante-tuner suggest` and the run loop: given the encoded
// successful evaluations, the failed and pending points, propose q new valid encoded points.
// It keeps one GaussianProcess alive between calls, so each fit warm-starts from the previous
// hyperparameters. Methods: "qei" (batch_optimizer.hpp, the default), "random_batches" (the
// original tool: best of N random batches by MC qEI, random_baseline.hpp) and "random".
// With fewer than two successful evaluations the model is not fitted: the points come from a
// scrambled Sobol design (method "sobol").
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <optional>
#include <string>

#include "batch_optimizer.hpp"
#include "design_space.hpp"
#include "gaussian_process.hpp"

namespace quante::opt {

enum class ProposalMethod { QEI, RandomBatches, Random };

// "qei" | "random_batches" | "random"; nullopt for anything else.
std::optional<ProposalMethod> parse_proposal_method(const std::string& name);
std::string to_string(ProposalMethod method);

struct ProposerOptions {
  ProposalMethod method = ProposalMethod::QEI;
  BatchOptimizerOptions batch;   // raw samples, restarts, MC samples, exclusion radii
  int random_batches = 1000;     // N for the random_batches baseline
};

struct ProposalRequest {
  Eigen::MatrixXd X;        // n x d successful evaluations, encoded
  Eigen::VectorXd y;        // n raw losses (to minimise)
  Eigen::MatrixXd failed;   // f x d failed points (kept out of the fit, their region avoided)
  Eigen::MatrixXd pending;  // p x d points in flight
  int q = 1;
  std::uint64_t seed = 0;
};

struct Proposal {
  Eigen::MatrixXd points;       // q x d valid encoded points (fewer only if the space ran out)
  double qei_exact = NAN;       // exact qEI of [points; pending] in transformed units (NaN if none)
  double qei_mc = NAN;          // MC qEI of the same
  double log_qei = NAN;         // qLogEI of the same
  std::string method;           // "qei", "random_batches", "random" or "sobol"
  std::optional<FitReport> fit; // absent when no model was fitted
};

class Proposer {
 public:
  // Throws std::invalid_argument on a bad kernel string (from GaussianProcess).
  Proposer(DesignSpace space, GpOptions gp_options = {}, ProposerOptions options = {});

  const DesignSpace& space() const { return space_; }
  const ProposerOptions& options() const { return options_; }
  // The model after the last propose() that fitted one (nullptr before).
  const GaussianProcess* model() const { return fitted_ ? &gp_ : nullptr; }

  // nullopt when the request is usable, else the first problem: widths that differ from the
  // space, X and y of different lengths, non-finite values, points outside [0,1], q < 1.
  std::optional<std::string> check(const ProposalRequest& request) const;
  // Throws std::invalid_argument where check() reports a problem (and where the GP rejects y).
  Proposal propose(const ProposalRequest& request);

 private:
  DesignSpace space_;
  ProposerOptions options_;
  GaussianProcess gp_;
  bool fitted_ = false;
};

}  // namespace quante::opt
