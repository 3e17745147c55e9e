#include "broker_state.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "liveness.hpp"
#include "printable.hpp"

namespace quante::broker {

using namespace quante::protocol;

BrokerState::BrokerState(BrokerConfig settings, std::uint64_t epoch) : settings_(std::move(settings)), epoch_(epoch) {}

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
      out.push_back({Link::Worker, identity, Disconnect{"unknown worker: register again", "", false}});
    return;
  }
  it->second.last_seen = now;
  if (const auto* result = std::get_if<Result>(&message)) {
    handle_result(identity, *result, now, out);
    dispatch(now, out);
  } else if (const auto* bye = std::get_if<Disconnect>(&message)) {
    spdlog::info("worker {} disconnects: {}", printable(it->second.ready.name), printable(bye->reason));
    forget_worker(identity, false, now, out);
    dispatch(now, out);
  } else if (const auto* beat = std::get_if<Heartbeat>(&message)) {
    handle_heartbeat(it->second, *beat, now, out);
  } else if (const auto* report = std::get_if<Report>(&message)) {
    handle_report(identity, *report, out);
  } else if (peer_noise_log_.allow()) {
    spdlog::warn("worker {} sent {}, which only the broker sends; ignored", printable(it->second.ready.name),
                 to_string(type_of(message)));
  }
}

void BrokerState::handle_heartbeat(WorkerEntry& worker, const Heartbeat& beat, TimePoint now, std::vector<Outgoing>& out) {
  // A worker names the job it runs in every heartbeat. One that keeps naming another job (or
  // none) no longer runs ours: its result was lost on the way (refused as malformed, say). A
  // heartbeat sent before our JOB reached it differs once, so only a run of them counts.
  if (!worker.job || *worker.job == beat.job_id) {
    worker.beats_without_job = 0;
    return;
  }
  if (++worker.beats_without_job < settings_.job_silence_beats) return;
  const std::string job_id = *worker.job;
  worker.job.reset();
  worker.idle_since = now;
  worker.beats_without_job = 0;
  ++stats_.jobs_reclaimed;
  spdlog::warn("worker {} no longer reports job {} (its heartbeats name {}); taking the job back",
               printable(worker.ready.name), job_id, beat.job_id.empty() ? "no job" : "job " + beat.job_id);
  release_job(job_id, true, "its worker stopped reporting it", now, out);
  dispatch(now, out);
}

void BrokerState::refuse_worker(const std::string& identity, const std::string& reason, std::vector<Outgoing>& out) {
  ++stats_.workers_refused;
  if (peer_noise_log_.allow()) spdlog::warn("refused a worker registration: {}", reason);
  out.push_back({Link::Worker, identity, Disconnect{reason, "", true}});
}

