// Batch selection by screening plus multi-start L-BFGS-B on qLogEI; see batch_optimizer.hpp.
#include "batch_optimizer.hpp"

#include <LBFGSB.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <numeric>
#include <thread>
#include <vector>

#include "batch_objective.hpp"
#include "discrete_search.hpp"
#include "exclusion_zone.hpp"
#include "parallel_for.hpp"
#include "pending_block.hpp"
#include "qei_exact.hpp"
#include "qei_monte_carlo.hpp"
#include "qlogei.hpp"
#include "rng.hpp"
#include "sobol.hpp"

namespace quante::opt {
namespace {

using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

Eigen::MatrixXd stack(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
  Eigen::MatrixXd out(a.rows() + b.rows(), std::max(a.cols(), b.cols()));
  if (a.rows() > 0) out.topRows(a.rows()) = a;
  if (b.rows() > 0) out.bottomRows(b.rows()) = b;
  return out;
}

// The candidate pool: Sobol points and perturbations of the best observed points, all snapped
// and allowed.
std::vector<Eigen::VectorXd> candidate_pool(const GaussianProcess& gp, const DesignSpace& space,
                                            const Eigen::MatrixXd& evaluated,
                                            const ExclusionZone& zone, std::uint64_t seed,
                                            const BatchOptimizerOptions& options) {
  const int d = space.dim();
  const int total = std::max(options.raw_samples, 1);
  const int n = static_cast<int>(evaluated.rows());
  const int n_local = n > 0 ? static_cast<int>(std::lround(options.local_fraction * total)) : 0;
  std::vector<Eigen::VectorXd> pool;
  pool.reserve(static_cast<std::size_t>(total));
  const Eigen::MatrixXd sobol = sobol_points(total - n_local, d, derive_seed(seed, 1));
  for (Eigen::Index i = 0; i < sobol.rows(); ++i) {
    Eigen::VectorXd x = space.snap(sobol.row(i).transpose());
    if (zone.allowed(x)) pool.push_back(std::move(x));
  }
  if (n_local > 0) {
    // The best observed points by transformed target; scales from very local to a wide region.
    const Eigen::VectorXd& z = gp.targets();
    std::vector<int> order(static_cast<std::size_t>(n));
    std::iota(order.begin(), order.end(), 0);
    const int top = std::min(n, 5);
    std::partial_sort(order.begin(), order.begin() + top, order.end(),
                      [&](int a, int b) { return z[a] < z[b]; });
    Rng rng(derive_seed(seed, 2));
    static constexpr double scales[] = {0.01, 0.03, 0.1, 0.3};
    const double dims_prob = std::min(1.0, 10.0 / d);  // perturb ~10 coordinates in high d
    for (int k = 0; k < n_local; ++k) {
      // Half the local points around the very best, the rest spread over the top five.
      const int who = order[static_cast<std::size_t>(k % 2 == 0 ? 0 : (k / 2) % top)];
      const double scale = scales[k % 4];
      Eigen::VectorXd x = evaluated.row(who).transpose();
      bool moved = false;
      for (std::size_t v = 0; v < space.variables().size(); ++v) {
        if (uniform01(rng) >= dims_prob) continue;
        moved = true;
        const Variable& var = space.variables()[v];
        const int o = space.offset(v);
        if (var.kind == VariableKind::Continuous || var.kind == VariableKind::Integer) {
          const double step = var.kind == VariableKind::Integer ? std::max(scale, 1.0 / var.levels) : scale;
          x[o] = std::clamp(x[o] + step * standard_normal(rng), 0.0, 1.0);
        } else if (uniform01(rng) < 0.3) {
          x.segment(o, var.levels).setZero();
          x[o + static_cast<int>(uniform_index(rng, static_cast<std::uint64_t>(var.levels)))] = 1.0;
        }
      }
      if (!moved) continue;
      x = space.snap(x);
      if (zone.allowed(x)) pool.push_back(std::move(x));
    }
  }
  return pool;
}

// Screening on sub-blocks of the pool's joint posterior.
class PoolScreen {
 public:
  PoolScreen(const Posterior& joint, int pool_size, int pending, double incumbent, Eigen::MatrixXd z)
      : joint_(joint), pool_(pool_size), pending_(pending), incumbent_(incumbent), z_(std::move(z)) {}

