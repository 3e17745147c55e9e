#include "simulated_farm.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <chrono>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "job_reporter.hpp"
#include "proposal_engine.hpp"
#include "step_relay.hpp"
#include "tuner_state.hpp"

namespace quante::bench {

namespace {

using namespace quante::tuner;

// One simulated worker: its objective, and the trial it runs on its own thread.
struct Slot {
  std::unique_ptr<worker::Objective> objective;
  worker::StepRelay relay{std::chrono::hours(24)};  // the simulation always answers
  bool busy = false;
  std::string job;
  double started = 0;                                // virtual time
  std::unique_ptr<worker::JobReporter> reporter;
  std::thread thread;
  std::mutex mutex;
  bool finished = false;                             // the thread's evaluate returned
  worker::Evaluation evaluation;
  std::optional<worker::StepReport> waiting;         // parked at a rung
};

class Simulation {
 public:
  Simulation(const Study& study, const ObjectiveFactory& make, int workers)
      : study_(study), state_(study, {}, 0.0, settings()), engine_(study), slots_(static_cast<std::size_t>(workers)) {
    for (auto& slot : slots_) slot.objective = make();
    done_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (done_fd_ < 0) throw std::runtime_error("eventfd failed");
  }
  ~Simulation() {
    for (auto& slot : slots_) {
      slot.relay.abandon();
      if (slot.thread.joinable()) slot.thread.join();
    }
    ::close(done_fd_);
  }

  SimulationResult run(const std::vector<std::int64_t>& checkpoints) {
    Actions out;
    state_.start(now_, out);
    apply(out);
    std::size_t next_checkpoint = 0;
    while (!state_.done()) {
      if (!park_all()) break;  // nothing runs and nothing will
      Slot* next = earliest();
      if (!next) break;  // park_all said something runs; never null, but say so to the compiler
      now_ = event_time(*next);
      while (next_checkpoint < checkpoints.size() && steps_at(now_) >= checkpoints[next_checkpoint])
        take_checkpoint(checkpoints[next_checkpoint++]);
      if (next->finished) finish(*next);
      else decide(*next);
    }
    while (next_checkpoint < checkpoints.size()) take_checkpoint(checkpoints[next_checkpoint++]);
    result_.steps = finished_steps_;
    return result_;
  }

 private:
  TunerStateSettings settings() {
    TunerStateSettings s;
    s.new_job_id = [this] { return "T" + std::to_string(++jobs_); };
    return s;
  }

  void apply(Actions& actions) {
    for (std::size_t i = 0; i < actions.size(); ++i) {
      if (auto* request = std::get_if<action::RequestProposal>(&actions[i])) {
        const auto t0 = std::chrono::steady_clock::now();
        ProposalBatch batch = engine_.propose(request->evaluations, request->pending, request->count, request->round);
        result_.proposal_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        Actions more;
        state_.on_proposal(request->id, std::move(batch), now_, more);
        apply(more);
      } else if (auto* submit = std::get_if<action::Submit>(&actions[i])) {
        start(*submit);
      }
    }
    actions.clear();
  }

  void start(const action::Submit& submit) {
    Slot* slot = nullptr;
    for (auto& s : slots_)
      if (!s.busy) slot = &s;
    if (!slot) throw std::logic_error("more trials submitted than workers (set queue_ahead = 0)");
    slot->busy = true;
    slot->finished = false;
    slot->waiting.reset();
    slot->job = submit.proposal.job;
    slot->started = now_;
    slot->relay.reset();
    slot->reporter = std::make_unique<worker::JobReporter>(submit.max_steps, submit.rungs, &slot->relay);
    ++result_.trials;
    slot->thread = std::thread([this, slot, params = submit.proposal.params] {
      auto evaluation = slot->objective->evaluate(slot->job, params, *slot->reporter);
      {
        std::lock_guard lock(slot->mutex);
        slot->evaluation = std::move(evaluation);
        slot->finished = true;
      }
      const std::uint64_t one = 1;
      [[maybe_unused]] auto n = ::write(done_fd_, &one, sizeof one);
    });
  }

  bool parked(Slot& slot) {
    {
      std::lock_guard lock(slot.mutex);
      if (slot.finished) return true;
    }
    if (slot.waiting) return true;
    if (auto question = slot.relay.take_question()) slot.waiting = std::move(question);
    return slot.waiting.has_value();
  }

