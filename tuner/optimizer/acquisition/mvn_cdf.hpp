// Multivariate normal CDF, P(X <= b) for X ~ N(0, Sigma).
//
// dim 1: Phi(b / sigma). dim 2: Genz's BVNU (Drezner & Wesolowsky 1990 with Gauss-Legendre
// quadrature, Genz 2004, "Numerical computation of rectangular bivariate and trivariate normal and
// t probabilities", Stat. Comput. 14). dim >= 3: Genz's separation-of-variables method (Genz 1992,
// "Numerical computation of multivariate normal probabilities", JCGS 1): with the Cholesky factor
// L of Sigma, P = E_w[ prod_i (e_i(w) - 0)] where e_i = Phi((b_i - sum_{j<i} L_ij y_j) / L_ii),
// y_j = Phi^{-1}(w_j e_j), estimated by randomised QMC (independently scrambled Sobol replicates
// plus antithetic points), with the variables ordered by Gibson, Glasbey & Elston (1994): at each
// step the variable with the smallest conditional probability comes first. The error is the
// replicates' standard error times 3; the number of points doubles until it is below the tolerance.
#pragma once

#include <Eigen/Core>
#include <cstdint>

namespace quante::opt {

struct MvnCdfOptions {
  double abs_tolerance = 1e-5;  // stop when 3 standard errors are below this
  int replicates = 8;           // independent scrambles; the error estimate comes from them
  int initial_points = 128;     // per replicate (doubled until converged)
  int max_points = 1 << 14;     // per replicate
  bool closed_forms = true;     // use the exact dim 1 and dim 2 formulas
};

struct MvnCdfResult {
  double value = 0.0;
  double error = 0.0;  // 3 standard errors (0 for the closed forms)
};

// P(X <= upper) for X ~ N(0, cov); entries of upper may be +-infinity. cov must be symmetric
// positive semi-definite (a semi-definite direction is treated as a constraint on the others).
// Deterministic given the seed.
MvnCdfResult mvn_cdf(const Eigen::VectorXd& upper, const Eigen::MatrixXd& cov, std::uint64_t seed,
                     const MvnCdfOptions& options = {});

// P(X <= h, Y <= k) for standard normals with correlation rho in [-1, 1].
double bivariate_normal_cdf(double h, double k, double rho);

}  // namespace quante::opt
