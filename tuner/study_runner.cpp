#include "study_runner.hpp"

#include <filesystem>
#include <type_traits>

#include <spdlog/spdlog.h>
#include <zmq.hpp>

#include "json_params.hpp"
#include "liveness.hpp"
#include "named_best.hpp"
#include "progress.hpp"
#include "proposal_thread.hpp"
#include "protocol.hpp"
#include "rate_limit.hpp"
#include "rungs.hpp"
#include "tuner_metrics.hpp"
#include "service_notify.hpp"
#include "zmq_util.hpp"

namespace quante::tuner {

using namespace quante::protocol;
using Clock = std::chrono::steady_clock;

namespace {

// A silent broker is reconnected to after one heartbeat, then 2, 4, ... up to this (reliability.md).
constexpr std::chrono::milliseconds kReconnectMax{32000};

JobOutcome outcome_of(const Outcome& o) {
  JobOutcome r;
  r.job = o.job_id;
  r.ok = o.ok;
  r.loss = o.loss;
  r.error = o.error;
  r.failure = o.ok ? "" : protocol::to_string(o.failure);
  r.started_at = o.started_at;
  r.finished_at = o.finished_at;
  r.metrics = o.metrics;
  r.worker = o.worker;
  r.curve = o.curve;
  r.stopped_at = o.stopped_at;
  return r;
}

}  // namespace

struct StudyRunner::Impl {
  Study study;
  RunSettings settings;
  std::unique_ptr<StudyLog> log;
  std::unique_ptr<TunerState> state;
  ProposalThread proposals;
  zmq::context_t context{1};
  std::unique_ptr<zmq::socket_t> socket;
  Liveness liveness{settings.heartbeat, settings.liveness};  // the broker's, and our next heartbeat
  Backoff backoff{settings.heartbeat, kReconnectMax};          // before reconnecting to a silent broker
  std::optional<Clock::time_point> reconnect_at;               // a reconnect waiting out its back-off
  std::uint64_t epoch = 0;
  int workers = 0;
  std::string unservable;                // why no worker can run the study's jobs, as last told
  Clock::time_point unservable_logged{};
  ProgressDisplay display;
  RateLimit bad_log{10};
  std::unique_ptr<TunerMetricsEndpoint> metrics_endpoint;
  TunerMetrics metrics;
  // For the observer: where jobs run (JOB_STARTED, step reports), the broker's queue, what it last saw.
  std::map<std::string, RunningOn> running_on;
  int queued = 0;
  std::uint64_t changes_seen = 0;
  std::tuple<std::size_t, int, std::uint64_t> observed{};

  Impl(Study s, RunSettings r)
      : study(std::move(s)), settings(std::move(r)), proposals(engine_proposer(study)), display(settings.live_progress) {}

  ProgressSnapshot snapshot() const {
    ProgressSnapshot p;
    p.done = static_cast<int>(state->evaluations().size());
    p.budget = study.budget;
    p.running = state->in_flight();
    p.failed = state->failed();
    if (auto best = state->best()) {
      p.best = best->loss;
      p.best_params = best->params;
      p.best_metrics = best->metrics;
    }
    p.elapsed_s = unix_now() - state->started_at();
    p.workers = workers;
    return p;
  }

  // Renders the progress for /metrics: on each heartbeat, result and proposal (a few lines).
  void publish_metrics() {
    if (!metrics_endpoint) return;
    metrics.recorded = static_cast<int>(state->evaluations().size());
    metrics.failed = state->failed();
    metrics.running = state->in_flight();
    metrics.workers = workers;
    if (auto best = state->best()) metrics.best_loss = best->loss;
    metrics_endpoint->publish(render_tuner_metrics(metrics));
  }

  void start_metrics() {
    if (settings.metrics.empty()) return;
    metrics_endpoint = std::make_unique<TunerMetricsEndpoint>(settings.metrics, settings.metrics_allow_remote);
    metrics.study = study.name;
    metrics.objective = study.objective;
    metrics.budget = study.budget;
    metrics.start_time_seconds = unix_now();
    publish_metrics();
    spdlog::info("metrics on http://{}/metrics", metrics_endpoint->address());
  }

