// GP fit and whole-batch proposal time (Proposer::propose = fit + qLogEI batch optimisation +
// qEI report) for q in {1,4,8}, d in {2,6,10,20}, n in {50,100,300,1000,2000}, and the number of
// pending points (in flight on other workers) in --pending (default 0).
// --quick runs a subset (q = 4; d = 2, 6; n = 100, 1000). --farm prints the farm-scale
// targets instead (d = 6: n = 2000 with q = 1 and 63 pending, n = 2000 with q = 64, n = 10,000
// with q = 4) and how time and memory grow with n, q and the number pending around them.
// Losses: a smooth random-phase function; pending points: uniformly random. Above n = 2000 the
// model sees the tuner's bounded subset (bound_model below).
// Each row: medians over --repeat runs (default 5). Columns: fit_ms and acq_ms are the two phases of one cold proposal (a fresh Proposer, so a full
// hyperparameter fit), timed inside that call (Proposal::fit_ms, acquisition_ms); total_ms is the
// wall time of the call and cpu_ms its process CPU time (the machine is shared: wall time includes
// waiting for a core, CPU time does not). upd_ms / upd_cpu: the next proposal after one more
// observation arrived with the first proposal's points pending besides the others, the
// asynchronous tuner's case, where the kept GP takes a rank-one update instead of a refit
// (ProposerOptions::refit_every). peak_MiB: the process's peak resident memory during the cold
// proposal (VmHWM after resetting it through /proc/self/clear_refs; the data itself included).
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
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

double cpu_ms() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return 1e3 * static_cast<double>(t.tv_sec) + 1e-6 * static_cast<double>(t.tv_nsec);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Peak resident set (VmHWM) in MiB since the last reset_peak(); -1 where /proc does not say.
void reset_peak() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
}
double peak_mib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::atof(line.c_str() + 6) / 1024.0;
  return -1.0;
}

double wall_ms() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Above 2000 evaluations the tuner fits its model on a bounded subset (ProposalEngine::kModelPoints
// in tuner/proposal_engine.hpp: the best quarter and an even spread of the rest, in history
// order); the bench sends the optimizer the same subset, so that large n is measured as the
// tuner runs it. The whole path, history file included: bench/optimizer/farm_scale_suggest.sh.
constexpr int kModelPoints = 2000;

void bound_model(Eigen::MatrixXd& X, Eigen::VectorXd& y) {
  const auto n = static_cast<int>(X.rows());
  if (n <= kModelPoints) return;
  const int best_count = kModelPoints / 4;
  std::vector<int> order(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) order[static_cast<std::size_t>(i)] = i;
  std::nth_element(order.begin(), order.begin() + best_count, order.end(), [&](int a, int b) { return y[a] < y[b]; });
  std::vector<char> best(static_cast<std::size_t>(n), 0);
  for (int k = 0; k < best_count; ++k) best[static_cast<std::size_t>(order[static_cast<std::size_t>(k)])] = 1;
  std::vector<int> keep, rest;
  for (int i = 0; i < n; ++i) (best[static_cast<std::size_t>(i)] ? keep : rest).push_back(i);
  const int spread = kModelPoints - best_count;
  for (int k = 0; k < spread; ++k)
    keep.push_back(rest[static_cast<std::size_t>(static_cast<double>(k) * static_cast<double>(rest.size() - 1) / (spread - 1) + 0.5)]);
  const Eigen::MatrixXd Xs = X(keep, Eigen::all);
  const Eigen::VectorXd ys = y(keep);
  X = Xs;
  y = ys;
}

struct Row {
  int q, d, n, pending;
};

// One row: the median of `repeat` cold proposals (and their updates), printed.
void run_row(const Row& row, int repeat) {
  const int q = row.q, d = row.d, n = row.n, pending = row.pending;
  Rng rng(static_cast<std::uint64_t>(1000 * d + n));
  ProposalRequest r;
  r.X.resize(n + 1, d);
  r.y.resize(n + 1);
  for (int i = 0; i <= n; ++i) {
    for (int j = 0; j < d; ++j) r.X(i, j) = uniform01(rng);
    r.y[i] = loss(r.X.row(i).transpose());
  }
  Eigen::MatrixXd in_flight(pending, d);
  for (int i = 0; i < pending; ++i)
    for (int j = 0; j < d; ++j) in_flight(i, j) = uniform01(rng);
  // The extra last row arrives after the first proposal.
  const Eigen::MatrixXd X_all = r.X;
  const Eigen::VectorXd y_all = r.y;
  r.q = q;
  // The same cold proposal and update `repeat` times, each with a fresh Proposer; the
  // median of each timing is printed (the machine is shared and noisy).
  std::vector<double> fit, acq, wall, cpu, upd_wall, upd_cpu, peak;
  Proposal p, u;
  for (int k = 0; k < repeat; ++k) {
    Proposer proposer(DesignSpace::continuous(d));
    reset_peak();
    const double c0 = cpu_ms(), w0 = wall_ms();
    r.X = X_all.topRows(n);
    r.y = y_all.head(n);
    bound_model(r.X, r.y);  // (timed: the tuner does it in each proposal)
    r.pending = in_flight;
    r.seed = 7;
    p = proposer.propose(r);
    const double c1 = cpu_ms(), w1 = wall_ms();
    peak.push_back(peak_mib());
    r.X = X_all;
    r.y = y_all;
    bound_model(r.X, r.y);
    r.pending.resize(pending + p.points.rows(), d);
    r.pending << in_flight, p.points;
    r.seed = 8;
    u = proposer.propose(r);
    const double c2 = cpu_ms(), w2 = wall_ms();
    fit.push_back(p.fit_ms);
    acq.push_back(p.acquisition_ms);
    wall.push_back(w1 - w0);
    cpu.push_back(c1 - c0);
    upd_wall.push_back(w2 - w1);
    upd_cpu.push_back(c2 - c1);
  }
  std::printf("%3d %3d %5d %4d | %9.1f %9.1f %9.1f %9.1f %8.0f | %9.1f %9.1f | %9.3f %10.3g%s\n", q, d, n, pending,
              median(fit), median(acq), median(wall), median(cpu), median(peak), median(upd_wall), median(upd_cpu),
              p.log_qei, p.qei_exact, u.model_update == "rank_one" ? "" : "  (update refitted)");
  std::fflush(stdout);
}

void header() {
  std::printf("%3s %3s %5s %4s | %9s %9s %9s %9s %8s | %9s %9s | %9s %10s\n", "q", "d", "n", "pend", "fit_ms", "acq_ms",
              "total_ms", "cpu_ms", "peak_MiB", "upd_ms", "upd_cpu", "log_qei", "qei_exact");
}
}  // namespace

