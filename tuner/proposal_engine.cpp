#include "proposal_engine.hpp"

#include <set>

#include <Eigen/Core>

#include "sobol.hpp"

namespace quante::tuner {

struct ProposalEngine::Impl {
  Eigen::MatrixXd design;  // the initial space-filling design, in the unit cube
};

ProposalEngine::ProposalEngine(const Study& study) : study_(study), impl_(std::make_unique<Impl>()) {
  impl_->design = opt::space_filling_design(study.initial, study.space.encoded_dim(), study.seed);
}

ProposalEngine::~ProposalEngine() = default;

ProposalBatch ProposalEngine::propose(const std::vector<EvaluationRecord>& evaluations, const std::vector<Params>& pending,
                                      int count, std::uint64_t round) {
  std::set<std::string> taken;
  for (const auto& e : evaluations) taken.insert(study_.space.key(e.params));
  for (const auto& p : pending) taken.insert(study_.space.key(p));
  ProposalBatch batch;
  batch.method = "initial";
  auto take = [&](const Eigen::MatrixXd& rows) {
    for (Eigen::Index i = 0; i < rows.rows() && static_cast<int>(batch.points.size()) < count; ++i) {
      std::vector<double> unit(rows.cols());
      for (Eigen::Index c = 0; c < rows.cols(); ++c) unit[static_cast<std::size_t>(c)] = rows(i, c);
      Params point = study_.space.decode(unit);
      if (taken.insert(study_.space.key(point)).second) batch.points.push_back(std::move(point));
    }
  };
  const int seen = static_cast<int>(evaluations.size() + pending.size());
  if (seen < study_.initial) take(impl_->design);
  // Beyond the initial design, or where it ran out of distinct points: fresh Sobol draws.
  for (int attempt = 0; static_cast<int>(batch.points.size()) < count && attempt < 20; ++attempt) {
    batch.method = batch.points.empty() ? "random" : batch.method;
    take(opt::sobol_points(count * 4, study_.space.encoded_dim(), study_.seed + 7919 * (round + 1) + static_cast<std::uint64_t>(attempt)));
  }
  return batch;
}

}  // namespace quante::tuner
