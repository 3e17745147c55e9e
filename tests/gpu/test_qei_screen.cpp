// Batch qEI screening: the CPU path is exactly qei_monte_carlo per batch; on a GPU, the same base
// samples give the same scores up to rounding, and independent samples agree within MC error.
#include <catch2/catch.hpp>

#include <cmath>

#include "qei_monte_carlo.hpp"
#include "qei_screen.hpp"
#include "rng.hpp"
#include "sobol.hpp"

using namespace quante::opt;

namespace {

// A joint posterior of M points: a random SPD covariance (with a nearly singular block, to
// exercise the jitter) and means around the incumbent 0.
struct Joint {
  Eigen::VectorXd mean;
  Eigen::MatrixXd cov;
};

Joint random_joint(int M, std::uint64_t seed) {
  Rng rng(seed);
  Eigen::MatrixXd A(M, M + 3);
  for (Eigen::Index i = 0; i < A.size(); ++i) A.data()[i] = standard_normal(rng);
  Joint j;
  j.cov = A * A.transpose() / static_cast<double>(M);
  j.cov.row(1) = j.cov.row(0);  // points 0 and 1 coincide: singular without jitter
  j.cov.col(1) = j.cov.col(0);
  j.cov(1, 1) = j.cov(0, 0);
  j.mean.resize(M);
  for (int i = 0; i < M; ++i) j.mean(i) = 0.3 * standard_normal(rng) + 0.2;
  return j;
}

std::vector<std::vector<int>> random_batches(int B, int q, const std::vector<int>& pending, int M, std::uint64_t seed) {
  Rng rng(seed);
  std::vector<std::vector<int>> out;
  for (int b = 0; b < B; ++b) {
    std::vector<int> idx;
    while (static_cast<int>(idx.size()) < q) {
      const int c = static_cast<int>(uniform_index(rng, static_cast<std::uint64_t>(M - 8)));
      if (std::find(idx.begin(), idx.end(), c) == idx.end()) idx.push_back(c);
    }
    idx.insert(idx.end(), pending.begin(), pending.end());
    out.push_back(idx);
  }
  out[0][0] = 0;  // the singular pair in one batch
  out[0][1] = 1;
  return out;
}

}  // namespace

TEST_CASE("qei screening: the CPU path equals qei_monte_carlo batch by batch", "[gpu][qei]") {
  const int M = 40, q = 3;
  const Joint joint = random_joint(M, 1);
  const std::vector<int> pending = {M - 2, M - 1};
  const auto batches = random_batches(20, q, pending, M, 2);
  const Eigen::MatrixXd z = sobol_normal(256, q + 2, 3);
  QeiScreener cpu(ScreenDevice::Cpu);
  CHECK_FALSE(cpu.uses_gpu());
  const ScreenScores scores = cpu.score_subsets(joint.mean, joint.cov, batches, 0.0, z);
  REQUIRE(scores.value.size() == batches.size());
  CHECK_FALSE(scores.on_gpu);
  for (std::size_t b = 0; b < batches.size(); ++b) {
    Eigen::VectorXd mu(q + 2);
    Eigen::MatrixXd sigma(q + 2, q + 2);
    for (int i = 0; i < q + 2; ++i) {
      mu(i) = joint.mean(batches[b][static_cast<std::size_t>(i)]);
      for (int j = 0; j < q + 2; ++j)
        sigma(i, j) = joint.cov(batches[b][static_cast<std::size_t>(i)], batches[b][static_cast<std::size_t>(j)]);
    }
    const McAcquisition ref = qei_monte_carlo(mu, sigma, 0.0, z, false);
    CHECK(scores.value[b] == ref.value);
    CHECK(scores.std_error[b] == ref.std_error);
  }
  CHECK_THROWS_AS(cpu.score_subsets(joint.mean, joint.cov, {{0, 1}}, 0.0, z), std::invalid_argument);
  CHECK_THROWS_AS(cpu.score_subsets(joint.mean, joint.cov, {{0, 1, 2, 3, M}}, 0.0, z), std::invalid_argument);
}

TEST_CASE("qei screening: GPU scores agree with the CPU's", "[gpu][qei]") {
  std::string why;
  if (!qei_screen_gpu_available(&why)) {
    WARN("skipped: no GPU for qEI screening (" << why << ")");
    return;
  }
  QeiScreener gpu(ScreenDevice::Cuda);
  QeiScreener cpu(ScreenDevice::Cpu);
  REQUIRE(gpu.uses_gpu());
  for (const int q : {1, 4, 8}) {
    const int M = 200;
    const Joint joint = random_joint(M, 10 + static_cast<std::uint64_t>(q));
    const std::vector<int> pending = {M - 3, M - 2, M - 1};
    const auto batches = random_batches(300, q, pending, M, 20 + static_cast<std::uint64_t>(q));
    const int m = q + 3;
    const Eigen::MatrixXd z = sobol_normal(512, m, 30);
    const ScreenScores g = gpu.score_subsets(joint.mean, joint.cov, batches, 0.0, z);
    INFO(gpu.last_error());
    REQUIRE(g.on_gpu);
    const ScreenScores c = cpu.score_subsets(joint.mean, joint.cov, batches, 0.0, z);
    for (std::size_t b = 0; b < batches.size(); ++b) {
      INFO("q " << q << " batch " << b);
      CHECK(g.value[b] == Approx(c.value[b]).epsilon(1e-9).margin(1e-12));
      CHECK(g.std_error[b] == Approx(c.std_error[b]).epsilon(1e-6).margin(1e-12));
    }
    // Independent base samples: agreement within Monte Carlo error.
    const Eigen::MatrixXd z2 = sobol_normal(4096, m, 31);
    const ScreenScores g2 = gpu.score_subsets(joint.mean, joint.cov, batches, 0.0, z2);
    int outside = 0;
    for (std::size_t b = 0; b < batches.size(); ++b) {
      const double se = std::sqrt(g2.std_error[b] * g2.std_error[b] + c.std_error[b] * c.std_error[b]);
      if (std::abs(g2.value[b] - c.value[b]) > 4.0 * se + 1e-9) ++outside;
    }
    CHECK(outside <= 3);  // 4 sigma: a few of 300 at most, even with QMC's correlated errors
    // The posterior form gives the same as the index form.
    std::vector<Eigen::VectorXd> means;
    std::vector<Eigen::MatrixXd> covs;
    for (const auto& batch : batches) {
      Eigen::VectorXd mu(m);
      Eigen::MatrixXd sigma(m, m);
      for (int i = 0; i < m; ++i) {
        mu(i) = joint.mean(batch[static_cast<std::size_t>(i)]);
        for (int j = 0; j < m; ++j) sigma(i, j) = joint.cov(batch[static_cast<std::size_t>(i)], batch[static_cast<std::size_t>(j)]);
      }
      means.push_back(mu);
      covs.push_back(sigma);
    }
    const ScreenScores p = gpu.score_posteriors(means, covs, 0.0, z);
    REQUIRE(p.on_gpu);
    for (std::size_t b = 0; b < batches.size(); ++b) CHECK(p.value[b] == Approx(g.value[b]).epsilon(1e-12));
  }
}
