// Optimisation quality: simple regret (best true value minus the global minimum) after a fixed
// budget, median and quartiles over seeds, for the qLogEI batch optimizer ("qei"), the original
// tool's method ("random_batches": best of 1000 random batches by MC qEI) and random search.
// Protocol: 2 d uniformly random initial points, then sequential batches of q = 4 (propose 4,
// evaluate, add) up to 60 evaluations (100 for d > 6).
//   bench_optimizer_quality [--seeds N] [--functions a,b,...] [--methods a,b,...]
//                           [--raw-samples N] [--restarts N] [--local-fraction F] [--mc-samples N]
//                           [--max-iterations N] [--refit-every N] [--refit-growth F] [--gp-restarts N]
//                           [--trust-region-share F] [--trust-region-length L] [--trust-region-min-dim N]
//                           [--transform standardize|power|rank_normal|log] [--prior-mean max|mean]
//                           [--per-seed 1]
// ms/prop is wall time per proposal, cpu/prop its process CPU time (the machine may be shared).
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "bench_text.hpp"
#include "proposer.hpp"
#include "rng.hpp"
#include "test_functions.hpp"

using namespace quante::opt;
using quante::bench::quantile;
using quante::bench::split;

namespace {

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
  BatchOptimizerOptions batch;
  GpOptions gp;
  int refit_every = ProposerOptions{}.refit_every;
  double refit_growth = ProposerOptions{}.refit_growth;
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
    if (std::strcmp(argv[i], "--per-seed") == 0) per_seed = std::atoi(argv[i + 1]) != 0;
    if (std::strcmp(argv[i], "--functions") == 0) functions = split(argv[i + 1]);
    if (std::strcmp(argv[i], "--methods") == 0) methods = split(argv[i + 1]);
  }
  const int q = 4;
  std::printf("%-12s %-15s %11s %11s %11s | %9s %9s %9s\n", "function", "method", "q25", "median", "q75",
              "ms/prop", "cpu/prop", "max_ms");
  for (const std::string& fname : functions) {
    const auto tf = quante::find_test_function(fname);
    if (!tf) {
      std::fprintf(stderr, "unknown function %s\n", fname.c_str());
      return 2;
    }
    const int d = tf->dim;
    const int budget = d > 6 ? 100 : 60;
    auto evaluate = [&](const Eigen::VectorXd& u) {
      std::vector<double> x(static_cast<std::size_t>(d));
      for (int j = 0; j < d; ++j)
        x[static_cast<std::size_t>(j)] = tf->low[static_cast<std::size_t>(j)] +
                                         u[j] * (tf->high[static_cast<std::size_t>(j)] - tf->low[static_cast<std::size_t>(j)]);
      return tf->f(x);
    };
    for (const std::string& mname : methods) {
      const auto method = parse_proposal_method(mname);
      if (!method) {
        std::fprintf(stderr, "unknown method %s\n", mname.c_str());
        return 2;
      }
      std::vector<double> regrets;
      double total_ms = 0.0, max_ms = 0.0, total_cpu = 0.0;
      int proposals = 0;
      for (int s = 0; s < seeds; ++s) {
        ProposerOptions opts;
        opts.method = *method;
        opts.batch = batch;
        opts.refit_every = refit_every;
        opts.refit_growth = refit_growth;
        Proposer proposer(DesignSpace::continuous(d), gp, opts);
        Rng rng(static_cast<std::uint64_t>(s) * 7919 + 17);
        const int n0 = 2 * d;
        ProposalRequest r;
        r.X.resize(n0, d);
        r.y.resize(n0);
        for (int i = 0; i < n0; ++i) {
          for (int j = 0; j < d; ++j) r.X(i, j) = uniform01(rng);
          r.y[i] = evaluate(r.X.row(i).transpose());
        }
        r.q = q;
        int round = 0;
        while (r.X.rows() < budget) {
          r.q = std::min<int>(q, budget - static_cast<int>(r.X.rows()));
          r.seed = static_cast<std::uint64_t>(s) * 1000 + static_cast<std::uint64_t>(round++);
          const auto t0 = std::chrono::steady_clock::now();
          const double c0 = cpu_ms();
          const Proposal p = proposer.propose(r);
          total_cpu += cpu_ms() - c0;
          const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
          total_ms += ms;
          max_ms = std::max(max_ms, ms);
          ++proposals;
          const Eigen::Index n = r.X.rows();
          r.X.conservativeResize(n + p.points.rows(), Eigen::NoChange);
          r.y.conservativeResize(n + p.points.rows());
          for (Eigen::Index i = 0; i < p.points.rows(); ++i) {
            r.X.row(n + i) = p.points.row(i);
            r.y[n + i] = evaluate(p.points.row(i).transpose());
          }
          if (p.points.rows() == 0) break;
        }
        regrets.push_back(r.y.minCoeff() - tf->optimum);
        if (per_seed) std::printf("  %s %s seed %d regret %.6g\n", fname.c_str(), mname.c_str(), s, regrets.back());
      }
      std::printf("%-12s %-15s %11.4g %11.4g %11.4g | %9.1f %9.1f %9.1f\n", fname.c_str(), mname.c_str(),
                  quantile(regrets, 0.25), quantile(regrets, 0.5), quantile(regrets, 0.75),
                  total_ms / std::max(proposals, 1), total_cpu / std::max(proposals, 1), max_ms);
      std::fflush(stdout);
    }
  }
  return 0;
}
