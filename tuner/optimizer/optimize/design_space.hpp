// The optimizer's view of the encoded search space (the contract of tuner/space.hpp): a float or
// log-float is one continuous coordinate; an int with n levels is one coordinate where level k sits
// at (k + 0.5) / n and u decodes to min(floor(u n), n - 1), or, given its n + 1 cut points (a
// log-scaled int: levels spread in log space, issue 14), level k is [edge_k, edge_k+1) and sits at
// its middle; a categorical with k choices is k one-hot coordinates decoded by arg-max. The acquisition is optimised over the relaxed cube
// [0,1]^dim and the result is snapped onto a valid encoded point; keys and distances recognise
// repeats (evaluated, pending, failed, or within the batch).
#pragma once

#include <Eigen/Core>
#include <optional>
#include <string>
#include <vector>

#include "rng.hpp"

namespace quante::opt {

enum class VariableKind { Continuous, Integer, Categorical };

struct Variable {
  VariableKind kind = VariableKind::Continuous;
  int levels = 0;  // Integer: number of values (>= 1); Categorical: number of choices (>= 1)
  // Integer only: levels + 1 increasing cut points from 0 to 1, level k the coordinates in
  // [edges[k], edges[k+1]); empty: evenly spaced (edges[k] = k / levels).
  std::vector<double> edges = {};
};

class DesignSpace {
 public:
  // nullopt when the variables are valid, else the first problem (untrusted input).
  static std::optional<std::string> check(const std::vector<Variable>& variables);
  // Throws std::invalid_argument on what check() rejects.
  explicit DesignSpace(std::vector<Variable> variables);
  // All-continuous space of the given dimension.
  static DesignSpace continuous(int dim);

  const std::vector<Variable>& variables() const { return variables_; }
  int dim() const { return dim_; }                 // encoded dimension
  bool has_discrete() const { return has_discrete_; }
  // The first encoded coordinate of variable v.
  int offset(std::size_t v) const { return offsets_[v]; }

  // Integer variable v: the level coordinate u falls in, and where level k sits.
  int level_of(std::size_t v, double u) const;
  double level_centre(std::size_t v, int k) const;
  // Categorical variable v: the chosen level of a valid point.
  int choice_of(std::size_t v, const Eigen::VectorXd& x) const;
  // Encoded coordinate -> lengthscale group: a categorical's one-hot block shares one group,
  // every other coordinate has its own; groups numbered in coordinate order. Empty when the
  // space has no categorical (each coordinate its own, the plain ARD kernel).
  std::vector<int> lengthscale_groups() const;
  bool has_categorical() const { return has_categorical_; }
  // The discrete neighbours of a valid point x (issue 14): x with one categorical moved to each
  // of its other choices, or one integer moved one level down or up; empty for a continuous space.
  std::vector<Eigen::VectorXd> neighbours(const Eigen::VectorXd& x) const;
  // The number of distinct settings of the integers and categoricals (1 for a continuous space;
  // a double, since it overflows any integer in large spaces).
  double discrete_size() const;
  // Every setting of the integers and categoricals, with x's continuous coordinates: only for a
  // small discrete_size().
  std::vector<Eigen::VectorXd> discrete_variants(const Eigen::VectorXd& x) const;

  // The valid encoded point a relaxed x (clamped into [0,1]) rounds to.
  Eigen::VectorXd snap(const Eigen::VectorXd& x) const;
  // True when x is already a valid encoded point (snap(x) == x up to 1e-12).
  bool is_valid(const Eigen::VectorXd& x) const;
  // A uniformly random valid point.
  Eigen::VectorXd random_point(Rng& rng) const;
  // A valid point near x: continuous coordinates moved by N(0, scale^2) (clamped), each discrete
  // variable re-drawn with probability `flip`.
  Eigen::VectorXd perturb(const Eigen::VectorXd& x, double scale, double flip, Rng& rng) const;
  // Canonical text of snap(x): equal for points that decode to the same parameters
  // (continuous coordinates to 12 digits).
  std::string key(const Eigen::VectorXd& x) const;
  // Euclidean distance in the encoded cube, with each one-hot group scaled by 1/sqrt(2) so that two
  // different choices are at distance 1 like the cube's opposite faces.
  double distance(const Eigen::VectorXd& a, const Eigen::VectorXd& b) const;
  // Smallest distance from x to a row of `points` (infinity when there are none).
  double min_distance(const Eigen::VectorXd& x, const Eigen::MatrixXd& points) const;

 private:
  std::vector<Variable> variables_;
  std::vector<int> offsets_;
  int dim_ = 0;
  bool has_discrete_ = false;
  bool has_categorical_ = false;
};

}  // namespace quante::opt
