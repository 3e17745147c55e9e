// See dashboard_state.hpp.
#include "dashboard_state.hpp"

#include <cmath>

#include "json_params.hpp"

namespace quante::tuner::dashboard {

namespace {

nlohmann::json loss_json(const std::optional<double>& loss) {
  if (!loss || !std::isfinite(*loss)) return nullptr;
  return *loss;
}

}  // namespace

std::optional<int> gpu_of_worker(const std::string& worker) {
  const auto at = worker.rfind("/gpu");
  if (at == std::string::npos || at + 4 >= worker.size() || worker.size() - at - 4 > 4) return std::nullopt;
  const std::string digits = worker.substr(at + 4);
  if (digits.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  return std::stoi(digits);
}

nlohmann::json state_json(const LiveView& view) {
  const auto& study = view.study;
  const auto& state = view.state;
  const auto& records = state.evaluations();
  int ok = 0, stopped = 0, failed = 0;
  for (const auto& r : records) (r.ok() ? ok : r.stopped() ? stopped : failed) += 1;

  nlohmann::json j;
  j["study"] = study.name;
  j["objective"] = study.objective;
  j["direction"] = study.direction == Direction::Minimize ? "minimize" : "maximize";
  j["budget"] = study.budget;
  j["evaluations"] = records.size();
  j["ok"] = ok;
  j["stopped"] = stopped;
  j["failed"] = failed;
  j["running"] = state.in_flight();
  j["workers"] = view.workers;
  j["queued"] = view.queued;
  j["elapsed_s"] = std::max(0.0, view.now - state.started_at());
  j["finished"] = view.finished;
  j["stop_reason"] = state.done() ? state.stop_reason() : "";
  if (const auto best = state.best()) {
    j["best"] = {{"loss", loss_json(best->loss)}, {"params", quante::to_json(best->params)}, {"index", best->index},
                 {"job", best->job}, {"worker", best->worker}};
  } else {
    j["best"] = nullptr;
  }

  auto running = nlohmann::json::array();
  for (const auto& p : state.in_flight_proposals()) {
    const auto on = view.running_on.find(p.job);
    const bool placed = on != view.running_on.end() && !on->second.worker.empty();
    // Running since the broker handed it to a worker; before that (queued), since it was proposed.
    const double since = placed && on->second.started_at > 0 ? on->second.started_at : p.proposed_at;
    nlohmann::json t{{"job", p.job}, {"params", quante::to_json(p.params)}, {"retry", p.retry},
                     {"running_s", since > 0 ? std::max(0.0, view.now - since) : 0.0}};
    t["worker"] = placed ? nlohmann::json(on->second.worker) : nlohmann::json(nullptr);
    const auto gpu = !placed ? std::nullopt
                     : on->second.gpu >= 0 ? std::optional<int>(on->second.gpu)
                                           : gpu_of_worker(on->second.worker);  // an older broker: from the name
    t["gpu"] = gpu ? nlohmann::json(*gpu) : nlohmann::json(nullptr);
    const auto* extras = state.extras(p.job);
    if (extras && !extras->curve.empty()) {
      t["step"] = extras->curve.back().first;
      t["loss"] = loss_json(extras->curve.back().second);
    } else {
      t["step"] = nullptr;
      t["loss"] = nullptr;
    }
    running.push_back(std::move(t));
  }
  j["running_trials"] = std::move(running);

  auto record_json = [](const EvaluationRecord& r) {
    return nlohmann::json{{"index", r.index}, {"job", r.job},       {"status", r.status},
                          {"loss", loss_json(r.loss)},               {"params", quante::to_json(r.params)},
                          {"worker", r.worker}, {"failure", r.failure}, {"error", r.error},
                          {"seconds", r.finished_at > 0 && r.started_at > 0 ? r.finished_at - r.started_at : 0.0}};
  };
  auto recent = nlohmann::json::array();
  for (std::size_t i = records.size() > kRecentResults ? records.size() - kRecentResults : 0; i < records.size(); ++i)
    recent.push_back(record_json(records[i]));
  j["recent"] = std::move(recent);
  auto failures = nlohmann::json::array();
  for (auto it = records.rbegin(); it != records.rend() && failures.size() < kRecentFailures; ++it)
    if (it->failed()) failures.push_back(record_json(*it));
  j["failures"] = std::move(failures);  // newest first
  return j;
}

}  // namespace quante::tuner::dashboard
