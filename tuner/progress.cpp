#include "progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

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

// Cut to at most `width` bytes without splitting a UTF-8 sequence (parameters may be any text).
std::string cut(const std::string& text, std::size_t width) {
  if (text.size() <= width) return text;
  std::size_t end = width;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}
}  // namespace

std::string format_metrics(const std::map<std::string, double>& metrics) {
  std::string text;
  for (const auto& [name, value] : metrics) text += fmt::format(" {}={:.4g}", name, value);
  return text;
}

std::string format_progress(const ProgressSnapshot& p, std::size_t width) {
  const std::string counts = fmt::format("{}/{} done, {} in flight, {} failed", p.done, p.budget, p.running, p.failed);
  const std::string best = p.best ? fmt::format(" | best {:.6g}", *p.best) : "";
  const std::string metrics = p.best ? format_metrics(p.best_metrics) : "";
  const std::string point = p.best ? " at " + to_string(p.best_params) : "";
  std::string rate;
  if (p.elapsed_s > 0 && p.done > 0) {
    const double per_second = p.done / p.elapsed_s;
    rate = fmt::format(" | {:.0f}/h, ETA {}", per_second * 3600, duration_text((p.budget - p.done) / per_second));
  }
  const std::string workers = fmt::format(" | {} workers connected", p.workers);
  const std::string full = counts + best + metrics + point + rate + workers;
  if (width == 0 || full.size() <= width) return full;
  // Too wide: keep what matters most, and give the point whatever room is left.
  std::string kept_rate = rate, kept_workers = workers, kept_metrics = metrics;
  auto fixed = [&] { return counts.size() + best.size() + kept_metrics.size() + kept_rate.size() + kept_workers.size(); };
  const std::size_t min_point = p.best ? 12 : 0;  // " at {x=0.1..." is still worth showing
  if (fixed() + min_point > width) kept_workers.clear();
  if (fixed() + min_point > width) kept_rate.clear();
  if (fixed() + min_point > width) kept_metrics.clear();
  std::string shown_point;
  if (!point.empty() && fixed() < width) {
    const std::size_t room = width - fixed();
    shown_point = point.size() <= room ? point : (room > 3 ? cut(point, room - 3) + "..." : "");
  }
  return cut(counts + best + kept_metrics + shown_point + kept_rate + kept_workers, width);
}

std::size_t terminal_width(int fd) {
  struct winsize size {};
  if (::isatty(fd) && ::ioctl(fd, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return 80;
}

ProgressDisplay::ProgressDisplay(bool live) : live_(live) {}

void ProgressDisplay::update(const ProgressSnapshot& snapshot) {
  if (!live_) return;
  // One column short of the width: a line that fills the last column makes some terminals wrap.
  const std::size_t width = terminal_width(STDERR_FILENO);
  std::fprintf(stderr, "\r\033[2K%s", format_progress(snapshot, width > 1 ? width - 1 : width).c_str());
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
  if (live_ && drawn_) std::fprintf(stderr, "\r\033[2K");
  drawn_ = false;
}

}  // namespace quante::tuner
