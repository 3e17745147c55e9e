// Named helpers shared by the acquisition tests: random joint posteriors and a brute-force qEI.
#pragma once

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <cmath>

#include "rng.hpp"

namespace quante::opt::testing {

// A random joint posterior of q points: SPD covariance with correlations of both signs.
struct JointPosterior {
  Eigen::VectorXd mean;
  Eigen::MatrixXd cov;
};

inline JointPosterior random_posterior(int q, std::uint64_t seed) {
  Rng rng(seed);
  JointPosterior p;
  p.mean.resize(q);
  Eigen::MatrixXd A(q, q);
  for (int i = 0; i < q; ++i) {
    p.mean[i] = 0.3 * standard_normal(rng);
    for (int j = 0; j < q; ++j) A(i, j) = standard_normal(rng);
  }
  p.cov = 0.5 * A * A.transpose() / q;
  p.cov.diagonal().array() += 0.05 + 0.2 * uniform01(rng);
  return p;
}

struct BruteForce {
  double value;
  double std_error;
};

// E[max(0, T - min_i Y_i)] from n pseudo-random joint normal samples.
inline BruteForce brute_force_qei(const Eigen::VectorXd& mean, const Eigen::MatrixXd& cov,
                                  double incumbent, int n, std::uint64_t seed) {
  Rng rng(seed);
  const Eigen::MatrixXd L = Eigen::LLT<Eigen::MatrixXd>(cov).matrixL();
  const int q = static_cast<int>(mean.size());
  Eigen::VectorXd z(q);
  double s = 0.0, s2 = 0.0;
  for (int k = 0; k < n; ++k) {
    for (int i = 0; i < q; ++i) z[i] = standard_normal(rng);
    const Eigen::VectorXd y = mean + L * z;
    const double imp = std::max(0.0, incumbent - y.minCoeff());
    s += imp;
    s2 += imp * imp;
  }
  const double m = s / n;
  return {m, std::sqrt((s2 / n - m * m) / (n - 1))};
}

}  // namespace quante::opt::testing
