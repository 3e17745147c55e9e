#include "worker.hpp"

#include <algorithm>
#include <poll.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "gpu_info.hpp"
#include "gpu_memory.hpp"
#include "printable.hpp"
#include "rate_limit.hpp"
#include "service_notify.hpp"
#include "zmq_util.hpp"

namespace quante::worker {

using namespace quante::protocol;

namespace {
RateLimit g_bad_message_log(10);
constexpr std::size_t kMaxReportMetrics = 64;

std::string hostname() {
  char buffer[256] = {};
  if (::gethostname(buffer, sizeof buffer - 1) != 0) return "localhost";
  return buffer;
}
}  // namespace

std::string default_worker_name(int gpu, int slot) {
  if (gpu < 0) return hostname() + "/pid" + std::to_string(::getpid());
  return hostname() + "/gpu" + std::to_string(gpu) + (slot >= 0 ? ".s" + std::to_string(slot) : "");
}

Worker::Worker(WorkerConfig settings, ObjectiveSet objectives)
    : settings_(std::move(settings)),
      objectives_(std::move(objectives)),
      context_(1),
      runner_(settings_.decision_timeout),
      liveness_(settings_.heartbeat, settings_.liveness),
      backoff_(settings_.reconnect_initial, settings_.reconnect_max) {
  if (settings_.name.empty()) settings_.name = default_worker_name(settings_.gpu, settings_.slot);
  if (settings_.gpu >= 0) {
    if (settings_.device.empty()) settings_.device = describe_gpu(settings_.gpu);
    if (settings_.gpu_memory_mib < 0) settings_.gpu_memory_mib = gpu_total_mib(settings_.gpu).value_or(0);
    spdlog::info("worker {}: GPU {}{} is {}, {} MiB", settings_.name, settings_.gpu,
                 settings_.slot >= 0 ? fmt::format(" (slot {} of {})", settings_.slot, settings_.per_gpu) : "",
                 settings_.device.empty() ? "of unknown kind (no CUDA runtime or driver answered)" : settings_.device,
                 settings_.gpu_memory_mib > 0 ? std::to_string(settings_.gpu_memory_mib) : "unknown");
  }
  MemoryGuardSettings guard;
  guard.growth_mib = settings_.gpu >= 0 ? settings_.gpu_memory_growth_mib : 0;
  if (settings_.gpu_memory_mib > 0) guard.limit_mib = settings_.gpu_memory_mib / std::max(1, settings_.per_gpu);
  for (const auto& name : objectives_.names()) guards_.emplace(name, MemoryGuard(guard));
}

void Worker::connect() {
  if (socket_) socket_->close();
  socket_ = make_dealer(context_, settings_.security, settings_.broker);
  send(ready_message());
  const auto now = Clock::now();
  liveness_.connected(now);
  liveness_.beat_sent(now);  // READY was the first beat
  spdlog::info("worker {} connecting to {}", settings_.name, settings_.broker);
}

Ready Worker::ready_message() const {
  Ready ready;
  ready.name = settings_.name;
  ready.host = hostname();
  ready.gpu = settings_.gpu;
  ready.device = settings_.device;
  ready.slot = settings_.slot;
  ready.gpu_memory_mib = std::max<std::int64_t>(0, settings_.gpu_memory_mib);
  ready.pid = ::getpid();
  ready.objectives = objectives_.names();
  if (const Job* job = runner_.current()) ready.running_job = job->job_id;
  return ready;
}

void Worker::send(const Message& message) {
  auto frames = encode(Link::Worker, message);
  if (!try_send(*socket_, frames)) spdlog::warn("could not send {} to the broker now", protocol::to_string(type_of(message)));
}

void Worker::on_job(const Job& job) {
  if (runner_.busy() || held_crash_) {
    spdlog::error("broker sent job {} while job {} runs; refusing it", job.job_id,
                  held_crash_ ? held_crash_->job.job_id : runner_.current()->job_id);
    return;
  }
  Objective* objective = objectives_.find(job.objective);
  if (!objective) {
    Outcome outcome;
    outcome.job_id = job.job_id;
    outcome.failure = FailureClass::Rejected;
    outcome.error = "this worker does not serve objective '" + job.objective + "'";
    outcome.worker = settings_.name;
    send(Result{outcome, job.attempt, job.epoch});
    return;
  }
  spdlog::info("job {} (study {}, attempt {}): {}", job.job_id, job.study, job.attempt, quante::to_string(job.params));
  const auto timeout = job.timeout_s > 0 ? std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(job.timeout_s))
                                         : std::chrono::duration_cast<Clock::duration>(settings_.default_timeout());
  job_deadline_ = Clock::now() + timeout;
  deadline_hit_ = false;
  runner_.start(*objective, job);
}

