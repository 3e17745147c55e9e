#include "local_run.hpp"

#include <cmath>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <stdexcept>
#include <stop_token>
#include <thread>

#include "json_params.hpp"
#include "proposal_engine.hpp"
#include "tuner_state.hpp"

namespace quante {

namespace {

Study study_of(const SearchSpace& space, const LocalOptions& o) {
  if (o.budget < 1) throw std::invalid_argument("budget must be at least 1");
  if (o.batch < 1 || o.batch > kMaxBatch)
    throw std::invalid_argument("batch must be between 1 and " + std::to_string(kMaxBatch));
  if (o.threads < 1) throw std::invalid_argument("threads must be at least 1");
  Study s;
  s.name = "local";
  s.objective = "local";
  s.direction = o.maximize ? Direction::Maximize : Direction::Minimize;
  s.budget = o.budget;
  s.batch = o.batch;
  s.initial = o.initial > 0 ? o.initial : static_cast<int>(std::max<std::size_t>(2, 2 * space.size()));
  s.seed = o.seed;
  s.retries = o.retries;
  s.queue_ahead = 0;  // evaluations start as soon as they are proposed: nothing waits ahead
  s.space = space;
  s.model.kernel = o.kernel;
  s.model.acquisition = o.acquisition;
  return s;
}

// Evaluates the user's function on `threads` threads: jobs in, outcomes out. The threads are
// jthreads that stop on their stop token: destroying the pool (also when starting a later thread
// throws in the constructor) stops and joins them, never std::terminate.
class Pool {
 public:
  Pool(const LocalObjective& objective, int threads) : objective_(objective) {
    for (int t = 0; t < threads; ++t) threads_.emplace_back([this](std::stop_token stop) { work(stop); });
  }
  void submit(const tuner::Proposal& p) {
    {
      std::lock_guard lock(mutex_);
      queue_.push_back(p);
      order_.push_back(p.job);
    }
    work_ready_.notify_one();
  }
  // The oldest job's outcome, once it has finished: outcomes come back in the order the jobs were
  // submitted, whatever order the threads finish them in, so that the optimizer sees the same
  // sequence of results, and proposes the same points, on every run with the same seed.
  tuner::JobOutcome next() {
    std::unique_lock lock(mutex_);
    result_ready_.wait(lock, [&] { return !order_.empty() && finished_.count(order_.front()); });
    auto it = finished_.find(order_.front());
    auto outcome = std::move(it->second);
    finished_.erase(it);
    order_.pop_front();
    return outcome;
  }

 private:
  void work(std::stop_token stop) {
    for (;;) {
      tuner::Proposal job;
      {
        std::unique_lock lock(mutex_);
        if (!work_ready_.wait(lock, stop, [&] { return !queue_.empty(); })) return;  // stop requested
        job = std::move(queue_.front());
        queue_.pop_front();
      }
      tuner::JobOutcome o;
      o.job = job.job;
      o.worker = "local";
      o.failure = "objective";
      o.started_at = unix_now();
      try {
        o.loss = objective_(job.params);
        o.ok = true;  // a non-finite loss is failed by the state, as from a worker
      } catch (const std::exception& e) {
        o.error = e.what();
      } catch (...) {
        o.error = "unknown exception";
      }
      o.finished_at = unix_now();
      {
        std::lock_guard lock(mutex_);
        const std::string job_id = o.job;
        finished_.emplace(job_id, std::move(o));
      }
      result_ready_.notify_one();
    }
  }

  const LocalObjective& objective_;
  std::mutex mutex_;
  std::condition_variable_any work_ready_;  // waits on the threads' stop tokens too
  std::condition_variable result_ready_;
  std::deque<tuner::Proposal> queue_;
  std::deque<std::string> order_;                    // submitted jobs not yet handed back, oldest first
  std::map<std::string, tuner::JobOutcome> finished_;  // by job id
  std::vector<std::jthread> threads_;  // last: stopped and joined before the members they use go
};

}  // namespace

// The rules (slots, budget, retries, stopping) are TunerState's, as in `quante-tuner run`; this
// shell runs the proposals inline (nothing here needs answering while they run) and the
// evaluations on the pool. Journal, Ack and Cancel have no meaning without files and a broker.
std::vector<tuner::EvaluationRecord> carlo(const LocalObjective& objective, const SearchSpace& space,
                                           const LocalOptions& options) {
  const Study study = study_of(space, options);
  tuner::ProposalEngine engine(study);  // throws std::invalid_argument on a bad kernel string
  tuner::TunerState state(study, {}, unix_now());
  std::vector<tuner::EvaluationRecord> history;
  Pool pool(objective, options.threads);
  int running = 0;
  tuner::Actions actions;
  auto apply = [&] {
    // A proposal's answer appends more actions: carry them out in order until none is left.
    for (std::size_t i = 0; i < actions.size(); ++i) {
      if (auto* request = std::get_if<tuner::action::RequestProposal>(&actions[i])) {
        const auto r = *request;
        state.on_proposal(r.id, engine.propose(r.evaluations, r.pending, r.count, r.round), unix_now(), actions);
      } else if (auto* submit = std::get_if<tuner::action::Submit>(&actions[i])) {
        pool.submit(submit->proposal);
        ++running;
      } else if (auto* record = std::get_if<tuner::action::RecordResult>(&actions[i])) {
        history.push_back(record->record);
      }
    }
    actions.clear();
  };
  state.start(unix_now(), actions);
  apply();
  // Until Done, and until the pool has given back every job it was handed (a job cancelled by a
  // stopping rule still runs to its end: a function call cannot be interrupted).
  while (running > 0) {
    const auto outcome = pool.next();
    --running;
    if (!state.done()) state.on_result(outcome, unix_now(), actions);
    apply();
  }
  return history;
}

}  // namespace quante
