// Encoded design space: snapping, random points, keys; see design_space.hpp.
#include "design_space.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>

namespace quante::opt {

std::optional<std::string> DesignSpace::check(const std::vector<Variable>& variables) {
  if (variables.empty()) return "design space: no variables";
  for (std::size_t i = 0; i < variables.size(); ++i) {
    const Variable& v = variables[i];
    if (v.kind != VariableKind::Continuous && v.levels < 1)
      return "design space: variable " + std::to_string(i) + " needs at least one level";
  }
  return std::nullopt;
}

DesignSpace::DesignSpace(std::vector<Variable> variables) : variables_(std::move(variables)) {
  if (auto err = check(variables_)) throw std::invalid_argument(*err);
  for (const Variable& v : variables_) {
    offsets_.push_back(dim_);
    dim_ += v.kind == VariableKind::Categorical ? v.levels : 1;
    if (v.kind != VariableKind::Continuous) has_discrete_ = true;
  }
}

DesignSpace DesignSpace::continuous(int dim) {
  return DesignSpace(std::vector<Variable>(static_cast<std::size_t>(std::max(dim, 0))));
}

Eigen::VectorXd DesignSpace::snap(const Eigen::VectorXd& x) const {
  Eigen::VectorXd out = x.cwiseMax(0.0).cwiseMin(1.0);
  for (std::size_t v = 0; v < variables_.size(); ++v) {
    const Variable& var = variables_[v];
    const int o = offsets_[v];
    if (var.kind == VariableKind::Integer) {
      const int n = var.levels;
      const int k = std::min(static_cast<int>(std::floor(out[o] * n)), n - 1);
      out[o] = (k + 0.5) / n;
    } else if (var.kind == VariableKind::Categorical) {
      Eigen::Index k;
      out.segment(o, var.levels).maxCoeff(&k);
      out.segment(o, var.levels).setZero();
      out[o + k] = 1.0;
    }
  }
  return out;
}

bool DesignSpace::is_valid(const Eigen::VectorXd& x) const {
  if (x.size() != dim_) return false;
  return (snap(x) - x).cwiseAbs().maxCoeff() <= 1e-12;
}

Eigen::VectorXd DesignSpace::random_point(Rng& rng) const {
  Eigen::VectorXd x(dim_);
  for (std::size_t v = 0; v < variables_.size(); ++v) {
    const Variable& var = variables_[v];
    const int o = offsets_[v];
    if (var.kind == VariableKind::Continuous) {
      x[o] = uniform01(rng);
    } else if (var.kind == VariableKind::Integer) {
      x[o] = (static_cast<double>(uniform_index(rng, static_cast<std::uint64_t>(var.levels))) + 0.5) / var.levels;
    } else {
      x.segment(o, var.levels).setZero();
      x[o + static_cast<int>(uniform_index(rng, static_cast<std::uint64_t>(var.levels)))] = 1.0;
    }
  }
  return x;
}

Eigen::VectorXd DesignSpace::perturb(const Eigen::VectorXd& x, double scale, double flip, Rng& rng) const {
  Eigen::VectorXd out = snap(x);
  for (std::size_t v = 0; v < variables_.size(); ++v) {
    const Variable& var = variables_[v];
    const int o = offsets_[v];
    if (var.kind == VariableKind::Continuous) {
      out[o] = std::clamp(out[o] + scale * standard_normal(rng), 0.0, 1.0);
    } else if (uniform01(rng) < flip) {
      if (var.kind == VariableKind::Integer) {
        out[o] = (static_cast<double>(uniform_index(rng, static_cast<std::uint64_t>(var.levels))) + 0.5) / var.levels;
      } else {
        out.segment(o, var.levels).setZero();
        out[o + static_cast<int>(uniform_index(rng, static_cast<std::uint64_t>(var.levels)))] = 1.0;
      }
    }
  }
  return out;
}

std::string DesignSpace::key(const Eigen::VectorXd& x) const {
  const Eigen::VectorXd s = snap(x);
  std::string out;
  char buf[32];
  for (std::size_t v = 0; v < variables_.size(); ++v) {
    const Variable& var = variables_[v];
    const int o = offsets_[v];
    if (var.kind == VariableKind::Continuous) {
      std::snprintf(buf, sizeof buf, "%.12f,", s[o]);
    } else if (var.kind == VariableKind::Integer) {
      std::snprintf(buf, sizeof buf, "i%d,", std::min(static_cast<int>(std::floor(s[o] * var.levels)), var.levels - 1));
    } else {
      Eigen::Index k;
      s.segment(o, var.levels).maxCoeff(&k);
      std::snprintf(buf, sizeof buf, "c%d,", static_cast<int>(k));
    }
    out += buf;
  }
  return out;
}

double DesignSpace::distance(const Eigen::VectorXd& a, const Eigen::VectorXd& b) const {
  double d2 = 0.0;
  for (std::size_t v = 0; v < variables_.size(); ++v) {
    const Variable& var = variables_[v];
    const int o = offsets_[v];
    if (var.kind == VariableKind::Categorical) {
      d2 += 0.5 * (a.segment(o, var.levels) - b.segment(o, var.levels)).squaredNorm();
    } else {
      d2 += (a[o] - b[o]) * (a[o] - b[o]);
    }
  }
  return std::sqrt(d2);
}

double DesignSpace::min_distance(const Eigen::VectorXd& x, const Eigen::MatrixXd& points) const {
  double best = std::numeric_limits<double>::infinity();
  for (Eigen::Index i = 0; i < points.rows(); ++i)
    best = std::min(best, distance(x, points.row(i).transpose()));
  return best;
}

}  // namespace quante::opt
