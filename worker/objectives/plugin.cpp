// See plugin.hpp. Calls to the plugin are queued to its thread as Call objects held by
// shared_ptr, so a call that outlives the evaluate() that queued it (a timeout) still has its
// buffers; the thread holds the Shared state, and the last owner dlcloses the library.
#include "plugin.hpp"

#include <dlfcn.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "json_lines.hpp"
#include "quante_plugin.h"

namespace quante::worker {

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr auto kCancelGrace = 500ms;  // for a cancelled or overdue call to return
constexpr auto kTeardownGrace = 10s;  // for quante_teardown (and any call still running)
constexpr std::size_t kErrorBytes = 4096;

enum class CallKind { Setup, Evaluate, Teardown };

struct Call {
  CallKind kind = CallKind::Evaluate;
  int gpu = -1;
  std::string input;  // the config for setup, the params JSON for evaluate
  std::string job_id;
  std::int64_t max_steps = 0;  // 0: none
  // Results, written by the plugin thread before done is set.
  int rc = 0;
  double loss = std::numeric_limits<double>::quiet_NaN();
  std::vector<char> err = std::vector<char>(kErrorBytes, '\0');
  std::string thrown;  // what an escaped exception said
  // Guarded by Shared::mutex.
  bool started = false;
  bool done = false;
  bool abandoned = false;  // timed out in the queue: skip it
  // A report from quante_evaluate_v2, handed to the job thread (TrialReporter runs there): the
  // plugin thread sets report_pending and waits for report_answered or reports_closed.
  bool report_pending = false;
  bool report_answered = false;
  bool go_on = true;
  bool reports_closed = false;  // evaluate gave up on the call (timeout, cancel) or returned
  StepReport report;

  std::string message() const { return excerpt(err.data(), 1000); }
};

}  // namespace

struct PluginObjective::Shared {
  std::string path;
  void* handle = nullptr;
  quante_setup_fn setup = nullptr;
  quante_evaluate_fn evaluate = nullptr;        // ABI 1; optional in ABI 2
  quante_evaluate_v2_fn evaluate_v2 = nullptr;  // ABI 2, optional; preferred
  quante_teardown_fn teardown = nullptr;
  quante_cancel_fn cancel = nullptr;  // optional
  std::atomic<void*> state{nullptr};

  std::mutex mutex;
  std::condition_variable changed;
  std::deque<std::shared_ptr<Call>> queue;
  bool stopping = false;          // no more calls after the queue empties
  bool finished = false;          // the thread has left its loop
  bool busy = false;              // a call is running

  ~Shared() {
    if (handle != nullptr) ::dlclose(handle);
  }

  struct ReportContext {
    Shared* shared;
    Call* call;
  };

  // quante_report_fn, on the plugin thread: hands the report to the job thread and waits for its
  // answer. 0 (stop) at once when the job thread no longer waits for this call.
  static int report_to_job_thread(void* opaque, std::int64_t step, double loss) {
    auto& context = *static_cast<ReportContext*>(opaque);
    Shared& shared = *context.shared;
    Call& call = *context.call;
    std::unique_lock lock(shared.mutex);
    if (call.reports_closed) return 0;
    call.report = StepReport{step, loss, {}};
    call.report_pending = true;
    call.report_answered = false;
    shared.changed.notify_all();
    shared.changed.wait(lock, [&] { return call.report_answered || call.reports_closed; });
    call.report_pending = false;
    return call.report_answered && call.go_on ? 1 : 0;
  }

  void run_call(Call& call) {
    const std::size_t err_len = call.err.size();
    try {
      switch (call.kind) {
        case CallKind::Setup: {
          void* made = setup(call.gpu, call.input.c_str(), call.err.data(), err_len);
          state = made;
          call.rc = made == nullptr ? 1 : 0;
          break;
        }
        case CallKind::Evaluate:
          if (evaluate_v2 != nullptr) {
            ReportContext context{this, &call};
            call.rc = evaluate_v2(state, call.job_id.c_str(), call.input.c_str(), &report_to_job_thread, &context,
                                  call.max_steps, &call.loss, call.err.data(), err_len);
          } else {
            call.rc = evaluate(state, call.input.c_str(), &call.loss, call.err.data(), err_len);
          }
          break;
        case CallKind::Teardown:
          teardown(state);
          state = nullptr;
          break;
      }
    } catch (const std::exception& e) {  // undefined behaviour in the plugin; do our best
      call.thrown = excerpt(e.what(), 1000);
      call.rc = -1;
    } catch (...) {
      call.thrown = "an exception that is not a std::exception";
      call.rc = -1;
    }
    call.err.back() = '\0';
  }