void Worker::on_finished(const StopSignal& stop) {
  auto finished = runner_.take_finished();
  if (!finished) return;
  auto& [job, outcome] = *finished;
  job_deadline_ = Clock::time_point::max();
  // scancel, and systemd's KillMode=mixed, signal the objective's child and this worker at once:
  // a child that died that way while a stop arrives was stopped with us, and its job goes back to
  // the broker to run elsewhere instead of being failed. The stop may trail the child's death by a
  // moment, so a crash waits kStopGrace, without holding up the loop (heartbeats go on).
  if (!outcome.ok && outcome.failure == FailureClass::Crashed) {
    if (stop.requested()) {
      spdlog::info("job {}: its objective died as this worker is stopping; giving the job back", job.job_id);
      given_back_ = job.job_id;
      return;
    }
    held_crash_ = HeldCrash{job, std::move(outcome), Clock::now() + kStopGrace};
    return;
  }
  deliver(job, std::move(outcome));
}

void Worker::deliver_held_crash(Clock::time_point now) {
  if (!held_crash_ || now < held_crash_->until) return;
  HeldCrash held = std::move(*held_crash_);
  held_crash_.reset();
  deliver(held.job, std::move(held.outcome));
}

void Worker::deliver(const Job& job, Outcome outcome) {
  if (deadline_hit_ && !outcome.ok) {
    outcome.failure = FailureClass::Timeout;
    outcome.error = "the job overran its deadline of " + std::to_string(job.timeout_s) + " s";
  }
  outcome.worker = settings_.name;
  ++jobs_done_;
  if (outcome.ok) spdlog::info("job {} done: loss {}", job.job_id, outcome.loss);
  else spdlog::warn("job {} failed ({}): {}", job.job_id, protocol::to_string(outcome.failure), outcome.error);
  Result result = within_protocol_limits(Result{outcome, job.attempt, job.epoch});
  if (socket_) send(result);
  else unsent_result_ = result;
  check_gpu_memory(job.objective);
}

void Worker::check_gpu_memory(const std::string& name) {
  auto guard = guards_.find(name);
  Objective* objective = objectives_.find(name);
  if (guard == guards_.end() || !guard->second.enabled() || !objective) return;
  // The objective's own processes and this one (where an in-process objective's CUDA context lives).
  auto held_by = [&](const Objective& o) {
    auto processes = o.processes();
    processes.push_back(::getpid());
    return gpu_memory_held_mib(settings_.gpu, processes);
  };
  const auto held = held_by(*objective);
  if (!held) return;  // cannot be told here (no NVML): the guard stays quiet
  const auto verdict = guard->second.after_job(*held);
  if (!verdict.restart) return;
  spdlog::warn("objective {}: {}; restarting it", name, verdict.reason);
  ++objective_restarts_;
  if (const auto restarted = objectives_.restart(name); !restarted) {
    spdlog::error("objective {} could not be started again: {}; this worker no longer serves it", name,
                  restarted.error().message);
    guards_.erase(guard);
    if (socket_) send(ready_message());  // registers again without it
    return;
  }
  const auto after = held_by(*objectives_.find(name));
  if (after && guard->second.still_held(*after)) {
    // Memory held by this very process (an in-process objective's leak) only goes with it.
    spdlog::error("GPU memory stays held after the restart ({} MiB); this worker process restarts", *after);
    exit_status_ = kRestartProcess;
  }
  guard->second.restarted();
}

