// The proposer facade; see proposer.hpp.
#include "proposer.hpp"

#include <chrono>
#include <cmath>
#include <stdexcept>

#include "exclusion_zone.hpp"
#include "random_baseline.hpp"
#include "rng.hpp"
#include "sobol.hpp"

namespace quante::opt {

std::optional<ProposalMethod> parse_proposal_method(const std::string& name) {
  if (name == "qei") return ProposalMethod::QEI;
  if (name == "random_batches") return ProposalMethod::RandomBatches;
  if (name == "random") return ProposalMethod::Random;
  return std::nullopt;
}

std::string to_string(ProposalMethod method) {
  switch (method) {
    case ProposalMethod::QEI: return "qei";
    case ProposalMethod::RandomBatches: return "random_batches";
    case ProposalMethod::Random: return "random";
  }
  return "qei";
}

namespace {

GpOptions with_groups(GpOptions gp, const DesignSpace& space, const ProposerOptions& options) {
  if (options.group_categoricals && gp.lengthscale_groups.empty()) gp.lengthscale_groups = space.lengthscale_groups();
  return gp;
}

}  // namespace

Proposer::Proposer(DesignSpace space, GpOptions gp_options, ProposerOptions options)
    : space_(std::move(space)), options_(options), gp_(with_groups(std::move(gp_options), space_, options)) {}

std::optional<std::string> Proposer::check(const ProposalRequest& r) const {
  const int d = space_.dim();
  if (r.q < 1) return "proposal: q must be at least 1";
  auto check_points = [&](const Eigen::MatrixXd& m, const char* what) -> std::optional<std::string> {
    if (m.rows() == 0) return std::nullopt;
    if (m.cols() != d)
      return std::string("proposal: ") + what + " has " + std::to_string(m.cols()) +
             " columns, the space encodes " + std::to_string(d);
    if (!m.allFinite()) return std::string("proposal: ") + what + " has non-finite entries";
    if (m.minCoeff() < 0.0 || m.maxCoeff() > 1.0)
      return std::string("proposal: ") + what + " has entries outside [0,1]";
    return std::nullopt;
  };
  if (auto e = check_points(r.X, "X")) return e;
  if (auto e = check_points(r.failed, "failed")) return e;
  if (auto e = check_points(r.avoid, "avoid")) return e;
  if (auto e = check_points(r.pending, "pending")) return e;
  if (r.X.rows() != r.y.size()) return "proposal: X and y have different lengths";
  if (!r.y.allFinite()) return "proposal: y has non-finite losses (report them as failed)";
  if (r.fidelity.size() > 0) {
    if (r.fidelity.size() != r.X.rows()) return "proposal: X and fidelity have different lengths";
    if (!r.fidelity.allFinite() || r.fidelity.minCoeff() < 0.0 || r.fidelity.maxCoeff() > 1.0)
      return "proposal: fidelity has entries outside [0,1]";
  }
  return std::nullopt;
}

void Proposer::update_model(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, std::uint64_t seed,
                            Proposal& out) {
  const Eigen::Index n = X.rows();
  const Eigen::Index m = fitted_ ? static_cast<Eigen::Index>(gp_.size()) : 0;
  // Only appended: the model's rows and losses are the request's first m, exactly.
  const bool appended = fitted_ && m <= n && gp_.inputs().cols() == X.cols() && y_.size() == m &&
                        X.topRows(m) == gp_.inputs() && y.head(m) == y_;
  const Eigen::Index due = std::max<Eigen::Index>(
      std::max(options_.refit_every, 1),
      static_cast<Eigen::Index>(std::ceil(options_.refit_growth * static_cast<double>(fit_size_))));
  if (appended && n - fit_size_ < due) {
    bool ok = true;
    for (Eigen::Index i = m; i < n && ok; ++i) {
      // A loss outside the kept transform's domain (Log) needs a new transform: refit.
      if (!std::isfinite(gp_.transform_loss(y[i]))) ok = false;
      else gp_.add_observation(X.row(i).transpose(), y[i]);
    }
    if (ok) {
      y_ = y;
      out.model_update = n > m ? "rank_one" : "kept";
      return;
    }
  }
  out.fit = gp_.fit(X, y, seed);
  fitted_ = true;
  y_ = y;
  fit_size_ = n;
  out.model_update = "fit";
}

Eigen::Index Proposer::fit_data(const ProposalRequest& r, const Eigen::MatrixXd& X, const Eigen::MatrixXd& failed,
                                Eigen::MatrixXd& fit_X, Eigen::VectorXd& fit_y) const {
  fit_X = X;
  fit_y = r.y;
  if (!options_.impute_failures || failed.rows() == 0) return 0;
  fit_X.resize(failed.rows() + X.rows(), X.cols());
  fit_X << failed, X;
  fit_y.resize(fit_X.rows());
  fit_y << Eigen::VectorXd::Constant(failed.rows(), r.y.maxCoeff()), r.y;
  return failed.rows();
}

void Proposer::refit_for_noise(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, std::uint64_t seed) {
  for (int k = 1; k <= kNoiseRefits; ++k) {
    GaussianProcess candidate = gp_;
    candidate.fit(X, y, derive_seed(seed, 13 + static_cast<std::uint64_t>(k)));
    if (candidate.log_marginal_likelihood() > gp_.log_marginal_likelihood()) gp_ = std::move(candidate);
  }
}

NamedBest Proposer::name_best(const ProposalRequest& r) {
  if (auto e = check(r)) throw std::invalid_argument(*e);
  NamedBest best;
  if (r.X.rows() == 0) return best;
  r.y.minCoeff(&best.index);
  if (options_.method == ProposalMethod::Random || r.X.rows() < 2) return best;
  const Eigen::MatrixXd failed = r.failed.rows() == 0 ? Eigen::MatrixXd(0, space_.dim()) : r.failed;
  Eigen::MatrixXd fit_X;
  Eigen::VectorXd fit_y;
  const Eigen::Index imputed = fit_data(r, r.X, failed, fit_X, fit_y);
  Proposal ignored;
  gp_.set_query_tail({});
  update_model(fit_X, fit_y, derive_seed(r.seed, 13), ignored);
  const bool enough = r.X.rows() >= options_.min_evaluations_to_infer_noise;
  if (enough && gp_.noise_inferred()) refit_for_noise(fit_X, fit_y, r.seed);
  best.noise_variance = gp_.noise_variance();
  const Eigen::Index i = gp_.best_index() - imputed;
  if (enough && gp_.noise_inferred() && i >= 0) {
    best.index = i;
    best.by_posterior_mean = true;
  }
  best.mean_loss = gp_.untransform_loss(gp_.mean_at_inputs()[best.index + imputed]);
  return best;
}

Proposal Proposer::propose(const ProposalRequest& r) {
  if (auto e = check(r)) throw std::invalid_argument(*e);
  const int d = space_.dim();
  auto rows_or_empty = [d](const Eigen::MatrixXd& m) { return m.rows() == 0 ? Eigen::MatrixXd(0, d) : m; };
  const Eigen::MatrixXd X = rows_or_empty(r.X);
  const Eigen::MatrixXd failed = rows_or_empty(r.failed);
  const Eigen::MatrixXd pending = rows_or_empty(r.pending);
  // Excluded regions: the failures' and those of the points to avoid (only the failures are fitted).
  Eigen::MatrixXd excluded = failed;
  if (r.avoid.rows() > 0) {
    excluded.resize(failed.rows() + r.avoid.rows(), d);
    excluded << failed, r.avoid;
  }
  const BatchOptimizerOptions& bo = options_.batch;
  Proposal out;

  if (options_.method == ProposalMethod::Random) {
    out.points = random_points(space_, X, excluded, pending, r.q, r.seed, bo);
    out.method = "random";
    return out;
  }
  if (X.rows() < 2) {
    // Not enough data for a model: the next unused points of a scrambled Sobol design.
    ExclusionZone zone(space_, bo.min_separation, bo.failed_radius);
    zone.add_taken(X);
    zone.add_taken(pending);
    zone.add_failed(excluded);
    const Eigen::MatrixXd design = sobol_points(4 * r.q + 64, d, derive_seed(r.seed, 11));
    std::vector<Eigen::VectorXd> chosen;
    for (Eigen::Index i = 0; i < design.rows() && static_cast<int>(chosen.size()) < r.q; ++i) {
      Eigen::VectorXd x = space_.snap(design.row(i).transpose());
      if (!zone.allowed(x)) continue;
      zone.add_taken(x);
      chosen.push_back(std::move(x));
    }
    Rng rng(derive_seed(r.seed, 12));
    while (static_cast<int>(chosen.size()) < r.q) {
      auto x = zone.random_allowed(rng, 10000);
      if (!x) break;
      zone.add_taken(*x);
      chosen.push_back(*x);
    }
    out.points.resize(static_cast<Eigen::Index>(chosen.size()), d);
    for (std::size_t k = 0; k < chosen.size(); ++k) out.points.row(static_cast<Eigen::Index>(k)) = chosen[k].transpose();
    out.method = "sobol";
    return out;
  }

  Eigen::MatrixXd fit_X;
  Eigen::VectorXd fit_y;
  const Eigen::Index imputed = fit_data(r, X, failed, fit_X, fit_y);
  const auto t0 = std::chrono::steady_clock::now();
  if (r.fidelity.size() > 0) {
    // One model over (x, fidelity): the fidelity is one more input, fixed at 1 for proposals.
    Eigen::MatrixXd model_X(fit_X.rows(), d + 1);
    model_X.leftCols(d) = fit_X;
    model_X.col(d).head(imputed).setOnes();
    model_X.col(d).tail(X.rows()) = r.fidelity;
    gp_.set_query_tail(Eigen::VectorXd::Ones(1));
    update_model(model_X, fit_y, derive_seed(r.seed, 13), out);
  } else {
    gp_.set_query_tail({});
    update_model(fit_X, fit_y, derive_seed(r.seed, 13), out);
  }
  const auto t1 = std::chrono::steady_clock::now();
  out.fit_ms = std::chrono::duration<double, std::milli>(t1 - t0).count();
  BatchResult b;
  if (options_.method == ProposalMethod::RandomBatches) {
    b = random_batches(gp_, space_, fit_X, excluded, pending, r.q, options_.random_batches, derive_seed(r.seed, 14), bo);
    out.method = "random_batches";
  } else {
    b = optimize_batch(gp_, space_, fit_X, excluded, pending, r.q, derive_seed(r.seed, 15), bo);
    out.method = "qei";
  }
  out.acquisition_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t1).count();
  out.points = b.points;
  out.qei_exact = b.qei_exact;
  out.qei_mc = b.qei_mc;
  out.log_qei = b.log_qei;
  out.neighbour_moves = b.neighbour_moves;
  out.fallbacks = b.fallbacks;
  return out;
}

}  // namespace quante::opt
