#include "broker_state.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace quante::broker {

using namespace quante::protocol;

BrokerState::BrokerState(BrokerSettings settings, std::uint64_t epoch) : settings_(std::move(settings)), epoch_(epoch) {}

void BrokerState::on_worker(const std::string& identity, const Message& message, TimePoint now, std::vector<Outgoing>& out) {
  if (const auto* ready = std::get_if<Ready>(&message)) {
    handle_ready(identity, *ready, now, out);
    dispatch(now, out);
    return;
  }
  auto it = workers_.find(identity);
  if (it == workers_.end()) {
    // A worker we forgot (expired, or we restarted): ask it to register again. Its result, if it
    // sent one, is stale by definition: its lease was dropped when we forgot it.
    if (const auto* result = std::get_if<Result>(&message)) {
      ++stats_.stale_results;
      if (peer_noise_log_.allow()) spdlog::warn("stale result for job {} from an unregistered worker", result->outcome.job_id);
    }
    if (!std::holds_alternative<Disconnect>(message))
      out.push_back({Link::Worker, identity, Disconnect{"unknown worker: register again", ""}});
    return;
  }
  it->second.last_seen = now;
  if (const auto* result = std::get_if<Result>(&message)) {
    handle_result(identity, *result, now, out);
    dispatch(now, out);
  } else if (const auto* bye = std::get_if<Disconnect>(&message)) {
    spdlog::info("worker {} disconnects: {}", it->second.ready.name, bye->reason);
    forget_worker(identity, false, now, out);
    dispatch(now, out);
  } else if (!std::holds_alternative<Heartbeat>(message) && peer_noise_log_.allow()) {
    spdlog::warn("worker {} sent {}, which only the broker sends; ignored", it->second.ready.name,
                 to_string(type_of(message)));
  }
}

void BrokerState::handle_ready(const std::string& identity, const Ready& ready, TimePoint now, std::vector<Outgoing>& out) {
  // The same worker (by name) under a new identity has reconnected: its old socket is gone.
  std::optional<std::string> carried_job;
  for (auto& [other_identity, other] : workers_) {
    if (other_identity != identity && other.ready.name == ready.name) {
      if (other.job && *other.job == ready.running_job) {
        // It still runs the job we gave it: move the lease to the new identity.
        carried_job = other.job;
        other.job.reset();
      }
      forget_worker(other_identity, true, now, out);
      break;
    }
  }
  auto existing = workers_.find(identity);
  if (existing != workers_.end()) {
    // The same socket registering again (it answers each "register again" we sent while it was
    // unknown). A socket cannot lose a job silently: a READY without the job we gave it was
    // sent before our JOB reached it. Keep the lease; refresh what it serves.
    WorkerEntry& w = existing->second;
    w.ready = ready;
    w.objectives = std::set<std::string>(ready.objectives.begin(), ready.objectives.end());
    w.last_seen = now;
    if (!w.job && !ready.running_job.empty()) w.job = ready.running_job;
    return;
  }
  WorkerEntry& w = workers_[identity];
  w.ready = ready;
  w.objectives = std::set<std::string>(ready.objectives.begin(), ready.objectives.end());
  w.last_seen = now;
  w.idle_since = now;
  if (carried_job) {
    w.job = carried_job;
    auto job = jobs_.find(*carried_job);
    if (job != jobs_.end()) job->second.worker = identity;
  } else if (!ready.running_job.empty()) {
    w.job = ready.running_job;  // busy with a job we no longer hold; its result will be refused
  }
  spdlog::info("worker {} ready (host {}, gpu {}, objectives: {})", ready.name, ready.host, ready.gpu,
                 fmt::join(ready.objectives, ", "));
  heartbeat_tuners(out);  // the farm grew: tuners show it now, not a heartbeat later
}

