// Jittered Cholesky and its rank-one extension (see cholesky.hpp).
#include "cholesky.hpp"

#include <Eigen/Cholesky>

#include <cmath>
#include <stdexcept>
#include <string>

namespace quante::opt {

namespace {

// A := its lower Cholesky factor, upper triangle zeroed; false when not positive definite.
bool factor_in_place(Eigen::MatrixXd& A) {
  Eigen::LLT<Eigen::Ref<Eigen::MatrixXd>> llt(A);
  if (llt.info() != Eigen::Success) return false;
  if (!A.diagonal().allFinite() || (A.diagonal().array() <= 0.0).any()) return false;
  A.triangularView<Eigen::StrictlyUpper>().setZero();
  return true;
}

using Block = Eigen::Ref<Eigen::MatrixXd>;

constexpr Eigen::Index kLeaf = 48;

// A (lower triangular) := A^-1. [A11 0; A21 A22]^-1 = [A11^-1 0; -A22^-1 A21 A11^-1  A22^-1].
void invert_lower(Block A) {
  const Eigen::Index n = A.rows();
  if (n <= kLeaf) {
    Eigen::MatrixXd inv = Eigen::MatrixXd::Identity(n, n);
    A.triangularView<Eigen::Lower>().solveInPlace(inv);
    A.triangularView<Eigen::Lower>() = inv;
    return;
  }
  const Eigen::Index h = n / 2;
  invert_lower(A.topLeftCorner(h, h));
  invert_lower(A.bottomRightCorner(n - h, n - h));
  Eigen::MatrixXd t = A.bottomLeftCorner(n - h, h) * A.topLeftCorner(h, h).triangularView<Eigen::Lower>();
  A.bottomLeftCorner(n - h, h).noalias() =
      -(A.bottomRightCorner(n - h, n - h).triangularView<Eigen::Lower>() * t);
}

// A (lower triangular X) := lower triangle of X^T X.
// X^T X = [X11^T X11 + X21^T X21, X21^T X22; ., X22^T X22].
void lower_gram(Block A) {
  const Eigen::Index n = A.rows();
  if (n <= kLeaf) {
    const Eigen::MatrixXd X = A.triangularView<Eigen::Lower>();
    A.triangularView<Eigen::Lower>() = X.transpose() * X;
    return;
  }
  const Eigen::Index h = n / 2;
  lower_gram(A.topLeftCorner(h, h));
  A.topLeftCorner(h, h).selfadjointView<Eigen::Lower>().rankUpdate(
      A.bottomLeftCorner(n - h, h).transpose());
  A.bottomLeftCorner(n - h, h) =
      A.bottomRightCorner(n - h, n - h).triangularView<Eigen::Lower>().transpose() *
      A.bottomLeftCorner(n - h, h);
  lower_gram(A.bottomRightCorner(n - h, n - h));
}

}  // namespace

void inverse_from_cholesky(const Eigen::MatrixXd& L, Eigen::MatrixXd& out) {
  out = L;
  invert_lower(out);
  lower_gram(out);
  out.triangularView<Eigen::StrictlyUpper>() = out.transpose();
}

std::optional<double> cholesky_into(const Eigen::MatrixXd& K, Eigen::MatrixXd& L) {
  if (K.rows() != K.cols() || !K.allFinite()) return std::nullopt;
  if (K.rows() == 0) {
    L.resize(0, 0);
    return 0.0;
  }
  const double scale = K.diagonal().mean();
  double jitter = 0.0;
  for (double rel = 0.0; rel <= kMaxRelativeJitter * 1.0000001;
       rel = rel == 0.0 ? kMinRelativeJitter : rel * 10.0) {
    jitter = rel * scale;
    if (rel > 0.0 && !(scale > 0.0)) return std::nullopt;
    L = K;
    L.diagonal().array() += jitter;
    if (factor_in_place(L)) return jitter;
  }
  return std::nullopt;
}

std::optional<CholeskyFactor> try_cholesky(const Eigen::MatrixXd& K) {
  CholeskyFactor f;
  auto jitter = cholesky_into(K, f.L);
  if (!jitter) return std::nullopt;
  f.jitter = *jitter;
  return f;
}

CholeskyFactor cholesky_with_jitter(const Eigen::MatrixXd& K) {
  if (auto f = try_cholesky(K)) return std::move(*f);
  if (!K.allFinite()) {
    throw std::runtime_error("Cholesky: the covariance matrix has non-finite entries");
  }
  throw std::runtime_error("Cholesky: the " + std::to_string(K.rows()) + "x" +
                           std::to_string(K.cols()) +
                           " covariance matrix is not positive definite even with jitter " +
                           std::to_string(kMaxRelativeJitter) + " x mean diagonal");
}

bool extend_cholesky_in_place(Eigen::Ref<Eigen::MatrixXd> L, const Eigen::VectorXd& k,
                              double kappa) {
  const Eigen::Index n = L.rows() - 1;
  Eigen::VectorXd l = k;
  if (n > 0) L.topLeftCorner(n, n).triangularView<Eigen::Lower>().solveInPlace(l);
  const double pivot = kappa - l.squaredNorm();
  if (!std::isfinite(pivot) || !(pivot > 1e-12 * std::abs(kappa))) return false;
  L.row(n).head(n) = l.transpose();
  L.col(n).head(n).setZero();
  L(n, n) = std::sqrt(pivot);
  return true;
}

bool extend_cholesky(Eigen::MatrixXd& L, const Eigen::VectorXd& k, double kappa) {
  const Eigen::Index n = L.rows();
  Eigen::MatrixXd bigger(n + 1, n + 1);
  bigger.topLeftCorner(n, n) = L;
  if (!extend_cholesky_in_place(bigger, k, kappa)) return false;
  L = std::move(bigger);
  return true;
}

}  // namespace quante::opt
