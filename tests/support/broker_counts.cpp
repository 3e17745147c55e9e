#include "broker_counts.hpp"

#include <regex>
#include <sstream>

#include "http_client.hpp"

namespace quante::test {

std::uint16_t logged_metrics_port(const ChildProcess& broker) {
  static const std::regex line(R"(metrics on http://127\.0\.0\.1:(\d+)/metrics)");
  std::smatch m;
  const std::string log = broker.log();
  if (!std::regex_search(log, m, line)) return 0;
  return static_cast<std::uint16_t>(std::stoi(m[1]));
}

std::optional<double> metric_value(const std::string& exposition, const std::string& sample) {
  std::istringstream lines(exposition);
  for (std::string line; std::getline(lines, line);) {
    if (line.size() <= sample.size() || line.compare(0, sample.size(), sample) != 0 || line[sample.size()] != ' ')
      continue;
    try {
      return std::stod(line.substr(sample.size() + 1));
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

std::optional<BrokerCounts> read_broker_counts(const ChildProcess& broker) {
  const std::uint16_t port = logged_metrics_port(broker);
  if (port == 0) return std::nullopt;
  const auto reply = http_get(port, "/metrics", std::chrono::seconds(2));
  if (!reply || reply->status != 200) return std::nullopt;
  BrokerCounts counts;
  for (auto [field, name] : {std::pair{&BrokerCounts::workers_registered, "workers_registered_total"},
                             std::pair{&BrokerCounts::workers_connected, "workers_connected"},
                             std::pair{&BrokerCounts::workers_lost, "workers_lost_total"},
                             std::pair{&BrokerCounts::jobs_done, "jobs_done_total"}}) {
    const auto value = metric_value(reply->body, std::string("quante_broker_") + name);
    if (!value) return std::nullopt;
    counts.*field = static_cast<std::uint64_t>(*value);
  }
  return counts;
}

bool wait_for_broker(const ChildProcess& broker, const std::function<bool(const BrokerCounts&)>& condition,
                     std::chrono::milliseconds timeout) {
  return wait_until(
      [&] {
        const auto counts = read_broker_counts(broker);
        return counts && condition(*counts);
      },
      timeout);
}

}  // namespace quante::test
