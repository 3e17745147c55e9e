#include "fidelity_settings.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace quante::tuner::scheduling {

namespace {

template <typename T>
std::string problem(const char* key, const char* rule, const T& value) {
  std::ostringstream text;
  text << "fidelity." << key << " must " << rule << ", not " << value;
  return text.str();
}

}  // namespace

std::optional<std::string> validate(const FidelitySettings& settings) {
  if (settings.step_min < 1) return problem("step_min", "be at least 1", settings.step_min);
  if (settings.step_max < settings.step_min) {
    const std::string rule = "be at least step_min (" + std::to_string(settings.step_min) + ")";
    return problem("step_max", rule.c_str(), settings.step_max);
  }
  const double eta = effective_eta(settings);
  if (!(eta >= kMinEta && eta <= kMaxEta))  // also rejects NaN
    return problem("eta", "be between 1.01 and 100", eta);
  if (settings.budget_steps && *settings.budget_steps < settings.step_max) {
    const std::string rule = "be at least step_max (" + std::to_string(settings.step_max) + ")";
    return problem("budget_steps", rule.c_str(), *settings.budget_steps);
  }
  if (settings.min_trials_at_rung < 0)
    return problem("min_trials_at_rung", "be 0 (the default) or more", settings.min_trials_at_rung);
  if (!(settings.keep_probability >= 0.0 && settings.keep_probability <= 1.0))  // also rejects NaN
    return problem("keep_probability", "be between 0 and 1", settings.keep_probability);
  return std::nullopt;
}

int effective_min_trials_at_rung(const FidelitySettings& settings) {
  if (settings.min_trials_at_rung > 0) return settings.min_trials_at_rung;
  if (settings.scheduler == SchedulerKind::Median) return 3;
  return std::max(2, std::min(3, static_cast<int>(std::ceil(effective_eta(settings)))));
}

double effective_eta(const FidelitySettings& settings) {
  if (settings.eta) return *settings.eta;
  return settings.scheduler == SchedulerKind::Asha ? kDefaultAshaEta : kDefaultEta;
}

JointKernel effective_joint_kernel(const FidelitySettings& settings) {
  if (settings.joint_kernel) return *settings.joint_kernel;
  return settings.scheduler == SchedulerKind::Asha ? JointKernel::Decay : JointKernel::Stationary;
}

}  // namespace quante::tuner::scheduling
