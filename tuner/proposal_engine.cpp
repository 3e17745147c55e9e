#include "proposal_engine.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <set>

#include <Eigen/Core>
#include <spdlog/spdlog.h>

#include "fidelity_model_view.hpp"
#include "gp_final_loss_forecast.hpp"
#include "model_subset.hpp"
#include "proposer.hpp"
#include "qei_screen.hpp"
#include "sobol.hpp"

namespace quante::tuner {

namespace {

opt::DesignSpace design_space_of(const SearchSpace& space) {
  std::vector<opt::Variable> variables;
  for (const auto& p : space.params()) {
    switch (p.type) {
      case ParamType::Float: variables.push_back({opt::VariableKind::Continuous, 0}); break;
      // Log-scaled ints are levels spread in log space (their cut points, issue 14), so the
      // optimizer snaps them exactly as the search space decodes them; one of more than
      // kMaxLogIntLevels values stays relaxed as continuous and the search space rounds it.
      case ParamType::Int:
        if (!p.log) {
          variables.push_back({opt::VariableKind::Integer, p.levels()});
        } else if (auto edges = log_int_level_edges(p); !edges.empty()) {
          variables.push_back({opt::VariableKind::Integer, p.levels(), std::move(edges)});
        } else {
          variables.push_back({opt::VariableKind::Continuous, 0});
        }
        break;
      case ParamType::Categorical: variables.push_back({opt::VariableKind::Categorical, p.levels()}); break;
    }
  }
  return opt::DesignSpace(std::move(variables));
}

opt::GpOptions gp_options_of(const Study& study) {
  const ModelSettings& model = study.model;
  opt::GpOptions options;
  if (study.fidelity && scheduling::effective_joint_kernel(*study.fidelity) == scheduling::JointKernel::Decay)
    options.fidelity_kernel = opt::FidelityKernel::Decay;
  options.kernel = model.kernel;
  // The study parser has checked the names; its defaults stand for anything else.
  options.transform = opt::parse_output_transform(model.transform).value_or(opt::OutputTransform::Power);
  options.prior_mean = opt::parse_prior_mean(model.prior_mean).value_or(opt::PriorMean::Max);
  return options;
}

Eigen::MatrixXd encode_rows(const SearchSpace& space, const std::vector<const Params*>& points) {
  Eigen::MatrixXd rows(static_cast<Eigen::Index>(points.size()), space.encoded_dim());
  for (std::size_t i = 0; i < points.size(); ++i) {
    const auto unit = space.encode(*points[i]);
    for (std::size_t c = 0; c < unit.size(); ++c) rows(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(c)) = unit[c];
  }
  return rows;
}

}  // namespace

struct ProposalEngine::Impl {
  Eigen::MatrixXd design;  // the initial space-filling design, in the unit cube
  std::shared_ptr<opt::QeiScreener> screener;  // bulk qEI screening on a GPU, when there is one
  opt::Proposer proposer;
  bool bounded_logged = false;  // the bounded model is announced once
  bool joint_logged = false;    // so is the model over (configuration, step)
  Impl(const Study& study)
      : design(opt::space_filling_design(study.initial, study.space.encoded_dim(), study.seed)),
        screener(gpu_screener()),
        proposer(design_space_of(study.space), gp_options_of(study), proposer_options_of(study.model, screener)) {}

  static std::shared_ptr<opt::QeiScreener> gpu_screener() {
    auto screener = std::make_shared<opt::QeiScreener>(opt::ScreenDevice::Auto);
    if (!screener->uses_gpu()) return nullptr;
    spdlog::info("qEI screening of candidate batches on {}", screener->device_name());
    return screener;
  }

