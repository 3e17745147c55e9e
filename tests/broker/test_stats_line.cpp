// The broker's closing stats line (broker/stats_line.hpp) is one JSON object whose keys are
// BrokerStats' fields with their values, so that tests read counts from it, not from log prose.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "stats_line.hpp"

using namespace quante::broker;

TEST_CASE("stats line: one JSON object with every counter", "[broker][stats]") {
  const BrokerStats s{.submitted = 12, .dispatched = 11, .completed = 10, .requeued = 2, .workers_lost = 1,
                      .workers_registered = 5,
                      .out_of_memory_retries = 4, .workers = 3, .queued = 1};
  const std::string line = stats_json(s);
  CHECK(line.find('\n') == std::string::npos);
  const auto json = nlohmann::json::parse(line);
  REQUIRE(json.is_object());
  CHECK(json.size() == 17);
  CHECK(json["submitted"] == 12);
  CHECK(json["dispatched"] == 11);
  CHECK(json["completed"] == 10);
  CHECK(json["requeued"] == 2);
  CHECK(json["workers_lost"] == 1);
  CHECK(json["out_of_memory_retries"] == 4);
  CHECK(json["workers"] == 3);
  CHECK(json["queued"] == 1);
  CHECK(json["stale_results"] == 0);
  CHECK(json["jobs"] == 0);
  CHECK(json["workers_registered"] == 5);
}