void BrokerState::handle_result(const std::string& identity, const Result& result, TimePoint now, std::vector<Outgoing>& out) {
  WorkerEntry& w = workers_.at(identity);
  const std::string& job_id = result.outcome.job_id;
  const bool was_its_job = w.job && *w.job == job_id;
  auto it = jobs_.find(job_id);
  const bool runs_here = it != jobs_.end() && it->second.state == JobState::Running && it->second.worker == identity;
  const bool valid = runs_here && it->second.attempt == result.attempt && result.epoch == epoch_;
  // An older attempt (or one from a previous broker's epoch) of a job we have since given this
  // worker again: it was busy and refused the new attempt, so that attempt runs nowhere.
  // Queue it again.
  const bool older_attempt =
      runs_here && (result.epoch != epoch_ || result.attempt < it->second.attempt);
  if (was_its_job && (valid || older_attempt || !runs_here)) {
    w.job.reset();
    w.idle_since = now;
  }
  if (!valid) {
    if (older_attempt) {
      it->second.worker.clear();
      ++stats_.requeued;
      requeue(job_id, true);
    }
    ++stats_.stale_results;
    if (peer_noise_log_.allow())
      spdlog::warn("refused a stale or duplicate result for job {} attempt {} from {}", job_id, result.attempt,
                 w.ready.name);
    return;
  }
  JobEntry& job = it->second;
  if (job.cancelled) {
    erase_job(job_id);
    return;
  }
  Outcome outcome = result.outcome;
  if (outcome.worker.empty()) outcome.worker = w.ready.name;
  finish(job, std::move(outcome), now, out);
}

void BrokerState::on_tuner(const std::string& identity, const Message& message, TimePoint now, std::vector<Outgoing>& out) {
  const bool new_tuner = !tuners_.count(identity);
  tuners_[identity].last_seen = now;
  if (new_tuner)  // tell it the epoch and the farm's size at once, not a heartbeat later
    out.push_back({Link::Tuner, identity, Heartbeat{epoch_, "", static_cast<std::uint32_t>(workers_.size()), 0}});
  if (const auto* submit = std::get_if<Submit>(&message)) {
    handle_submit(identity, *submit, now, out);
    dispatch(now, out);
  } else if (const auto* ack = std::get_if<ResultAck>(&message)) {
    auto it = jobs_.find(ack->job_id);
    if (it != jobs_.end() && it->second.state == JobState::Done) erase_job(ack->job_id);
    else if (it == jobs_.end() && peer_noise_log_.allow())  // a repeated ack, or one from before a restart
      spdlog::debug("acknowledgement for unknown job {} ignored", ack->job_id);
  } else if (const auto* cancel = std::get_if<Cancel>(&message)) {
    auto it = jobs_.find(cancel->job_id);
    if (it == jobs_.end()) {
      if (peer_noise_log_.allow()) spdlog::debug("cancel for unknown job {} ignored", cancel->job_id);
      return;
    }
    if (it->second.state == JobState::Running) it->second.cancelled = true;
    else erase_job(cancel->job_id);
  } else if (!std::holds_alternative<Heartbeat>(message) && peer_noise_log_.allow()) {
    spdlog::warn("tuner sent {}, which only the broker sends; ignored", to_string(type_of(message)));
  }
}

void BrokerState::handle_submit(const std::string& identity, const Submit& submit, TimePoint now, std::vector<Outgoing>& out) {
  auto it = jobs_.find(submit.job_id);
  if (it != jobs_.end()) {
    // Re-submission (tuner restarted or lost track): rebind, and hand over a finished result.
    it->second.tuner = identity;
    out.push_back({Link::Tuner, identity, SubmitAck{submit.job_id, epoch_, true, ""}});
    if (it->second.state == JobState::Done) send_result(it->second, now, out);
    return;
  }
  if (jobs_.size() >= settings_.max_jobs) {
    out.push_back({Link::Tuner, identity, SubmitAck{submit.job_id, epoch_, false, "broker is full"}});
    return;
  }
  JobEntry job;
  job.submit = submit;
  job.tuner = identity;
  jobs_.emplace(submit.job_id, std::move(job));
  queues_[submit.study].push_back(submit.job_id);
  ++stats_.submitted;
  out.push_back({Link::Tuner, identity, SubmitAck{submit.job_id, epoch_, true, ""}});
}