  static opt::ProposerOptions proposer_options_of(const ModelSettings& model,
                                                  const std::shared_ptr<opt::QeiScreener>& screener) {
    opt::ProposerOptions options;
    options.method = opt::parse_proposal_method(model.acquisition).value_or(opt::ProposalMethod::QEI);
    options.random_batches = model.candidates;
    if (screener) {
      options.batch.screen = [screener](const Eigen::VectorXd& mean, const Eigen::MatrixXd& cov,
                                        const std::vector<std::vector<int>>& batches, double incumbent,
                                        const Eigen::MatrixXd& base_samples) -> std::vector<double> {
        // Only where the GPU takes it: thousands of batches on the CPU would cost more than
        // they bring (no scores: the optimizer screens as it does without a GPU).
        if (!screener->uses_gpu() || base_samples.cols() > opt::QeiScreener::kMaxGpuBatch) return {};
        opt::ScreenScores scores = screener->score_subsets(mean, cov, batches, incumbent, base_samples);
        if (!scores.on_gpu) return {};
        return std::move(scores.value);
      };
    }
    return options;
  }
};

ProposalEngine::ProposalEngine(const Study& study) : study_(study), impl_(std::make_unique<Impl>(study)) {}

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
  // With the joint fidelity view a trial has a record per level it reached: count trials.
  const bool joint = study_.fidelity && study_.fidelity->model_input == scheduling::ModelInput::Joint;
  std::set<std::string> trials;
  if (joint)
    for (const auto& e : evaluations) trials.insert(e.job);
  const int seen = static_cast<int>((joint ? trials.size() : evaluations.size()) + pending.size());
  if (seen < study_.initial) take(impl_->design);
  const int missing = count - static_cast<int>(batch.points.size());
  std::vector<const EvaluationRecord*> ok_records, failed_records, avoid_records;
  for (const auto& e : evaluations) {
    if (e.ok()) ok_records.push_back(&e);
    else if (e.failed()) failed_records.push_back(&e);  // a stopped trial is no failure
    else if (e.stopped()) avoid_records.push_back(&e);  // stopped below the model's fidelity: not fitted, not re-proposed
  }
  if (ok_records.size() > kProposalModelPoints) {  // the bounded model (kProposalModelPoints says why)
    Eigen::VectorXd signed_loss(static_cast<Eigen::Index>(ok_records.size()));
    for (std::size_t i = 0; i < ok_records.size(); ++i)
      signed_loss(static_cast<Eigen::Index>(i)) = study_.sign() * *ok_records[i]->loss;
    std::vector<const EvaluationRecord*> subset;
    for (Eigen::Index i : opt::model_subset(signed_loss, kProposalModelPoints))
      subset.push_back(ok_records[static_cast<std::size_t>(i)]);
    if (!impl_->bounded_logged)
      spdlog::info("the model is fitted on {} of {} successful evaluations (the best {} and an even spread of the rest)",
                   subset.size(), ok_records.size(), kProposalModelPoints / 4);
    impl_->bounded_logged = true;
    ok_records = std::move(subset);
  }
  for (auto* records : {&failed_records, &avoid_records}) {
    if (records->size() <= kProposalModelPoints / 4) continue;
    std::vector<const EvaluationRecord*> subset;
    for (std::size_t i : opt::evenly_spaced(records->size(), kProposalModelPoints / 4)) subset.push_back((*records)[i]);
    *records = std::move(subset);
  }
  std::vector<const Params*> ok_points, failed_points, pending_points;
  Eigen::VectorXd y(static_cast<Eigen::Index>(ok_records.size()));
  for (const auto* e : ok_records) {
    y(static_cast<Eigen::Index>(ok_points.size())) = study_.sign() * *e->loss;
    ok_points.push_back(&e->params);
  }
  for (const auto* e : failed_records) failed_points.push_back(&e->params);
  std::vector<const Params*> avoid_points;
  for (const auto* e : avoid_records) avoid_points.push_back(&e->params);
  if (missing > 0 && seen >= study_.initial && ok_points.size() >= 2) {
    for (const auto& p : pending) pending_points.push_back(&p);
    for (const auto& p : batch.points) pending_points.push_back(&p);  // initial points chosen just now
    opt::ProposalRequest request;
    request.X = encode_rows(study_.space, ok_points);
    request.y = y;
    request.failed = encode_rows(study_.space, failed_points);
    request.avoid = encode_rows(study_.space, avoid_points);
    request.pending = encode_rows(study_.space, pending_points);
    if (joint) {
      // Each loss at its step, log-scaled to [0,1] (fidelity_model_view.hpp); proposals at 1.
      // Where every loss is at step_max the model is the plain one.
      const double log_max = std::log(static_cast<double>(std::max<std::int64_t>(study_.fidelity->step_max, 2)));
      request.fidelity.resize(static_cast<Eigen::Index>(ok_records.size()));
      for (std::size_t i = 0; i < ok_records.size(); ++i) {
        const auto level = std::max<std::int64_t>(joint_view_level(*ok_records[i], study_.fidelity->step_max), 1);
        request.fidelity(static_cast<Eigen::Index>(i)) = std::clamp(std::log(static_cast<double>(level)) / log_max, 0.0, 1.0);
      }
      if (request.fidelity.size() == 0 || request.fidelity.minCoeff() >= 1.0) request.fidelity.resize(0);
    }
    if (request.fidelity.size() > 0) {
      if (!impl_->joint_logged)
        spdlog::info("model over (configuration, step): {} losses of {} trials at their rungs and step {}, proposing at step {}, "
                     "kernel {}",
                     ok_records.size(), trials.size(), study_.fidelity->step_max, study_.fidelity->step_max,
                     scheduling::effective_joint_kernel(*study_.fidelity) == scheduling::JointKernel::Decay
                         ? "decay (the loss at step_max plus an excess that vanishes there)"
                         : "stationary (the step one more input)");
      impl_->joint_logged = true;
    }
    request.q = missing;
    request.seed = study_.seed * 1000003 + round;
    const opt::Proposal proposal = impl_->proposer.propose(request);
    batch.method = proposal.method;
    if (request.fidelity.size() > 0 && study_.fidelity->keep_probability > 0.0)
      if (const opt::GaussianProcess* gp = impl_->proposer.model())
        batch.forecast = std::make_shared<GpFinalLossForecast>(*gp, study_.space, study_.fidelity->step_max, study_.sign());
    // The exact qEI where the optimizer computed it (small batches), else its MC estimate.
    if (std::isfinite(proposal.qei_exact)) batch.qei = proposal.qei_exact;
    else if (std::isfinite(proposal.qei_mc)) batch.qei = proposal.qei_mc;
    const std::size_t before = batch.points.size();
    take(proposal.points);
    // No silent substitution (issue 14): say when the model's points needed a fallback.
    if (proposal.fallbacks > 0)
      spdlog::warn("{} of {} proposed points repeated an evaluated or pending point with no allowed discrete "
                   "neighbour: taken from the candidate pool or at random instead",
                   proposal.fallbacks, proposal.points.rows());
    if (const auto got = batch.points.size() - before; got < static_cast<std::size_t>(missing))
      spdlog::warn("the model proposed {} new points of the {} asked; the rest are fresh Sobol points",
                   got, missing);
  }
  // Beyond the initial design, or where it ran out of distinct points: fresh Sobol draws.
  for (int attempt = 0; static_cast<int>(batch.points.size()) < count && attempt < 20; ++attempt) {
    batch.method = batch.points.empty() ? "random" : batch.method;
    take(opt::sobol_points(count * 4, study_.space.encoded_dim(), study_.seed + 7919 * (round + 1) + static_cast<std::uint64_t>(attempt)));
  }
  return batch;
}

