// A large history degrades instead of dying: the GP is fitted on a bounded subset
// (ProposalEngine::kModelPoints), so 50,000 evaluations propose with bounded memory. Measured as
// the growth of this process's peak resident set (each test case runs in its own process under
// ctest), not as wall-clock time.
#include <catch2/catch.hpp>

#include <sys/resource.h>

#include <cmath>
#include <set>

#include "proposal_engine.hpp"

using namespace quante;
using namespace quante::tuner;

namespace {

long peak_resident_kib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;  // KiB on Linux
}

Study branin_study() {
  Study s;
  s.name = "large";
  s.objective = "branin";
  s.budget = 1000000;
  s.batch = 4;
  s.initial = 4;
  s.seed = 3;
  s.space = SearchSpace({{"x0", ParamType::Float, -5, 10, false, {}}, {"x1", ParamType::Float, 0, 15, false, {}}});
  return s;
}

}  // namespace

TEST_CASE("a 50,000-evaluation history proposes with bounded memory", "[proposal][large]") {
  const Study study = branin_study();
  std::vector<EvaluationRecord> history;
  history.reserve(50000);
  for (int i = 0; i < 50000; ++i) {
    // A deterministic scatter over the box (a Weyl sequence), some of it failed.
    const double u = std::fmod(0.5 + i * 0.6180339887498949, 1.0), v = std::fmod(0.5 + i * 0.7548776662466927, 1.0);
    EvaluationRecord r;
    r.index = i;
    r.job = "J" + std::to_string(i);
    r.params = {{"x0", -5 + 15 * u}, {"x1", 15 * v}};
    if (i % 50 == 7) {
      r.status = "failed";
      r.error = "diverged";
    } else {
      const double x0 = -5 + 15 * u, x1 = 15 * v;
      const double b = x1 - 5.1 / (4 * M_PI * M_PI) * x0 * x0 + 5 / M_PI * x0 - 6;
      r.loss = b * b + 10 * (1 - 1 / (8 * M_PI)) * std::cos(x0) + 10;
    }
    history.push_back(std::move(r));
  }
  const long before = peak_resident_kib();
  ProposalEngine engine(study);
  const auto batch = engine.propose(history, {}, 4, 1);
  const long growth_mib = (peak_resident_kib() - before) / 1024;
  INFO("peak resident set grew by " << growth_mib << " MiB");
  // An exact GP on 50,000 points would need 50,000^2 doubles (19 GiB) per covariance matrix.
  CHECK(growth_mib < 1024);
  REQUIRE(batch.points.size() == 4);
  CHECK(batch.method == "qei");
  std::set<std::string> taken;
  for (const auto& e : history) taken.insert(study.space.key(e.params));
  for (const auto& p : batch.points) CHECK_FALSE(taken.count(study.space.key(p)));
}
