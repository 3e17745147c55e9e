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
// Every entry point catches everything: an exception must not cross the C ABI.
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
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

int quante_evaluate(void* opaque, const char* params_json, double* loss, char* err,
                    size_t err_len) {
  try {
    auto& state = *static_cast<State*>(opaque);
    // Cleared when a call ends, not when it starts, so that a cancel that comes just before the
    // call is not lost.
    struct ClearCancel {
      State& state;
      ~ClearCancel() { state.cancelled = false; }
    } clear_cancel{state};
    const auto params = nlohmann::json::parse(params_json);
    if (const auto sleep = params.find("sleep_ms"); sleep != params.end()) {
      const auto until = std::chrono::steady_clock::now() +
                         std::chrono::duration<double, std::milli>(sleep->get<double>());
      while (std::chrono::steady_clock::now() < until) {
        if (state.cancelled) {
          write_error(err, err_len, "cancelled");
          return 1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    }
    std::vector<double> x;
    for (size_t i = 0;; ++i) {
      const auto value = params.find("x" + std::to_string(i));
      if (value == params.end()) break;
      x.push_back(value->get<double>());  // throws nlohmann::json::type_error for a string
    }
    const size_t expected = x.size() + (params.contains("sleep_ms") ? 1 : 0);
    if (x.size() < 2 || params.size() != expected) {
      write_error(err, err_len, "expects params x0..x{d-1} with d >= 2 (and optionally sleep_ms)");
      return 2;
    }
    double value = rosenbrock(x);
    if (state.noise > 0.0) value += std::normal_distribution<double>(0.0, state.noise)(state.rng);
    *loss = value;
    return 0;
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
