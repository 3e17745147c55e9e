// Output transforms of the losses (formulas in output_transform.hpp).
#include "output_transform.hpp"

#include "normal.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "kernel.hpp"  // format_number

namespace quante::opt {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void standardize(const Eigen::VectorXd& v, double& mean, double& scale) {
  mean = v.mean();
  const double var = (v.array() - mean).square().mean();
  const double sd = std::sqrt(var);
  scale = (v.size() > 1 && sd > 1e-12 * std::max(1.0, std::abs(mean))) ? sd : 1.0;
}

// Yeo & Johnson (2000), "A new family of power transformations to improve normality or
// symmetry", Biometrika 87(4): monotone increasing in u for every lambda, defined on all reals.
double yeo_johnson(double u, double lambda) {
  if (u >= 0.0) return std::abs(lambda) < 1e-9 ? std::log1p(u) : (std::pow(u + 1.0, lambda) - 1.0) / lambda;
  const double mu = 2.0 - lambda;
  return std::abs(mu) < 1e-9 ? -std::log1p(-u) : -(std::pow(1.0 - u, mu) - 1.0) / mu;
}

double yeo_johnson_inverse(double v, double lambda) {
  if (v >= 0.0) {
    if (std::abs(lambda) < 1e-9) return std::expm1(v);
    // For lambda < 0 the transform is bounded above by -1/lambda: clamp just inside.
    const double base = std::max(lambda * v + 1.0, 1e-12);
    return std::pow(base, 1.0 / lambda) - 1.0;
  }
  const double mu = 2.0 - lambda;
  if (std::abs(mu) < 1e-9) return -std::expm1(-v);
  const double base = std::max(1.0 - mu * v, 1e-12);
  return 1.0 - std::pow(base, 1.0 / mu);
}

// The Gaussian profile log-likelihood of lambda for standardized losses u (Yeo & Johnson, eq. 3.1):
// -n/2 log var(psi(u, lambda)) + (lambda - 1) sum sign(u_i) log(|u_i| + 1).
double yeo_johnson_log_likelihood(const Eigen::VectorXd& u, double lambda) {
  const auto n = static_cast<std::size_t>(u.size());
  std::vector<double> v(n);
  double jacobian = 0.0, sum = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double ui = u[static_cast<Eigen::Index>(i)];
    v[i] = yeo_johnson(ui, lambda);
    sum += v[i];
    jacobian += (ui >= 0.0 ? 1.0 : -1.0) * std::log1p(std::abs(ui));
  }
  const double mean = sum / static_cast<double>(n);
  double var = 0.0;
  for (double vi : v) var += (vi - mean) * (vi - mean);
  var /= static_cast<double>(n);
  if (!(var > 0.0) || !std::isfinite(var)) return -INFINITY;
  return -0.5 * static_cast<double>(n) * std::log(var) + (lambda - 1.0) * jacobian;
}

