// An example objective plugin (see worker/objectives/quante_plugin.h): the Rosenbrock function
// of the params x0..x{d-1} (d >= 2), plus optional Gaussian noise.
//
//   quante-worker --objective rosen=plugin:build/lib/libquante_example_plugin.so?noise=0.1,seed=7
//
// Config: comma-separated key=value pairs, all optional: noise=SIGMA (the noise's standard
// deviation, default 0) and seed=N (default 0). An optional param sleep_ms makes an evaluation
// take that long, checking for quante_cancel every millisecond: it shows how a long evaluation
// stays cancellable.
//
// Learning curve (ABI 2, quante_evaluate_v2): the evaluation runs in `steps` steps (the job's
// max_steps, else the optional param steps, else 1), each taking the optional param step_ms;
// after step t of n it reports  f(x) + (n - t) / n  (so the last step reports f(x), the result)
// and stops at once, returning the last reported loss, when the worker answers 0.
// quante_evaluate (ABI 1) is exported too and runs the same evaluation without reports.
//
// Every entry point catches everything: an exception must not cross the C ABI.
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "quante_plugin.h"

namespace {

struct State {
  int gpu = -1;
  double noise = 0.0;
  std::mt19937_64 rng;
  std::atomic<bool> cancelled{false};
};

void write_error(char* err, size_t err_len, const std::string& message) {
  if (err == nullptr || err_len == 0) return;
  std::snprintf(err, err_len, "%s", message.c_str());
}

// "noise=0.1,seed=7" -> the state's settings; throws std::invalid_argument on a bad entry.
void apply_config(State& state, const std::string& config) {
  std::stringstream entries(config);
  std::string entry;
  while (std::getline(entries, entry, ',')) {
    if (entry.empty()) continue;
    const auto equals = entry.find('=');
    const std::string key = entry.substr(0, equals);
    const std::string value = equals == std::string::npos ? "" : entry.substr(equals + 1);
    if (key == "noise") {
      state.noise = std::stod(value);
      if (!(state.noise >= 0.0)) throw std::invalid_argument("noise must be >= 0");
    } else if (key == "seed") {
      state.rng.seed(std::stoull(value));
    } else {
      throw std::invalid_argument("unknown config key \"" + key + "\" (known: noise, seed)");
    }
  }
}

double rosenbrock(const std::vector<double>& x) {
  double sum = 0.0;
  for (size_t i = 0; i + 1 < x.size(); ++i) {
    sum += 100.0 * std::pow(x[i + 1] - x[i] * x[i], 2) + std::pow(x[i] - 1.0, 2);
  }
  return sum;
}

}  // namespace

extern "C" {

int quante_plugin_abi_version(void) { return QUANTE_PLUGIN_ABI_VERSION; }

void* quante_setup(int gpu, const char* config, char* err, size_t err_len) {
  try {
    auto state = std::make_unique<State>();
    state->gpu = gpu;
    apply_config(*state, config != nullptr ? config : "");
    return state.release();
  } catch (const std::exception& e) {
    write_error(err, err_len, std::string("bad config: ") + e.what());
  } catch (...) {
    write_error(err, err_len, "unknown error in setup");
  }
  return nullptr;
}

}  // extern "C"

namespace {

// Both entry points: report may be null (quante_evaluate), then nothing is reported.
int evaluate(State& state, const char* params_json, quante_report_fn report, void* report_ctx,
             int64_t max_steps, double* loss, char* err, size_t err_len) {
  // Cleared when a call ends, not when it starts, so that a cancel that comes just before the
  // call is not lost.
  struct ClearCancel {
    State& state;
    ~ClearCancel() { state.cancelled = false; }
  } clear_cancel{state};
  const auto params = nlohmann::json::parse(params_json);
  // Sleeps, checking for quante_cancel every millisecond; false when cancelled.
  auto sleep = [&](double ms) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double, std::milli>(ms);
    while (std::chrono::steady_clock::now() < until) {
      if (state.cancelled) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
  };
  if (const auto ms = params.find("sleep_ms"); ms != params.end() && !sleep(ms->get<double>())) {
    write_error(err, err_len, "cancelled");
    return 1;
  }
  std::vector<double> x;
  for (size_t i = 0;; ++i) {
    const auto value = params.find("x" + std::to_string(i));
    if (value == params.end()) break;
    x.push_back(value->get<double>());  // throws nlohmann::json::type_error for a string
  }
  size_t extras = 0;
  for (const char* name : {"sleep_ms", "steps", "step_ms"}) extras += params.contains(name) ? 1 : 0;
  if (x.size() < 2 || params.size() != x.size() + extras) {
    write_error(err, err_len, "expects params x0..x{d-1} with d >= 2 (and optionally sleep_ms, steps, step_ms)");
    return 2;
  }
  double value = rosenbrock(x);
  if (state.noise > 0.0) value += std::normal_distribution<double>(0.0, state.noise)(state.rng);
  if (report == nullptr) {
    *loss = value;
    return 0;
  }
  const int64_t steps = max_steps > 0 ? max_steps : params.value("steps", int64_t{1});
  const double step_ms = params.value("step_ms", 0.0);
  for (int64_t t = 1; t <= steps; ++t) {
    if (!sleep(step_ms)) {
      write_error(err, err_len, "cancelled");
      return 1;
    }
    *loss = value + static_cast<double>(steps - t) / static_cast<double>(steps);
    if (report(report_ctx, t, *loss) == 0) return 0;  // stopped: the last reported loss stands
  }
  return 0;
}

}  // namespace

extern "C" {

int quante_evaluate(void* opaque, const char* params_json, double* loss, char* err, size_t err_len) {
  try {
    return evaluate(*static_cast<State*>(opaque), params_json, nullptr, nullptr, 0, loss, err, err_len);
  } catch (const std::exception& e) {
    write_error(err, err_len, e.what());
  } catch (...) {
    write_error(err, err_len, "unknown error in evaluate");
  }
  return 1;
}

int quante_evaluate_v2(void* opaque, const char* /*job_id*/, const char* params_json, quante_report_fn report,
                       void* report_ctx, int64_t max_steps, double* loss, char* err, size_t err_len) {
  try {
    return evaluate(*static_cast<State*>(opaque), params_json, report, report_ctx, max_steps, loss, err, err_len);
  } catch (const std::exception& e) {
    write_error(err, err_len, e.what());
  } catch (...) {
    write_error(err, err_len, "unknown error in evaluate");
  }
  return 1;
}

void quante_teardown(void* state) { delete static_cast<State*>(state); }

void quante_cancel(void* state) { static_cast<State*>(state)->cancelled = true; }

}  // extern "C"