std::optional<NamedBest> ProposalEngine::name_best(const std::vector<EvaluationRecord>& evaluations) {
  std::vector<std::size_t> ok;
  std::vector<const Params*> ok_points, failed_points;
  for (std::size_t i = 0; i < evaluations.size(); ++i) {
    const auto& e = evaluations[i];
    if (e.ok() && e.loss) {
      ok.push_back(i);
      ok_points.push_back(&e.params);
    } else if (e.failed() && failed_points.size() < kModelPoints / 4) {
      failed_points.push_back(&e.params);
    }
  }
  if (ok.size() < 2 || ok.size() > kModelPoints) return std::nullopt;
  opt::ProposalRequest request;
  request.X = encode_rows(study_.space, ok_points);
  request.y.resize(static_cast<Eigen::Index>(ok.size()));
  for (std::size_t k = 0; k < ok.size(); ++k)
    request.y(static_cast<Eigen::Index>(k)) = study_.sign() * *evaluations[ok[k]].loss;
  request.failed = encode_rows(study_.space, failed_points);
  request.seed = study_.seed * 1000003 + 999983;
  const opt::NamedBest b = impl_->proposer.name_best(request);
  if (b.index < 0 || !std::isfinite(b.mean_loss)) return std::nullopt;
  return NamedBest{ok[static_cast<std::size_t>(b.index)], b.by_posterior_mean, b.noise_variance,
                   study_.sign() * b.mean_loss};
}

}  // namespace quante::tuner
