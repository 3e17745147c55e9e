// Exclusion of repeats and failed regions; see exclusion_zone.hpp.
#include "exclusion_zone.hpp"

#include <cmath>

namespace quante::opt {
namespace {

void append_row(Eigen::MatrixXd& m, const Eigen::VectorXd& row) {
  if (m.cols() != row.size()) m.resize(0, row.size());
  m.conservativeResize(m.rows() + 1, Eigen::NoChange);
  m.row(m.rows() - 1) = row.transpose();
}

double min_sq_distance(const Eigen::MatrixXd& rows, const Eigen::VectorXd& x) {
  if (rows.rows() == 0) return INFINITY;
  return (rows.rowwise() - x.transpose()).rowwise().squaredNorm().minCoeff();
}

}  // namespace

ExclusionZone::ExclusionZone(const DesignSpace& space, double min_separation, double failed_radius)
    : space_(space), min_separation_(min_separation), failed_radius_(failed_radius),
      weights_(Eigen::VectorXd::Ones(space.dim())), taken_(0, space.dim()), failed_(0, space.dim()) {
  for (std::size_t v = 0; v < space.variables().size(); ++v)
    if (space.variables()[v].kind == VariableKind::Categorical)
      weights_.segment(space.offset(v), space.variables()[v].levels).setConstant(std::sqrt(0.5));
}

Eigen::VectorXd ExclusionZone::scaled(const Eigen::VectorXd& x) const {
  return x.cwiseProduct(weights_);
}

void ExclusionZone::add_taken(const Eigen::VectorXd& point) {
  keys_.insert(space_.key(point));
  append_row(taken_, scaled(point));
}

void ExclusionZone::add_taken(const Eigen::MatrixXd& points) {
  for (Eigen::Index i = 0; i < points.rows(); ++i) add_taken(Eigen::VectorXd(points.row(i).transpose()));
}

void ExclusionZone::add_failed(const Eigen::MatrixXd& points) {
  for (Eigen::Index i = 0; i < points.rows(); ++i) {
    const Eigen::VectorXd x = points.row(i).transpose();
    keys_.insert(space_.key(x));
    append_row(failed_, scaled(x));
  }
}

bool ExclusionZone::allowed(const Eigen::VectorXd& point) const {
  if (keys_.count(space_.key(point)) != 0) return false;
  const Eigen::VectorXd s = scaled(point);
  if (min_separation_ > 0.0 && min_sq_distance(taken_, s) < min_separation_ * min_separation_) return false;
  if (failed_radius_ > 0.0 && min_sq_distance(failed_, s) < failed_radius_ * failed_radius_) return false;
  return true;
}

std::optional<Eigen::VectorXd> ExclusionZone::random_allowed(Rng& rng, int tries) const {
  for (int t = 0; t < tries; ++t) {
    Eigen::VectorXd x = space_.random_point(rng);
    if (allowed(x)) return x;
  }
  return std::nullopt;
}

}  // namespace quante::opt
