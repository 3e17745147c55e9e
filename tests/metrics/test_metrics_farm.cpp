// Integration: a broker serving --metrics on a port the system picks, two workers and a tuner
// running a study. A real Prometheus server (its own config and storage in the farm's folder,
// scraping every second) is asked through its HTTP API until the broker's done counter equals
// the study's budget and the workers gauge shows both workers; promtool lints the scraped text.
// Also: the refusals of a bad or non-loopback metrics address (exit 2, the option named).
#include <catch2/catch.hpp>

#include <csignal>
#include <unistd.h>

#include "farm.hpp"
#include "http_client.hpp"

using namespace quante::test;
using namespace std::chrono_literals;

namespace {

constexpr int kBudget = 12;

std::string study() {
  return "name = \"metrics-test\"\nobjective = \"branin\"\nbudget = " + std::to_string(kBudget) +
         "\nbatch = 2\ninitial = 4\nseed = 5\n"
         "[space]\nx0 = { type = \"float\", low = -5.0, high = 10.0 }\n"
         "x1 = { type = \"float\", low = 0.0, high = 15.0 }\n";
}

std::string tool(const char* name) {
  for (const std::string dir : {"/usr/bin/", "/usr/local/bin/"})
    if (::access((dir + name).c_str(), X_OK) == 0) return dir + name;
  FAIL(name << " is missing: scripts/install-deps installs Debian's prometheus package");
  return {};
}

// The value of a one-sample instant query, as Prometheus writes it ("12"), or nullopt.
std::optional<std::string> query(std::uint16_t port, const std::string& promql) {
  auto reply = http_get(port, "/api/v1/query?query=" + url_encode(promql));
  if (!reply || reply->status != 200) return std::nullopt;
  const auto json = nlohmann::json::parse(reply->body, nullptr, false);
  if (json.is_discarded() || json["status"] != "success") return std::nullopt;
  const auto& result = json["data"]["result"];
  if (!result.is_array() || result.size() != 1) return std::nullopt;
  return result[0]["value"][1].get<std::string>();
}

}  // namespace

TEST_CASE("Prometheus scrapes the broker of a running farm and counts the study's jobs", "[metrics][integration]") {
  const std::string prometheus = tool("prometheus");
  const std::string promtool = tool("promtool");
  Farm farm;
  farm.start_broker({"--metrics", "127.0.0.1:0"});
  REQUIRE(wait_until([&] { return logged_metrics_port(*farm.broker) != 0; }, 20s));
  const std::uint16_t metrics_port = logged_metrics_port(*farm.broker);
  farm.start_worker({"branin=builtin:branin"});
  farm.start_worker({"branin=builtin:branin"});
  REQUIRE(farm.wait_for_workers(2));

  const std::uint16_t prometheus_port = free_tcp_port();
  const std::string config = farm.dir().file("prometheus.yml");
  write_file(config,
             "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
             "scrape_configs:\n  - job_name: quante-broker\n    static_configs:\n"
             "      - targets: ['127.0.0.1:" + std::to_string(metrics_port) + "']\n");
  ChildProcess server({prometheus, "--config.file=" + config, "--storage.tsdb.path=" + farm.dir().file("tsdb"),
                       "--web.listen-address=127.0.0.1:" + std::to_string(prometheus_port)},
                      farm.dir().file("prometheus.log"));
  INFO(server.log());
  REQUIRE(wait_until(
      [&] {
        auto ready = http_get(prometheus_port, "/-/ready", 1s);
        return ready && ready->status == 200;
      },
      60s));

  auto tuner = farm.start_tuner(study(), farm.history_path());
  const auto code = tuner->wait(120s);
  INFO(tuner->log());
  REQUIRE(code == 0);

  // What Prometheus stored, through its own query API: the broker's counters after the study.
  std::optional<std::string> done;
  const bool counted = wait_until(
      [&] {
        done = query(prometheus_port, "quante_broker_jobs_done_total{job=\"quante-broker\"}");
        return done == std::to_string(kBudget);
      },
      90s);
  INFO("done counter as Prometheus last saw it: " << done.value_or("(none)"));
  INFO(farm.broker->log());
  REQUIRE(counted);
  CHECK(query(prometheus_port, "sum(quante_broker_workers{objective=\"branin\"})") == "2");
  CHECK(query(prometheus_port, "quante_broker_workers_connected") == "2");
  CHECK(query(prometheus_port, "quante_broker_round_trip_seconds_count") == std::to_string(kBudget));
  CHECK(query(prometheus_port, "quante_broker_jobs_submitted_total") == std::to_string(kBudget));
  CHECK(query(prometheus_port, "sum(quante_broker_jobs_failed_total)") == "0");
  CHECK(query(prometheus_port, "up{job=\"quante-broker\"}") == "1");

  // promtool lints the very text the broker serves.
  auto scraped = http_get(metrics_port, "/metrics");
  REQUIRE(scraped);
  REQUIRE(scraped->status == 200);
  CHECK(scraped->headers.find("text/plain; version=0.0.4") != std::string::npos);
  const std::string text_path = farm.dir().file("scraped.txt");
  write_file(text_path, scraped->body);
  ChildProcess lint({"/bin/sh", "-c", promtool + " check metrics < " + text_path}, farm.dir().file("promtool.log"));
  const auto lint_code = lint.wait(60s);
  INFO("promtool: " << lint.log());
  INFO(scraped->body);
  CHECK(lint_code == 0);
  CHECK(lint.log().empty());  // no lint findings either

  server.signal(SIGTERM);
  CHECK(server.wait(30s).has_value());
  farm.broker->signal(SIGTERM);
  CHECK(farm.broker->wait(10s) == 0);
}

