// Mixed test functions for bench_optimizer_quality (issue 14): continuous coordinates with
// three categoricals and two log-scaled integers, as a training run's hyperparameters are
// (learning rate and momentum next to optimizer, activation and width). Each has a known
// minimum. bench/optimizer/tpe_baseline.py carries the same formulas for Optuna's TPE; change
// both together.
//   mixed_hartmann6  Hartmann6 on six floats, with a categorical reflecting a pair of them
//                    (x -> 1 - x: where the optimum lies depends on it), two categoricals adding
//                    offsets, the best width (log int) depending on one of them, a batch size
//                    (log int) best at 64. Minimum -3.32237 (Hartmann6's).
//   mixed_levy5      Levy on five floats ([-10, 10]) shifted by a categorical, scaled by
//                    another, a third adding an offset; layers (log int, best 4) and units (log
//                    int, best 128, 256 or 512 with the shift). Minimum 0.
#pragma once

#include <cmath>
#include <functional>
#include <numbers>
#include <optional>
#include <string>
#include <vector>

#include "space.hpp"
#include "test_functions.hpp"

namespace quante::bench {

struct MixedFunction {
  std::string name;
  std::vector<ParamSpec> params;
  double optimum;
  std::function<double(const Params&)> f;
};

inline ParamSpec float_param(std::string name, double low, double high) {
  ParamSpec p;
  p.name = std::move(name);
  p.type = ParamType::Float;
  p.low = low;
  p.high = high;
  return p;
}

inline ParamSpec log_int_param(std::string name, double low, double high) {
  ParamSpec p;
  p.name = std::move(name);
  p.type = ParamType::Int;
  p.low = low;
  p.high = high;
  p.log = true;
  return p;
}

inline ParamSpec categorical_param(std::string name, int k) {
  ParamSpec p;
  p.name = std::move(name);
  p.type = ParamType::Categorical;
  for (int c = 0; c < k; ++c) p.choices.push_back("c" + std::to_string(c));
  return p;
}

inline int choice(const Params& p, const std::string& name) {
  return std::stoi(std::get<std::string>(p.at(name)).substr(1));
}

inline double log2_int(const Params& p, const std::string& name) {
  return std::log2(static_cast<double>(std::get<std::int64_t>(p.at(name))));
}

inline std::optional<MixedFunction> find_mixed_function(const std::string& name) {
  if (name == "mixed_hartmann6") {
    std::vector<ParamSpec> params;
    for (int j = 0; j < 6; ++j) params.push_back(float_param("x" + std::to_string(j), 0.0, 1.0));
    params.push_back(categorical_param("flip", 4));
    params.push_back(categorical_param("scale", 3));
    params.push_back(categorical_param("act", 5));
    params.push_back(log_int_param("width", 1, 256));
    params.push_back(log_int_param("batch", 2, 512));
    const auto h6 = find_test_function("hartmann6");
    return MixedFunction{name, params, h6->optimum, [h6](const Params& p) {
                           std::vector<double> x(6);
                           for (int j = 0; j < 6; ++j) x[static_cast<std::size_t>(j)] = std::get<double>(p.at("x" + std::to_string(j)));
                           const int flip = choice(p, "flip");
                           if (flip > 0)
                             for (int j : {2 * (flip - 1), 2 * (flip - 1) + 1}) x[static_cast<std::size_t>(j)] = 1.0 - x[static_cast<std::size_t>(j)];
                           const double scale_offset[3] = {0.6, 0.0, 0.3};
                           const double act_offset[5] = {0.4, 0.8, 0.0, 0.2, 1.0};
                           const double act_width[5] = {3, 5, 6, 4, 2};
                           const int act = choice(p, "act");
                           const double w = log2_int(p, "width") - act_width[act];
                           const double b = log2_int(p, "batch") - 6.0;
                           return h6->f(x) + scale_offset[choice(p, "scale")] + act_offset[act] + 0.15 * w * w + 0.1 * b * b;
                         }};
  }
  if (name == "mixed_levy5") {
    std::vector<ParamSpec> params;
    for (int j = 0; j < 5; ++j) params.push_back(float_param("x" + std::to_string(j), -10.0, 10.0));
    params.push_back(categorical_param("shift", 3));
    params.push_back(categorical_param("offset", 4));
    params.push_back(categorical_param("gain", 3));
    params.push_back(log_int_param("layers", 1, 32));
    params.push_back(log_int_param("units", 8, 1024));
    const auto levy = find_test_function("levy5");
    return MixedFunction{name, params, 0.0, [levy](const Params& p) {
                           const double shift[3] = {0.0, 2.0, -3.0};
                           const double offset[4] = {0.5, 0.0, 1.0, 0.25};
                           const double gain[3] = {1.0, 1.5, 2.5};
                           const int s = choice(p, "shift");
                           std::vector<double> x(5);
                           for (int j = 0; j < 5; ++j)
                             x[static_cast<std::size_t>(j)] = std::get<double>(p.at("x" + std::to_string(j))) + shift[s];
                           const double l = log2_int(p, "layers") - 2.0;
                           const double u = log2_int(p, "units") - 7.0 - s;
                           return gain[choice(p, "gain")] * levy->f(x) + offset[choice(p, "offset")] + 0.3 * l * l + 0.2 * u * u;
                         }};
  }
  return std::nullopt;
}

}  // namespace quante::bench
