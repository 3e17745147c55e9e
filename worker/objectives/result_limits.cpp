// See result_limits.hpp.
#include "result_limits.hpp"

#include <spdlog/spdlog.h>

#include <cmath>
#include <sstream>

namespace quante::worker {

namespace {

// The longest prefix of text of at most max_bytes that does not end inside a UTF-8 character.
std::size_t utf8_prefix(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text.size();
  std::size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return end;
}

std::string number(double value) {
  std::ostringstream out;
  out.precision(17);
  out << value;
  return out.str();
}

}  // namespace

std::size_t limit_metrics(std::map<std::string, double>& metrics) {
  bool long_name = false;
  for (const auto& [name, value] : metrics) long_name = long_name || name.size() > kMaxMetricNameBytes;
  if (!long_name && metrics.size() <= kMaxMetrics) return 0;
  const std::size_t before = metrics.size();
  std::size_t renamed = 0;
  std::map<std::string, double> kept;
  for (auto& [name, value] : metrics) {
    if (kept.size() == kMaxMetrics) break;
    if (name.size() > kMaxMetricNameBytes) {
      ++renamed;
      kept.emplace(name.substr(0, utf8_prefix(name, kMaxMetricNameBytes)), value);
    } else {
      kept.emplace(name, value);
    }
  }
  metrics = std::move(kept);
  return before - metrics.size() + renamed;
}

std::string cut_text(std::string text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  const std::size_t room = max_bytes > kCutMark.size() ? max_bytes - kCutMark.size() : 0;
  text.resize(utf8_prefix(text, room));
  text += kCutMark.substr(0, max_bytes - text.size());
  return text;
}

void enforce_result_limits(Evaluation& evaluation, std::string_view job_id) {
  if (evaluation.ok && !std::isfinite(evaluation.loss)) {
    evaluation.ok = false;
    evaluation.failure = FailureKind::Objective;
    evaluation.error = std::string("non-finite loss (") + (std::isnan(evaluation.loss) ? "NaN" : "infinite") + ")";
  } else if (evaluation.ok && std::fabs(evaluation.loss) > kDivergedLoss) {
    evaluation.ok = false;
    evaluation.failure = FailureKind::Objective;
    evaluation.error = "the loss diverged: " + number(evaluation.loss) + " is beyond +-1e300";
  }
  const std::size_t metrics_before = evaluation.metrics.size();
  if (const std::size_t changed = limit_metrics(evaluation.metrics); changed > 0) {
    spdlog::warn("job {}: {} of its {} metrics dropped or renamed to fit the result limits ({} metrics, "
                 "names of {} bytes)",
                 job_id, changed, metrics_before, kMaxMetrics, kMaxMetricNameBytes);
  }
  if (evaluation.error.size() > kMaxErrorBytes) evaluation.error = cut_text(std::move(evaluation.error));
}

}  // namespace quante::worker
