// Exact multi-point expected improvement for MINIMISATION (Chevalier & Ginsbourger 2013, "Fast
// computation of the multi-points expected improvement with applications in batch selection",
// LION 7), with Tallis' (1961) formula for the first moment of a truncated multivariate normal.
//
//   qEI = E[max(0, T - min_i Y_i)],  Y ~ N(m, Sigma), T the incumbent (threshold).
//   qEI = sum_k E[(T - Y_k) 1{Y_k <= Y_j for all j, Y_k <= T}] = -sum_k E[Z_k 1{Z^(k) <= 0}],
//   with Z^(k)_j = Y_k - Y_j (j != k), Z^(k)_k = Y_k - T, Z^(k) ~ N(mu, S), and Tallis:
//   E[Z_k 1{Z <= 0}] = mu_k Phi_q(-mu; S)
//                      - sum_i S_ik phi(-mu_i; S_ii) Phi_{q-1}(c_{.i}; S_{.|i}),
//   c_j = -mu_j + mu_i S_ij / S_ii,  S_{.|i} = S_jl - S_ji S_il / S_ii  (j, l != i).
// The multivariate normal CDFs come from mvn_cdf (closed forms in dim 1 and 2, Genz's randomised
// QMC above), so the result carries an error bound summed from theirs.
#pragma once

#include <Eigen/Core>
#include <cstdint>

#include "mvn_cdf.hpp"

namespace quante::opt {

struct QeiExactResult {
  double value = 0.0;
  double error = 0.0;  // bound from the MVN CDF estimates (0 for q <= 2 up to rounding)
};

// mean (q) and cov (q x q) of the joint posterior of the batch (latent f, the same units as the
// incumbent). A relative jitter of 1e-10 on the diagonal keeps ties (equal points) well-defined.
QeiExactResult qei_exact(const Eigen::VectorXd& mean, const Eigen::MatrixXd& cov, double incumbent,
                         std::uint64_t seed, const MvnCdfOptions& options = {});

// Analytic single-point EI for minimisation: (T - m) Phi(u) + s phi(u), u = (T - m) / s.
double expected_improvement(double mean, double sd, double incumbent);

}  // namespace quante::opt
