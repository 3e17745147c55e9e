// A mixed study as a user runs it with quante-tuner suggest/tell, each command a real process
// (issue 14): three categoricals and a log-scaled int, losses that pull the model into one
// corner of the space. No point is ever handed out twice, and no proposal needed the fallback
// (a repeat swapped for a pool or random point, or fresh Sobol points: the tuner logs both).
#include <catch2/catch.hpp>

#include <cmath>
#include <set>

#include <nlohmann/json.hpp>

#include "farm.hpp"
#include "process.hpp"
#include "tuner_command.hpp"

using namespace quante::test;
using namespace std::chrono_literals;

namespace {

TunerCommandResult tuner(const TempDir& dir, std::vector<std::string> args) { return run_tuner_command(dir, std::move(args)); }

const char* kStudy =
    "name = \"mixed\"\nobjective = \"quadratic\"\nbudget = 60\ninitial = 4\nseed = 5\n"
    "[space]\n"
    "optimizer = { type = \"categorical\", choices = [\"adam\", \"sgd\", \"lion\"] }\n"
    "activation = { type = \"categorical\", choices = [\"relu\", \"gelu\"] }\n"
    "norm = { type = \"categorical\", choices = [\"none\", \"batch\", \"layer\", \"group\"] }\n"
    "width = { type = \"int\", low = 1, high = 64, log = true }\n";

double loss_of(const nlohmann::json& p) {
  const double w = std::log2(p["width"].get<double>()) - 3.0;
  return w * w + (p["optimizer"] == "sgd" ? 0.0 : 1.0) + (p["norm"] == "layer" ? 0.0 : 0.5) +
         (p["activation"] == "gelu" ? 0.0 : 0.2);
}

}  // namespace

TEST_CASE("A mixed study with three categoricals and a log int never repeats a point", "[ask_tell][mixed]") {
  TempDir dir;
  const std::string study = dir.file("study.toml"), history = dir.file("h.jsonl");
  write_file(study, kStudy);
  std::set<std::string> seen;
  for (int round = 0; round < 9; ++round) {
    const TunerCommandResult s = tuner(dir, {"suggest", study, "--history", history, "--q", "4"});
    REQUIRE(s.status == 0);
    CHECK_THAT(s.output, !Catch::Contains("fresh Sobol points"));
    CHECK_THAT(s.output, !Catch::Contains("no allowed discrete neighbour"));
    std::size_t start = 0;
    int got = 0;
    while (start < s.output.size()) {
      const auto end = s.output.find('\n', start);
      const std::string line = s.output.substr(start, end == std::string::npos ? std::string::npos : end - start);
      start = end == std::string::npos ? s.output.size() : end + 1;
      if (line.empty() || line[0] != '{') continue;
      const auto j = nlohmann::json::parse(line);
      INFO("round " << round << ": " << line);
      CHECK(seen.insert(j["params"].dump()).second);
      const TunerCommandResult t = tuner(dir, {"tell", study, "--history", history, "--job", j["job"].get<std::string>(), "--loss",
                                std::to_string(loss_of(j["params"]))});
      REQUIRE(t.status == 0);
      ++got;
    }
    CHECK(got == 4);
  }
  CHECK(seen.size() == 36);
}