// Linear interpolation between order statistics of a sorted sample.
double sorted_quantile(const std::vector<double>& v, double p) {
  const double pos = p * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

// Golden-section search for the maximum-likelihood lambda in [lo, hi] (the likelihood is
// unimodal in lambda for the data sizes met here; the bracket keeps the warping moderate).
double fit_yeo_johnson_lambda(const Eigen::VectorXd& u, double lo, double hi) {
  const double g = 0.5 * (std::sqrt(5.0) - 1.0);
  double a = lo, b = hi;
  double c = b - g * (b - a), d = a + g * (b - a);
  double fc = yeo_johnson_log_likelihood(u, c), fd = yeo_johnson_log_likelihood(u, d);
  for (int it = 0; it < 48 && b - a > 1e-6; ++it) {
    if (fc >= fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - g * (b - a);
      fc = yeo_johnson_log_likelihood(u, c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + g * (b - a);
      fd = yeo_johnson_log_likelihood(u, d);
    }
  }
  return 0.5 * (a + b);
}

}  // namespace

std::optional<OutputTransform> parse_output_transform(const std::string& name) {
  if (name == "standardize") return OutputTransform::Standardize;
  if (name == "rank_normal") return OutputTransform::RankNormal;
  if (name == "log") return OutputTransform::Log;
  if (name == "power") return OutputTransform::Power;
  return std::nullopt;
}

std::optional<PriorMean> parse_prior_mean(const std::string& name) {
  if (name == "mean") return PriorMean::Mean;
  if (name == "max") return PriorMean::Max;
  return std::nullopt;
}

TransformResult FittedOutputTransform::fit(OutputTransform kind, const Eigen::VectorXd& y, PriorMean prior_mean) {
  if (y.size() == 0) return TransformError{"no losses to transform"};
  for (Eigen::Index i = 0; i < y.size(); ++i) {
    if (!std::isfinite(y(i))) {
      return TransformError{"loss " + std::to_string(i) + " is not finite (" +
                            format_number(y(i)) + ")"};
    }
    if (kind == OutputTransform::Log && !(y(i) > 0.0)) {
      return TransformError{"the Log output transform needs positive losses; loss " +
                            std::to_string(i) + " is " + format_number(y(i))};
    }
  }
  FittedOutputTransform t;
  t.kind_ = kind;
  switch (kind) {
    case OutputTransform::Standardize:
      standardize(y, t.mean_, t.scale_);
      t.targets_ = (y.array() - t.mean_) / t.scale_;
      break;
    case OutputTransform::Log: {
      const Eigen::VectorXd logy = y.array().log();
      standardize(logy, t.mean_, t.scale_);
      t.targets_ = (logy.array() - t.mean_) / t.scale_;
      break;
    }
    case OutputTransform::Power: {
      // The upper fence from the median and the lower half's spread (robust to almost half the
      // losses being outliers above): median + 3.5 * 2 (median - q25), Tukey's "far out" fence
      // Q3 + 3 IQR for symmetric data. Too many ties there: the standard deviation instead.
      std::vector<double> sorted(y.data(), y.data() + y.size());
      std::sort(sorted.begin(), sorted.end());
      const double median = sorted_quantile(sorted, 0.5);
      double spread = 2.0 * (median - sorted_quantile(sorted, 0.25));
      if (!(spread > 1e-12 * std::max(1.0, std::abs(median)))) {
        double m = 0.0, s = 0.0;
        standardize(y, m, s);
        spread = s;
      }
      if (spread > 0.0 && std::isfinite(spread) && sorted.back() > median + kFence * spread) {
        t.fence_ = median + kFence * spread;
        t.tail_scale_ = spread;
      }
      Eigen::VectorXd yc(y.size());
      for (Eigen::Index i = 0; i < y.size(); ++i) yc[i] = t.compress(y[i]);
      standardize(yc, t.mean_, t.scale_);
      const Eigen::VectorXd u = (yc.array() - t.mean_) / t.scale_;
      // Too few distinct losses to say anything about their shape: no warp.
      const bool degenerate = y.size() < 3 || u.maxCoeff() - u.minCoeff() < 1e-12;
      t.lambda_ = degenerate ? 1.0 : fit_yeo_johnson_lambda(u, -2.0, 2.0);
      Eigen::VectorXd v(u.size());
      for (Eigen::Index i = 0; i < u.size(); ++i) v[i] = yeo_johnson(u[i], t.lambda_);
      standardize(v, t.mean2_, t.scale2_);
      t.targets_ = (v.array() - t.mean2_) / t.scale2_;
      break;
    }
    case OutputTransform::RankNormal: {
      const Eigen::Index n = y.size();
      std::vector<Eigen::Index> order(static_cast<std::size_t>(n));
      std::iota(order.begin(), order.end(), Eigen::Index{0});
      std::stable_sort(order.begin(), order.end(),
                       [&](Eigen::Index a, Eigen::Index b) { return y(a) < y(b); });
      t.targets_.resize(n);
      const double dn = static_cast<double>(n);
      for (std::size_t i = 0; i < order.size();) {
        std::size_t j = i;
        while (j + 1 < order.size() && y(order[j + 1]) == y(order[i])) ++j;
        // 1-based ranks i+1 .. j+1 share their mean.
        const double rank = 0.5 * (static_cast<double>(i + 1) + static_cast<double>(j + 1));
        const double score = normal_quantile((rank - 0.5) / dn);
        for (std::size_t k = i; k <= j; ++k) t.targets_(order[k]) = score;
        t.sorted_.push_back(y(order[i]));
        t.scores_.push_back(score);
        i = j + 1;
      }
      t.below_ = normal_quantile(0.5 / (dn + 1.0));
      t.above_ = -t.below_;
      break;
    }
  }
  if (prior_mean == PriorMean::Max) {
    t.shift_ = t.targets_.maxCoeff();
    t.targets_.array() -= t.shift_;
  }
  return t;
}

double FittedOutputTransform::compress(double y) const {
  return y <= fence_ ? y : fence_ + tail_scale_ * std::log1p(std::log1p((y - fence_) / tail_scale_));
}

double FittedOutputTransform::expand(double c) const {
  return c <= fence_ ? c : fence_ + tail_scale_ * std::expm1(std::expm1((c - fence_) / tail_scale_));
}

double FittedOutputTransform::apply(double y) const { return apply_unshifted(y) - shift_; }

double FittedOutputTransform::invert(double z) const { return invert_unshifted(z + shift_); }

double FittedOutputTransform::apply_unshifted(double y) const {
  if (!std::isfinite(y)) return kNaN;
  switch (kind_) {
    case OutputTransform::Standardize:
      return (y - mean_) / scale_;
    case OutputTransform::Log:
      return y > 0.0 ? (std::log(y) - mean_) / scale_ : kNaN;
    case OutputTransform::Power:
      return (yeo_johnson((compress(y) - mean_) / scale_, lambda_) - mean2_) / scale2_;
    case OutputTransform::RankNormal: {
      if (y < sorted_.front()) return below_;
      if (y > sorted_.back()) return above_;
      const auto it = std::lower_bound(sorted_.begin(), sorted_.end(), y);
      const auto hi = static_cast<std::size_t>(it - sorted_.begin());
      if (*it == y) return scores_[hi];
      const std::size_t lo = hi - 1;
      const double w = (y - sorted_[lo]) / (sorted_[hi] - sorted_[lo]);
      return scores_[lo] + w * (scores_[hi] - scores_[lo]);
    }
  }
  return kNaN;
}

double FittedOutputTransform::invert_unshifted(double z) const {
  switch (kind_) {
    case OutputTransform::Standardize:
      return mean_ + scale_ * z;
    case OutputTransform::Log:
      return std::exp(mean_ + scale_ * z);
    case OutputTransform::Power:
      return expand(mean_ + scale_ * yeo_johnson_inverse(mean2_ + scale2_ * z, lambda_));
    case OutputTransform::RankNormal: {
      if (!(z > scores_.front())) return sorted_.front();
      if (!(z < scores_.back())) return sorted_.back();
      const auto it = std::lower_bound(scores_.begin(), scores_.end(), z);
      const auto hi = static_cast<std::size_t>(it - scores_.begin());
      if (*it == z) return sorted_[hi];
      const std::size_t lo = hi - 1;
      const double w = (z - scores_[lo]) / (scores_[hi] - scores_[lo]);
      return sorted_[lo] + w * (sorted_[hi] - sorted_[lo]);
    }
  }
  return kNaN;
}

}  // namespace quante::opt
