// Optimisation quality: simple regret (best true value minus the global minimum) after a fixed
// budget, median and quartiles over seeds, for the qLogEI batch optimizer ("qei"), the original
// tool's method ("random_batches": best of 1000 random batches by MC qEI) and random search.
// Protocol: 2 d uniformly random initial points, then sequential batches of q = 4 (propose 4,
// evaluate, add) up to 60 evaluations (100 for d > 6), d counting variables (a categorical is one).
// Functions: those of worker/objectives/test_functions.hpp (ackley20, levy30, ...), and the mixed
// ones of mixed_functions.hpp (mixed_hartmann6, mixed_levy5: three categoricals, two log ints),
// whose space the optimizer sees as the tuner does (log ints as log-spaced levels).
// bench/optimizer/tpe_baseline.py runs Optuna's TPE and random search on the same protocol.
// Variants of each function (--variants), what real training losses do to a tuner:
//   plain     the function as it is;
//   noise5    Gaussian noise of sd 5 % of the function's range (max - min over 1024 Sobol points
//   noise20   of the box), the same for 20 %; regret is of the noise-free value;
//   diverge   the region u_0 > 0.7 of the unit box (30 % of it, never holding the listed global
//             minimiser) returns 10^(3 + 3 (u_0 - 0.7) / 0.3): finite losses of 1e3 to 1e6, a
//             learning rate that diverges;
//   fail      the region u_{d-1} > 0.7 returns an error: the point is reported as failed.
// Regret (of the true, noise-free value) of the lowest observed loss, and of the point the tuner
// names as best ("named", Proposer::name_best: by posterior mean at the observed points where
// the model infers noise; "mean" counts the seeds where it did). "bad" is the median number of
// evaluations spent in the diverging or failing region.
//   bench_optimizer_quality [--seeds N] [--functions a,b,...] [--methods a,b,...] [--variants a,b,...]
//                           [--raw-samples N] [--restarts N] [--local-fraction F] [--mc-samples N]
//                           [--max-iterations N] [--refit-every N] [--refit-growth F] [--gp-restarts N]
//                           [--impute-failures 0|1] [--group-categoricals 0|1] [--neighbour-moves N]
//                           [--log-int-levels 0|1]
//                           [--trust-region-share F] [--trust-region-length L] [--trust-region-min-dim N]
//                           [--transform standardize|power|rank_normal|log] [--prior-mean max|mean]
//                           [--per-seed 1] [--initial N] [--budget N] [--model-points M]
// --initial N starts from N random points instead of 2 d and --budget sets the evaluations (a
// farm-scale history: --initial 1500 --budget 1540); --model-points M fits the model on
// opt::model_subset's M of the evaluations, as the tuner's bounded model does
// (ProposalEngine::kProposalModelPoints), so the bound's cost in regret can be measured.
// ms/prop is wall time per proposal, cpu/prop its process CPU time (the machine may be shared).
#include <time.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "bench_text.hpp"
#include "mixed_functions.hpp"
#include "model_subset.hpp"
#include "proposer.hpp"
#include "rng.hpp"
#include "sobol.hpp"
#include "test_functions.hpp"

using namespace quante::opt;
using quante::bench::quantile;
using quante::bench::split;

