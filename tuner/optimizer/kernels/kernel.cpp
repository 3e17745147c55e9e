// Non-virtual helpers of the kernel interface: flat views over the hyperparameter tree.
#include "kernel.hpp"

#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace quante::opt {

Eigen::MatrixXd Kernel::train(const Eigen::MatrixXd& X) const {
  TrainCache cache;
  train_into(X, cache, false);
  return std::move(cache.K);
}

void Kernel::contract_gradient(const Eigen::MatrixXd& X, const Eigen::MatrixXd& W,
                               Eigen::Ref<Eigen::VectorXd> grad) const {
  TrainCache cache;
  train_into(X, cache, true);
  contract_cached(X, cache, W, grad);
}

int Kernel::num_hyperparameters() const {
  int count = 0;
  for_each_hyperparameter([&](const Hyperparameter&) { ++count; });
  return count;
}

Eigen::VectorXd Kernel::log_values() const {
  Eigen::VectorXd theta(num_hyperparameters());
  Eigen::Index j = 0;
  for_each_hyperparameter([&](const Hyperparameter& h) { theta(j++) = h.value; });
  return theta;
}

void Kernel::set_log_values(const Eigen::VectorXd& theta) {
  if (theta.size() != num_hyperparameters()) {
    throw std::invalid_argument("Kernel::set_log_values: expected " +
                                std::to_string(num_hyperparameters()) + " values, got " +
                                std::to_string(theta.size()));
  }
  Eigen::Index j = 0;
  for_each_hyperparameter([&](Hyperparameter& h) { h.value = theta(j++); });
}

Hyperparameter make_log_hyperparameter(std::string name, double value, double lower, double upper,
                                       bool fixed, double prior_median, double prior_sd) {
  Hyperparameter h;
  h.name = std::move(name);
  h.value = std::log(value);
  h.lower = std::log(lower);
  h.upper = std::log(upper);
  h.fixed = fixed;
  h.prior_mean = std::log(prior_median);
  h.prior_sd = prior_sd;
  return h;
}

std::string format_number(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.6g", value);
  return buffer;
}

}  // namespace quante::opt
