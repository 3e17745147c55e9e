// The jittered Cholesky: exact when it can be, escalating jitter when it must, loud when it fails;
// and its rank-one extension.
#include "gp_test_helpers.hpp"

#include "cholesky.hpp"

#include <Eigen/Cholesky>

#include <limits>

using namespace quante::opt;
using namespace quante::opt::test;

TEST_CASE("A positive definite matrix factors without jitter", "[gp][cholesky]") {
  const Eigen::MatrixXd A = random_points(6, 6, 3);
  const Eigen::MatrixXd K = A * A.transpose() + Eigen::MatrixXd::Identity(6, 6);
  const CholeskyFactor f = cholesky_with_jitter(K);
  CHECK(f.jitter == 0.0);
  CHECK((f.L * f.L.transpose()).isApprox(K, 1e-12));
  CHECK(f.L.triangularView<Eigen::StrictlyUpper>().toDenseMatrix().isZero());
}

TEST_CASE("A singular matrix gets escalating jitter, reported", "[gp][cholesky]") {
  // Rank one: every entry 2. Needs jitter; the smallest that works is reported.
  const Eigen::MatrixXd K = Eigen::MatrixXd::Constant(5, 5, 2.0);
  const CholeskyFactor f = cholesky_with_jitter(K);
  CHECK(f.jitter > 0.0);
  CHECK(f.jitter <= kMaxRelativeJitter * 2.0);
  const Eigen::MatrixXd Kj = K + f.jitter * Eigen::MatrixXd::Identity(5, 5);
  CHECK((f.L * f.L.transpose()).isApprox(Kj, 1e-10));
}

TEST_CASE("A matrix beyond repair throws a clear runtime_error", "[gp][cholesky]") {
  Eigen::MatrixXd negative = -Eigen::MatrixXd::Identity(3, 3);
  CHECK_FALSE(try_cholesky(negative).has_value());
  CHECK_THROWS_WITH(cholesky_with_jitter(negative), Catch::Contains("not positive definite"));
  Eigen::MatrixXd nan = Eigen::MatrixXd::Identity(3, 3);
  nan(1, 2) = nan(2, 1) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH(cholesky_with_jitter(nan), Catch::Contains("non-finite"));
}

TEST_CASE("Rank-one extension equals factoring the bordered matrix", "[gp][cholesky]") {
  const Eigen::MatrixXd A = random_points(7, 7, 4);
  const Eigen::MatrixXd K = A * A.transpose() + 0.5 * Eigen::MatrixXd::Identity(7, 7);
  Eigen::MatrixXd L = cholesky_with_jitter(K.topLeftCorner(6, 6)).L;
  REQUIRE(extend_cholesky(L, K.col(6).head(6), K(6, 6)));
  CHECK(L.isApprox(cholesky_with_jitter(K).L, 1e-12));
  // A duplicate of a previous column makes the new pivot zero: refused, L untouched.
  Eigen::MatrixXd L6 = cholesky_with_jitter(K.topLeftCorner(6, 6)).L;
  const Eigen::MatrixXd before = L6;
  CHECK_FALSE(extend_cholesky(L6, K.col(2).head(6), K(2, 2)));
  CHECK(L6 == before);
}

TEST_CASE("Inverse from the Cholesky factor matches a direct solve", "[gp][cholesky]") {
  for (Eigen::Index n : {1, 5, 48, 49, 130, 257}) {
    INFO("n = " << n);
    const Eigen::MatrixXd A = random_points(n, n, 100 + static_cast<std::uint64_t>(n), -1.0, 1.0);
    const Eigen::MatrixXd K = A * A.transpose() + static_cast<double>(n) * 0.1 * Eigen::MatrixXd::Identity(n, n);
    const CholeskyFactor f = cholesky_with_jitter(K);
    Eigen::MatrixXd inv;
    inverse_from_cholesky(f.L, inv);
    const Eigen::MatrixXd expected = K.llt().solve(Eigen::MatrixXd::Identity(n, n));
    CHECK((inv - expected).norm() <= 1e-10 * expected.norm());
    CHECK(inv == inv.transpose());
  }
}