int main(int argc, char** argv) {
  bool quick = false, farm = false;
  int repeat = 5;
  std::vector<int> only_q, only_d, only_n, pendings{0};
  auto list = [](const char* text) {
    std::vector<int> out;
    for (const char* p = text; *p;) {
      out.push_back(std::atoi(p));
      while (*p && *p != ',') ++p;
      if (*p == ',') ++p;
    }
    return out;
  };
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) quick = true;
    if (std::strcmp(argv[i], "--farm") == 0) farm = true;
    if (i + 1 < argc && std::strcmp(argv[i], "--q") == 0) only_q = list(argv[i + 1]);
    if (i + 1 < argc && std::strcmp(argv[i], "--d") == 0) only_d = list(argv[i + 1]);
    if (i + 1 < argc && std::strcmp(argv[i], "--n") == 0) only_n = list(argv[i + 1]);
    if (i + 1 < argc && std::strcmp(argv[i], "--pending") == 0) pendings = list(argv[i + 1]);
    if (i + 1 < argc && std::strcmp(argv[i], "--repeat") == 0) repeat = std::max(1, std::atoi(argv[i + 1]));
    if (std::strcmp(argv[i], "--help") == 0) {
      std::printf("usage: bench_proposal_speed [--quick | --farm] [--q 1,4,8] [--d 2,6,10,20] [--n 50,100,300,1000,2000]\n"
                  "                            [--pending 0,15,63] [--repeat 5]\n");
      return 0;
    }
  }
  if (farm) {
    // The targets (whole proposal, d = 6): q = 1 with 63 pending at n = 2000 under 1 s; q = 64
    // at n = 2000 under 3 s; q = 4 at n = 10,000 under 3 s and 1 GiB. Then growth around them.
    const int reps = std::min(repeat, 3);
    std::printf("farm-scale targets (d = 6; medians of %d)\n", reps);
    header();
    for (const Row& row : {Row{1, 6, 2000, 63}, Row{64, 6, 2000, 0}, Row{4, 6, 10000, 0}}) run_row(row, reps);
    std::printf("growth with the number pending (q = 1, n = 2000)\n");
    header();
    for (int p : {0, 7, 15, 31, 127}) run_row({1, 6, 2000, p}, reps);
    std::printf("growth with q (n = 2000, nothing pending)\n");
    header();
    for (int q : {1, 4, 8, 16, 32}) run_row({q, 6, 2000, 0}, reps);
    std::printf("growth with n (q = 4, nothing pending)\n");
    header();
    for (int n : {500, 1000, 2000, 4000, 20000}) run_row({4, 6, n, 0}, reps);
    return 0;
  }
  std::vector<int> qs = quick ? std::vector<int>{4} : std::vector<int>{1, 4, 8};
  std::vector<int> ds = quick ? std::vector<int>{2, 6} : std::vector<int>{2, 6, 10, 20};
  std::vector<int> ns = quick ? std::vector<int>{100, 1000} : std::vector<int>{50, 100, 300, 1000, 2000};
  if (!only_q.empty()) qs = only_q;
  if (!only_d.empty()) ds = only_d;
  if (!only_n.empty()) ns = only_n;
  header();
  for (int d : ds)
    for (int n : ns)
      for (int p : pendings)
        for (int q : qs) run_row({q, d, n, p}, repeat);
  return 0;
}