TEST_CASE("a metrics address that is malformed or not loopback stops the broker with exit 2", "[metrics][integration]") {
  Farm farm;
  auto& remote = farm.start_broker({"--metrics", "0.0.0.0:0"});
  REQUIRE(remote.wait(10s) == 2);
  CHECK(remote.log().find("--metrics-allow-remote") != std::string::npos);
  auto& bad = farm.start_broker({"--metrics", "localhost"});
  REQUIRE(bad.wait(10s) == 2);
  CHECK(bad.log().find("metrics") != std::string::npos);
  const std::string config = farm.dir().file("broker.toml");
  write_file(config, "metrics = \"127.0.0.1:70000\"\n");
  auto& from_file = farm.start_broker({"--config", config});
  REQUIRE(from_file.wait(10s) == 2);
  CHECK(from_file.log().find("key 'metrics'") != std::string::npos);
  // Allowed in so many words, a wildcard address is served.
  auto& allowed = farm.start_broker({"--metrics", "0.0.0.0:0", "--metrics-allow-remote"});
  REQUIRE(wait_until([&] { return allowed.log().find("metrics on http://0.0.0.0:") != std::string::npos; }, 20s));
  allowed.signal(SIGTERM);
  CHECK(allowed.wait(10s) == 0);
}

TEST_CASE("the tuner's --metrics endpoint shows the study's progress and passes promtool", "[metrics][integration]") {
  const std::string promtool = tool("promtool");
  Farm farm;
  farm.start_broker();
  // Jobs of 200 ms, one worker: the study runs long enough to be scraped in the middle.
  farm.start_worker({"slow=builtin:delay:branin"});
  REQUIRE(farm.wait_for_workers(1));
  const std::string study_text =
      "name = \"tuner-metrics\"\nobjective = \"slow\"\nbudget = 10\nbatch = 1\ninitial = 3\nseed = 2\n"
      "[space]\nx0 = { type = \"float\", low = -5.0, high = 10.0 }\n"
      "x1 = { type = \"float\", low = 0.0, high = 15.0 }\n"
      "duration_ms = { type = \"int\", low = 200, high = 201 }\n";
  auto tuner = farm.start_tuner(study_text, farm.history_path(), {"--metrics", "127.0.0.1:0"});
  REQUIRE(wait_until([&] { return logged_metrics_port(*tuner) != 0; }, 20s));
  const std::uint16_t port = logged_metrics_port(*tuner);
  std::optional<HttpReply> scraped;
  const bool progressed = wait_until(
      [&] {
        scraped = http_get(port, "/metrics", 2s);
        if (!scraped) return false;
        const std::string name = "\nquante_tuner_evaluations_done ";
        const auto at = scraped->body.find(name);
        return at != std::string::npos && std::stoi(scraped->body.substr(at + name.size())) >= 2;
      },
      60s);
  INFO(tuner->log());
  REQUIRE(progressed);
  const std::string& text = scraped->body;
  CHECK(text.find("quante_tuner_info{study=\"tuner-metrics\",objective=\"slow\"} 1\n") != std::string::npos);
  CHECK(text.find("\nquante_tuner_budget 10\n") != std::string::npos);
  CHECK(text.find("\nquante_tuner_evaluations_failed 0\n") != std::string::npos);
  CHECK(text.find("\nquante_tuner_best_loss NaN\n") == std::string::npos);  // losses were recorded
  CHECK(text.find("\nquante_tuner_best_loss ") != std::string::npos);
  CHECK(text.find("\nquante_tuner_workers 1\n") != std::string::npos);
  const std::string text_path = farm.dir().file("tuner-scraped.txt");
  write_file(text_path, text);
  ChildProcess lint({"/bin/sh", "-c", promtool + " check metrics < " + text_path}, farm.dir().file("promtool.log"));
  const auto lint_code = lint.wait(60s);
  INFO("promtool: " << lint.log());
  INFO(text);
  CHECK(lint_code == 0);
  CHECK(lint.log().empty());
  REQUIRE(tuner->wait(120s) == 0);
  // The proposal histogram counted every proposal: at least the one after the initial design.
  CHECK(text.find("quante_tuner_proposal_seconds_count ") != std::string::npos);
}
