// Cholesky factorisation of a covariance matrix that never fails silently.
// K = L L^T is tried as is; when LLT finds a non-positive pivot, jitter is added to the diagonal,
// eps = 1e-10, 1e-9, ..., 1e-2 times the mean diagonal (the usual GP practice, e.g. GPy's jitchol,
// Rasmussen & Williams 2006 section 3.4.3), and the jitter used is reported so the caller can tell.
// A matrix that is not finite, or not positive definite even with the largest jitter, is a bug
// upstream, not bad luck: cholesky_with_jitter throws std::runtime_error saying so.
#pragma once

#include <Eigen/Core>

#include <optional>

namespace quante::opt {

struct CholeskyFactor {
  Eigen::MatrixXd L;    // lower triangular, L L^T = K + jitter I (upper triangle zero)
  double jitter = 0.0;  // absolute jitter added to the diagonal; 0 when K factored as is
};

inline constexpr double kMinRelativeJitter = 1e-10;
inline constexpr double kMaxRelativeJitter = 1e-2;

// nullopt when K is not finite or not positive definite even with the largest jitter.
std::optional<CholeskyFactor> try_cholesky(const Eigen::MatrixXd& K);
// In place: L := chol(K + jitter I), reusing L's storage (for repeated factorisations of
// same-sized matrices). Returns the jitter, or nullopt as try_cholesky.
std::optional<double> cholesky_into(const Eigen::MatrixXd& K, Eigen::MatrixXd& L);
// As try_cholesky, throwing std::runtime_error instead of returning nullopt.
CholeskyFactor cholesky_with_jitter(const Eigen::MatrixXd& K);

// K^-1 from K's factor L, into out (buffer reused): inverse of L, then L^-T L^-1, both
// recursive-blocked on the triangular structure (LAPACK's dtrtri + dlauum, n^3/3 flops each)
// instead of two dense triangular solves against the identity (2 n^3).
void inverse_from_cholesky(const Eigen::MatrixXd& L, Eigen::MatrixXd& out);

// Rank-one extension, O(n^2): given L L^T = K, makes L' with L' L'^T = [K k; k^T kappa].
// Returns false (L unchanged) when the new pivot kappa - |L^-1 k|^2 is not safely positive.
bool extend_cholesky(Eigen::MatrixXd& L, const Eigen::VectorXd& k, double kappa);
// The same inside a preallocated (n+1) x (n+1) block whose leading n x n block holds L: fills
// row n (and zeroes column n above the diagonal). Same return value; nothing written on false.
bool extend_cholesky_in_place(Eigen::Ref<Eigen::MatrixXd> L, const Eigen::VectorXd& k, double kappa);

}  // namespace quante::opt
