#include "job_reporter.hpp"

namespace quante::worker {

JobReporter::JobReporter(std::int64_t max_steps, std::vector<std::int64_t> rungs, StepRelay* relay)
    : max_steps_(max_steps), rungs_(std::move(rungs)), relay_(relay) {}

std::optional<std::int64_t> JobReporter::max_steps() const {
  if (max_steps_ > 0) return max_steps_;
  return std::nullopt;
}

void JobReporter::record(std::int64_t step, double loss) {
  last_ = {step, loss};
  if (++since_kept_ < stride_ && !points_.empty()) return;
  since_kept_ = 0;
  points_.emplace_back(step, loss);
  if (points_.size() < protocol::kMaxCurvePoints) return;
  // Full: keep every other point and from now on every other report, so a curve of any length
  // is spread evenly over its steps.
  protocol::Curve thinned;
  thinned.reserve(points_.size() / 2 + 1);
  for (std::size_t i = 0; i < points_.size(); i += 2) thinned.push_back(points_[i]);
  points_ = std::move(thinned);
  stride_ *= 2;
}

protocol::Curve JobReporter::curve() const {
  protocol::Curve curve = points_;
  if (last_ && (curve.empty() || curve.back().first != last_->first)) {
    if (curve.size() >= protocol::kMaxCurvePoints) curve.pop_back();
    curve.push_back(*last_);
  }
  return curve;
}

bool JobReporter::report(const StepReport& report) {
  ++reports_;
  if (stopped_) return false;
  if (last_step_ && report.step <= *last_step_) return true;  // repeated or going down: passed over
  last_step_ = report.step;
  record(report.step, report.loss);
  if (max_steps_ > 0 && report.step >= max_steps_) return false;  // its full length
  bool at_rung = false;
  while (next_rung_ < rungs_.size() && rungs_[next_rung_] <= report.step) {
    at_rung = true;
    ++next_rung_;
  }
  if (!at_rung || !relay_) return true;
  if (relay_->ask(report)) return true;
  stopped_ = true;
  stopped_at_ = report.step;
  return false;
}

}  // namespace quante::worker