  static void loop(const std::shared_ptr<Shared>& self) {
    while (true) {
      std::shared_ptr<Call> call;
      {
        std::unique_lock lock(self->mutex);
        self->changed.wait(lock, [&] { return self->stopping || !self->queue.empty(); });
        if (self->queue.empty()) break;
        call = std::move(self->queue.front());
        self->queue.pop_front();
        if (call->abandoned) continue;
        call->started = true;
        self->busy = true;
      }
      self->run_call(*call);
      {
        std::lock_guard lock(self->mutex);
        call->done = true;
        self->busy = false;
      }
      self->changed.notify_all();
    }
    std::lock_guard lock(self->mutex);
    self->finished = true;
    self->changed.notify_all();
  }

  // Queues a call and waits for it until the deadline or, when stop is given, until it is
  // raised (cancel() then notifies `changed` under the mutex: PluginObjective::on_cancel). Reports
  // of the call go to reporter on this thread meanwhile. True when it is done; either way the call
  // takes no more reports when this returns.
  bool submit_and_wait(const std::shared_ptr<Call>& call, Clock::time_point deadline,
                       const CancelSignal* stop, TrialReporter* reporter = nullptr) {
    std::unique_lock lock(mutex);
    queue.push_back(call);
    changed.notify_all();
    auto report_waiting = [&] { return call->report_pending && !call->report_answered; };
    while (changed.wait_until(lock, deadline, [&] {
      return call->done || (stop != nullptr && stop->raised()) || report_waiting();
    })) {
      if (call->done || (stop != nullptr && stop->raised())) break;
      const StepReport report = call->report;
      lock.unlock();
      const bool go_on = reporter == nullptr || reporter->report(report);
      lock.lock();
      call->go_on = go_on;
      call->report_answered = true;
      changed.notify_all();
    }
    call->reports_closed = true;
    changed.notify_all();
    return call->done;
  }
};

namespace {

// Stops the plugin thread: queues teardown if asked, and joins within the grace or detaches.
void stop_thread(PluginObjective::Shared& shared, std::thread& thread, bool teardown) {
  {
    std::lock_guard lock(shared.mutex);
    if (teardown) {
      auto call = std::make_shared<Call>();
      call->kind = CallKind::Teardown;
      shared.queue.push_back(std::move(call));
    }
    shared.stopping = true;
  }
  shared.changed.notify_all();
  std::unique_lock lock(shared.mutex);
  const bool finished = shared.changed.wait_until(lock, Clock::now() + kTeardownGrace,
                                                  [&] { return shared.finished; });
  lock.unlock();
  if (finished) {
    thread.join();
  } else {
    spdlog::error("plugin {}: a call did not return within {} s of shutdown; leaving it running",
                  shared.path, std::chrono::seconds(kTeardownGrace).count());
    thread.detach();
  }
}

}  // namespace

ObjectiveOrError PluginObjective::make(const std::string& target, const ObjectiveContext& context) {
  const auto question = target.find('?');
  const std::string path = target.substr(0, question);
  const std::string config =
      question == std::string::npos ? context.config : target.substr(question + 1);
  if (path.empty()) return Error{"plugin spec has no library path: \"plugin:" + target + "\""};

  auto shared = std::make_shared<Shared>();
  shared->path = path;
  ::dlerror();
  shared->handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (shared->handle == nullptr) {
    const char* why = ::dlerror();
    return Error{"cannot load plugin " + path + ": " + (why ? why : "dlopen failed")};
  }
  std::string missing;
  auto symbol = [&](const char* name, bool required) -> void* {
    void* address = ::dlsym(shared->handle, name);
    if (address == nullptr && required) missing += std::string(missing.empty() ? "" : ", ") + name;
    return address;
  };
  auto version =
      reinterpret_cast<quante_plugin_abi_version_fn>(symbol("quante_plugin_abi_version", true));
  shared->setup = reinterpret_cast<quante_setup_fn>(symbol("quante_setup", true));
  const int abi = version != nullptr ? version() : 0;
  if (abi >= 2) {
    shared->evaluate_v2 = reinterpret_cast<quante_evaluate_v2_fn>(symbol("quante_evaluate_v2", false));
  }
  shared->evaluate =
      reinterpret_cast<quante_evaluate_fn>(symbol("quante_evaluate", shared->evaluate_v2 == nullptr));
  shared->teardown = reinterpret_cast<quante_teardown_fn>(symbol("quante_teardown", true));
  shared->cancel = reinterpret_cast<quante_cancel_fn>(symbol("quante_cancel", false));
  if (!missing.empty()) {
    return Error{"plugin " + path + " lacks the symbol(s) " + missing +
                 " (see worker/objectives/quante_plugin.h; declare them extern \"C\")"};
  }
  if (abi < QUANTE_PLUGIN_ABI_VERSION_MIN || abi > QUANTE_PLUGIN_ABI_VERSION) {
    return Error{"plugin " + path + " has ABI version " + std::to_string(abi) +
                 ", this worker speaks versions " + std::to_string(QUANTE_PLUGIN_ABI_VERSION_MIN) +
                 " to " + std::to_string(QUANTE_PLUGIN_ABI_VERSION)};
  }

  auto objective = std::make_unique<PluginObjective>(target, context, shared);
  auto call = std::make_shared<Call>();
  call->kind = CallKind::Setup;
  call->gpu = context.gpu;
  call->input = config;
  if (!shared->submit_and_wait(call, Clock::now() + context.timeout, nullptr)) {
    return Error{"plugin " + path + ": quante_setup did not return within " +
                 std::to_string(context.timeout.count()) + " ms"};
    // ~PluginObjective finds the thread busy and, after its grace, leaves it running.
  }
  if (call->rc != 0) {
    std::string why = !call->thrown.empty() ? "threw " + call->thrown : call->message();
    if (why.empty()) why = "returned NULL without a message";
    return Error{"plugin " + path + ": quante_setup failed: " + why};
  }
  spdlog::info("plugin {}: loaded (gpu {}, config \"{}\")", path, context.gpu, config);
  return objective;
}

