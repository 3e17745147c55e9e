#include "study_runner.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include <spdlog/spdlog.h>
#include <zmq.hpp>

#include "json_params.hpp"
#include "proposal_engine.hpp"
#include "progress.hpp"
#include "protocol.hpp"
#include "rate_limit.hpp"
#include "service_notify.hpp"
#include "zmq_util.hpp"

namespace quante::tuner {

using namespace quante::protocol;
using Clock = std::chrono::steady_clock;

struct StudyRunner::Impl {
  struct InFlight {
    Proposal proposal;
    bool acked = false;
    Clock::time_point sent{};
  };

  Study study;
  RunSettings settings;
  StudyRecords records;
  std::unique_ptr<StudyLog> log;
  ProposalEngine engine;
  std::map<std::string, InFlight> inflight;       // by job id
  std::vector<std::pair<Params, int>> retries;   // points to evaluate again, with their retry number
  std::set<std::string> recorded_jobs;
  zmq::context_t context{1};
  std::unique_ptr<zmq::socket_t> socket;
  Clock::time_point last_heard{}, next_heartbeat{};
  std::uint64_t epoch = 0;
  int workers = 0;
  int duplicates = 0;
  int last_improvement = 0;                       // evaluations count when the best last improved
  std::optional<double> best_loss;
  double study_started_at = 0;
  std::uint64_t round = 0;
  std::string stop_reason;
  ProgressDisplay display;
  RateLimit bad_log{10};

  Impl(Study s, RunSettings r)
      : study(std::move(s)), settings(std::move(r)), engine(study), display(settings.live_progress) {}

  int failed_count() const {
    return static_cast<int>(std::count_if(records.evaluations.begin(), records.evaluations.end(),
                                          [](const auto& e) { return !e.ok(); }));
  }

  ProgressSnapshot snapshot() const {
    ProgressSnapshot p;
    p.done = static_cast<int>(records.evaluations.size());
    p.budget = study.budget;
    p.running = static_cast<int>(inflight.size());
    p.failed = failed_count();
    if (auto best = best_record(study, records.evaluations)) {
      p.best = best->loss;
      p.best_params = best->params;
    }
    p.elapsed_s = unix_now() - study_started_at;
    p.workers = workers;
    return p;
  }

  void resume() {
    const bool journal_exists = std::filesystem::exists(journal_path(settings.history_path));
    records = load_study_records(settings.history_path, study);
    log = std::make_unique<StudyLog>(settings.history_path, study, !journal_exists);
    for (const auto& e : records.evaluations) recorded_jobs.insert(e.job);
    study_started_at = unix_now();
    for (const auto& p : records.proposals) study_started_at = std::min(study_started_at, p.proposed_at);
    for (const auto& p : records.proposals)
      if (!recorded_jobs.count(p.job) && !records.cancelled.count(p.job)) inflight[p.job] = InFlight{p, false, {}};
    // Failed points whose retry was not yet proposed.
    std::set<std::pair<std::string, int>> proposed_retries;
    for (const auto& p : records.proposals) proposed_retries.insert({study.space.key(p.params), p.retry});
    for (const auto& e : records.evaluations)
      if (!e.ok() && e.retry < study.retries && !proposed_retries.count({study.space.key(e.params), e.retry + 1}))
        retries.emplace_back(e.params, e.retry + 1);
    round = records.proposals.size();
    update_best_tracking();
    if (!records.evaluations.empty() || !inflight.empty())
      spdlog::info("resuming study {} from {}: {} evaluations recorded, {} jobs in flight", study.name,
                   settings.history_path, records.evaluations.size(), inflight.size());
  }

  void update_best_tracking() {
    best_loss.reset();
    last_improvement = 0;
    int count = 0;
    for (const auto& e : records.evaluations) {
      ++count;
      if (e.ok() && (!best_loss || study.better(*e.loss, *best_loss))) {
        best_loss = e.loss;
        last_improvement = count;
      }
    }
  }

  void connect() {
    if (socket) socket->close();
    socket = std::make_unique<zmq::socket_t>(context, zmq::socket_type::dealer);
    socket->set(zmq::sockopt::linger, 0);
    socket->set(zmq::sockopt::maxmsgsize, static_cast<std::int64_t>(kMaxMessageBytes + 4096));
    apply_client_security(*socket, settings.security);
    socket->connect(settings.broker);
    last_heard = Clock::now();
    next_heartbeat = last_heard;
    epoch = 0;
    for (auto& [job, f] : inflight) submit(f);
  }