void BrokerState::on_worker_unreachable(const std::string& identity, TimePoint now, std::vector<Outgoing>& out) {
  if (workers_.count(identity)) forget_worker(identity, true, now, out);
}

void BrokerState::forget_worker(const std::string& identity, bool lost, TimePoint now, std::vector<Outgoing>& out) {
  auto it = workers_.find(identity);
  if (it == workers_.end()) return;
  const std::optional<std::string> job_id = it->second.job;
  if (lost) {
    ++stats_.workers_lost;
    spdlog::warn("worker {} lost", it->second.ready.name);
  }
  workers_.erase(it);
  heartbeat_tuners(out);  // the farm shrank
  if (!job_id) return;
  auto job = jobs_.find(*job_id);
  if (job == jobs_.end() || job->second.state != JobState::Running || job->second.worker != identity) return;
  JobEntry& entry = job->second;
  entry.worker.clear();
  if (entry.cancelled) {
    erase_job(*job_id);
    return;
  }
  if (lost) ++entry.losses;
  const std::uint32_t limit = entry.submit.max_attempts ? entry.submit.max_attempts : settings_.max_attempts;
  if (entry.losses >= limit) {
    Outcome outcome;
    outcome.job_id = *job_id;
    outcome.ok = false;
    outcome.failure = FailureClass::WorkerLost;
    outcome.error = "the job lost " + std::to_string(entry.losses) + " workers; giving up";
    finish(entry, std::move(outcome), now, out);
    return;
  }
  ++stats_.requeued;
  requeue(*job_id, true);
}

void BrokerState::requeue(const std::string& job_id, bool front) {
  JobEntry& job = jobs_.at(job_id);
  job.state = JobState::Queued;
  auto& queue = queues_[job.submit.study];
  if (front) queue.push_front(job_id);
  else queue.push_back(job_id);
}

void BrokerState::finish(JobEntry& job, Outcome outcome, TimePoint now, std::vector<Outgoing>& out) {
  job.state = JobState::Done;
  job.worker.clear();
  job.result.study = job.submit.study;
  job.result.outcome = std::move(outcome);
  job.result.attempts = job.attempt;
  ++stats_.completed;
  send_result(job, now, out);
}

void BrokerState::send_result(JobEntry& job, TimePoint now, std::vector<Outgoing>& out) {
  job.result_sent = now;
  out.push_back({Link::Tuner, job.tuner, job.result});
}

std::optional<std::string> BrokerState::idle_worker_for(const std::string& objective) const {
  const std::string* best = nullptr;
  TimePoint best_since = TimePoint::max();
  for (const auto& [identity, w] : workers_) {
    if (!w.job && w.objectives.count(objective) && w.idle_since < best_since) {
      best = &identity;
      best_since = w.idle_since;
    }
  }
  if (!best) return std::nullopt;
  return *best;
}

