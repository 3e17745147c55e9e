// Where the tuner's next points come from: a space-filling Sobol design for the first
// `initial` points, then the GP + qEI batch optimizer with the running points as pending.
// Converts between the study's parameters and the optimizer's unit cube at this boundary.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "history.hpp"
#include "study.hpp"

namespace quante::tuner {

struct ProposalBatch {
  std::vector<Params> points;
  std::string method;               // "initial", "qei", "random_batches", "random"
  std::optional<double> qei;        // exact qEI of the batch (GP methods)
};

class ProposalEngine {
 public:
  explicit ProposalEngine(const Study& study);
  ~ProposalEngine();
  // `count` new points, none equal to an evaluated or pending point or to each other.
  // `round` makes successive calls draw differently while staying deterministic given the seed.
  ProposalBatch propose(const std::vector<EvaluationRecord>& evaluations, const std::vector<Params>& pending, int count,
                        std::uint64_t round);

 private:
  struct Impl;
  const Study& study_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace quante::tuner
