// Where the tuner's next points come from: a space-filling Sobol design for the first
// `initial` points, then the GP + qEI batch optimizer with the running points as pending.
// Converts between the study's parameters and the optimizer's unit cube at this boundary.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "final_loss_forecast.hpp"
#include "history.hpp"
#include "study.hpp"

namespace quante::tuner {

struct ProposalBatch {
  std::vector<Params> points;
  std::string method;               // "initial", "qei", "random_batches", "random"
  std::optional<double> qei;        // qEI of the batch (GP methods): exact for small batches, else MC
  // The joint model's forecast of a trial's full-length loss (final_loss_forecast.hpp), made with
  // this batch; null where the batch did not come from the joint model.
  std::shared_ptr<const FinalLossForecast> forecast;
};

// The evaluation the tuner names as best (issue 14): where the study's GP infers noise, the one
// with the lowest posterior mean, not the luckiest observation.
struct NamedBest {
  std::size_t index = 0;          // into the evaluations given
  bool by_posterior_mean = false;
  double noise_variance = 0.0;    // the GP's white-noise variance, in standardized losses
  double mean_loss = 0.0;         // the posterior mean there, in the study's loss units
};

class ProposalEngine {
 public:
  // The GP that names the best is fitted on at most this many successful evaluations (and the
  // exclusion zones and imputations of at most kModelPoints / 4 failed ones). An exact GP costs
  // O(n^2) memory and O(n^3) time per fit: 30,000 points took 24 GB and 100,000 ended in
  // std::bad_alloc.
  static constexpr std::size_t kModelPoints = 2000;
  // The GP that proposes is fitted on at most this many (opt::model_subset: the best quarter,
  // where qEI looks for improvement, and an even spread of the rest in history order). Besides
  // the fit, every L-BFGS-B step of the acquisition costs O(n^2) and the candidate pool's
  // posterior O(n^2) per candidate: at n = 2000 one asynchronous point with 63 pending took
  // 1.1-1.7 CPU seconds, half of it the model's fit (kernel matrix and Cholesky), for the
  // farm's target of 1 s (docs/farm-scale.md). Every evaluated point still counts as taken, so
  // none is proposed again.
  static constexpr std::size_t kProposalModelPoints = 1000;

  explicit ProposalEngine(const Study& study);
  ~ProposalEngine();
  // `count` new points, none equal to an evaluated or pending point or to each other.
  // `round` makes successive calls draw differently while staying deterministic given the seed.
  ProposalBatch propose(const std::vector<EvaluationRecord>& evaluations, const std::vector<Params>& pending, int count,
                        std::uint64_t round);
  // The GP fitted on the successful evaluations (failed ones imputed, as for proposals) names
  // the best: by posterior mean where it infers noise. nullopt where no model is fitted (fewer
  // than two successes, more than kModelPoints, or method "random"): the best is then the
  // lowest loss, as before.
  std::optional<NamedBest> name_best(const std::vector<EvaluationRecord>& evaluations);

 private:
  struct Impl;
  const Study& study_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace quante::tuner
