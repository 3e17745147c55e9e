// Proposals off the tuner's main loop. A proposal (GP fit + batch optimisation) can take minutes;
// the loop that answers the broker's heartbeats, SIGTERM and the systemd watchdog must not wait
// for it. ProposalThread runs one proposal at a time on its own thread and makes an eventfd
// readable when the result is ready, so the loop polls it next to its socket and its stop fd.
//
// Stopping: the optimizer cannot be interrupted, so a proposal in progress at a stop is
// abandoned: its thread is detached and its result discarded. Everything that thread touches
// (the engine, the study, its copy of the data, the eventfd) is owned by a block that the thread
// itself keeps alive through a shared_ptr, so nothing is freed under it. A process that abandoned
// a proposal must end with std::_Exit after flushing its output while detached_running() > 0
// (see main.cpp): no static
// destructor (logging, the CUDA runtime of the GPU screener) may run while the detached thread
// still computes. The history is fsynced line by line, so _Exit loses nothing.
#pragma once

#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "history.hpp"
#include "proposal_engine.hpp"

namespace quante::tuner {

class ProposalThread {
 public:
  struct Job {
    std::uint64_t id = 0;
    std::vector<EvaluationRecord> evaluations;   // a copy: the loop goes on recording results
    std::vector<Params> pending;
    int count = 0;
    std::uint64_t round = 0;
  };
  struct Finished {
    std::uint64_t id = 0;
    ProposalBatch batch;
    std::exception_ptr error;   // what the proposal threw (the shell rethrows it)
    double seconds = 0;         // how long it took
  };
  // Runs on the proposal thread; whatever it captures must stay valid after the thread is
  // detached (capture shared_ptrs, not references).
  using Propose = std::function<ProposalBatch(const Job&)>;

  explicit ProposalThread(Propose propose);
  ~ProposalThread();  // abandons a proposal in progress
  ProposalThread(const ProposalThread&) = delete;
  ProposalThread& operator=(const ProposalThread&) = delete;

  void start(Job job);                 // throws std::logic_error while busy()
  bool busy() const { return running_.joinable(); }
  int fd() const;                      // readable once a result waits for take()
  std::optional<Finished> take();      // the result, if the proposal has finished
  // Detaches a proposal in progress and discards its result; true when there was one.
  bool abandon();
  // Abandoned proposals of this process still computing (main ends with _Exit while any are).
  static int detached_running();

 private:
  struct Shared;
  Propose propose_;
  std::shared_ptr<Shared> shared_;
  std::thread running_;
};

// The usual Propose: a ProposalEngine for `study`, owned (with its own copy of the study) by the
// returned function, so that a detached proposal keeps them alive.
ProposalThread::Propose engine_proposer(const Study& study);

}  // namespace quante::tuner