namespace {

enum class Variant { Plain, Noise5, Noise20, Diverge, Fail };

std::optional<Variant> parse_variant(const std::string& name) {
  if (name == "plain") return Variant::Plain;
  if (name == "noise5") return Variant::Noise5;
  if (name == "noise20") return Variant::Noise20;
  if (name == "diverge") return Variant::Diverge;
  if (name == "fail") return Variant::Fail;
  return std::nullopt;
}

// One evaluation as the tuner sees it: the loss it receives (nullopt: the job failed), the
// noise-free value of the function at the point, and whether the point lies in the variant's
// bad region.
struct Outcome {
  std::optional<double> loss;
  double truth;
  bool bad;
};

// A function the bench optimises over the unit cube of its encoded space.
struct Problem {
  DesignSpace space;
  int variables;  // d of the protocol
  double optimum;
  std::function<double(const Eigen::VectorXd&)> truth;  // of a valid encoded point
};

// The optimizer's view of a search space, as quante-tuner builds it (proposal_engine.cpp);
// log_int_levels = false: log ints relaxed as continuous, as before issue 14.
bool log_int_levels = true;

DesignSpace design_of(const std::vector<quante::ParamSpec>& params) {
  std::vector<Variable> vars;
  for (const quante::ParamSpec& p : params) {
    if (p.type == quante::ParamType::Float) vars.push_back({VariableKind::Continuous, 0});
    else if (p.type == quante::ParamType::Categorical) vars.push_back({VariableKind::Categorical, p.levels()});
    else if (!p.log) vars.push_back({VariableKind::Integer, p.levels()});
    else if (auto edges = quante::log_int_level_edges(p); log_int_levels && !edges.empty()) vars.push_back({VariableKind::Integer, p.levels(), edges});
    else vars.push_back({VariableKind::Continuous, 0});
  }
  return DesignSpace(std::move(vars));
}

std::optional<Problem> find_problem(const std::string& name) {
  if (const auto tf = quante::find_test_function(name)) {
    const int d = tf->dim;
    return Problem{DesignSpace::continuous(d), d, tf->optimum, [tf, d](const Eigen::VectorXd& u) {
                     std::vector<double> x(static_cast<std::size_t>(d));
                     for (int j = 0; j < d; ++j)
                       x[static_cast<std::size_t>(j)] =
                           tf->low[static_cast<std::size_t>(j)] +
                           u[j] * (tf->high[static_cast<std::size_t>(j)] - tf->low[static_cast<std::size_t>(j)]);
                     return tf->f(x);
                   }};
  }
  if (auto mf = quante::bench::find_mixed_function(name)) {
    auto space = std::make_shared<quante::SearchSpace>(mf->params);
    return Problem{design_of(mf->params), static_cast<int>(mf->params.size()), mf->optimum,
                   [space, f = mf->f](const Eigen::VectorXd& u) {
                     return f(space->decode(std::vector<double>(u.data(), u.data() + u.size())));
                   }};
  }
  return std::nullopt;
}

double cpu_ms() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return 1e3 * static_cast<double>(t.tv_sec) + 1e-6 * static_cast<double>(t.tv_nsec);
}


}  // namespace

