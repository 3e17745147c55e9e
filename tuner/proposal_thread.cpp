#include "proposal_thread.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string>
#include <system_error>

namespace quante::tuner {

namespace {
std::atomic<int> detached_threads{0};
}  // namespace

// What one proposal's thread shares with its owner. A new block per abandon(): a detached
// thread keeps the old one (and its eventfd) to itself until it ends.
struct ProposalThread::Shared {
  std::mutex mutex;
  std::optional<Finished> finished;
  bool abandoned = false;
  int event_fd = -1;

  Shared() {
    event_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (event_fd < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
  }
  ~Shared() { ::close(event_fd); }
  Shared(const Shared&) = delete;
  Shared& operator=(const Shared&) = delete;
};

ProposalThread::ProposalThread(Propose propose)
    : propose_(std::move(propose)), shared_(std::make_shared<Shared>()) {}

ProposalThread::~ProposalThread() { abandon(); }

int ProposalThread::fd() const { return shared_->event_fd; }

void ProposalThread::start(Job job) {
  if (busy()) throw std::logic_error("a proposal is already in progress");
  running_ = std::thread([shared = shared_, propose = propose_, job = std::move(job)] {
    Finished finished;
    finished.id = job.id;
    const auto began = std::chrono::steady_clock::now();
    try {
      finished.batch = propose(job);
    } catch (...) {
      finished.error = std::current_exception();
    }
    finished.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
    std::lock_guard lock(shared->mutex);
    if (shared->abandoned) {
      --detached_threads;
      return;
    }
    shared->finished = std::move(finished);
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto written = ::write(shared->event_fd, &one, sizeof one);
  });
}

std::optional<ProposalThread::Finished> ProposalThread::take() {
  std::optional<Finished> finished;
  {
    std::lock_guard lock(shared_->mutex);
    if (!shared_->finished) return std::nullopt;
    finished = std::move(shared_->finished);
    shared_->finished.reset();
    std::uint64_t count = 0;
    [[maybe_unused]] const auto read = ::read(shared_->event_fd, &count, sizeof count);
  }
  running_.join();  // it has published its result: it is about to return
  return finished;
}

bool ProposalThread::abandon() {
  if (!running_.joinable()) return false;
  {
    std::lock_guard lock(shared_->mutex);
    shared_->abandoned = true;
    ++detached_threads;
  }
  running_.detach();
  shared_ = std::make_shared<Shared>();
  return true;
}

int ProposalThread::detached_running() { return detached_threads.load(); }

ProposalThread::Propose engine_proposer(const Study& study) {
  struct Box {
    Study study;
    ProposalEngine engine;
    explicit Box(const Study& s) : study(s), engine(study) {}
  };
  auto box = std::make_shared<Box>(study);
  return [box](const ProposalThread::Job& job) {
    return box->engine.propose(job.evaluations, job.pending, job.count, job.round);
  };
}

}  // namespace quante::tuner
