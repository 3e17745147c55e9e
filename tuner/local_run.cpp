#include "local_run.hpp"

#include <cmath>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "json_params.hpp"
#include "proposal_engine.hpp"
#include "protocol.hpp"

namespace quante {

namespace {

Study study_of(const SearchSpace& space, const LocalOptions& o) {
  if (o.budget < 1) throw std::invalid_argument("budget must be at least 1");
  if (o.batch < 1) throw std::invalid_argument("batch must be at least 1");
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
  s.space = space;
  s.model.kernel = o.kernel;
  s.model.acquisition = o.acquisition;
  return s;
}

struct Task {
  std::string job;
  Params params;
  int retry = 0;
  double proposed_at = 0;
};

}  // namespace

std::vector<tuner::EvaluationRecord> carlo(const LocalObjective& objective, const SearchSpace& space,
                                           const LocalOptions& options) {
  const Study study = study_of(space, options);
  tuner::ProposalEngine engine(study);  // throws std::invalid_argument on a bad kernel string

  std::mutex mutex;
  std::condition_variable work_ready, result_ready;
  std::deque<Task> queue;
  std::deque<tuner::EvaluationRecord> finished;
  bool quit = false;

  std::vector<std::thread> pool;
  for (int t = 0; t < options.threads; ++t) {
    pool.emplace_back([&] {
      for (;;) {
        Task task;
        {
          std::unique_lock lock(mutex);
          work_ready.wait(lock, [&] { return quit || !queue.empty(); });
          if (quit) return;
          task = std::move(queue.front());
          queue.pop_front();
        }
        tuner::EvaluationRecord r;
        r.job = task.job;
        r.params = task.params;
        r.retry = task.retry;
        r.proposed_at = task.proposed_at;
        r.worker = "local";
        r.started_at = unix_now();
        try {
          const double value = objective(task.params);
          if (std::isfinite(value)) {
            r.loss = value;
          } else {
            r.status = "failed";
            r.failure = "objective";
            r.error = "non-finite loss";
          }
        } catch (const std::exception& e) {
          r.status = "failed";
          r.failure = "objective";
          r.error = e.what();
        } catch (...) {
          r.status = "failed";
          r.failure = "objective";
          r.error = "unknown exception";
        }
        r.finished_at = unix_now();
        {
          std::lock_guard lock(mutex);
          finished.push_back(std::move(r));
        }
        result_ready.notify_one();
      }
    });
  }

  std::vector<tuner::EvaluationRecord> history;
  std::vector<std::pair<Params, int>> retries;
  std::map<std::string, Params> running;
  std::uint64_t round = 0;
  auto submit_more = [&] {
    int free = std::min(options.batch - static_cast<int>(running.size()),
                        options.budget - static_cast<int>(history.size() + running.size()));
    std::vector<Task> fresh;
    while (free > 0 && !retries.empty()) {
      fresh.push_back({protocol::new_job_id(), retries.back().first, retries.back().second, unix_now()});
      retries.pop_back();
      --free;
    }
    if (free > 0) {
      std::vector<Params> pending;
      for (const auto& [job, p] : running) pending.push_back(p);
      for (const auto& t : fresh) pending.push_back(t.params);
      auto batch = engine.propose(history, pending, free, round++);
      for (auto& p : batch.points) fresh.push_back({protocol::new_job_id(), std::move(p), 0, unix_now()});
    }
    {
      std::lock_guard lock(mutex);
      for (auto& t : fresh) {
        running[t.job] = t.params;
        queue.push_back(std::move(t));
      }
    }
    work_ready.notify_all();
  };

  submit_more();
  while (!running.empty()) {
    tuner::EvaluationRecord r;
    {
      std::unique_lock lock(mutex);
      result_ready.wait(lock, [&] { return !finished.empty(); });
      r = std::move(finished.front());
      finished.pop_front();
    }
    running.erase(r.job);
    r.index = static_cast<int>(history.size());
    if (!r.ok() && r.retry < options.retries) retries.emplace_back(r.params, r.retry + 1);
    history.push_back(std::move(r));
    submit_more();
  }
  {
    std::lock_guard lock(mutex);
    quit = true;
  }
  work_ready.notify_all();
  for (auto& t : pool) t.join();
  return history;
}

}  // namespace quante
