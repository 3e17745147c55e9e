// LogCapture: a test helper that makes spdlog's default logger record its messages, so a test can
// wait (with a deadline) for a line that another thread logs. Restores the old logger on exit.
#pragma once

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace quante::test {

class LogCapture {
 public:
  LogCapture() : sink_(std::make_shared<Sink>()), previous_(spdlog::default_logger()) {
    auto logger = std::make_shared<spdlog::logger>("capture", sink_);
    logger->set_level(spdlog::level::trace);
    spdlog::set_default_logger(logger);
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  // True once a message containing text was logged, false at the deadline.
  bool wait_for(const std::string& text, std::chrono::milliseconds within) {
    std::unique_lock lock(sink_->lines_mutex);
    return sink_->logged.wait_for(lock, within, [&] { return count_locked(text) > 0; });
  }
  std::size_t count(const std::string& text) {
    std::lock_guard lock(sink_->lines_mutex);
    return count_locked(text);
  }

 private:
  struct Sink : spdlog::sinks::base_sink<std::mutex> {
    std::mutex lines_mutex;
    std::condition_variable logged;
    std::vector<std::string> lines;

   protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
      {
        std::lock_guard lock(lines_mutex);
        lines.emplace_back(msg.payload.data(), msg.payload.size());
      }
      logged.notify_all();
    }
    void flush_() override {}
  };

  std::size_t count_locked(const std::string& text) const {
    std::size_t n = 0;
    for (const auto& line : sink_->lines) n += line.find(text) != std::string::npos ? 1 : 0;
    return n;
  }

  std::shared_ptr<Sink> sink_;
  std::shared_ptr<spdlog::logger> previous_;
};

}  // namespace quante::test