void BrokerState::handle_ready(const std::string& identity, const Ready& ready, TimePoint now, std::vector<Outgoing>& out) {
  if (!is_printable_utf8(ready.name) || !is_printable_utf8(ready.host)) {
    refuse_worker(identity, "worker name '" + printable(ready.name) + "' is not printable UTF-8", out);
    return;
  }
  // Another identity under the same name: the same process reconnecting on a new socket (same
  // host and pid), a restarted process whose old socket went silent, or a second worker that was
  // given the same name. The first two replace the old entry; a name held by a live other process
  // is refused (the newcomer backs off and tries again, so it takes over once the other is gone).
  std::optional<std::string> replaced;
  std::optional<std::string> carried_job;
  for (auto& [other_identity, other] : workers_) {
    if (other_identity == identity || other.ready.name != ready.name) continue;
    const bool same_process = other.ready.host == ready.host && other.ready.pid == ready.pid;
    const bool other_alive = now - other.last_seen < settings_.heartbeat * 2;
    if (!same_process && other_alive) {
      refuse_worker(identity,
                    "worker name '" + printable(ready.name) + "' is in use by a live worker (host " +
                        printable(other.ready.host) + ", pid " + std::to_string(other.ready.pid) + ")",
                    out);
      return;
    }
    if (same_process && other.job && *other.job == ready.running_job) {
      carried_job = other.job;  // it still runs the job we gave it: the lease moves to the new socket
      other.job.reset();
    }
    replaced = other_identity;  // a copy: forget_worker erases the entry that holds the key
    break;
  }
  if (replaced) forget_worker(*replaced, true, now, out);
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
  if (workers_.size() >= settings_.max_workers) {
    refuse_worker(identity, "the farm is full (" + std::to_string(settings_.max_workers) + " workers)", out);
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
  ++stats_.workers_registered;
  spdlog::info("worker {} ready (host {}, gpu {}, objectives: {})", printable(ready.name), printable(ready.host), ready.gpu,
               printable(fmt::format("{}", fmt::join(ready.objectives, ", "))));
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
  counters_.round_trip.observe(std::chrono::duration<double>(now - job.dispatched_at).count());
  const std::uint32_t limit = job.submit.max_attempts ? job.submit.max_attempts : settings_.max_attempts;
  if (outcome.failure == FailureClass::OutOfMemory && job.attempt < limit) {
    // Another trial on the same GPU may have taken the memory: try another worker first.
    spdlog::warn("job {} ran out of GPU memory on {} (attempt {} of {}); queued again", job_id, printable(w.ready.name),
                 job.attempt, limit);
    job.worker.clear();
    job.avoid = identity;
    ++stats_.requeued;
    ++stats_.out_of_memory_retries;
    requeue(job_id, true);
    return;
  }
  finish(job, std::move(outcome), now, out);
}

void BrokerState::handle_report(const std::string& identity, const Report& report, std::vector<Outgoing>& out) {
  // Fenced like a result: only the attempt running on this very worker, in this epoch, speaks
  // for its job. Anything else is dropped; the worker then goes on after its decision timeout.
  auto it = jobs_.find(report.job_id);
  const bool current = it != jobs_.end() && it->second.state == JobState::Running && it->second.worker == identity &&
                       it->second.attempt == report.attempt && report.epoch == epoch_ && !it->second.cancelled;
  if (!current) {
    ++stats_.stale_reports;
    return;
  }
  ++stats_.reports;
  out.push_back({Link::Tuner, it->second.tuner,
                 TrialReport{report.job_id, report.attempt, report.step, report.loss, report.metrics,
                             workers_.at(identity).ready.name}});
}

void BrokerState::handle_decision(const std::string& identity, const TrialDecision& decision, std::vector<Outgoing>& out) {
  auto it = jobs_.find(decision.job_id);
  if (it == jobs_.end() || it->second.state != JobState::Running || it->second.attempt != decision.attempt ||
      it->second.tuner != identity) {
    ++stats_.stale_reports;
    return;
  }
  out.push_back({Link::Worker, it->second.worker, Decision{decision.job_id, decision.attempt, decision.step, decision.go_on}});
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
  } else if (const auto* decision = std::get_if<TrialDecision>(&message)) {
    handle_decision(identity, *decision, out);
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
    rebind_tuner(it->second, identity);
    it->second.submit.notify_started = submit.notify_started;
    out.push_back({Link::Tuner, identity,
                   SubmitAck{submit.job_id, epoch_, true, "",
                             it->second.state == JobState::Queued ? why_unservable(it->second.submit) : ""}});
    if (it->second.state == JobState::Running && submit.notify_started)  // a restarted tuner learns where it runs
      out.push_back({Link::Tuner, identity, started_message(submit.job_id, it->second)});
    if (it->second.state == JobState::Done) {
      it->second.resends = 0;
      send_result(it->second, now, out);
    }
    return;
  }
  // Every tuner gets its share: one that floods the broker fills its own quota, not the farm's.
  TunerEntry& tuner = tuners_[identity];
  if (tuner.jobs >= settings_.max_jobs_per_tuner || jobs_.size() >= settings_.max_jobs) {
    ++stats_.submits_refused;
    const bool own_quota = tuner.jobs >= settings_.max_jobs_per_tuner;
    out.push_back({Link::Tuner, identity,
                   SubmitAck{submit.job_id, epoch_, false,
                             own_quota ? "this tuner holds " + std::to_string(tuner.jobs) + " jobs, its limit"
                                       : std::string("broker is full")}});
    return;
  }
  JobEntry job;
  job.submit = submit;
  job.tuner = identity;
  jobs_.emplace(submit.job_id, std::move(job));
  ++tuner.jobs;
  queues_[submit.study].push_back(submit.job_id);
  ++stats_.submitted;
  out.push_back({Link::Tuner, identity, SubmitAck{submit.job_id, epoch_, true, "", why_unservable(submit)}});
  (void)now;
}

