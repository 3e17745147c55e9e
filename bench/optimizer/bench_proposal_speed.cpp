// GP fit and whole-batch proposal time (Proposer::propose = fit + qLogEI batch optimisation +
// exact qEI report) for q in {1,4,8}, d in {2,6,10,20}, n in {50,100,300,1000,2000}.
// --quick runs a subset (q = 4; d = 2, 6; n = 100, 1000). Losses: a smooth random-phase function.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

#include "proposer.hpp"
#include "rng.hpp"

using namespace quante::opt;

namespace {
double loss(const Eigen::VectorXd& x) {
  double s = 0.0;
  for (Eigen::Index i = 0; i < x.size(); ++i) s += std::pow(x[i] - 0.4, 2) + 0.1 * std::cos(9.0 * x[i] + i);
  return s;
}
}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) quick = true;
    if (std::strcmp(argv[i], "--help") == 0) {
      std::printf("usage: bench_proposal_speed [--quick]\n");
      return 0;
    }
  }
  const std::vector<int> qs = quick ? std::vector<int>{4} : std::vector<int>{1, 4, 8};
  const std::vector<int> ds = quick ? std::vector<int>{2, 6} : std::vector<int>{2, 6, 10, 20};
  const std::vector<int> ns = quick ? std::vector<int>{100, 1000} : std::vector<int>{50, 100, 300, 1000, 2000};
  std::printf("%3s %3s %5s | %9s %9s %9s | %9s %10s\n", "q", "d", "n", "fit_ms", "acq_ms", "total_ms",
              "log_qei", "qei_exact");
  for (int d : ds)
    for (int n : ns)
      for (int q : qs) {
        Rng rng(static_cast<std::uint64_t>(1000 * d + n));
        ProposalRequest r;
        r.X.resize(n, d);
        r.y.resize(n);
        for (int i = 0; i < n; ++i) {
          for (int j = 0; j < d; ++j) r.X(i, j) = uniform01(rng);
          r.y[i] = loss(r.X.row(i).transpose());
        }
        r.q = q;
        r.seed = 7;
        Proposer proposer(DesignSpace::continuous(d));
        // Time the fit alone on a separate GP, then the whole proposal (its own fit included).
        GaussianProcess gp;
        const auto t0 = std::chrono::steady_clock::now();
        gp.fit(r.X, r.y, 1);
        const auto t1 = std::chrono::steady_clock::now();
        const Proposal p = proposer.propose(r);
        const auto t2 = std::chrono::steady_clock::now();
        const double fit_ms = std::chrono::duration<double, std::milli>(t1 - t0).count();
        const double total_ms = std::chrono::duration<double, std::milli>(t2 - t1).count();
        std::printf("%3d %3d %5d | %9.1f %9.1f %9.1f | %9.3f %10.3g\n", q, d, n, fit_ms,
                    total_ms - fit_ms, total_ms, p.log_qei, p.qei_exact);
        std::fflush(stdout);
      }
  return 0;
}
