// What may not be proposed: a point equal to (or within min_separation of) an evaluated point, a
// pending point, or another point of the same batch, and anything within failed_radius of a
// failed point ("failed evaluations are kept out of the fit but their region is not proposed
// again"). Distances are the DesignSpace's (encoded cube, one-hot groups scaled by 1/sqrt 2);
// equality is the DesignSpace key, so discrete points are recognised exactly.
#pragma once

#include <Eigen/Core>
#include <optional>
#include <string>
#include <unordered_set>

#include "design_space.hpp"
#include "rng.hpp"

namespace quante::opt {

class ExclusionZone {
 public:
  ExclusionZone(const DesignSpace& space, double min_separation, double failed_radius);

  void add_taken(const Eigen::MatrixXd& points);  // one point per row
  void add_taken(const Eigen::VectorXd& point);
  void add_failed(const Eigen::MatrixXd& points);

  // True when the snapped point may be proposed.
  bool allowed(const Eigen::VectorXd& point) const;
  // A random valid allowed point, or nullopt after `tries` draws.
  std::optional<Eigen::VectorXd> random_allowed(Rng& rng, int tries = 1000) const;

 private:
  Eigen::VectorXd scaled(const Eigen::VectorXd& x) const;

  const DesignSpace& space_;
  double min_separation_;
  double failed_radius_;
  Eigen::VectorXd weights_;  // per encoded coordinate: 1, or 1/sqrt 2 inside a one-hot group
  std::unordered_set<std::string> keys_;
  Eigen::MatrixXd taken_;   // scaled rows
  Eigen::MatrixXd failed_;  // scaled rows
};

}  // namespace quante::opt