  void resume() {
    const bool journal_exists = std::filesystem::exists(journal_path(settings.history_path));
    StudyRecords records = load_study_records(settings.history_path, study);
    log = std::make_unique<StudyLog>(settings.history_path, study, !journal_exists);
    TunerStateSettings state_settings;
    state_settings.resubmit_after_s = 3 * std::chrono::duration<double>(settings.heartbeat).count();
    state = std::make_unique<TunerState>(study, std::move(records), unix_now(), state_settings);
    if (!state->evaluations().empty() || state->in_flight() > 0)
      spdlog::info("resuming study {} from {}: {} evaluations recorded, {} jobs in flight", study.name,
                   settings.history_path, state->evaluations().size(), state->in_flight());
  }

  void connect() {
    if (socket) socket->close();
    socket = make_dealer(context, settings.security, settings.broker);
    liveness.connected(Clock::now());
    reconnect_at.reset();
    epoch = 0;
  }

  void send(const Message& message) {
    auto frames = encode(Link::Tuner, message);
    if (!try_send(*socket, frames) && bad_log.allow())
      spdlog::warn("could not send {} to the broker now", protocol::to_string(type_of(message)));
  }

  // Carries out the state's actions in order (tuner_state.hpp: journal before submit, record
  // before ack).
  void apply(Actions& actions) {
    for (auto& a : actions) {
      std::visit(
          [&](auto& act) {
            using T = std::decay_t<decltype(act)>;
            if constexpr (std::is_same_v<T, action::RequestProposal>) {
              spdlog::debug("proposing {} points ({} evaluations, {} pending, round {})", act.count,
                            state->evaluations().size(), act.pending.size(), act.round);
              proposals.start({act.id, std::move(act.evaluations), std::move(act.pending), act.count, act.round});
            } else if constexpr (std::is_same_v<T, action::Journal>) {
              log->proposed(act.proposal);  // fsynced before the Submit that follows
            } else if constexpr (std::is_same_v<T, action::Submit>) {
              Submit s;
              s.job_id = act.proposal.job;
              s.study = study.name;
              s.objective = study.objective;
              s.params = act.proposal.params;
              s.timeout_s = study.timeout_s;
              s.max_steps = act.max_steps;
              s.rungs = act.rungs;
              s.min_gpu_memory_mib = study.min_gpu_memory_mib;
              s.notify_started = static_cast<bool>(settings.observer);  // only a live view needs it
              send(s);
            } else if constexpr (std::is_same_v<T, action::JournalReport>) {
              log->reported(act.report);  // fsynced before the decision is sent
            } else if constexpr (std::is_same_v<T, action::RecordResult>) {
              log->finished(act.record);  // on disk before the broker is told to forget it
              const auto& r = act.record;
              running_on.erase(r.job);
              display.result_line(result_line(r), snapshot());
              publish_metrics();
            } else if constexpr (std::is_same_v<T, action::Ack>) {
              send(ResultAck{act.job});
            } else if constexpr (std::is_same_v<T, action::Cancel>) {
              log->cancelled(act.job);
              send(Cancel{act.job});
            } else if constexpr (std::is_same_v<T, action::Done>) {
              // The loop ends on state->done().
            }
          },
          a);
    }
    actions.clear();
  }

  static std::string result_line(const EvaluationRecord& r) {
    if (r.ok())
      return fmt::format("#{} loss {:.6g}{} at {} ({})", r.index, *r.loss, format_metrics(r.metrics),
                         quante::to_string(r.params), r.worker);
    if (r.stopped())
      return fmt::format("#{} stopped at step {} (loss {}) at {}", r.index, r.stopped_at,
                         r.loss ? fmt::format("{:.6g}", *r.loss) : std::string("not finite"), quante::to_string(r.params));
    return fmt::format("#{} FAILED ({}: {}) at {}", r.index, r.failure, r.error, quante::to_string(r.params));
  }

  void on_proposal_ready() {
    auto finished = proposals.take();
    if (!finished) return;
    if (finished->error) std::rethrow_exception(finished->error);  // as it did inside the loop: main reports it
    const auto& b = finished->batch;
    if (finished->seconds >= 30)
      spdlog::info("a proposal of {} points by {} took {:.0f} s", b.points.size(), b.method, finished->seconds);
    else
      spdlog::debug("proposed {} points by {} in {:.2f} s", b.points.size(), b.method, finished->seconds);
    metrics.proposal_seconds.observe(finished->seconds);
    Actions out;
    state->on_proposal(finished->id, std::move(finished->batch), unix_now(), out);
    apply(out);
    publish_metrics();
  }