  void send(const Message& message) {
    auto frames = encode(Link::Tuner, message);
    if (!try_send(*socket, frames) && bad_log.allow())
      spdlog::warn("could not send {} to the broker now", protocol::to_string(type_of(message)));
  }

  void submit(InFlight& f) {
    Submit s;
    s.job_id = f.proposal.job;
    s.study = study.name;
    s.objective = study.objective;
    s.params = f.proposal.params;
    s.timeout_s = study.timeout_s;
    send(s);
    f.acked = false;
    f.sent = Clock::now();
  }

  bool budget_left() const {
    return static_cast<int>(records.evaluations.size() + inflight.size()) < study.budget;
  }

  void propose_and_submit() {
    if (!stop_reason.empty()) return;
    if (study.mode == ProposalMode::Sync && !inflight.empty()) return;
    const int slots = study.batch + (study.mode == ProposalMode::Async ? study.queue_ahead : 0);
    int free = slots - static_cast<int>(inflight.size());
    free = std::min(free, study.budget - static_cast<int>(records.evaluations.size() + inflight.size()));
    if (free <= 0) return;
    std::vector<Proposal> fresh;
    while (free > 0 && !retries.empty()) {
      fresh.push_back({new_job_id(), retries.front().first, unix_now(), retries.front().second});
      retries.erase(retries.begin());
      --free;
    }
    if (free > 0) {
      std::vector<Params> pending;
      for (const auto& [job, f] : inflight) pending.push_back(f.proposal.params);
      for (const auto& p : fresh) pending.push_back(p.params);
      ProposalBatch batch = engine.propose(records.evaluations, pending, free, round++);
      if (batch.qei && study.stop.min_qei && *batch.qei < *study.stop.min_qei && batch.method != "initial") {
        spdlog::info("the best batch's qEI {:.3g} is below min_qei {:.3g}", *batch.qei, *study.stop.min_qei);
        stop_reason = "min_qei";
      } else {
        for (auto& point : batch.points) fresh.push_back({new_job_id(), std::move(point), unix_now(), 0});
        if (static_cast<int>(batch.points.size()) < free && inflight.empty() && fresh.empty()) {
          spdlog::warn("the search space has no unevaluated points left");
          stop_reason = "exhausted";
        }
      }
    }
    for (auto& p : fresh) {
      log->proposed(p);  // journalled (fsynced) before it is submitted
      auto& f = inflight[p.job];
      f.proposal = p;
      submit(f);
    }
  }

  void on_result(const JobResult& result) {
    auto it = inflight.find(result.outcome.job_id);
    if (it == inflight.end()) {
      if (recorded_jobs.count(result.outcome.job_id)) ++duplicates;
      else if (bad_log.allow()) spdlog::warn("result for unknown job {} ignored", result.outcome.job_id);
      send(ResultAck{result.outcome.job_id});
      return;
    }
    const Outcome& o = result.outcome;
    EvaluationRecord r;
    r.index = static_cast<int>(records.evaluations.size());
    r.job = o.job_id;
    r.params = it->second.proposal.params;
    r.retry = it->second.proposal.retry;
    r.worker = o.worker;
    r.proposed_at = it->second.proposal.proposed_at;
    r.started_at = o.started_at;
    r.finished_at = o.finished_at;
    r.metrics = o.metrics;
    if (o.ok && std::isfinite(o.loss)) {
      r.loss = o.loss;
    } else {
      r.status = "failed";
      r.failure = o.ok ? "objective" : protocol::to_string(o.failure);
      r.error = o.ok ? "non-finite loss" : o.error;
    }
    log->finished(r);  // on disk before the broker is told to forget it
    send(ResultAck{o.job_id});
    inflight.erase(it);
    recorded_jobs.insert(r.job);
    records.evaluations.push_back(r);
    if (!r.ok() && r.retry < study.retries) retries.emplace_back(r.params, r.retry + 1);
    update_best_tracking();
    const std::string line =
        r.ok() ? fmt::format("#{} loss {:.6g} at {} ({})", r.index, *r.loss, quante::to_string(r.params), r.worker)
               : fmt::format("#{} FAILED ({}: {}) at {}", r.index, r.failure, r.error, quante::to_string(r.params));
    display.result_line(line, snapshot());
    check_stopping_rules();
  }

  void check_stopping_rules() {
    if (!stop_reason.empty()) return;
    const int n = static_cast<int>(records.evaluations.size());
    if (study.stop.target && best_loss &&
        (*best_loss == *study.stop.target || study.better(*best_loss, *study.stop.target))) {
      stop_reason = "target";
    } else if (study.stop.patience && n - last_improvement >= *study.stop.patience) {
      stop_reason = "patience";
    } else if (study.stop.max_seconds && unix_now() - study_started_at >= *study.stop.max_seconds) {
      stop_reason = "max_seconds";
    }
    if (!stop_reason.empty()) spdlog::info("stopping rule '{}' met after {} evaluations", stop_reason, n);
  }

