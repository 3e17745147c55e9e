#include "farm.hpp"

#include <csignal>

#include <algorithm>
#include <fstream>

namespace quante::test {

namespace {

// Appends the FLAG VALUE pairs of `defaults` that `extra` does not set itself, then `extra`.
void append_with_defaults(std::vector<std::string>& argv, const std::vector<std::string>& defaults,
                          const std::vector<std::string>& extra) {
  for (std::size_t i = 0; i + 1 < defaults.size(); i += 2) {
    if (std::find(extra.begin(), extra.end(), defaults[i]) != extra.end()) continue;
    argv.push_back(defaults[i]);
    argv.push_back(defaults[i + 1]);
  }
  argv.insert(argv.end(), extra.begin(), extra.end());
}

}  // namespace

Farm::Farm() = default;

ChildProcess& Farm::start_broker(std::vector<std::string> extra) {
  std::vector<std::string> argv = {std::string(QUANTE_BIN_DIR) + "/quante-broker", "--frontend", frontend(), "--backend", backend()};
  std::vector<std::string> defaults = heartbeat_args();
  const auto sets = [&](const char* flag) { return std::find(extra.begin(), extra.end(), flag) != extra.end(); };
  if (!sets("--metrics") && !sets("--config")) defaults.insert(defaults.end(), {"--metrics", "127.0.0.1:0"});
  append_with_defaults(argv, defaults, extra);
  broker = std::make_unique<ChildProcess>(argv, dir_.file("broker-" + std::to_string(started_++) + ".log"));
  return *broker;
}

ChildProcess& Farm::start_worker(const std::vector<std::string>& objectives, std::vector<std::string> extra) {
  return start_worker_via(backend(), objectives, std::move(extra));
}

ChildProcess& Farm::start_worker_via(const std::string& endpoint, const std::vector<std::string>& objectives,
                                     std::vector<std::string> extra) {
  std::vector<std::string> argv = {std::string(QUANTE_BIN_DIR) + "/quante-worker", "--broker", endpoint, "--reconnect-ms", "100"};
  for (const auto& o : objectives) {
    argv.push_back("--objective");
    argv.push_back(o);
  }
  append_with_defaults(argv, heartbeat_args(), extra);
  workers.push_back(std::make_unique<ChildProcess>(argv, dir_.file("worker-" + std::to_string(started_++) + ".log")));
  return *workers.back();
}

std::unique_ptr<ChildProcess> Farm::start_tuner(const std::string& study_toml, const std::string& history,
                                                std::vector<std::string> extra) {
  const std::string study_path = dir_.file("study-" + std::to_string(started_) + ".toml");
  write_file(study_path, study_toml);
  std::vector<std::string> argv = {std::string(QUANTE_BIN_DIR) + "/quante-tuner", "run", study_path,
                                   "--broker", frontend(), "--history", history, "--progress", "lines"};
  append_with_defaults(argv, heartbeat_args(), extra);
  return std::make_unique<ChildProcess>(argv, dir_.file("tuner-" + std::to_string(started_++) + ".log"));
}

bool Farm::wait_for_workers(int count, std::chrono::milliseconds timeout) {
  return wait_for_broker([&](const BrokerCounts& c) { return c.workers_registered >= static_cast<std::uint64_t>(count); },
                         timeout);
}

nlohmann::json stop_for_stats(ChildProcess& process) {
  process.signal(SIGTERM);
  process.wait(std::chrono::seconds(10));
  const std::string log = process.log();
  const auto line = log.rfind("stats {");
  if (line == std::string::npos) return nlohmann::json::object();
  const auto begin = line + 6;
  const auto end = log.find('\n', begin);
  auto stats = nlohmann::json::parse(log.substr(begin, end == std::string::npos ? std::string::npos : end - begin),
                                     nullptr, false);
  return stats.is_object() ? stats : nlohmann::json::object();
}

bool each_job_ran_once(const nlohmann::json& stats, int jobs) {
  return stats.value("completed", -1) == jobs && stats.value("workers_lost", -1) == 0 &&
         stats.value("requeued", -1) == 0;
}

std::vector<nlohmann::json> read_history(const std::string& path) {
  std::vector<nlohmann::json> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  return out;
}

}  // namespace quante::test