Result Worker::within_protocol_limits(Result result) {
  // The broker refuses what its decoder refuses (map sizes, string lengths, 1 MiB): check with the
  // same decoder before sending, so an oversized answer fails its job with the reason instead of
  // vanishing on the way and leaving the job running for ever.
  auto frames = encode(Link::Worker, result);
  const auto decoded = decode(Link::Worker, frames);
  if (decoded) return result;
  const DecodeError* error = &decoded.error();
  spdlog::error("job {}: the result breaks the protocol's limits ({}); failing the job instead",
                result.outcome.job_id, error->what);
  Outcome& o = result.outcome;
  o.ok = false;
  o.loss = 0;
  o.failure = FailureClass::Protocol;
  o.metrics.clear();
  o.error = "the result breaks the protocol's limits: " + error->what.substr(0, 1024);
  return result;
}

void Worker::on_report() {
  auto question = runner_.relay().take_question();
  const Job* job = runner_.current();
  if (!question || !job || !socket_) return;  // no broker now: the job thread's wait times out and goes on
  Report report{job->job_id, job->attempt, job->epoch, question->step, question->loss, question->metrics};
  if (report.metrics.size() > kMaxReportMetrics) report.metrics.clear();  // the decision needs the loss only
  send(report);
}

void Worker::handle(const Message& message) {
  if (const auto* job = std::get_if<Job>(&message)) {
    on_job(*job);
  } else if (const auto* decision = std::get_if<Decision>(&message)) {
    const Job* current = runner_.current();
    if (current && current->job_id == decision->job_id && current->attempt == decision->attempt)
      runner_.relay().answer(decision->step, decision->go_on);
  } else if (const auto* heartbeat = std::get_if<Heartbeat>(&message)) {
    if (broker_epoch_ != 0 && heartbeat->epoch != broker_epoch_)
      spdlog::warn("broker restarted (epoch {:016x} -> {:016x})", broker_epoch_, heartbeat->epoch);
    broker_epoch_ = heartbeat->epoch;
  } else if (const auto* bye = std::get_if<Disconnect>(&message)) {
    if (bye->refused) {
      spdlog::error("the broker refused this worker: {}; trying again in {} ms", printable(bye->reason), backoff_.current().count());
      refused_ = true;
      return;
    }
    spdlog::info("broker asks this worker to register again");
    send(ready_message());
  } else if (g_bad_message_log.allow()) {
    spdlog::warn("ignored a {} from the broker", protocol::to_string(type_of(message)));
  }
}

void Worker::give_back_and_leave() {
  Disconnect bye{"worker stopping", ""};
  if (runner_.busy()) {
    bye.job_id = runner_.current()->job_id;
    spdlog::info("stopping: giving job {} back to the broker", bye.job_id);
    runner_.cancel();
  } else if (held_crash_ || given_back_) {
    bye.job_id = held_crash_ ? held_crash_->job.job_id : *given_back_;
    spdlog::info("stopping: giving job {} back to the broker", bye.job_id);
  }
  if (socket_) {
    send(bye);
    // Give the message a moment to leave (the socket has linger 0).
    socket_->set(zmq::sockopt::linger, 1000);
    socket_->close();
    socket_.reset();
  }
}

