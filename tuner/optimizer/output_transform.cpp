// Output transforms of the losses (formulas in output_transform.hpp).
#include "output_transform.hpp"

#include "normal.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

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

}  // namespace

TransformResult FittedOutputTransform::fit(OutputTransform kind, const Eigen::VectorXd& y) {
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
  return t;
}

double FittedOutputTransform::apply(double y) const {
  if (!std::isfinite(y)) return kNaN;
  switch (kind_) {
    case OutputTransform::Standardize:
      return (y - mean_) / scale_;
    case OutputTransform::Log:
      return y > 0.0 ? (std::log(y) - mean_) / scale_ : kNaN;
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

double FittedOutputTransform::invert(double z) const {
  switch (kind_) {
    case OutputTransform::Standardize:
      return mean_ + scale_ * z;
    case OutputTransform::Log:
      return std::exp(mean_ + scale_ * z);
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