void BrokerState::rebind_tuner(JobEntry& job, const std::string& identity) {
  if (job.tuner == identity) return;
  auto old = tuners_.find(job.tuner);
  if (old != tuners_.end() && old->second.jobs > 0) --old->second.jobs;
  ++tuners_[identity].jobs;
  job.tuner = identity;
}

void BrokerState::on_worker_unreachable(const std::string& identity, TimePoint now, std::vector<Outgoing>& out) {
  if (workers_.count(identity)) forget_worker(identity, true, now, out);
}

void BrokerState::forget_worker(std::string identity, bool lost, TimePoint now, std::vector<Outgoing>& out) {
  auto it = workers_.find(identity);
  if (it == workers_.end()) return;
  const std::optional<std::string> job_id = it->second.job;
  if (lost) {
    ++stats_.workers_lost;
    spdlog::warn("worker {} lost", printable(it->second.ready.name));
  }
  workers_.erase(it);
  if (workers_.empty()) workers_ = {};  // a crowd that left gives its buckets back
  heartbeat_tuners(out);  // the farm shrank
  if (!job_id) return;
  auto job = jobs_.find(*job_id);
  if (job == jobs_.end() || job->second.state != JobState::Running || job->second.worker != identity) return;
  release_job(*job_id, lost, "", now, out);
}

void BrokerState::release_job(std::string job_id, bool count_loss, const std::string& why, TimePoint now,
                              std::vector<Outgoing>& out) {
  auto job = jobs_.find(job_id);
  if (job == jobs_.end() || job->second.state != JobState::Running) return;
  JobEntry& entry = job->second;
  entry.worker.clear();
  if (entry.cancelled) {
    erase_job(job_id);
    return;
  }
  if (count_loss) ++entry.losses;
  const std::uint32_t limit = entry.submit.max_attempts ? entry.submit.max_attempts : settings_.max_attempts;
  if (entry.losses >= limit) {
    Outcome outcome;
    outcome.job_id = job_id;
    outcome.ok = false;
    outcome.failure = FailureClass::WorkerLost;
    outcome.error = "the job lost " + std::to_string(entry.losses) + " workers" + (why.empty() ? "" : " (last: " + why + ")") +
                    "; giving up";
    finish(entry, std::move(outcome), now, out);
    return;
  }
  ++stats_.requeued;
  requeue(job_id, true);
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
  job.done_at = now;  // a job finishes once: its resends are still 0
  ++stats_.completed;
  counters_.count_outcome(job.result.outcome);
  send_result(job, now, out);
}

void BrokerState::send_result(JobEntry& job, TimePoint now, std::vector<Outgoing>& out) {
  job.result_sent = now;
  out.push_back({Link::Tuner, job.tuner, job.result});
}

bool BrokerState::can_run(const WorkerEntry& worker, const Submit& submit) {
  return worker.objectives.count(submit.objective) && worker.ready.gpu_memory_mib >= submit.min_gpu_memory_mib;
}

std::optional<std::string> BrokerState::idle_worker_for(const JobEntry& job) const {
  // Least recently used first; the worker a job just ran out of memory on only when no other
  // idle one can take it.
  const std::string* best = nullptr;
  TimePoint best_since = TimePoint::max();
  const std::string* avoided = nullptr;
  for (const auto& [identity, w] : workers_) {
    if (w.job || !can_run(w, job.submit)) continue;
    if (identity == job.avoid) {
      avoided = &identity;
    } else if (w.idle_since < best_since) {
      best = &identity;
      best_since = w.idle_since;
    }
  }
  if (!best) best = avoided;
  if (!best) return std::nullopt;
  return *best;
}

std::string BrokerState::why_unservable(const Submit& submit) const {
  std::size_t serving = 0;
  std::int64_t largest_mib = 0;
  for (const auto& [identity, w] : workers_) {
    if (!w.objectives.count(submit.objective)) continue;
    if (w.ready.gpu_memory_mib >= submit.min_gpu_memory_mib) return {};
    ++serving;
    largest_mib = std::max(largest_mib, w.ready.gpu_memory_mib);
  }
  if (serving == 0)
    return "no connected worker serves objective '" + submit.objective + "' (" + std::to_string(workers_.size()) +
           " workers connected)";
  return std::to_string(serving) + " connected workers serve objective '" + submit.objective + "' but none has " +
         std::to_string(submit.min_gpu_memory_mib) + " MiB of GPU memory (the largest: " + std::to_string(largest_mib) +
         " MiB)";
}