bool Worker::reconnect_after_backoff(const StopSignal& stop) {
  socket_->close();
  socket_.reset();
  refused_ = false;
  // Wait out the back-off, still taking a job that finishes meanwhile, or a stop.
  const auto until = Clock::now() + backoff_.next();
  while (!stop.requested() && Clock::now() < until) {
    zmq::pollitem_t wait_items[] = {{nullptr, runner_.fd(), ZMQ_POLLIN, 0}, {nullptr, stop.fd(), ZMQ_POLLIN, 0}};
    poll_items(wait_items, 2,
               std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()) + std::chrono::milliseconds(1));
    if (wait_items[0].revents & ZMQ_POLLIN) on_finished(stop);
    deliver_held_crash(Clock::now());
  }
  if (stop.requested()) return false;
  connect();
  if (unsent_result_) {
    send(*unsent_result_);
    unsent_result_.reset();
  }
  return true;
}

void Worker::receive_all() {
  while (socket_) {
    auto frames = try_recv(*socket_);
    if (!frames) break;
    liveness_.heard(Clock::now());
    auto decoded = decode(Link::Worker, *frames);
    if (!decoded) {
      if (g_bad_message_log.allow()) spdlog::warn("dropped a bad message from the broker: {}", decoded.error().what);
      continue;
    }
    try {
      handle(*decoded);
      if (!refused_) backoff_.reset();  // a refusal keeps doubling it
    } catch (const std::exception& e) {
      if (g_bad_message_log.allow()) spdlog::error("error while handling a broker message: {}", e.what());
    }
  }
}

int Worker::run(const StopSignal& stop) {
  connect();
  notify_ready();
  while (!stop.requested() && exit_status_ == 0) {
    notify_watchdog();
    const auto now = Clock::now();
    const auto wake = std::min({liveness_.next_deadline(), job_deadline_,
                                held_crash_ ? held_crash_->until : Clock::time_point::max()});
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(std::max(wake - now, Clock::duration::zero()));
    zmq::pollitem_t items[] = {
        {socket_->handle(), 0, ZMQ_POLLIN, 0},
        {nullptr, runner_.fd(), ZMQ_POLLIN, 0},
        {nullptr, stop.fd(), ZMQ_POLLIN, 0},
        {nullptr, runner_.relay().fd(), ZMQ_POLLIN, 0},
    };
    poll_items(items, 4, wait + std::chrono::milliseconds(1));
    if (items[2].revents & ZMQ_POLLIN) break;
    if (items[3].revents & ZMQ_POLLIN) on_report();
    if (items[1].revents & ZMQ_POLLIN) on_finished(stop);
    if (items[0].revents & ZMQ_POLLIN) receive_all();
    const auto after = Clock::now();
    deliver_held_crash(after);
    if (after >= job_deadline_ && !deadline_hit_) {
      deadline_hit_ = true;
      job_deadline_ = Clock::time_point::max();
      spdlog::warn("job {} overran its deadline; cancelling it", runner_.current() ? runner_.current()->job_id : "?");
      runner_.cancel();
    }
    if (liveness_.beat_due(after)) {
      Heartbeat beat;
      if (const Job* job = runner_.current()) beat.job_id = job->job_id;
      else if (held_crash_) beat.job_id = held_crash_->job.job_id;
      send(beat);
      liveness_.beat_sent(after);
    }
    // What waits unread counts as heard: the loop may have been held (a crashed job's stop grace).
    if (liveness_.silent(after) && socket_) receive_all();
    const bool broker_silent = liveness_.silent(Clock::now());
    if (broker_silent || refused_) {
      if (broker_silent)
        spdlog::warn("broker silent for {} heartbeats; reconnecting in {} ms", settings_.liveness, backoff_.current().count());
      if (!reconnect_after_backoff(stop)) break;
    }
  }
  notify_stopping();
  give_back_and_leave();
  spdlog::info("worker {} stopped after {} jobs{}", settings_.name, jobs_done_,
               objective_restarts_ ? fmt::format(" ({} objective restarts for leaked GPU memory)", objective_restarts_) : "");
  if (auto latency = runner_.relay().latency_summary(); !latency.empty()) spdlog::info("{}", latency);
  return exit_status_;
}

}  // namespace quante::worker
