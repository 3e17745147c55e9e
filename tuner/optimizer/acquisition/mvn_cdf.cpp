// Multivariate normal CDF; see mvn_cdf.hpp for the formulas and papers.
#include "mvn_cdf.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

#include "normal.hpp"
#include "rng.hpp"
#include "sobol.hpp"

namespace quante::opt {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Gauss-Legendre nodes and weights on [-1, 1], n points, by Newton's method on P_n.
struct GaussLegendre {
  std::vector<double> x, w;
};

GaussLegendre gauss_legendre(int n) {
  GaussLegendre g;
  g.x.resize(static_cast<std::size_t>(n));
  g.w.resize(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    double z = std::cos(std::numbers::pi * (i + 0.75) / (n + 0.5));
    double dp = 0.0;
    for (int it = 0; it < 100; ++it) {
      double p0 = 1.0, p1 = z;
      for (int k = 2; k <= n; ++k) {
        const double p2 = ((2.0 * k - 1.0) * z * p1 - (k - 1.0) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      dp = n * (z * p1 - p0) / (z * z - 1.0);
      const double dz = p1 / dp;
      z -= dz;
      if (std::abs(dz) < 1e-16) break;
    }
    g.x[static_cast<std::size_t>(i)] = -z;
    g.w[static_cast<std::size_t>(i)] = 2.0 / ((1.0 - z * z) * dp * dp);
  }
  return g;
}

// Genz's BVNU: P(X > dh, Y > dk) with correlation r.
double bvnu(double dh, double dk, double r) {
  static const std::array<GaussLegendre, 3> rules = {gauss_legendre(6), gauss_legendre(12),
                                                     gauss_legendre(20)};
  const double twopi = 2.0 * std::numbers::pi;
  if (dh == kInf || dk == kInf) return 0.0;
  if (dh == -kInf) return dk == -kInf ? 1.0 : normal_cdf(-dk);
  if (dk == -kInf) return normal_cdf(-dh);
  const GaussLegendre& g = std::abs(r) < 0.3 ? rules[0] : std::abs(r) < 0.75 ? rules[1] : rules[2];
  // Only the nodes on one half are needed: the formula sums f(1 - x) and f(1 + x) over x < 0.
  const std::size_t n = g.x.size();
  double h = dh, k = dk, hk = h * k, bvn = 0.0;
  if (std::abs(r) < 0.925) {
    const double hs = (h * h + k * k) / 2.0, asr = std::asin(r);
    for (std::size_t i = 0; i < n / 2; ++i) {
      double sn = std::sin(asr * (1.0 + g.x[i]) / 2.0);
      bvn += g.w[i] * std::exp((sn * hk - hs) / (1.0 - sn * sn));
      sn = std::sin(asr * (1.0 - g.x[i]) / 2.0);
      bvn += g.w[i] * std::exp((sn * hk - hs) / (1.0 - sn * sn));
    }
    return bvn * asr / (2.0 * twopi) + normal_cdf(-h) * normal_cdf(-k);
  }
  if (r < 0.0) {
    k = -k;
    hk = -hk;
  }
  if (std::abs(r) < 1.0) {
    const double as = (1.0 - r) * (1.0 + r);
    double a = std::sqrt(as);
    const double bs = (h - k) * (h - k);
    const double c = (4.0 - hk) / 8.0, d = (12.0 - hk) / 16.0;
    bvn = a * std::exp(-(bs / as + hk) / 2.0) *
          (1.0 - c * (bs - as) * (1.0 - d * bs / 5.0) / 3.0 + c * d * as * as / 5.0);
    if (hk > -160.0) {
      const double b = std::sqrt(bs);
      bvn -= std::exp(-hk / 2.0) * std::sqrt(twopi) * normal_cdf(-b / a) * b *
             (1.0 - c * bs * (1.0 - d * bs / 5.0) / 3.0);
    }
    a /= 2.0;
    for (std::size_t i = 0; i < n / 2; ++i) {
      for (double sgn : {-1.0, 1.0}) {
        const double xs = std::pow(a * (sgn * g.x[i] + 1.0), 2);
        const double rs = std::sqrt(1.0 - xs);
        const double asr = -(bs / xs + hk) / 2.0;
        if (asr > -100.0)
          bvn += a * g.w[i] * std::exp(asr) *
                 (std::exp(-hk * (1.0 - rs) / (2.0 * (1.0 + rs))) / rs -
                  (1.0 + c * xs * (1.0 + d * xs)));
      }
    }
    bvn = -bvn / twopi;
  }
  if (r > 0.0) return bvn + normal_cdf(-std::max(h, k));
  bvn = -bvn;
  if (k > h) bvn += normal_cdf(k) - normal_cdf(h);
  return bvn;
}

// Genz's separation of variables with Gibson-Glasbey-Elston ordering, for dim >= 1.
MvnCdfResult genz(const Eigen::VectorXd& upper, const Eigen::MatrixXd& cov, std::uint64_t seed,
                  const MvnCdfOptions& options) {
  const int m = static_cast<int>(upper.size());
  Eigen::VectorXd b = upper;
  Eigen::MatrixXd S = cov;
  Eigen::MatrixXd L = Eigen::MatrixXd::Zero(m, m);
  Eigen::VectorXd y = Eigen::VectorXd::Zero(m);
  const double scale = std::max(S.diagonal().maxCoeff(), 1e-300);
  const double tiny = 1e-13 * scale;
  for (int i = 0; i < m; ++i) {
    // Pick the remaining variable with the smallest conditional probability.
    int best = i;
    double best_p = kInf;
    for (int j = i; j < m; ++j) {
      const double s2 = S(j, j) - L.row(j).head(i).squaredNorm();
      const double shift = L.row(j).head(i).dot(y.head(i));
      double p;
      if (s2 > tiny) {
        p = normal_cdf((b[j] - shift) / std::sqrt(s2));
      } else {
        p = b[j] - shift >= 0.0 ? 1.0 : 0.0;
      }
      if (p < best_p) {
        best_p = p;
        best = j;
      }
    }
    if (best != i) {
      std::swap(b[i], b[best]);
      S.row(i).swap(S.row(best));
      S.col(i).swap(S.col(best));
      L.row(i).swap(L.row(best));
    }
    const double s2 = S(i, i) - L.row(i).head(i).squaredNorm();
    if (s2 > tiny) {
      const double lii = std::sqrt(s2);
      L(i, i) = lii;
      for (int j = i + 1; j < m; ++j)
        L(j, i) = (S(j, i) - L.row(j).head(i).dot(L.row(i).head(i))) / lii;
      // Expected value of the truncated variable, used only for the ordering of later variables.
      const double z = (b[i] - L.row(i).head(i).dot(y.head(i))) / lii;
      const double pz = normal_cdf(z);
      y[i] = pz > 1e-300 ? -normal_pdf(z) / pz : z;
    } else {
      L(i, i) = 0.0;  // a deterministic direction: its rows below stay zero
      y[i] = 0.0;
    }
  }

  // The integrand at one point w in [0,1]^(m-1).
  std::vector<double> yy(static_cast<std::size_t>(m));
  auto integrand = [&](const double* w) {
    double f = 1.0;
    for (int i = 0; i < m; ++i) {
      double shift = 0.0;
      for (int j = 0; j < i; ++j) shift += L(i, j) * yy[static_cast<std::size_t>(j)];
      double e;
      if (L(i, i) > 0.0) {
        e = normal_cdf((b[i] - shift) / L(i, i));
      } else {
        e = b[i] - shift >= 0.0 ? 1.0 : 0.0;
      }
      f *= e;
      if (f <= 0.0) return 0.0;
      if (i + 1 < m) {
        const double u = std::clamp(w[i] * e, 1e-300, 1.0 - 1e-16);
        yy[static_cast<std::size_t>(i)] = L(i, i) > 0.0 ? normal_quantile(u) : 0.0;
      }
    }
    return f;
  };

  if (m == 1) {
    const double v = L(0, 0) > 0.0 ? normal_cdf(b[0] / L(0, 0)) : (b[0] >= 0.0 ? 1.0 : 0.0);
    return {v, 0.0};
  }

  const int R = std::max(2, options.replicates);
  std::vector<double> sums(static_cast<std::size_t>(R), 0.0);
  std::vector<SobolSequence> seqs;
  seqs.reserve(static_cast<std::size_t>(R));
  for (int r = 0; r < R; ++r) seqs.emplace_back(m - 1, derive_seed(seed, static_cast<std::uint64_t>(r)));
  long long total = 0;
  int target = std::max(1, options.initial_points);
  std::vector<double> w(static_cast<std::size_t>(m - 1)), wa(static_cast<std::size_t>(m - 1));
  MvnCdfResult result;
  while (true) {
    for (int r = 0; r < R; ++r) {
      for (long long n = total; n < target; ++n) {
        const Eigen::VectorXd u = seqs[static_cast<std::size_t>(r)].next();
        for (int j = 0; j < m - 1; ++j) {
          w[static_cast<std::size_t>(j)] = u[j];
          wa[static_cast<std::size_t>(j)] = 1.0 - u[j];
        }
        sums[static_cast<std::size_t>(r)] += 0.5 * (integrand(w.data()) + integrand(wa.data()));
      }
    }
    total = target;
    double mean = 0.0;
    for (double s : sums) mean += s / static_cast<double>(total);
    mean /= R;
    double var = 0.0;
    for (double s : sums) var += std::pow(s / static_cast<double>(total) - mean, 2);
    var /= (R - 1.0) * R;
    result = {mean, 3.0 * std::sqrt(var)};
    if (result.error <= options.abs_tolerance || target >= options.max_points) break;
    target *= 2;
  }
  return result;
}

}  // namespace

double bivariate_normal_cdf(double h, double k, double rho) {
  rho = std::clamp(rho, -1.0, 1.0);
  return bvnu(-h, -k, rho);
}

MvnCdfResult mvn_cdf(const Eigen::VectorXd& upper, const Eigen::MatrixXd& cov, std::uint64_t seed,
                     const MvnCdfOptions& options) {
  const int m = static_cast<int>(upper.size());
  if (m == 0) return {1.0, 0.0};
  for (int i = 0; i < m; ++i)
    if (upper[i] == -kInf) return {0.0, 0.0};
  // Drop the coordinates with an infinite upper limit: they integrate out.
  std::vector<int> keep;
  for (int i = 0; i < m; ++i)
    if (upper[i] != kInf) keep.push_back(i);
  const int k = static_cast<int>(keep.size());
  if (k == 0) return {1.0, 0.0};
  Eigen::VectorXd b(k);
  Eigen::MatrixXd S(k, k);
  for (int i = 0; i < k; ++i) {
    b[i] = upper[keep[static_cast<std::size_t>(i)]];
    for (int j = 0; j < k; ++j)
      S(i, j) = cov(keep[static_cast<std::size_t>(i)], keep[static_cast<std::size_t>(j)]);
  }
  if (options.closed_forms && k <= 2) {
    const double s0 = std::sqrt(std::max(S(0, 0), 0.0));
    if (k == 1) return {s0 > 0.0 ? normal_cdf(b[0] / s0) : (b[0] >= 0.0 ? 1.0 : 0.0), 0.0};
    const double s1 = std::sqrt(std::max(S(1, 1), 0.0));
    if (s0 > 0.0 && s1 > 0.0) {
      const double rho = S(0, 1) / (s0 * s1);
      return {std::clamp(bivariate_normal_cdf(b[0] / s0, b[1] / s1, rho), 0.0, 1.0), 0.0};
    }
  }
  MvnCdfResult r = genz(b, S, seed, options);
  r.value = std::clamp(r.value, 0.0, 1.0);
  return r;
}

}  // namespace quante::opt
