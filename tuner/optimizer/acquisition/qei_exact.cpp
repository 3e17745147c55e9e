// Exact qEI by Tallis' formula; see qei_exact.hpp.
#include "qei_exact.hpp"

#include <cmath>
#include <numbers>

#include "normal.hpp"
#include "rng.hpp"

namespace quante::opt {

double expected_improvement(double mean, double sd, double incumbent) {
  if (!(sd > 0.0)) return std::max(0.0, incumbent - mean);
  const double u = (incumbent - mean) / sd;
  return (incumbent - mean) * normal_cdf(u) + sd * normal_pdf(u);
}

QeiExactResult qei_exact(const Eigen::VectorXd& mean, const Eigen::MatrixXd& cov, double incumbent,
                         std::uint64_t seed, const MvnCdfOptions& options) {
  const int q = static_cast<int>(mean.size());
  QeiExactResult out;
  if (q == 0) return out;
  Eigen::MatrixXd sigma = 0.5 * (cov + cov.transpose());
  const double scale = std::max(sigma.diagonal().maxCoeff(), 1e-300);
  sigma.diagonal().array() += 1e-10 * scale;
  if (q == 1) {
    out.value = expected_improvement(mean[0], std::sqrt(sigma(0, 0)), incumbent);
    return out;
  }
  for (int k = 0; k < q; ++k) {
    // Z = A Y + a: rows j != k give Y_k - Y_j, row k gives Y_k - T.
    Eigen::MatrixXd A = Eigen::MatrixXd::Zero(q, q);
    Eigen::VectorXd mu(q);
    for (int j = 0; j < q; ++j) {
      A(j, k) = 1.0;
      if (j != k) {
        A(j, j) = -1.0;
        mu[j] = mean[k] - mean[j];
      } else {
        mu[j] = mean[k] - incumbent;
      }
    }
    const Eigen::MatrixXd S = A * sigma * A.transpose();
    const auto stream = static_cast<std::uint64_t>(k) * static_cast<std::uint64_t>(q + 1);
    const MvnCdfResult pq = mvn_cdf(-mu, S, derive_seed(seed, stream), options);
    double first_moment = mu[k] * pq.value;
    double err = std::abs(mu[k]) * pq.error;
    for (int i = 0; i < q; ++i) {
      const double sii = S(i, i);
      if (S(i, k) == 0.0) continue;
      const double density = std::exp(-0.5 * mu[i] * mu[i] / sii) /
                             std::sqrt(2.0 * std::numbers::pi * sii);
      // The conditional distribution of the other q - 1 coordinates given Z_i = 0.
      Eigen::VectorXd c(q - 1);
      Eigen::MatrixXd Sc(q - 1, q - 1);
      for (int a = 0, ra = 0; a < q; ++a) {
        if (a == i) continue;
        c[ra] = -mu[a] + mu[i] * S(a, i) / sii;
        for (int bb = 0, rb = 0; bb < q; ++bb) {
          if (bb == i) continue;
          Sc(ra, rb) = S(a, bb) - S(a, i) * S(i, bb) / sii;
          ++rb;
        }
        ++ra;
      }
      const MvnCdfResult pc = mvn_cdf(c, Sc, derive_seed(seed, stream + 1 + static_cast<std::uint64_t>(i)), options);
      first_moment -= S(i, k) * density * pc.value;
      err += std::abs(S(i, k) * density) * pc.error;
    }
    out.value -= first_moment;
    out.error += err;
  }
  out.value = std::max(out.value, 0.0);
  return out;
}

}  // namespace quante::opt