void BrokerState::dispatch(TimePoint now, std::vector<Outgoing>& out) {
  // Round robin over studies: start after the study served last, one job per study per pass.
  bool progress = true;
  while (progress) {
    progress = false;
    if (queues_.empty()) return;
    // Nothing to hand out while every worker is busy (the common case under load: each submit
    // and heartbeat would otherwise walk the studies and every worker's objectives).
    if (std::none_of(workers_.begin(), workers_.end(), [](const auto& entry) { return !entry.second.job; })) return;
    auto start = queues_.upper_bound(last_served_study_);
    std::vector<std::string> order;
    for (auto it = start; it != queues_.end(); ++it) order.push_back(it->first);
    for (auto it = queues_.begin(); it != start; ++it) order.push_back(it->first);
    for (const auto& study : order) {
      auto& queue = queues_[study];
      while (!queue.empty() && !jobs_.count(queue.front())) queue.pop_front();  // erased while queued
      if (queue.empty()) {
        queues_.erase(study);
        continue;
      }
      JobEntry& job = jobs_.at(queue.front());
      auto worker = idle_worker_for(job.submit.objective);
      if (!worker) continue;
      const std::string job_id = queue.front();
      queue.pop_front();
      if (queue.empty()) queues_.erase(study);
      WorkerEntry& w = workers_.at(*worker);
      w.job = job_id;
      job.state = JobState::Running;
      job.worker = *worker;
      ++job.attempt;
      ++stats_.dispatched;
      last_served_study_ = study;
      out.push_back({Link::Worker, *worker,
                     Job{job_id, job.submit.study, job.submit.objective, job.submit.params, job.attempt, epoch_,
                         job.submit.timeout_s}});
      progress = true;
    }
  }
  (void)now;
}

void BrokerState::tick(TimePoint now, std::vector<Outgoing>& out) {
  const auto liveness = settings_.heartbeat * settings_.liveness;
  std::vector<std::string> expired;
  for (const auto& [identity, w] : workers_)
    if (now - w.last_seen > liveness) expired.push_back(identity);
  for (const auto& identity : expired) forget_worker(identity, true, now, out);

  std::vector<std::string> orphans;
  for (auto& [job_id, job] : jobs_) {
    if (job.state != JobState::Done) continue;
    auto tuner = tuners_.find(job.tuner);
    const bool tuner_gone = tuner == tuners_.end() || now - tuner->second.last_seen > settings_.orphan_timeout;
    if (tuner_gone && now - job.result_sent > settings_.orphan_timeout) orphans.push_back(job_id);
    else if (now - job.result_sent >= settings_.result_resend) send_result(job, now, out);
  }
  for (const auto& job_id : orphans) {
    spdlog::warn("dropping the result of job {}: its tuner has been silent too long", job_id);
    erase_job(job_id);
  }
  std::vector<std::string> gone_tuners;
  for (const auto& [identity, t] : tuners_)
    if (now - t.last_seen > settings_.orphan_timeout) gone_tuners.push_back(identity);
  for (const auto& identity : gone_tuners) tuners_.erase(identity);

  if (now - last_heartbeat_ >= settings_.heartbeat) {
    last_heartbeat_ = now;
    for (const auto& [identity, w] : workers_) out.push_back({Link::Worker, identity, Heartbeat{epoch_, "", 0, 0}});
    heartbeat_tuners(out);
  }
  dispatch(now, out);
}

void BrokerState::heartbeat_tuners(std::vector<Outgoing>& out) const {
  std::unordered_map<std::string, std::uint32_t> queued_by_tuner;
  for (const auto& [job_id, job] : jobs_)
    if (job.state == JobState::Queued) ++queued_by_tuner[job.tuner];
  for (const auto& [identity, t] : tuners_) {
    const auto queued = queued_by_tuner.find(identity);
    out.push_back({Link::Tuner, identity,
                   Heartbeat{epoch_, "", static_cast<std::uint32_t>(workers_.size()),
                             queued == queued_by_tuner.end() ? 0u : queued->second}});
  }
}

TimePoint BrokerState::next_deadline() const { return last_heartbeat_ + settings_.heartbeat; }

void BrokerState::erase_job(const std::string& job_id) { jobs_.erase(job_id); }

BrokerStats BrokerState::stats() const {
  BrokerStats s = stats_;
  s.workers = workers_.size();
  s.jobs = jobs_.size();
  s.queued = 0;
  for (const auto& [study, queue] : queues_) s.queued += queue.size();
  return s;
}

}  // namespace quante::broker
