// Worker utilisation, async vs sync: 4 real workers, an objective whose duration varies 10x
// between points (builtin:delay:branin, duration_ms in [100, 1000] by default), 40 evaluations.
// Utilisation = busy time / (workers x wall time from the first start to the last finish).
// Async runs with queue_ahead 1 (the default: a point waits at the broker) and 0 (a point is
// proposed only when a slot frees); sync waits for whole batches.
//
//   bench_utilisation [--budget 40] [--workers 4] [--min-ms 100] [--max-ms 1000] [--seed 3]
#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "farm.hpp"

using namespace quante::test;

int main(int argc, char** argv) {
  int budget = 40, workers = 4, min_ms = 100, max_ms = 1000, seed = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    const int value = std::stoi(argv[i + 1]);
    if (key == "--budget") budget = value;
    else if (key == "--workers") workers = value;
    else if (key == "--min-ms") min_ms = value;
    else if (key == "--max-ms") max_ms = value;
    else if (key == "--seed") seed = value;
  }
  std::printf("%-16s %8s %8s %12s\n", "mode", "evals", "wall_s", "utilisation");
  const std::vector<std::pair<std::string, int>> runs = {{"async", 1}, {"async", 0}, {"sync", 0}};
  for (const auto& [mode, queue_ahead] : runs) {
    const std::string label = mode == "async" ? mode + " ahead=" + std::to_string(queue_ahead) : mode;
    Farm farm;
    farm.start_broker();
    for (int w = 0; w < workers; ++w) farm.start_worker({"slow=builtin:delay:branin"});
    farm.wait_for_workers(workers);
    const std::string study = "name = \"util-" + mode + "\"\nobjective = \"slow\"\nbudget = " + std::to_string(budget) +
                              "\nbatch = " + std::to_string(workers) + "\ninitial = 8\nseed = " + std::to_string(seed) + "\nmode = \"" + mode +
                              "\"\nqueue_ahead = " + std::to_string(queue_ahead) + "\n[space]\nx0 = { type = \"float\", low = -5.0, high = 10.0 }\n"
                              "x1 = { type = \"float\", low = 0.0, high = 15.0 }\n"
                              "duration_ms = { type = \"int\", low = " + std::to_string(min_ms) + ", high = " +
                              std::to_string(max_ms) + " }\n";
    auto tuner = farm.start_tuner(study, farm.history_path());
    if (tuner->wait(std::chrono::minutes(10)) != 0) {
      std::fprintf(stderr, "%s run failed:\n%s\n", label.c_str(), tuner->log().c_str());
      return 1;
    }
    const auto history = read_history(farm.history_path());
    double first = 1e300, last = 0, busy = 0;
    for (const auto& r : history) {
      const double s = r["started_at"], f = r["finished_at"];
      first = std::min(first, s);
      last = std::max(last, f);
      busy += f - s;
    }
    std::printf("%-16s %8zu %8.2f %11.1f%%\n", label.c_str(), history.size(), last - first,
                100.0 * busy / (workers * (last - first)));
  }
  return 0;
}
