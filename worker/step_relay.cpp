#include "step_relay.hpp"

#include <stdexcept>
#include <sys/eventfd.h>
#include <unistd.h>

namespace quante::worker {

StepRelay::StepRelay(std::chrono::milliseconds decision_timeout) : timeout_(decision_timeout) {
  event_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (event_fd_ < 0) throw std::runtime_error("eventfd failed");
}

StepRelay::~StepRelay() { ::close(event_fd_); }

bool StepRelay::ask(const StepReport& report) {
  std::unique_lock lock(mutex_);
  if (abandoned_) return false;
  question_ = report;
  waiting_ = report.step;
  answer_.reset();
  const std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(event_fd_, &one, sizeof one);
  const bool heard = decided_.wait_for(lock, timeout_, [this] { return answer_.has_value() || abandoned_; });
  waiting_.reset();
  question_.reset();
  if (abandoned_) return false;
  return heard ? *answer_ : true;
}

std::optional<StepReport> StepRelay::take_question() {
  std::uint64_t count = 0;
  [[maybe_unused]] auto n = ::read(event_fd_, &count, sizeof count);
  std::lock_guard lock(mutex_);
  std::optional<StepReport> taken = std::move(question_);
  question_.reset();
  return taken;
}

void StepRelay::answer(std::int64_t step, bool go_on) {
  {
    std::lock_guard lock(mutex_);
    if (!waiting_ || *waiting_ != step) return;
    answer_ = go_on;
  }
  decided_.notify_all();
}

void StepRelay::abandon() {
  {
    std::lock_guard lock(mutex_);
    abandoned_ = true;
  }
  decided_.notify_all();
}

void StepRelay::reset() {
  std::lock_guard lock(mutex_);
  abandoned_ = false;
  question_.reset();
  waiting_.reset();
  answer_.reset();
}

}  // namespace quante::worker