  // Blocks until every busy slot waits at a rung or has finished; false when none is busy.
  bool park_all() {
    for (;;) {
      std::vector<pollfd> fds;
      bool any = false, all = true;
      for (auto& slot : slots_) {
        if (!slot.busy) continue;
        any = true;
        if (!parked(slot)) {
          all = false;
          fds.push_back({slot.relay.fd(), POLLIN, 0});
        }
      }
      if (!any) return false;
      if (all) return true;
      fds.push_back({done_fd_, POLLIN, 0});
      ::poll(fds.data(), fds.size(), 1000);
      std::uint64_t count = 0;
      [[maybe_unused]] auto n = ::read(done_fd_, &count, sizeof count);
    }
  }

  std::int64_t steps_of(Slot& slot) const {
    const auto curve = slot.reporter->curve();
    return curve.empty() ? (study_.fidelity ? study_.fidelity->step_max : 1) : curve.back().first;
  }

  double event_time(Slot& slot) const {
    return slot.started + static_cast<double>(slot.finished ? steps_of(slot) : slot.waiting->step);
  }

  Slot* earliest() {
    Slot* best = nullptr;
    double best_time = 0;
    for (auto& slot : slots_) {
      if (!slot.busy) continue;
      const double t = event_time(slot);
      if (!best || t < best_time) {
        best = &slot;
        best_time = t;
      }
    }
    return best;
  }

  std::int64_t steps_at(double t) const {
    double steps = static_cast<double>(finished_steps_);
    for (const auto& slot : slots_)
      if (slot.busy) steps += t - slot.started;
    return static_cast<std::int64_t>(steps);
  }

  // The best full-length trial; before there is one, what the tuner would name: the best loss
  // among the trials that ran furthest.
  void take_checkpoint(std::int64_t steps) {
    auto best = state_.best();
    if (!best) {
      const std::int64_t step_max = study_.fidelity ? study_.fidelity->step_max : 1;
      std::int64_t furthest = 0;
      for (const auto& e : state_.evaluations())
        if (e.loss) furthest = std::max(furthest, e.steps_run(step_max));
      for (const auto& e : state_.evaluations())
        if (e.loss && e.steps_run(step_max) == furthest && (!best || study_.better(*e.loss, *best->loss))) best = e;
    }
    result_.checkpoints.push_back({steps, best});
  }

  void decide(Slot& slot) {
    Actions out;
    const auto decision = state_.on_report(slot.job, 1, slot.waiting->step, slot.waiting->loss, now_, out);
    const auto step = slot.waiting->step;
    slot.waiting.reset();
    apply(out);
    slot.relay.answer(step, decision == ReportDecision::Continue);
  }

  void finish(Slot& slot) {
    slot.thread.join();
    slot.busy = false;
    const auto& e = slot.evaluation;
    JobOutcome outcome;
    outcome.job = slot.job;
    outcome.ok = e.ok;
    outcome.loss = e.ok ? e.loss : 0;
    outcome.error = e.error;
    outcome.failure = e.ok ? "" : "objective";
    outcome.metrics = e.metrics;
    outcome.worker = "sim";
    outcome.curve = slot.reporter->curve();
    outcome.stopped_at = e.ok ? slot.reporter->stopped_at() : 0;
    finished_steps_ += steps_of(slot);
    if (outcome.stopped_at > 0) ++result_.stopped;
    if (!e.ok) ++result_.failed;
    Actions out;
    state_.on_result(outcome, now_, out);
    apply(out);
  }

  const Study& study_;
  TunerState state_;
  ProposalEngine engine_;
  std::vector<Slot> slots_;
  int done_fd_ = -1;
  double now_ = 0;
  int jobs_ = 0;
  std::int64_t finished_steps_ = 0;
  SimulationResult result_;
};

}  // namespace

SimulationResult simulate(const Study& study, const ObjectiveFactory& make_objective, int workers,
                          const std::vector<std::int64_t>& checkpoint_steps) {
  Simulation simulation(study, make_objective, workers);
  return simulation.run(checkpoint_steps);
}

}  // namespace quante::bench
