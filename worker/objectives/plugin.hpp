// plugin:/path/lib.so[?CONFIG]: an objective in a shared library with the C ABI of
// quante_plugin.h, loaded once with dlopen(RTLD_NOW | RTLD_LOCAL) and kept loaded.
//
// The plugin's calls run on a thread of its own (see quante_plugin.h), so that evaluate() can keep
// its timeout and honour cancel() even though a running C call cannot be stopped: at the
// deadline, or on cancel(), the worker calls the plugin's optional quante_cancel, waits a short
// grace, and fails the job; a call still running then finishes in the background and the next
// job queues behind it. An exception that escapes the plugin is caught on that thread and fails
// the job as Crashed; a nonzero return fails it as Objective with the plugin's message.
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "objective.hpp"

namespace quante::worker {

class PluginObjective final : public Objective {
 public:
  struct Shared;  // what the plugin thread touches; it outlives the objective if the thread is
                  // stuck

  // TARGET is what follows "plugin:": "/path/lib.so" or "/path/lib.so?CONFIG".
  static ObjectiveOrError make(const std::string& target, const ObjectiveContext& context);

  PluginObjective(std::string target, const ObjectiveContext& context,
                  std::shared_ptr<Shared> shared);
  ~PluginObjective() override;
  PluginObjective(const PluginObjective&) = delete;
  PluginObjective& operator=(const PluginObjective&) = delete;

  std::string describe() const override { return "plugin:" + target_; }

 protected:
  Evaluation run(const std::string& job_id, const Params& params, TrialReporter& reporter) override;
  void on_cancel() override;

 private:
  std::string target_;
  ObjectiveContext context_;
  std::shared_ptr<Shared> shared_;
  std::thread thread_;  // runs Shared::loop; detached if a call never returns
};

}  // namespace quante::worker