  void handle(const Message& message) {
    Actions out;
    if (const auto* result = std::get_if<JobResult>(&message)) {
      if (state->on_result(outcome_of(result->outcome), unix_now(), out) == ResultKind::Unknown && bad_log.allow())
        spdlog::warn("result for unknown job {} ignored", result->outcome.job_id);
    } else if (const auto* ack = std::get_if<SubmitAck>(&message)) {
      observe_epoch(ack->epoch);
      if (!ack->accepted) spdlog::warn("broker refused job {}: {}; trying again shortly", ack->job_id, ack->error);
      note_servable(ack->unservable);
      state->on_submit_ack(ack->job_id, ack->accepted, unix_now(), out);
    } else if (const auto* heartbeat = std::get_if<Heartbeat>(&message)) {
      observe_epoch(heartbeat->epoch);
      workers = static_cast<int>(heartbeat->workers);
      queued = static_cast<int>(heartbeat->queued);
    } else if (const auto* started = std::get_if<JobStarted>(&message)) {
      if (state->is_in_flight(started->job_id)) {
        running_on[started->job_id] = RunningOn{started->worker, static_cast<int>(started->gpu), unix_now()};
        ++changes_seen;
      }
    } else if (const auto* report = std::get_if<TrialReport>(&message)) {
      if (state->is_in_flight(report->job_id) && !report->worker.empty()) {  // an older broker names it here only
        auto& on = running_on[report->job_id];
        if (on.worker != report->worker) on = RunningOn{report->worker, -1, 0};
      }
      ++changes_seen;
      const auto decision = state->on_report(report->job_id, report->attempt, report->step, report->loss, unix_now(), out);
      apply(out);  // the report is journalled before the decision leaves
      send(TrialDecision{report->job_id, report->attempt, report->step, decision == ReportDecision::Continue});
      return;
    }
    apply(out);
  }

  // The broker accepts a job that no connected worker can run and says why: tell the user at once
  // (and again each minute while it lasts, and once when it ends) rather than wait in silence.
  void note_servable(const std::string& why) {
    const auto now = Clock::now();
    if (why.empty()) {
      if (!unservable.empty()) spdlog::info("a worker that can run this study's jobs is connected now");
      unservable.clear();
      return;
    }
    if (why == unservable && now < unservable_logged + std::chrono::minutes(1)) return;
    spdlog::warn("the study's jobs wait: {}", why);
    unservable = why;
    unservable_logged = now;
  }

  void observe_epoch(std::uint64_t broker_epoch) {
    if (broker_epoch == 0 || broker_epoch == epoch) return;
    if (epoch != 0) {
      spdlog::warn("the broker restarted; re-submitting {} jobs in flight", state->in_flight());
      Actions out;
      state->on_broker_restart(unix_now(), out);
      apply(out);
    }
    epoch = broker_epoch;
  }

  // Hands the observer a view when results, reports or jobs in flight changed (or when forced).
  void observe(bool force, bool finished = false) {
    if (!settings.observer) return;
    const auto now = std::make_tuple(state->evaluations().size(), state->in_flight(), changes_seen);
    if (!force && now == observed) return;
    observed = now;
    settings.observer(LiveView{study, *state, running_on, workers, queued, unix_now(), finished});
  }

  // The rule and its rungs as the tuner will apply them, defaults filled in (eta's depends on the rule).
  static void log_early_stopping(const scheduling::FidelitySettings& f) {
    if (f.scheduler == scheduling::SchedulerKind::None) return;
    const double eta = scheduling::effective_eta(f);
    const auto rungs = scheduling::rung_steps(f.step_min, f.step_max, eta);
    spdlog::info("early stopping: {}, steps {} to {}, eta {}{}, rungs {}{}", scheduling::to_string(f.scheduler), f.step_min,
                 f.step_max, eta, f.eta ? "" : fmt::format(" (the default with {})", scheduling::to_string(f.scheduler)),
                 rungs.empty() ? std::string("none") : fmt::format("{}", fmt::join(rungs, ", ")),
                 f.scheduler == scheduling::SchedulerKind::Hyperband ? " (the first bracket's)" : "");
  }

