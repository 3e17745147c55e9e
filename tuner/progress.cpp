#include "progress.hpp"

#include <cmath>
#include <cstdio>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace quante::tuner {

namespace {
std::string duration_text(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto s = static_cast<long long>(seconds);
  if (s >= 3600) return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
  if (s >= 60) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}
}  // namespace

std::string format_progress(const ProgressSnapshot& p) {
  std::string text = fmt::format("{}/{} done, {} in flight, {} failed", p.done, p.budget, p.running, p.failed);
  if (p.best) text += fmt::format(" | best {:.6g} at {}", *p.best, to_string(p.best_params));
  if (p.elapsed_s > 0 && p.done > 0) {
    const double rate = p.done / p.elapsed_s;
    text += fmt::format(" | {:.0f}/h, ETA {}", rate * 3600, duration_text((p.budget - p.done) / rate));
  }
  text += fmt::format(" | {} workers", p.workers);
  return text;
}

ProgressDisplay::ProgressDisplay(bool live) : live_(live) {}

void ProgressDisplay::update(const ProgressSnapshot& snapshot) {
  if (!live_) return;
  std::fprintf(stderr, "\r\033[2K%s", format_progress(snapshot).c_str());
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressDisplay::result_line(const std::string& line, const ProgressSnapshot& snapshot) {
  if (live_) {
    std::fprintf(stderr, "\r\033[2K%s\n", line.c_str());
    update(snapshot);
  } else {
    spdlog::info("{} | {}", line, format_progress(snapshot));
  }
}

void ProgressDisplay::finish() {
  if (live_ && drawn_) std::fprintf(stderr, "\n");
  drawn_ = false;
}

}  // namespace quante::tuner
