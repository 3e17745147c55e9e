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
    if (!v.edges.empty()) {
      const std::string name = "design space: variable " + std::to_string(i);
      if (v.kind != VariableKind::Integer) return name + " has level edges but is not an integer";
      if (static_cast<int>(v.edges.size()) != v.levels + 1) return name + " needs levels + 1 edges";
      if (v.edges.front() != 0.0 || v.edges.back() != 1.0) return name + ": edges must run from 0 to 1";
      for (std::size_t k = 1; k < v.edges.size(); ++k)
        if (!(v.edges[k] > v.edges[k - 1])) return name + ": edges must increase";
    }
  }
  return std::nullopt;
}

DesignSpace::DesignSpace(std::vector<Variable> variables) : variables_(std::move(variables)) {
  if (auto err = check(variables_)) throw std::invalid_argument(*err);
  for (const Variable& v : variables_) {
    offsets_.push_back(dim_);
    dim_ += v.kind == VariableKind::Categorical ? v.levels : 1;
    if (v.kind != VariableKind::Continuous) has_discrete_ = true;
    if (v.kind == VariableKind::Categorical) has_categorical_ = true;
  }
}

int DesignSpace::level_of(std::size_t v, double u) const {
  const Variable& var = variables_[v];
  const int n = var.levels;
  if (var.edges.empty()) return std::clamp(static_cast<int>(std::floor(u * n)), 0, n - 1);
  // The last edge <= u among the inner ones.
  const auto it = std::upper_bound(var.edges.begin() + 1, var.edges.end() - 1, u);
  return static_cast<int>(it - (var.edges.begin() + 1));
}

double DesignSpace::level_centre(std::size_t v, int k) const {
  const Variable& var = variables_[v];
  if (var.edges.empty()) return (k + 0.5) / var.levels;
  return 0.5 * (var.edges[static_cast<std::size_t>(k)] + var.edges[static_cast<std::size_t>(k) + 1]);
}

int DesignSpace::choice_of(std::size_t v, const Eigen::VectorXd& x) const {
  Eigen::Index k;
  x.segment(offsets_[v], variables_[v].levels).maxCoeff(&k);
  return static_cast<int>(k);
}

std::vector<int> DesignSpace::lengthscale_groups() const {
  if (!has_categorical_) return {};
  std::vector<int> groups;
  int g = 0;
  for (const Variable& var : variables_) {
    if (var.kind == VariableKind::Categorical) {
      groups.insert(groups.end(), static_cast<std::size_t>(var.levels), g++);
    } else {
      groups.push_back(g++);
    }
  }
  return groups;
}

double DesignSpace::discrete_size() const {
  double n = 1.0;
  for (const Variable& var : variables_)
    if (var.kind != VariableKind::Continuous) n *= var.levels;
  return n;
}

std::vector<Eigen::VectorXd> DesignSpace::discrete_variants(const Eigen::VectorXd& x) const {
  std::vector<Eigen::VectorXd> out{snap(x)};
  for (std::size_t v = 0; v < variables_.size(); ++v) {
    const Variable& var = variables_[v];
    const int o = offsets_[v];
    if (var.kind == VariableKind::Continuous) continue;
    std::vector<Eigen::VectorXd> next;
    next.reserve(out.size() * static_cast<std::size_t>(var.levels));
    for (const Eigen::VectorXd& y : out)
      for (int k = 0; k < var.levels; ++k) {
        Eigen::VectorXd z = y;
        if (var.kind == VariableKind::Integer) {
          z[o] = level_centre(v, k);
        } else {
          z.segment(o, var.levels).setZero();
          z[o + k] = 1.0;
        }
        next.push_back(std::move(z));
      }
    out = std::move(next);
  }
  return out;
}

std::vector<Eigen::VectorXd> DesignSpace::neighbours(const Eigen::VectorXd& x) const {
  std::vector<Eigen::VectorXd> out;
  for (std::size_t v = 0; v < variables_.size(); ++v) {
    const Variable& var = variables_[v];
    const int o = offsets_[v];
    if (var.kind == VariableKind::Integer) {
      const int k = level_of(v, x[o]);
      for (int step : {-1, 1}) {
        if (k + step < 0 || k + step >= var.levels) continue;
        Eigen::VectorXd y = x;
        y[o] = level_centre(v, k + step);
        out.push_back(std::move(y));
      }
    } else if (var.kind == VariableKind::Categorical) {
      const int k = choice_of(v, x);
      for (int c = 0; c < var.levels; ++c) {
        if (c == k) continue;
        Eigen::VectorXd y = x;
        y.segment(o, var.levels).setZero();
        y[o + c] = 1.0;
        out.push_back(std::move(y));
      }
    }
  }
  return out;
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
      out[o] = level_centre(v, level_of(v, out[o]));
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
      // Uneven levels (log-scaled) are drawn as the cube is: uniformly in the coordinate.
      x[o] = var.edges.empty()
                 ? (static_cast<double>(uniform_index(rng, static_cast<std::uint64_t>(var.levels))) + 0.5) / var.levels
                 : level_centre(v, level_of(v, uniform01(rng)));
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
        out[o] = var.edges.empty()
                     ? (static_cast<double>(uniform_index(rng, static_cast<std::uint64_t>(var.levels))) + 0.5) / var.levels
                     : level_centre(v, level_of(v, uniform01(rng)));
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
      std::snprintf(buf, sizeof buf, "i%d,", level_of(v, s[o]));
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
