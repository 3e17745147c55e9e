// Shared helpers of the GP tests: kernels from strings, seeded random points, central finite
// differences.
#pragma once

#include "kernel.hpp"
#include "kernel_parser.hpp"

#include <catch2/catch.hpp>

#include <Eigen/Core>

#include <functional>
#include <memory>
#include <random>
#include <string>

namespace quante::opt::test {

inline std::unique_ptr<Kernel> kernel_from(const std::string& text) {
  auto parsed = parse_kernel(text);
  if (auto* e = std::get_if<ParseError>(&parsed)) FAIL("parse of " << text << ": " << e->message);
  return std::move(std::get<std::unique_ptr<Kernel>>(parsed));
}

// Points uniform in [lo, hi]^d from a fixed seed (portable: mt19937_64 bits, no distributions).
inline Eigen::MatrixXd random_points(Eigen::Index n, Eigen::Index d, std::uint64_t seed,
                                     double lo = 0.0, double hi = 1.0) {
  std::mt19937_64 rng(seed);
  Eigen::MatrixXd X(n, d);
  for (Eigen::Index i = 0; i < n; ++i) {
    for (Eigen::Index k = 0; k < d; ++k) {
      X(i, k) = lo + (hi - lo) * static_cast<double>(rng() >> 11) * 0x1.0p-53;
    }
  }
  return X;
}

// Central difference of a scalar function of a vector, step h in every coordinate.
inline Eigen::VectorXd central_difference(const std::function<double(const Eigen::VectorXd&)>& f,
                                          const Eigen::VectorXd& x, double h = 1e-6) {
  Eigen::VectorXd g(x.size());
  for (Eigen::Index j = 0; j < x.size(); ++j) {
    Eigen::VectorXd xp = x, xm = x;
    xp(j) += h;
    xm(j) -= h;
    g(j) = (f(xp) - f(xm)) / (2.0 * h);
  }
  return g;
}

// |a - b| <= atol + rtol |b|, elementwise, with a readable failure.
inline void require_close(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b, double rtol,
                          double atol) {
  REQUIRE(a.rows() == b.rows());
  REQUIRE(a.cols() == b.cols());
  for (Eigen::Index i = 0; i < a.rows(); ++i) {
    for (Eigen::Index j = 0; j < a.cols(); ++j) {
      INFO("entry (" << i << ", " << j << "): analytic " << a(i, j) << " vs reference " << b(i, j));
      REQUIRE(std::abs(a(i, j) - b(i, j)) <= atol + rtol * std::abs(b(i, j)));
    }
  }
}

// Sets every hyperparameter of the kernel to a seeded pseudo-random value inside its bounds.
inline void scramble_hyperparameters(Kernel& k, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  k.for_each_hyperparameter([&](Hyperparameter& h) {
    const double u = static_cast<double>(rng() >> 11) * 0x1.0p-53;
    // Stay well inside the bounds and away from extreme values.
    const double lo = std::max(h.lower, h.prior_mean - 1.0);
    const double hi = std::min(h.upper, h.prior_mean + 1.0);
    h.value = lo + u * (hi - lo);
  });
}

// <W, dK/dtheta_j> (Kernel::contract_gradient) against central differences of <W, train(X)>.
inline void check_hyperparameter_gradient(Kernel& k, const Eigen::MatrixXd& X, const Eigen::MatrixXd& W) {
  const Eigen::VectorXd theta = k.log_values();
  Eigen::VectorXd analytic = Eigen::VectorXd::Zero(theta.size());
  k.contract_gradient(X, W, analytic);
  auto f = [&](const Eigen::VectorXd& t) {
    k.set_log_values(t);
    return W.cwiseProduct(k.train(X)).sum();
  };
  const Eigen::VectorXd numeric = central_difference(f, theta, 1e-6);
  k.set_log_values(theta);
  require_close(analytic, numeric, 1e-6, 1e-7);
}

// d k(x, X2.row(b)) / dx (Kernel::cross_gradient) against central differences, column by column.
inline void check_input_gradient(const Kernel& k, const Eigen::VectorXd& x, const Eigen::MatrixXd& X2) {
  const Eigen::MatrixXd analytic = k.cross_gradient(x, X2);
  REQUIRE(analytic.rows() == x.size());
  REQUIRE(analytic.cols() == X2.rows());
  for (Eigen::Index b = 0; b < X2.rows(); ++b) {
    auto f = [&](const Eigen::VectorXd& p) { return k.cross(p.transpose(), X2.row(b))(0, 0); };
    require_close(analytic.col(b), central_difference(f, x, 1e-6), 1e-6, 1e-8);
  }
}

}  // namespace quante::opt::test