  void cancel_inflight() {
    for (const auto& [job, f] : inflight) {
      log->cancelled(job);
      send(Cancel{job});
    }
    inflight.clear();
  }

  void handle(const Message& message) {
    if (const auto* result = std::get_if<JobResult>(&message)) {
      on_result(*result);
    } else if (const auto* ack = std::get_if<SubmitAck>(&message)) {
      observe_epoch(ack->epoch);
      auto it = inflight.find(ack->job_id);
      if (it == inflight.end()) return;
      if (!ack->accepted) {
        spdlog::warn("broker refused job {}: {}; trying again shortly", ack->job_id, ack->error);
        return;
      }
      it->second.acked = true;
    } else if (const auto* heartbeat = std::get_if<Heartbeat>(&message)) {
      observe_epoch(heartbeat->epoch);
      workers = static_cast<int>(heartbeat->workers);
    }
  }

  void observe_epoch(std::uint64_t broker_epoch) {
    if (broker_epoch == 0 || broker_epoch == epoch) return;
    if (epoch != 0) {
      spdlog::warn("the broker restarted; re-submitting {} jobs in flight", inflight.size());
      for (auto& [job, f] : inflight) submit(f);
    }
    epoch = broker_epoch;
  }

  RunSummary run(const StopSignal& stop) {
    resume();
    spdlog::info("study {}: objective {}, budget {}, batch {} ({}), seed {}, history {}", study.name, study.objective,
                 study.budget, study.batch,
                 study.mode == ProposalMode::Async ? fmt::format("async, {} queued ahead", study.queue_ahead) : "sync",
                 study.seed, settings.history_path);
    connect();
    notify_ready();
    check_stopping_rules();
    while (true) {
      notify_watchdog();
      if (stop.requested()) {
        stop_reason = "signal";
        break;
      }
      if (!stop_reason.empty()) {
        cancel_inflight();
        break;
      }
      propose_and_submit();
      if (inflight.empty() && (!budget_left() || !stop_reason.empty())) {
        if (stop_reason.empty()) stop_reason = "budget";
        break;
      }
      const auto now = Clock::now();
      const auto liveness_deadline = last_heard + settings.heartbeat * settings.liveness;
      const auto wake = std::min(next_heartbeat, liveness_deadline);
      const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(std::max(wake - now, Clock::duration::zero()));
      zmq::pollitem_t items[] = {{socket->handle(), 0, ZMQ_POLLIN, 0}, {nullptr, stop.fd(), ZMQ_POLLIN, 0}};
      poll_items(items, 2, wait + std::chrono::milliseconds(1));
      if (items[0].revents & ZMQ_POLLIN) {
        while (auto frames = try_recv(*socket)) {
          last_heard = Clock::now();
          auto decoded = decode(Link::Tuner, *frames);
          if (auto* error = std::get_if<DecodeError>(&decoded)) {
            if (bad_log.allow()) spdlog::warn("dropped a bad message from the broker: {}", error->what);
            continue;
          }
          handle(std::get<Message>(decoded));
        }
      }
      const auto after = Clock::now();
      if (after >= next_heartbeat) {
        send(Heartbeat{});
        next_heartbeat = after + settings.heartbeat;
        // Submissions the broker never acknowledged are sent again (the broker de-duplicates).
        for (auto& [job, f] : inflight)
          if (!f.acked && after - f.sent > settings.heartbeat * 3) submit(f);
        check_stopping_rules();
        display.update(snapshot());
      }
      if (after >= last_heard + settings.heartbeat * settings.liveness) {
        spdlog::warn("broker silent for {} heartbeats; reconnecting", settings.liveness);
        connect();
      }
    }
    notify_stopping();
    display.finish();
    RunSummary summary;
    summary.evaluations = static_cast<int>(records.evaluations.size());
    summary.failed = failed_count();
    summary.duplicates = duplicates;
    summary.best = best_record(study, records.evaluations);
    summary.stop_reason = stop_reason;
    return summary;
  }
};

StudyRunner::StudyRunner(Study study, RunSettings settings)
    : impl_(std::make_unique<Impl>(std::move(study), std::move(settings))) {}
StudyRunner::~StudyRunner() = default;
RunSummary StudyRunner::run(const StopSignal& stop) { return impl_->run(stop); }

}  // namespace quante::tuner
