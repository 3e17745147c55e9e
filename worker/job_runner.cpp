#include "job_runner.hpp"

#include <cstdint>
#include <stdexcept>
#include <unistd.h>

#include "job_reporter.hpp"
#include "json_params.hpp"

namespace quante::worker {

protocol::FailureClass to_failure_class(FailureKind kind) {
  switch (kind) {
    case FailureKind::None: return protocol::FailureClass::None;
    case FailureKind::Objective: return protocol::FailureClass::Objective;
    case FailureKind::Timeout: return protocol::FailureClass::Timeout;
    case FailureKind::Crashed: return protocol::FailureClass::Crashed;
    case FailureKind::Protocol: return protocol::FailureClass::Protocol;
    case FailureKind::OutOfMemory: return protocol::FailureClass::OutOfMemory;
  }
  return protocol::FailureClass::Objective;
}

JobRunner::JobRunner(std::chrono::milliseconds decision_timeout) : event_fd_(make_eventfd()), relay_(decision_timeout) {
  thread_ = std::thread([this] { loop(); });
}

JobRunner::~JobRunner() {
  {
    std::lock_guard lock(mutex_);
    quit_ = true;
    if (objective_ && running_ && !outcome_) objective_->cancel();
  }
  relay_.abandon();
  wake_.notify_all();
  thread_.join();
}

bool JobRunner::busy() const {
  std::lock_guard lock(mutex_);
  return running_;
}

void JobRunner::start(Objective& objective, protocol::Job job) {
  {
    std::lock_guard lock(mutex_);
    relay_.reset();
    objective_ = &objective;
    job_ = std::move(job);
    running_ = true;
    has_work_ = true;
    outcome_.reset();
  }
  wake_.notify_all();
}

void JobRunner::cancel() {
  std::lock_guard lock(mutex_);
  if (running_ && !outcome_ && objective_) {
    relay_.abandon();
    objective_->cancel();
  }
}

std::optional<std::pair<protocol::Job, protocol::Outcome>> JobRunner::take_finished() {
  std::uint64_t count = 0;
  [[maybe_unused]] auto n = ::read(event_fd_.get(), &count, sizeof count);
  std::lock_guard lock(mutex_);
  if (!running_ || !outcome_) return std::nullopt;
  running_ = false;
  auto result = std::make_pair(job_, std::move(*outcome_));
  outcome_.reset();
  return result;
}

void JobRunner::loop() {
  for (;;) {
    Objective* objective = nullptr;
    protocol::Job job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return quit_ || has_work_; });
      if (quit_) return;
      has_work_ = false;
      objective = objective_;
      job = job_;
    }
    protocol::Outcome outcome;
    outcome.job_id = job.job_id;
    outcome.started_at = unix_now();
    Evaluation evaluation;
    JobReporter reporter(job.max_steps, job.rungs, &relay_);
    try {
      evaluation = objective->evaluate(job.job_id, job.params, reporter);
    } catch (const std::exception& e) {
      evaluation.ok = false;
      evaluation.failure = FailureKind::Crashed;
      evaluation.error = std::string("objective threw: ") + e.what();
    }
    outcome.finished_at = unix_now();
    outcome.ok = evaluation.ok;
    outcome.loss = evaluation.ok ? evaluation.loss : 0.0;
    outcome.error = evaluation.error;
    outcome.failure = evaluation.ok ? protocol::FailureClass::None : to_failure_class(evaluation.failure);
    outcome.metrics = std::move(evaluation.metrics);
    outcome.curve = reporter.curve();
    outcome.stopped_at = evaluation.ok ? reporter.stopped_at() : 0;
    {
      std::lock_guard lock(mutex_);
      outcome_ = std::move(outcome);
    }
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(event_fd_.get(), &one, sizeof one);
  }
}

}  // namespace quante::worker