PluginObjective::PluginObjective(std::string target, const ObjectiveContext& context,
                                 std::shared_ptr<Shared> shared)
    : target_(std::move(target)), context_(context), shared_(std::move(shared)) {
  thread_ = std::thread([shared = shared_] { Shared::loop(shared); });
}

PluginObjective::~PluginObjective() {
  const bool has_state = shared_->state.load() != nullptr;
  if (has_state && shared_->cancel != nullptr) {
    // Nothing should run now; if a timed-out call still does, ask it to stop.
    std::unique_lock lock(shared_->mutex);
    const bool busy = shared_->busy;
    lock.unlock();
    if (busy) shared_->cancel(shared_->state.load());
  }
  stop_thread(*shared_, thread_, has_state);
}

void PluginObjective::on_cancel() {
  {
    std::lock_guard lock(shared_->mutex);  // so that a waiter cannot miss the raised signal
  }
  shared_->changed.notify_all();
  if (void* state = shared_->state.load(); state != nullptr && shared_->cancel != nullptr) {
    shared_->cancel(state);
  }
}

Evaluation PluginObjective::run(const std::string& job_id, const Params& params, TrialReporter& reporter) {
  const auto deadline = Clock::now() + context_.timeout;
  const CancelSignal& cancel = cancel_signal();
  Evaluation evaluation;
  auto call = std::make_shared<Call>();
  call->kind = CallKind::Evaluate;
  call->input = params_json(params);
  call->job_id = job_id;
  call->max_steps = std::max<std::int64_t>(reporter.max_steps().value_or(0), 0);

  bool cancelled = false;
  if (shared_->submit_and_wait(call, deadline, &cancel, &reporter)) {
    cancelled = cancel.raised();
    if (cancelled && (call->rc != 0 || !call->thrown.empty())) {
      // It ended because quante_cancel asked it to: say so, rather than pass on "cancelled"
      // as the objective's own error (which would not be retried).
      evaluation = failed_evaluation(FailureKind::Timeout, "cancelled");
    } else if (!call->thrown.empty()) {
      evaluation = failed_evaluation(FailureKind::Crashed,
                                     "plugin threw an exception across the C ABI: " + call->thrown);
    } else if (call->rc != 0) {
      std::string why = call->message();
      if (why.empty()) why = "quante_evaluate returned " + std::to_string(call->rc);
      evaluation = failed_evaluation(FailureKind::Objective, why);
    } else if (!std::isfinite(call->loss)) {
      evaluation = failed_evaluation(FailureKind::Objective,
                                     std::string("loss is ") + (std::isnan(call->loss) ? "NaN" : "infinite"));
      evaluation.loss = call->loss;
    } else {
      evaluation.ok = true;
      evaluation.loss = call->loss;
    }
  } else {
    std::unique_lock lock(shared_->mutex);
    cancelled = cancel.raised();
    const std::string why =
        cancelled ? "cancelled"
                  : "no answer within " + std::to_string(context_.timeout.count()) + " ms";
    if (!call->started) {
      call->abandoned = true;
      evaluation = failed_evaluation(FailureKind::Timeout,
                                     why + " (still queued behind an earlier call that has not returned)");
    } else {
      lock.unlock();
      if (void* state = shared_->state.load(); state != nullptr && shared_->cancel != nullptr) {
        shared_->cancel(state);
      }
      lock.lock();
      const bool returned = shared_->changed.wait_until(lock, Clock::now() + kCancelGrace,
                                                        [&] { return call->done; });
      evaluation = failed_evaluation(FailureKind::Timeout,
                                     returned ? why
                                              : why + "; the call is still running and the next job "
                                                      "waits for it");
    }
  }
  return evaluation;
}

}  // namespace quante::worker