  double value(const std::vector<int>& batch) const {
    const int m = static_cast<int>(batch.size()) + pending_;
    Eigen::VectorXd mu(m);
    Eigen::MatrixXd cov(m, m);
    auto row = [&](int r) { return r < static_cast<int>(batch.size()) ? batch[static_cast<std::size_t>(r)] : pool_ + (r - static_cast<int>(batch.size())); };
    for (int a = 0; a < m; ++a) {
      mu[a] = joint_.mean[row(a)];
      for (int b = 0; b <= a; ++b) cov(a, b) = cov(b, a) = joint_.cov(row(a), row(b));
    }
    return qlogei(mu, cov, incumbent_, z_.leftCols(m), false).value;
  }

  // Greedy completion of `fixed` up to q points, skipping the indices in `banned`; `single`:
  // value({c}) for every pool point (the first step when `fixed` is empty).
  std::vector<int> greedy(std::vector<int> fixed, int q, const std::vector<char>& banned,
                          const std::vector<double>& single) const {
    std::vector<char> used = banned;
    for (int i : fixed) used[static_cast<std::size_t>(i)] = 1;
    while (static_cast<int>(fixed.size()) < q) {
      int best = -1;
      double best_v = -INFINITY;
      const bool first = fixed.empty();
      fixed.push_back(0);
      for (int c = 0; c < pool_; ++c) {
        if (used[static_cast<std::size_t>(c)]) continue;
        fixed.back() = c;
        const double v = first ? single[static_cast<std::size_t>(c)] : value(fixed);
        if (v > best_v) {
          best_v = v;
          best = c;
        }
      }
      if (best < 0) {
        fixed.pop_back();
        break;
      }
      fixed.back() = best;
      used[static_cast<std::size_t>(best)] = 1;
    }
    return fixed;
  }

 private:
  const Posterior& joint_;
  int pool_, pending_;
  double incumbent_;
  Eigen::MatrixXd z_;
};

// L-BFGS-B's objective: minus the batch acquisition, remembering the best point seen (LBFGSpp
// throws when a line search fails; the best point so far is then still a fine answer).
struct NegativeAcquisition {
  const BatchObjective& objective;
  int q, d;
  double best = INFINITY;
  Eigen::VectorXd best_x;
  int evaluations = 0;