int main(int argc, char** argv) {
  int seeds = 10;
  bool per_seed = false;
  std::vector<std::string> functions = {"branin", "hartmann6", "ackley5", "levy10", "rosenbrock4"};
  std::vector<std::string> methods = {"qei", "random_batches", "random"};
  std::vector<std::string> variant_names = {"plain"};
  BatchOptimizerOptions batch;
  GpOptions gp;
  int refit_every = ProposerOptions{}.refit_every;
  double refit_growth = ProposerOptions{}.refit_growth;
  bool impute_failures = ProposerOptions{}.impute_failures;
  int initial = 0, budget_override = 0, model_points = 0;  // 0: the protocol's (2 d; 60 or 100; all)
  bool group_categoricals = ProposerOptions{}.group_categoricals;
  int neighbour_moves = BatchOptimizerOptions{}.neighbour_moves;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--raw-samples") == 0) batch.raw_samples = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--restarts") == 0) batch.restarts = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--local-fraction") == 0) batch.local_fraction = std::atof(argv[i + 1]);
    if (std::strcmp(argv[i], "--mc-samples") == 0) batch.mc_samples = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--trust-region-share") == 0) batch.trust_region_share = std::atof(argv[i + 1]);
    if (std::strcmp(argv[i], "--trust-region-length") == 0) batch.trust_region_length = std::atof(argv[i + 1]);
    if (std::strcmp(argv[i], "--trust-region-min-dim") == 0) batch.trust_region_min_dim = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--max-iterations") == 0) batch.max_iterations = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--refit-every") == 0) refit_every = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--refit-growth") == 0) refit_growth = std::atof(argv[i + 1]);
    if (std::strcmp(argv[i], "--gp-restarts") == 0) gp.restarts = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--impute-failures") == 0) impute_failures = std::atoi(argv[i + 1]) != 0;
    if (std::strcmp(argv[i], "--group-categoricals") == 0) group_categoricals = std::atoi(argv[i + 1]) != 0;
    if (std::strcmp(argv[i], "--neighbour-moves") == 0) neighbour_moves = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--log-int-levels") == 0) log_int_levels = std::atoi(argv[i + 1]) != 0;
    if (std::strcmp(argv[i], "--prior-mean") == 0) {
      const auto m = parse_prior_mean(argv[i + 1]);
      if (!m) {
        std::fprintf(stderr, "--prior-mean must be max or mean\n");
        return 2;
      }
      gp.prior_mean = *m;
    }
    if (std::strcmp(argv[i], "--transform") == 0) {
      const auto t = parse_output_transform(argv[i + 1]);
      if (!t) {
        std::fprintf(stderr, "--transform must be standardize, power, rank_normal or log\n");
        return 2;
      }
      gp.transform = *t;
    }
    if (std::strcmp(argv[i], "--seeds") == 0) seeds = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--initial") == 0) initial = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--budget") == 0) budget_override = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--model-points") == 0) model_points = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--per-seed") == 0) per_seed = std::atoi(argv[i + 1]) != 0;
    if (std::strcmp(argv[i], "--functions") == 0) functions = split(argv[i + 1]);
    if (std::strcmp(argv[i], "--methods") == 0) methods = split(argv[i + 1]);
    if (std::strcmp(argv[i], "--variants") == 0) variant_names = split(argv[i + 1]);
  }
  std::vector<Variant> variants;
  for (const std::string& v : variant_names) {
    const auto parsed = parse_variant(v);
    if (!parsed) {
      std::fprintf(stderr, "unknown variant %s (plain, noise5, noise20, diverge, fail)\n", v.c_str());
      return 2;
    }
    variants.push_back(*parsed);
  }
  const int q = 4;
  std::printf("%-20s %-15s %11s %11s %11s %5s | %11s %11s %11s %4s | %9s %9s %9s\n", "function", "method", "q25",
              "median", "q75", "bad", "named q25", "median", "q75", "mean", "ms/prop", "cpu/prop", "max_ms");
  for (const std::string& fname : functions) {
    const auto problem = find_problem(fname);
    if (!problem) {
      std::fprintf(stderr, "unknown function %s (test functions, mixed_hartmann6, mixed_levy5)\n", fname.c_str());
      return 2;
    }
    const DesignSpace& space = problem->space;
    const int d = space.dim();           // encoded coordinates
    const int nv = problem->variables;   // the protocol's d
    const int budget = budget_override > 0 ? budget_override : nv > 6 ? 100 : 60;
    const auto& truth = problem->truth;
    // The function's range over the box, for the noise variants.
    double lo = INFINITY, hi = -INFINITY;
    const Eigen::MatrixXd probe = sobol_points(1024, d, 99);
    for (Eigen::Index i = 0; i < probe.rows(); ++i) {
      const double v = truth(space.snap(probe.row(i).transpose()));
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
    const double range = hi - lo;
    for (std::size_t vi = 0; vi < variants.size(); ++vi) {
      const Variant variant = variants[vi];
      const std::string vname = fname + (variant == Variant::Plain ? "" : "/" + variant_names[vi]);
      const double noise_sd = variant == Variant::Noise5 ? 0.05 * range : variant == Variant::Noise20 ? 0.2 * range : 0.0;
      for (const std::string& mname : methods) {
        const auto method = parse_proposal_method(mname);
        if (!method) {
          std::fprintf(stderr, "unknown method %s\n", mname.c_str());
          return 2;
        }
        std::vector<double> regrets, named_regrets, bad_counts;
        int by_mean = 0;  // seeds where the named best was chosen by posterior mean
        double total_ms = 0.0, max_ms = 0.0, total_cpu = 0.0;
        int proposals = 0;
        for (int s = 0; s < seeds; ++s) {
          Rng noise_rng(static_cast<std::uint64_t>(s) * 104729 + 5);
          auto evaluate = [&](const Eigen::VectorXd& u) -> Outcome {
            const double t = truth(u);
            switch (variant) {
              case Variant::Plain: return {t, t, false};
              case Variant::Noise5:
              case Variant::Noise20: return {t + noise_sd * standard_normal(noise_rng), t, false};
              case Variant::Diverge: {
                if (u[0] <= 0.7) return {t, t, false};
                const double v = std::pow(10.0, 3.0 + 3.0 * (u[0] - 0.7) / 0.3);
                return {v, v, true};
              }
              case Variant::Fail:
                if (u[d - 1] <= 0.7) return {t, t, false};
                return {std::nullopt, INFINITY, true};
            }
            return {t, t, false};
          };
          ProposerOptions opts;
          opts.method = *method;
          opts.batch = batch;
          opts.refit_every = refit_every;
          opts.refit_growth = refit_growth;
          opts.impute_failures = impute_failures;
          opts.group_categoricals = group_categoricals;
          opts.batch.neighbour_moves = neighbour_moves;
          Proposer proposer(space, gp, opts);
          Rng rng(static_cast<std::uint64_t>(s) * 7919 + 17);
          const int n0 = initial > 0 ? initial : 2 * nv;
          ProposalRequest r;
          r.X.resize(0, d);
          r.failed.resize(0, d);
          std::vector<double> truths;  // noise-free value of each row of r.X
          int bad = 0;
          auto add = [&](const Eigen::VectorXd& u) {
            const Outcome o = evaluate(u);
            bad += o.bad ? 1 : 0;
            Eigen::MatrixXd& m = o.loss ? r.X : r.failed;
            m.conservativeResize(m.rows() + 1, d);
            m.row(m.rows() - 1) = u.transpose();
            if (o.loss) {
              r.y.conservativeResize(r.y.size() + 1);
              r.y[r.y.size() - 1] = *o.loss;
              truths.push_back(o.truth);
            }
          };
          for (int i = 0; i < n0; ++i) {
            Eigen::VectorXd u(d);
            for (int j = 0; j < d; ++j) u[j] = uniform01(rng);
            add(space.snap(u));  // a continuous space: u itself
          }
          int round = 0;
          while (r.X.rows() + r.failed.rows() < budget) {
            r.q = std::min<int>(q, budget - static_cast<int>(r.X.rows() + r.failed.rows()));
            r.seed = static_cast<std::uint64_t>(s) * 1000 + static_cast<std::uint64_t>(round++);
            const auto t0 = std::chrono::steady_clock::now();
            const double c0 = cpu_ms();
            ProposalRequest bounded;
            if (model_points > 0 && r.X.rows() > model_points) {
              const std::vector<Eigen::Index> rows = model_subset(r.y, static_cast<std::size_t>(model_points));
              bounded = r;
              bounded.X = r.X(rows, Eigen::all);
              bounded.y = r.y(rows);
            }
            const Proposal p = proposer.propose(bounded.X.rows() > 0 ? bounded : r);
            total_cpu += cpu_ms() - c0;
            const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
            total_ms += ms;
            max_ms = std::max(max_ms, ms);
            ++proposals;
            for (Eigen::Index i = 0; i < p.points.rows(); ++i) add(p.points.row(i).transpose());
            if (p.points.rows() == 0) break;
          }
          // The lowest observed loss, and the best the tuner names (Proposer::name_best).
          double regret = INFINITY, named_regret = INFINITY;
          NamedBest named;
          if (r.y.size() > 0) {
            Eigen::Index best = 0;
            r.y.minCoeff(&best);
            regret = truths[static_cast<std::size_t>(best)] - problem->optimum;
            named = proposer.name_best(r);
            named_regret = truths[static_cast<std::size_t>(named.index)] - problem->optimum;
          }
          regrets.push_back(regret);
          named_regrets.push_back(named_regret);
          bad_counts.push_back(bad);
          by_mean += named.by_posterior_mean ? 1 : 0;
          if (per_seed)
            std::printf("  %s %s seed %d regret %.6g named %.6g noise %.3g bad %d\n", vname.c_str(), mname.c_str(), s,
                        regret, named_regret, named.noise_variance, bad);
        }
        std::printf("%-20s %-15s %11.4g %11.4g %11.4g %5.0f | %11.4g %11.4g %11.4g %4d | %9.1f %9.1f %9.1f\n",
                    vname.c_str(), mname.c_str(), quantile(regrets, 0.25), quantile(regrets, 0.5),
                    quantile(regrets, 0.75), quantile(bad_counts, 0.5), quantile(named_regrets, 0.25),
                    quantile(named_regrets, 0.5), quantile(named_regrets, 0.75), by_mean, total_ms / std::max(proposals, 1),
                    total_cpu / std::max(proposals, 1), max_ms);
        std::fflush(stdout);
      }
    }
  }
  return 0;
}