JobStarted BrokerState::started_message(const std::string& job_id, const JobEntry& job) const {
  const auto worker = workers_.find(job.worker);
  if (worker == workers_.end()) return JobStarted{job_id, job.attempt, "", -1};
  return JobStarted{job_id, job.attempt, worker->second.ready.name, worker->second.ready.gpu};
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
      auto worker = idle_worker_for(job);
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
      job.dispatched_at = now;
      last_served_study_ = study;
      out.push_back({Link::Worker, *worker,
                     Job{job_id, job.submit.study, job.submit.objective, job.submit.params, job.attempt, epoch_,
                         job.submit.timeout_s, job.submit.max_steps, job.submit.rungs}});
      if (job.submit.notify_started) out.push_back({Link::Tuner, job.tuner, started_message(job_id, job)});
      progress = true;
    }
  }
  (void)now;
}

void BrokerState::tick(TimePoint now, std::vector<Outgoing>& out) {
  std::vector<std::string> expired;
  for (const auto& [identity, w] : workers_)
    if (Liveness::silent_since(w.last_seen, now, settings_.heartbeat, settings_.liveness)) expired.push_back(identity);
  for (const auto& identity : expired) forget_worker(identity, true, now, out);

  // Held results: re-sent until acknowledged, at most max_result_resends times (then only held,
  // and handed over again if the tuner re-submits the job), and dropped once the tuner has been
  // silent, or the result unclaimed, for the orphan timeout.
  std::vector<std::string> unclaimed;
  for (auto& [job_id, job] : jobs_) {
    if (job.state != JobState::Done) continue;
    if (now - job.done_at > settings_.orphan_timeout) unclaimed.push_back(job_id);
    else if (job.resends < settings_.max_result_resends && now - job.result_sent >= settings_.result_resend) {
      ++job.resends;
      send_result(job, now, out);
    }
  }
  for (const auto& job_id : unclaimed) {
    if (peer_noise_log_.allow()) spdlog::warn("dropping the result of job {}: nobody claimed it for the orphan timeout", job_id);
    ++stats_.jobs_purged;
    erase_job(job_id);
  }
  purge_silent_tuners(now);

  if (now - last_heartbeat_ >= settings_.heartbeat) {
    last_heartbeat_ = now;
    for (const auto& [identity, w] : workers_) out.push_back({Link::Worker, identity, Heartbeat{epoch_, "", 0, 0}});
    heartbeat_tuners(out);
  }
  dispatch(now, out);
}

void BrokerState::purge_silent_tuners(TimePoint now) {
  // A tuner silent for the orphan timeout has left: what it queued will never be claimed, its held
  // results neither, and a job of its still running is dropped when its result arrives. (A tuner
  // that restarts sooner re-submits its jobs under its new identity and keeps them.)
  std::vector<std::string> gone;
  for (const auto& [identity, t] : tuners_)
    if (now - t.last_seen > settings_.orphan_timeout) gone.push_back(identity);
  if (gone.empty()) return;
  const std::set<std::string> gone_set(gone.begin(), gone.end());
  std::vector<std::string> purge;
  for (auto& [job_id, job] : jobs_) {
    if (!gone_set.count(job.tuner)) continue;
    if (job.state == JobState::Running) job.cancelled = true;
    else purge.push_back(job_id);
  }
  for (const auto& job_id : purge) erase_job(job_id);
  for (const auto& identity : gone) tuners_.erase(identity);
  if (!purge.empty()) {
    stats_.jobs_purged += purge.size();
    spdlog::warn("purged {} jobs of {} tuner(s) silent for {} s", purge.size(), gone.size(),
                 std::chrono::duration_cast<std::chrono::seconds>(settings_.orphan_timeout).count());
  }
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

void BrokerState::erase_job(std::string job_id) {
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) return;
  auto tuner = tuners_.find(it->second.tuner);
  if (tuner != tuners_.end() && tuner->second.jobs > 0) --tuner->second.jobs;
  jobs_.erase(it);
}

BrokerStats BrokerState::stats() const {
  BrokerStats s = stats_;
  s.workers = workers_.size();
  s.jobs = jobs_.size();
  s.queued = 0;
  for (const auto& [study, queue] : queues_) s.queued += queue.size();
  return s;
}

}  // namespace quante::broker
