// Integration: examples/python_quadratic.py (a pure-Python objective on the helper) served by a
// real quante-worker through a real quante-broker, to a real quante-tuner completing a study.
#include <catch2/catch.hpp>

#include <cmath>

#include "farm.hpp"

using namespace quante::test;
using namespace std::chrono_literals;

TEST_CASE("a Python objective on the helper completes a study through a broker and a worker",
          "[python][farm][integration]") {
  Farm farm;
  farm.start_broker();
  const std::string command = "exec " + std::string(QUANTE_TEST_PYTHON) + " " + std::string(QUANTE_SOURCE_DIR) +
                              "/examples/python_quadratic.py";
  farm.start_worker({"quadratic=exec:" + command});
  REQUIRE(farm.wait_for_workers(1));
  const std::string study =
      "name = \"python-helper\"\nobjective = \"quadratic\"\nbudget = 8\nbatch = 2\ninitial = 4\nseed = 5\n"
      "[space]\nx = { type = \"float\", low = -1.0, high = 1.0 }\n"
      "y = { type = \"float\", low = -1.0, high = 1.0 }\n"
      "shape = { type = \"categorical\", choices = [\"round\", \"square\"] }\n";
  auto tuner = farm.start_tuner(study, farm.history_path());
  const auto code = tuner->wait(120s);
  INFO(tuner->log());
  INFO(farm.workers[0]->log());
  REQUIRE(code == 0);
  const auto history = read_history(farm.history_path());
  REQUIRE(history.size() == 8);
  for (const auto& r : history) {
    REQUIRE(r["status"] == "ok");
    const double x = r["params"]["x"].get<double>(), y = r["params"]["y"].get<double>();
    const double penalty = r["params"]["shape"] == "square" ? 0.5 : 0.0;
    CHECK(r["loss"].get<double>() == Approx((x - 0.3) * (x - 0.3) + (y + 0.2) * (y + 0.2) + penalty));
  }
  // print() in the objective reached the worker's log, not the answers.
  CHECK(farm.workers[0]->log().find("evaluating x=") != std::string::npos);
}