  double operator()(const Eigen::VectorXd& x, Eigen::VectorXd& grad) {
    ++evaluations;
    const Eigen::MatrixXd X = Eigen::Map<const RowMajor>(x.data(), q, d);
    Eigen::MatrixXd G;
    const double v = objective.value_and_gradient(X, G);
    if (!std::isfinite(v) || !G.allFinite()) {
      grad.setZero();
      return 1e100;
    }
    const RowMajor Gr = G;
    grad = -Eigen::Map<const Eigen::VectorXd>(Gr.data(), q * d);
    if (-v < best) {
      best = -v;
      best_x = x;
    }
    return -v;
  }
};

// The trust region's box [lower, upper] around the best observed point (see the header).
struct TrustRegion {
  Eigen::VectorXd lower, upper;
  bool contains(const Eigen::VectorXd& x) const {
    return (x.array() >= lower.array() - 1e-12).all() && (x.array() <= upper.array() + 1e-12).all();
  }
};

TrustRegion trust_region(const GaussianProcess& gp, const DesignSpace& space, const Eigen::MatrixXd& evaluated,
                         const BatchOptimizerOptions& options) {
  const int d = static_cast<int>(evaluated.cols());
  const Eigen::VectorXd& z = gp.targets();
  // Evaluations (in arrival order) since the running minimum last improved by 1e-3 standard
  // deviations of the targets.
  const double sd = std::sqrt((z.array() - z.mean()).square().mean());
  const double step = 1e-3 * (sd > 0.0 ? sd : 1.0);
  double best = z[0];
  Eigen::Index last_improvement = 0;
  for (Eigen::Index i = 1; i < z.size(); ++i) {
    if (z[i] < best) {
      if (z[i] < best - step) last_improvement = i;
      best = z[i];
    }
  }
  const auto fails = static_cast<int>(z.size() - 1 - last_improvement);
  const int halvings = (fails / std::max(4, static_cast<int>(space.variables().size()))) % 7;
  const double length = options.trust_region_length * std::ldexp(1.0, -halvings);
  // Sides proportional to the lengthscales, normalised to geometric mean 1 (TuRBO).
  // Mixed spaces: the lengthscales are per group (GpOptions::lengthscale_groups), and only the
  // continuous coordinates are boxed (their geometric mean normalised to 1).
  const std::vector<int> groups = space.lengthscale_groups();
  std::vector<double> by_group;
  gp.kernel().for_each_hyperparameter([&](const Hyperparameter& h) {
    if (h.name.rfind("length_scale[", 0) == 0) {
      const int k = std::atoi(h.name.c_str() + 13);
      if (k >= 0 && k >= static_cast<int>(by_group.size())) by_group.resize(static_cast<std::size_t>(k) + 1, 1.0);
      if (k >= 0) by_group[static_cast<std::size_t>(k)] = std::exp(h.value);
    }
  });
  Eigen::VectorXd w = Eigen::VectorXd::Ones(d);
  for (int k = 0; k < d; ++k) {
    const int g = groups.empty() ? k : groups[static_cast<std::size_t>(k)];
    if (g < static_cast<int>(by_group.size())) w[k] = by_group[static_cast<std::size_t>(g)];
  }
  std::vector<char> boxed(static_cast<std::size_t>(d), space.has_discrete() ? 0 : 1);
  for (std::size_t v = 0; v < space.variables().size(); ++v)
    if (space.variables()[v].kind == VariableKind::Continuous) boxed[static_cast<std::size_t>(space.offset(v))] = 1;
  double log_sum = 0.0;
  int boxed_count = 0;
  for (int k = 0; k < d; ++k)
    if (boxed[static_cast<std::size_t>(k)]) {
      log_sum += std::log(w[k]);
      ++boxed_count;
    }
  if (space.has_discrete()) {
    w /= std::exp(log_sum / std::max(boxed_count, 1));
  } else {
    w /= std::exp(w.array().log().mean());  // as before, to the last bit
  }
  // Centred on the model's best (the lowest posterior mean under inferred noise, issue 14).
  const Eigen::VectorXd c = evaluated.row(gp.best_index()).transpose();
  const Eigen::VectorXd half = 0.5 * length * w;
  Eigen::VectorXd lower = (c - half).cwiseMax(0.0), upper = (c + half).cwiseMin(1.0);
  for (int k = 0; k < d; ++k)
    if (!boxed[static_cast<std::size_t>(k)]) {
      lower[k] = 0.0;
      upper[k] = 1.0;
    }
  return {lower, upper};
}

// q distinct indices of a pool of P >= q, uniformly at random, in the order drawn.
std::vector<int> random_subset(Rng& rng, int P, int q) {
  std::vector<int> idx;
  while (static_cast<int>(idx.size()) < q) {
    const int c = static_cast<int>(uniform_index(rng, static_cast<std::uint64_t>(P)));
    if (std::find(idx.begin(), idx.end(), c) == idx.end()) idx.push_back(c);
  }
  return idx;
}

Eigen::MatrixXd rows_of(const std::vector<Eigen::VectorXd>& pool, const std::vector<int>& idx, int d) {
  Eigen::MatrixXd out(static_cast<Eigen::Index>(idx.size()), d);
  for (std::size_t i = 0; i < idx.size(); ++i) out.row(static_cast<Eigen::Index>(i)) = pool[static_cast<std::size_t>(idx[i])].transpose();
  return out;
}

}  // namespace

int default_optimizer_threads() { return std::max(1, static_cast<int>(std::thread::hardware_concurrency())); }

void score_batch(const GaussianProcess& gp, const Eigen::MatrixXd& pending, std::uint64_t seed,
                 const BatchOptimizerOptions& options, BatchResult& result) {
  if (result.points.rows() == 0) return;
  const Eigen::MatrixXd all = stack(result.points, pending);
  const Posterior p = gp.posterior(all);
  const int m = static_cast<int>(all.rows());
  const Eigen::MatrixXd z = sobol_normal(options.report_mc_samples, m, derive_seed(seed, 7));
  const McAcquisition mc = qei_monte_carlo(p.mean, p.cov, gp.incumbent(), z, false);
  result.qei_mc = mc.value;
  result.qei_mc_error = mc.std_error;
  result.log_qei = qlogei(p.mean, p.cov, gp.incumbent(), sobol_normal(options.mc_samples, m, derive_seed(seed, 3)), false).value;
  if (options.report_exact && m <= options.report_exact_max) {
    MvnCdfOptions mvn;
    mvn.abs_tolerance = options.report_tolerance;
    // Genz's cost grows with the batch: 2m CDFs of dimension m - 1 and m, each point of each
    // costing O(m^2). The budget per replicate shrinks accordingly (a q = 4 batch with 4 pending
    // points would otherwise spend ~150 ms here); the error bound says what it bought.
    const int budget = std::max(options.report_max_points, 16);
    mvn.max_points = m >= 8 ? std::max(budget / 8, 16) : m >= 6 ? std::max(budget / 2, 16) : budget;
    mvn.replicates = 4;
    mvn.initial_points = std::min(64, mvn.max_points);
    const QeiExactResult ex = qei_exact(p.mean, p.cov, gp.incumbent(), derive_seed(seed, 8), mvn);
    result.qei_exact = ex.value;
    result.qei_exact_error = ex.error;
  }
}

BatchResult optimize_batch(const GaussianProcess& gp, const DesignSpace& space,
                           const Eigen::MatrixXd& evaluated, const Eigen::MatrixXd& failed,
                           const Eigen::MatrixXd& pending, int q, std::uint64_t seed,
                           const BatchOptimizerOptions& options) {
  const int d = space.dim();
  const int p = static_cast<int>(pending.rows());
  BatchResult result;
  result.points.resize(0, d);
  if (q <= 0) return result;

  ExclusionZone zone(space, options.min_separation, options.failed_radius);
  zone.add_taken(evaluated);
  zone.add_taken(pending);
  zone.add_failed(failed);

  // 1. Pool and its joint posterior with the pending points.
  const std::vector<Eigen::VectorXd> pool = candidate_pool(gp, space, evaluated, zone, seed, options);
  const int P = static_cast<int>(pool.size());
  Eigen::MatrixXd pool_rows(P, d);
  for (int i = 0; i < P; ++i) pool_rows.row(i) = pool[static_cast<std::size_t>(i)].transpose();
  // The pending points' posterior terms, once: for the pool's joint posterior and every L-BFGS-B step.
  const PendingBlock pending_block(gp, pending);
  const Posterior joint = pending_block.posterior(pool_rows);
  const double incumbent = gp.incumbent();
  const PoolScreen screen(joint, P, p, incumbent,
                          sobol_normal(options.screen_mc_samples, q + p, derive_seed(seed, 4)));

  // 2. Screening: greedy batch and random subsets. Single-point values, computed once, also
  // order the repair's replacements and pick the trust-region starts.
  std::vector<double> single(static_cast<std::size_t>(P));
  for (int c = 0; c < P; ++c) single[static_cast<std::size_t>(c)] = screen.value({c});
  const std::vector<char> none(static_cast<std::size_t>(P), 0);
  std::vector<std::pair<double, std::vector<int>>> starts;
  if (P > 0) {
    const std::vector<int> g = screen.greedy({}, std::min(q, P), none, single);
    starts.emplace_back(screen.value(g), g);
    if (P >= q) {
      Rng rng(derive_seed(seed, 5));
      for (int b = 0; b < options.raw_batches; ++b) {
        std::vector<int> idx = random_subset(rng, P, q);
        starts.emplace_back(screen.value(idx), std::move(idx));
      }
      if (options.screen && options.screen_batches > 0) {
        // Bulk screening (a GPU): many more random subsets, each with the pending points.
        std::vector<std::vector<int>> subsets;
        subsets.reserve(static_cast<std::size_t>(options.screen_batches));
        for (int b = 0; b < options.screen_batches; ++b) {
          std::vector<int> idx = random_subset(rng, P, q);
          for (int k = 0; k < p; ++k) idx.push_back(P + k);
          subsets.push_back(std::move(idx));
        }
        const std::vector<double> scores =
            options.screen(joint.mean, joint.cov, subsets, incumbent,
                           sobol_normal(options.screen_mc_samples_bulk, q + p, derive_seed(seed, 10)));
        if (scores.size() == subsets.size()) {
          std::vector<std::size_t> order(subsets.size());
          std::iota(order.begin(), order.end(), std::size_t{0});
          const auto keep = std::min<std::size_t>(order.size(), static_cast<std::size_t>(std::max(options.restarts, 1)));
          std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(keep), order.end(),
                            [&](std::size_t a, std::size_t b) { return scores[a] > scores[b]; });
          for (std::size_t k = 0; k < keep; ++k) {
            std::vector<int> idx(subsets[order[k]].begin(), subsets[order[k]].begin() + q);
            starts.emplace_back(screen.value(idx), std::move(idx));
          }
        }
      }
      std::partial_sort(starts.begin() + 1,
                        starts.begin() + std::min<std::ptrdiff_t>(static_cast<std::ptrdiff_t>(starts.size()), options.restarts),
                        starts.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    }
    starts.resize(std::min<std::size_t>(starts.size(), static_cast<std::size_t>(std::max(options.restarts, 1))));
  }

  // 3. Multi-start L-BFGS-B on the relaxed problem (pointless when nothing is continuous).
  std::vector<Eigen::MatrixXd> candidates;
  for (const auto& s : starts) candidates.push_back(rows_of(pool, s.second, d));
  bool any_continuous = false, all_continuous = true;
  for (const Variable& v : space.variables()) {
    any_continuous |= v.kind == VariableKind::Continuous;
    all_continuous &= v.kind == VariableKind::Continuous;
  }
  Eigen::VectorXd lb = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(q) * d);
  Eigen::VectorXd ub = Eigen::VectorXd::Ones(static_cast<Eigen::Index>(q) * d);
  // Trust-region rows: the first tr_rows of the batch, trust_region_share of the points proposed.
  int tr_rows = 0;
  // Mixed spaces count variables and need a continuous one to box (issue 14); a continuous
  // space's variables are its coordinates.
  const int variables = static_cast<int>(space.variables().size());
  if (any_continuous && options.trust_region_min_dim > 0 && variables >= options.trust_region_min_dim &&
      evaluated.rows() >= 2 && options.max_iterations > 0) {
    const long long before = evaluated.rows() + p;
    const double share = std::clamp(options.trust_region_share, 0.0, 1.0);
    const auto upto = [share](long long k) { return static_cast<long long>(std::floor(share * static_cast<double>(k) + 1e-9)); };
    tr_rows = std::min(static_cast<int>(upto(before + q) - upto(before)), q);
  }
  if (tr_rows > 0) {
    const TrustRegion region = trust_region(gp, space, evaluated, options);
    for (int i = 0; i < tr_rows; ++i) {
      lb.segment(static_cast<Eigen::Index>(i) * d, d) = region.lower;
      ub.segment(static_cast<Eigen::Index>(i) * d, d) = region.upper;
    }
    // Each start's first tr_rows rows: the best pool points inside the region (by single-point
    // value), else uniform points in it.
    std::vector<int> inside;
    for (int c = 0; c < P; ++c)
      if (region.contains(pool[static_cast<std::size_t>(c)])) inside.push_back(c);
    std::sort(inside.begin(), inside.end(), [&](int a, int b) {
      return single[static_cast<std::size_t>(a)] > single[static_cast<std::size_t>(b)];
    });
    Rng tr_rng(derive_seed(seed, 9));
    std::size_t next = 0;
    for (Eigen::MatrixXd& cand : candidates) {
      for (int i = 0; i < tr_rows && i < cand.rows(); ++i) {
        if (next < inside.size()) {
          cand.row(i) = pool[static_cast<std::size_t>(inside[next++])].transpose();
        } else {
          for (int k = 0; k < d; ++k)
            cand(i, k) = region.lower[k] + uniform01(tr_rng) * (region.upper[k] - region.lower[k]);
        }
      }
    }
  }
  const Eigen::MatrixXd z_opt = sobol_normal(options.mc_samples, q + p, derive_seed(seed, 3));
  const BatchObjective objective(pending_block, z_opt, BatchAcquisitionKind::QLogEI);
  if (any_continuous && options.max_iterations > 0) {
    LBFGSpp::LBFGSBParam<double> param;
    param.max_iterations = options.max_iterations;
    if (options.joint_full_q > 0 && q > options.joint_full_q) {
      param.max_iterations = std::max(std::min(options.joint_min_iterations, options.max_iterations),
                                      options.max_iterations * options.joint_full_q / q);
      // The starts beyond what the threads run at once, with the fewest screened value, go.
      const auto keep = static_cast<std::size_t>(std::max(options.joint_large_starts, 1));
      if (candidates.size() > keep) candidates.resize(keep);
    }
    param.epsilon = 1e-6;
    param.epsilon_rel = 1e-6;
    param.past = 3;
    param.delta = 1e-8;
    param.max_linesearch = 30;
    // The starts are independent: run them on up to `threads` threads, each result in its own
    // slot, appended in start order, so the outcome does not depend on the thread count.
    const std::size_t n_starts = candidates.size();
    std::vector<Eigen::MatrixXd> finished(n_starts);
    std::vector<int> evaluations(n_starts, 0);
    auto run_start = [&](std::size_t s) {
      if (candidates[s].rows() != q) return;
      const RowMajor x0r = candidates[s];
      Eigen::VectorXd x = Eigen::Map<const Eigen::VectorXd>(x0r.data(), q * d);
      NegativeAcquisition fun{objective, q, d, INFINITY, Eigen::VectorXd(), 0};
      double fx = 0.0;
      try {
        LBFGSpp::LBFGSBSolver<double> solver(param);
        solver.minimize(fun, x, fx, lb, ub);
      } catch (const std::exception&) {
        // line search trouble: keep the best point seen
      }
      evaluations[s] = fun.evaluations;
      if (fun.best_x.size() == q * d) finished[s] = Eigen::Map<const RowMajor>(fun.best_x.data(), q, d);
    };
    parallel_for(n_starts, options.threads, run_start);
    for (std::size_t s = 0; s < n_starts; ++s) {
      result.evaluations += evaluations[s];
      if (finished[s].rows() == q) candidates.push_back(std::move(finished[s]));
    }
  }

