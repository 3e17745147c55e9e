#include "step_relay.hpp"

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <sys/eventfd.h>
#include <unistd.h>

namespace quante::worker {

namespace {
constexpr std::size_t kKeptLatencies = 100000;  // enough for percentiles, bounded for a long-lived worker
}  // namespace

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
  const auto asked = std::chrono::steady_clock::now();
  const bool heard = decided_.wait_for(lock, timeout_, [this] { return answer_.has_value() || abandoned_; });
  waiting_.reset();
  question_.reset();
  if (abandoned_) return false;
  if (!heard) {
    ++timed_out_;
    return true;
  }
  if (latencies_ms_.size() < kKeptLatencies)
    latencies_ms_.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - asked).count());
  return *answer_;
}

std::string StepRelay::latency_summary() const {
  std::vector<double> sorted;
  std::uint64_t timed_out = 0;
  {
    std::lock_guard lock(mutex_);
    sorted = latencies_ms_;
    timed_out = timed_out_;
  }
  if (sorted.empty() && timed_out == 0) return {};
  std::sort(sorted.begin(), sorted.end());
  auto at = [&](double p) {
    return sorted.empty() ? 0.0 : sorted[std::min(sorted.size() - 1, static_cast<std::size_t>(p * static_cast<double>(sorted.size())))];
  };
  char text[160];
  std::snprintf(text, sizeof text, "%zu rung decisions, round trip p50 %.2f ms, p99 %.2f ms, max %.2f ms; %llu timed out",
                sorted.size(), at(0.5), at(0.99), sorted.empty() ? 0.0 : sorted.back(),
                static_cast<unsigned long long>(timed_out));
  return text;
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
