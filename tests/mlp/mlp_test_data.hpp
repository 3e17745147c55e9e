// The shipped digits data set (data/digits.csv) and small synthetic sets, for the mlp tests.
#pragma once

#include <cmath>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <variant>

#include "mlp_data.hpp"

namespace quante::test {

inline std::string digits_path() { return std::string(QUANTE_SOURCE_DIR) + "/data/digits.csv"; }

inline std::shared_ptr<const mlp::MlpDataset> load_digits(double val_fraction = 0.2) {
  mlp::MlpSpec spec;
  spec.data = digits_path();
  spec.label = "label";
  spec.val_fraction = val_fraction;
  auto loaded = mlp::load_mlp_dataset(spec);
  if (auto* error = std::get_if<std::string>(&loaded)) throw std::runtime_error(*error);
  return std::make_shared<const mlp::MlpDataset>(std::get<mlp::MlpDataset>(std::move(loaded)));
}

// y = sin(x0) + 0.5 x1 x2 - x3 + noise, 600 rows: a smooth regression target.
inline void write_regression_csv(const std::string& path) {
  std::ofstream out(path);
  out << "x0,x1,x2,x3,y\n";
  std::mt19937_64 rng(11);
  auto u = [&] { return static_cast<double>(rng() >> 11) * 0x1.0p-53 * 4.0 - 2.0; };
  for (int i = 0; i < 600; ++i) {
    const double x0 = u(), x1 = u(), x2 = u(), x3 = u();
    const double y = std::sin(x0) + 0.5 * x1 * x2 - x3 + 0.01 * u();
    out << x0 << "," << x1 << "," << x2 << "," << x3 << "," << y << "\n";
  }
}

}  // namespace quante::test