  // 4. Snap and repair every candidate; keep the best by qLogEI.
  // Pool points by their single-point acquisition: the repair's replacement candidates.
  std::vector<int> pool_order(static_cast<std::size_t>(P));
  std::iota(pool_order.begin(), pool_order.end(), 0);
  std::sort(pool_order.begin(), pool_order.end(),
            [&](int a, int b) { return single[static_cast<std::size_t>(a)] > single[static_cast<std::size_t>(b)]; });
  double best_value = -INFINITY;
  int best_moves = 0, best_fallbacks = 0;
  Rng repair_rng(derive_seed(seed, 6));
  const bool discrete = space.has_discrete() && options.neighbour_moves >= 0;
  for (const Eigen::MatrixXd& cand : candidates) {
    ExclusionZone batch_zone = zone;
    std::vector<Eigen::VectorXd> chosen;
    int moves = 0, fallbacks = 0;
    // The batch's qLogEI with x after the points chosen so far.
    auto with_chosen = [&](const Eigen::VectorXd& x) {
      Eigen::MatrixXd trial(static_cast<Eigen::Index>(chosen.size()) + 1, d);
      for (std::size_t k = 0; k < chosen.size(); ++k) trial.row(static_cast<Eigen::Index>(k)) = chosen[k].transpose();
      trial.row(trial.rows() - 1) = x.transpose();
      return objective.value(trial);
    };
    for (Eigen::Index i = 0; i < cand.rows(); ++i) {
      Eigen::VectorXd x = space.snap(cand.row(i).transpose());
      if (discrete) {
        // Mixed spaces: climb the discrete neighbourhood (repairing a repeat on the way).
        const auto found = neighbourhood_search(
            space, x, with_chosen, [&](const Eigen::VectorXd& y) { return batch_zone.allowed(y); },
            options.neighbour_moves, options.enumerate_discrete);
        if (found) {
          x = found->point;
          moves += found->moves;
        } else {
          ++fallbacks;
        }
      }
      if (!batch_zone.allowed(x)) {
        // Try a small perturbation first, then the best allowed pool point given the others.
        // Mixed spaces: the perturbation moves continuous coordinates only (no discrete re-draw).
        bool fixed = false;
        for (int t = 0; t < 20 && !fixed; ++t) {
          Eigen::VectorXd y = space.perturb(x, 1e-3 * (t + 1), discrete ? 0.0 : 0.1 * (t + 1), repair_rng);
          if (batch_zone.allowed(y)) {
            x = y;
            fixed = true;
          }
        }
        if (!fixed) {
          int best_c = -1;
          double best_v = -INFINITY;
          int tried = 0;
          for (int c : pool_order) {
            if (tried >= 32) break;
            if (!batch_zone.allowed(pool[static_cast<std::size_t>(c)])) continue;
            ++tried;
            const double v = with_chosen(pool[static_cast<std::size_t>(c)]);
            if (v > best_v) {
              best_v = v;
              best_c = c;
            }
          }
          if (best_c >= 0) {
            x = pool[static_cast<std::size_t>(best_c)];
            fixed = true;
          } else if (auto r = batch_zone.random_allowed(repair_rng)) {
            x = *r;
            fixed = true;
          }
        }
        if (!fixed) continue;  // the space ran out of allowed points
      }
      batch_zone.add_taken(x);
      chosen.push_back(std::move(x));
    }
    if (chosen.empty()) continue;
    Eigen::MatrixXd batch(static_cast<Eigen::Index>(chosen.size()), d);
    for (std::size_t k = 0; k < chosen.size(); ++k) batch.row(static_cast<Eigen::Index>(k)) = chosen[k].transpose();
    const double v = objective.value(batch);
    if (batch.rows() > result.points.rows() || (batch.rows() == result.points.rows() && v > best_value)) {
      best_value = v;
      result.points = batch;
      best_moves = moves;
      best_fallbacks = fallbacks;
    }
  }
  result.neighbour_moves = best_moves;
  result.fallbacks = best_fallbacks;
  // No pool at all (e.g. everything excluded): random allowed points.
  if (result.points.rows() == 0) {
    ExclusionZone batch_zone = zone;
    std::vector<Eigen::VectorXd> chosen;
    for (int i = 0; i < q; ++i)
      if (auto r = batch_zone.random_allowed(repair_rng, 10000)) {
        batch_zone.add_taken(*r);
        chosen.push_back(*r);
      }
    result.fallbacks = static_cast<int>(chosen.size());
    result.points.resize(static_cast<Eigen::Index>(chosen.size()), d);
    for (std::size_t k = 0; k < chosen.size(); ++k) result.points.row(static_cast<Eigen::Index>(k)) = chosen[k].transpose();
  }

  // 5. Report.
  score_batch(gp, pending, seed, options, result);
  return result;
}

}  // namespace quante::opt
