// The TrialReporter a job runs with. It keeps the job's learning curve (thinned to at most
// protocol::kMaxCurvePoints, the last point always kept), answers reports between rungs at once,
// and asks the StepRelay (so the tuner decides) at the first report at or past each rung. Steps
// that repeat or go down are passed over: they enter neither the curve nor a decision. Once told
// to stop, every later report hears "stop" again. A report at or past max_steps ends the trial:
// it has run its full length, which is not an early stop.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "objectives/trial_reporter.hpp"
#include "protocol.hpp"
#include "step_relay.hpp"

namespace quante::worker {

class JobReporter final : public TrialReporter {
 public:
  // `relay` may be null (no decisions: every report goes on).
  JobReporter(std::int64_t max_steps, std::vector<std::int64_t> rungs, StepRelay* relay);

  std::optional<std::int64_t> max_steps() const override;
  bool report(const StepReport& report) override;

  protocol::Curve curve() const;
  std::int64_t stopped_at() const { return stopped_at_; }  // 0 unless the tuner stopped it
  std::uint64_t reports() const { return reports_; }

 private:
  void record(std::int64_t step, double loss);

  std::int64_t max_steps_;
  std::vector<std::int64_t> rungs_;
  std::size_t next_rung_ = 0;
  StepRelay* relay_;
  protocol::Curve points_;                       // thinned
  std::optional<std::pair<std::int64_t, double>> last_;
  std::size_t stride_ = 1, since_kept_ = 0;
  std::optional<std::int64_t> last_step_;
  std::int64_t stopped_at_ = 0;
  bool stopped_ = false;
  std::uint64_t reports_ = 0;
};

}  // namespace quante::worker
