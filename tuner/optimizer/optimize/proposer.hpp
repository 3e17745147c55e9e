// The facade the tuner calls for `quante-tuner suggest` and the run loop: given the encoded
// successful evaluations, the failed and pending points, propose q new valid encoded points.
// It keeps one GaussianProcess alive between calls, so each fit warm-starts from the previous
// hyperparameters. Methods: "qei" (batch_optimizer.hpp, the default), "random_batches" (the
// original tool: best of N random batches by MC qEI, random_baseline.hpp) and "random".
// With fewer than two successful evaluations the model is not fitted: the points come from a
// scrambled Sobol design (method "sobol").
// Failed evaluations teach the model (issue 14; ProposerOptions::impute_failures): each enters
// the fit as an observation at the worst loss seen, so the GP's mean is pulled to the worst and
// its variance collapses around it, over the GP's own lengthscales (which grow with the
// dimension) and through its kernel across categorical levels; qLogEI there drops accordingly.
// The failed points go first, [failed; X], so that new successes still extend the model by
// rank-one updates.
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
  // Model update schedule. When a request only appends observations to those of the previous
  // call (same rows, same losses, in the same order), the kept GP is extended by rank-one
  // Cholesky updates (GaussianProcess::add_observation, O(n^2) each) with its hyperparameters
  // and output transform unchanged, until the observations added since the last hyperparameter
  // fit reach max(refit_every, refit_growth * n_at_that_fit); then, and for any other change
  // of the data, the hyperparameters are refitted (warm-started). refit_every = 1 refits on
  // every call that adds a point (no rank-one updates).
  int refit_every = 4;
  double refit_growth = 0.04;
  // Failed points enter the fit at the worst successful loss seen (see the top of this file);
  // false: they are only kept out of proposals by BatchOptimizerOptions::failed_radius.
  bool impute_failures = true;
  // Mixed spaces (issue 14): where the space has a categorical, the kernel keeps one lengthscale
  // per categorical over its one-hot block (GpOptions::lengthscale_groups); false: one per
  // encoded coordinate as in a continuous space.
  bool group_categoricals = true;
  // name_best names by the posterior mean (noise inferred) only from this many evaluations on:
  // the noise variance is one of the d + 3 or so hyperparameters, and with fewer observations a
  // stationary kernel's misfit and noise look alike (10 full-length Branin trials of the
  // early-stopping demo, two basins and three far points: every start ends at noise 0.16, and a
  // trial of 0.426 was named over one of 0.398). Issue 14's checks name by the mean from 30 and
  // 40 evaluations.
  int min_evaluations_to_infer_noise = 20;
};

struct ProposalRequest {
  Eigen::MatrixXd X;        // n x d successful evaluations, encoded
  Eigen::VectorXd y;        // n raw losses (to minimise)
  Eigen::MatrixXd failed;   // f x d failed points (kept out of the fit, their region avoided)
  Eigen::MatrixXd avoid;    // a x d points never fitted whose region is avoided like a failure's:
                            // trials stopped below the fidelity the model sees (fidelity_model_view.hpp)
  Eigen::MatrixXd pending;  // p x d points in flight
  // Added (issue 13): empty, or one fidelity in [0,1] per row of X (1: a full-length trial's
  // loss; below: its loss at an earlier step, fidelity_model_view.hpp). Then the GP is fitted
  // over (x, fidelity), one model for every fidelity, and proposes at fidelity 1: qEI's
  // incumbent is the best at fidelity 1 (GaussianProcess::set_query_tail); failed and pending
  // points stand at fidelity 1.
  Eigen::VectorXd fidelity;
  int q = 1;
  std::uint64_t seed = 0;
};

struct Proposal {
  Eigen::MatrixXd points;       // q x d valid encoded points (fewer only if the space ran out)
  double qei_exact = NAN;       // exact qEI of [points; pending] in transformed units (NaN if none)
  double qei_mc = NAN;          // MC qEI of the same
  double log_qei = NAN;         // qLogEI of the same
  std::string method;           // "qei", "random_batches", "random" or "sobol"
  std::optional<FitReport> fit; // the hyperparameter fit of this call; absent when none was done
  // Added: how the model was brought up to date ("fit": hyperparameters refitted, "rank_one":
  // observations appended with the hyperparameters kept, "kept": the same observations as the
  // previous call, "none": no model), and the time of the
  // two phases of this call, measured inside it (wall clock, milliseconds).
  std::string model_update = "none";
  double fit_ms = 0.0;          // fit or rank-one update
  double acquisition_ms = 0.0;  // candidate screening, L-BFGS-B and the qEI report
  // Added (issue 14): points of the batch that came from the discrete neighbourhood search, and
  // repeats that no neighbour could replace, taken from the candidate pool or at random instead
  // (BatchResult): the tuner logs the fallbacks.
  int neighbour_moves = 0;
  int fallbacks = 0;
};

// The point the tuner names as best among the successful evaluations (issue 14).
struct NamedBest {
  Eigen::Index index = -1;         // row of the request's X; -1 when it has none
  bool by_posterior_mean = false;  // noise inferred: the lowest posterior mean at the observed
                                   // points (GaussianProcess::best_index), else the lowest loss
  double noise_variance = 0.0;     // the model's white-noise variance, transformed units
  double mean_loss = NAN;          // the posterior mean at that point, in loss units (NaN: no model)
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
  // The best point of request.X by the model brought up to date with the request as propose()
  // would (q and pending are not used): by posterior mean where the model infers noise, else
  // the lowest loss; the lowest loss too with fewer than two successes or method "random".
  // Throws like propose().
  NamedBest name_best(const ProposalRequest& request);

 private:
  // Brings gp_ up to date with (X, y) by the schedule of ProposerOptions; fills out.fit and
  // out.model_update.
  void update_model(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, std::uint64_t seed,
                    Proposal& out);
  // The model's observations for a request: X, after the failed points imputed at the worst
  // loss where impute_failures says so; the number of imputed rows.
  Eigen::Index fit_data(const ProposalRequest& r, const Eigen::MatrixXd& X, const Eigen::MatrixXd& failed,
                        Eigen::MatrixXd& fit_X, Eigen::VectorXd& fit_y) const;

  DesignSpace space_;
  ProposerOptions options_;
  GaussianProcess gp_;
  // name_best's noise decision, when the first fit infers noise: kNoiseRefits more fits from
  // other starts, keeping the highest marginal likelihood. The likelihood is multimodal; on
  // data clustered near an optimum a misfit read as noise is a local optimum beside the tight,
  // noise-free one (11 full-length Branin trials of an ASHA study: 4 seeds in 12 landed at
  // noise 0.14 of the standardized losses, log likelihood -12.5, the others at 2e-4, -3.0), and
  // naming by the posterior mean there passed over the lowest loss for one 1.7x higher.
  static constexpr int kNoiseRefits = 4;
  void refit_for_noise(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, std::uint64_t seed);
  bool fitted_ = false;
  Eigen::VectorXd y_;            // raw losses the model holds, in its order
  Eigen::Index fit_size_ = 0;    // observations at the last hyperparameter fit
};

}  // namespace quante::opt