  RunSummary run(const StopSignal& stop) {
    resume();
    for (const auto& warning : state->records().warnings) spdlog::warn("{}", warning);
    spdlog::info("study {}: objective {}, budget {}, batch {} ({}), seed {}, history {}", study.name, study.objective,
                 study.budget, study.batch,
                 study.mode == ProposalMode::Async ? fmt::format("async, {} queued ahead", study.queue_ahead) : "sync",
                 study.seed, settings.history_path);
    if (study.fidelity) log_early_stopping(*study.fidelity);
    start_metrics();
    connect();
    notify_ready();
    Actions out;
    state->start(unix_now(), out);
    apply(out);
    while (!state->done()) {
      notify_watchdog();
      if (stop.requested()) {
        state->on_stop(unix_now(), out);
        apply(out);
        break;
      }
      const auto now = Clock::now();
      const auto wake = reconnect_at ? std::min(liveness.next_beat(), *reconnect_at) : liveness.next_deadline();
      const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(std::max(wake - now, Clock::duration::zero()));
      zmq::pollitem_t items[] = {{socket->handle(), 0, ZMQ_POLLIN, 0},
                                 {nullptr, stop.fd(), ZMQ_POLLIN, 0},
                                 {nullptr, proposals.fd(), ZMQ_POLLIN, 0}};
      poll_items(items, 3, wait + std::chrono::milliseconds(1));
      if (items[1].revents & ZMQ_POLLIN) continue;  // the stop is handled at the top
      if (items[2].revents & ZMQ_POLLIN) on_proposal_ready();
      if (items[0].revents & ZMQ_POLLIN) {
        while (!state->done()) {
          auto frames = try_recv(*socket);
          if (!frames) break;
          liveness.heard(Clock::now());
          backoff.reset();
          reconnect_at.reset();  // the broker is back: no reconnect
          auto decoded = decode(Link::Tuner, *frames);
          if (!decoded) {
            if (bad_log.allow()) spdlog::warn("dropped a bad message from the broker: {}", decoded.error().what);
            continue;
          }
          handle(*decoded);
        }
      }
      observe(false);
      if (state->done()) break;
      const auto after = Clock::now();
      if (liveness.beat_due(after)) {
        send(Heartbeat{});
        liveness.beat_sent(after);
        state->tick(unix_now(), out);  // re-submits unacknowledged jobs, max_seconds
        apply(out);
        display.update(snapshot());
        publish_metrics();
        observe(true);
      }
      if (!state->done() && !reconnect_at && liveness.silent(after)) {
        const auto delay = backoff.next();
        spdlog::warn("broker at {} silent for {} heartbeats; reconnecting in {} ms", settings.broker, settings.liveness,
                     delay.count());
        reconnect_at = after + delay;
      }
      if (!state->done() && reconnect_at && after >= *reconnect_at) {
        connect();
        state->on_broker_restart(unix_now(), out);
        apply(out);
      }
    }
    RunSummary summary;
    if (proposals.abandon()) {
      spdlog::info("stopped during a proposal: it is abandoned (the optimizer cannot be interrupted)");
      summary.proposal_abandoned = true;
    }
    observe(true, true);
    notify_stopping();
    display.finish();
    summary.evaluations = static_cast<int>(state->evaluations().size());
    summary.failed = state->failed();
    summary.duplicates = state->duplicates();
    if (auto named = name_best_record(study, state->evaluations(), state->best())) {
      summary.best = std::move(named->record);
      summary.best_posterior_mean = named->posterior_mean;
      summary.confirmed = named->confirmed;
    }
    summary.stop_reason = state->stop_reason();
    summary.failure_streak = state->failure_streak();
    summary.repeated_error = state->repeated_error();
    return summary;
  }
};

StudyRunner::StudyRunner(Study study, RunSettings settings)
    : impl_(std::make_unique<Impl>(std::move(study), std::move(settings))) {}
StudyRunner::~StudyRunner() = default;
RunSummary StudyRunner::run(const StopSignal& stop) { return impl_->run(stop); }

}  // namespace quante::tuner
