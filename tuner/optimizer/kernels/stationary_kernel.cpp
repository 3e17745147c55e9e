// Shared machinery of the ARD stationary kernels (see stationary_kernel.hpp for the formulas).
#include "stationary_kernel.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace quante::opt {

namespace {

// r(a, b) = |Za.col(a) - Zb.col(b)| for pre-scaled points; direct sums, no cancellation.
Eigen::ArrayXXd distances(const Eigen::MatrixXd& Za, const Eigen::MatrixXd& Zb) {
  const Eigen::Index d = Za.rows();
  Eigen::ArrayXXd r(Za.cols(), Zb.cols());
  for (Eigen::Index b = 0; b < Zb.cols(); ++b) {
    const double* zb = Zb.col(b).data();
    for (Eigen::Index a = 0; a < Za.cols(); ++a) {
      const double* za = Za.col(a).data();
      double s = 0.0;
      for (Eigen::Index k = 0; k < d; ++k) {
        const double t = za[k] - zb[k];
        s += t * t;
      }
      r(a, b) = std::sqrt(s);
    }
  }
  return r;
}

}  // namespace

StationaryKernel::StationaryKernel(std::vector<double> lengthscales, ResolvedArgs::Bounds bounds)
    : given_(std::move(lengthscales)), bounds_(bounds) {
  set_dim(static_cast<int>(given_.size()));
}

void StationaryKernel::set_dim(int d) {
  if (static_cast<int>(groups_.size()) != d) groups_.clear();
  resize_lengthscales(d);
}

void StationaryKernel::set_input_groups(const std::vector<int>& groups) {
  if (groups.empty()) return set_dim(0);
  const int d = static_cast<int>(groups.size());
  int count = 0;
  for (int g : groups) {
    if (g < 0 || g > count) throw std::invalid_argument("lengthscale groups must be numbered 0, 1, ... in order");
    if (g == count) ++count;
  }
  groups_ = count == d ? std::vector<int>{} : groups;  // one coordinate per group: plain ARD
  resize_lengthscales(d);
}

void StationaryKernel::resize_lengthscales(int dim) {
  if (dim < 1) throw std::invalid_argument("kernel dimension must be at least 1");
  const int d = groups_.empty() ? dim : *std::max_element(groups_.begin(), groups_.end()) + 1;  // lengthscales
  if (given_.size() > 1 && static_cast<int>(given_.size()) != d) {
    throw std::invalid_argument("length_scale list has " + std::to_string(given_.size()) +
                                " entries but the inputs have " + std::to_string(d) +
                                (groups_.empty() ? " dimensions" : " lengthscale groups"));
  }
  if (static_cast<int>(lengthscales_.size()) == d) return;
  const double median = kPriorMedianPerSqrtDim * std::sqrt(static_cast<double>(d));
  const double prior_sd = kPriorSd;
  // A group of several coordinates is a one-hot block: two choices differ by sqrt(2) in it, so
  // its prior median is sqrt(2) times longer, a change of choice then as far a priori as a full
  // change of a float (DesignSpace::distance scales the blocks the same way).
  std::vector<int> size(static_cast<std::size_t>(d), 0);
  for (int g : groups_) ++size[static_cast<std::size_t>(g)];
  std::vector<Hyperparameter> next;
  for (int k = 0; k < d; ++k) {
    const double value = given_.size() == 1 ? given_[0] : given_[static_cast<std::size_t>(k)];
    const double m = size[static_cast<std::size_t>(k)] > 1 ? median * std::sqrt(2.0) : median;
    next.push_back(make_log_hyperparameter("length_scale[" + std::to_string(k) + "]", value,
                                           bounds_.lower, bounds_.upper, bounds_.fixed, m,
                                           prior_sd));
  }
  lengthscales_ = std::move(next);
}

void StationaryKernel::for_each_hyperparameter(
    const std::function<void(Hyperparameter&)>& visit) {
  for (auto& h : lengthscales_) visit(h);
}

void StationaryKernel::for_each_hyperparameter(
    const std::function<void(const Hyperparameter&)>& visit) const {
  for (const auto& h : lengthscales_) visit(h);
}

Eigen::VectorXd StationaryKernel::lengthscale_values() const {
  Eigen::VectorXd l(static_cast<Eigen::Index>(lengthscales_.size()));
  for (Eigen::Index k = 0; k < l.size(); ++k) {
    l(k) = std::exp(lengthscales_[static_cast<std::size_t>(k)].value);
  }
  return l;
}

Eigen::VectorXd StationaryKernel::coordinate_lengthscales() const {
  const Eigen::VectorXd l = lengthscale_values();
  if (groups_.empty()) return l;
  Eigen::VectorXd out(static_cast<Eigen::Index>(groups_.size()));
  for (std::size_t c = 0; c < groups_.size(); ++c) out(static_cast<Eigen::Index>(c)) = l(groups_[c]);
  return out;
}

Eigen::MatrixXd StationaryKernel::scaled(const Eigen::MatrixXd& X) const {
  const Eigen::VectorXd l = coordinate_lengthscales();
  if (X.cols() != l.size()) {
    throw std::invalid_argument("kernel of dimension " + std::to_string(l.size()) +
                                " evaluated on points of dimension " + std::to_string(X.cols()));
  }
  return X.transpose().array().colwise() / l.array();
}

Eigen::MatrixXd StationaryKernel::cross(const Eigen::MatrixXd& X1, const Eigen::MatrixXd& X2) const {
  Eigen::ArrayXXd k;
  radial(distances(scaled(X1), scaled(X2)), k, nullptr);
  return k.matrix();
}

// Training covariance from the n(n-1)/2 distinct pairs only (the matrix is symmetric with
// kappa(0) on the diagonal); pairs are ordered column by column, a > b.
void StationaryKernel::train_into(const Eigen::MatrixXd& X, TrainCache& cache,
                                  bool for_gradient) const {
  const Eigen::MatrixXd Z = scaled(X);
  const Eigen::Index n = X.rows();
  const Eigen::Index d = Z.rows();
  Eigen::ArrayXXd& r = cache.r;
  r.resize(n * (n - 1) / 2, 1);
  Eigen::Index p = 0;
  for (Eigen::Index b = 0; b < n; ++b) {
    const double* zb = Z.col(b).data();
    for (Eigen::Index a = b + 1; a < n; ++a) {
      const double* za = Z.col(a).data();
      double s = 0.0;
      for (Eigen::Index c = 0; c < d; ++c) {
        const double t = za[c] - zb[c];
        s += t * t;
      }
      r(p++) = std::sqrt(s);
    }
  }
  Eigen::ArrayXXd& k = cache.k;
  radial(r, k, for_gradient ? &cache.g : nullptr);
  Eigen::ArrayXXd k0;
  radial(Eigen::ArrayXXd::Zero(1, 1), k0, nullptr);
  cache.K.resize(n, n);
  p = 0;
  for (Eigen::Index b = 0; b < n; ++b) {
    cache.K(b, b) = k0(0, 0);
    for (Eigen::Index a = b + 1; a < n; ++a, ++p) {
      cache.K(a, b) = k(p);
      cache.K(b, a) = k(p);
    }
  }
}

Eigen::VectorXd StationaryKernel::diag(const Eigen::MatrixXd& X) const {
  Eigen::ArrayXXd k;
  radial(Eigen::ArrayXXd::Zero(1, 1), k, nullptr);
  return Eigen::VectorXd::Constant(X.rows(), k(0, 0));
}

// grad_c = sum_ab W_ab g_ab (z_ac - z_bc)^2; the diagonal has zero distance.
void StationaryKernel::contract_cached(const Eigen::MatrixXd& X, TrainCache& cache,
                                       const Eigen::MatrixXd& W,
                                       Eigen::Ref<Eigen::VectorXd> grad) const {
  const Eigen::MatrixXd Z = scaled(X);
  const Eigen::Index n = X.rows();
  const Eigen::Index d = Z.rows();
  Eigen::VectorXd acc = Eigen::VectorXd::Zero(d);
  Eigen::Index p = 0;
  for (Eigen::Index b = 0; b < n; ++b) {
    const double* zb = Z.col(b).data();
    for (Eigen::Index a = b + 1; a < n; ++a, ++p) {
      const double m = (W(a, b) + W(b, a)) * cache.g(p);
      if (m == 0.0) continue;
      const double* za = Z.col(a).data();
      for (Eigen::Index c = 0; c < d; ++c) {
        const double t = za[c] - zb[c];
        acc(c) += m * t * t;
      }
    }
  }
  if (groups_.empty()) {
    grad += acc;
  } else {
    for (Eigen::Index c = 0; c < d; ++c) grad(groups_[static_cast<std::size_t>(c)]) += acc(c);
  }
}

Eigen::MatrixXd StationaryKernel::cross_gradient(const Eigen::VectorXd& x,
                                                 const Eigen::MatrixXd& X2) const {
  const Eigen::VectorXd l = coordinate_lengthscales();
  const Eigen::MatrixXd z = scaled(x.transpose());
  const Eigen::MatrixXd Z2 = scaled(X2);
  Eigen::ArrayXXd k;
  Eigen::ArrayXXd g;
  radial(distances(z, Z2), k, &g);
  // d k / d x_c = -g (z_c - z2_c) / l_c
  Eigen::MatrixXd out = (Z2.colwise() - z.col(0));
  out.array().colwise() /= l.array();
  out.array().rowwise() *= g.row(0);
  return out;
}

Eigen::VectorXd StationaryKernel::diag_gradient(const Eigen::VectorXd& x) const {
  return Eigen::VectorXd::Zero(x.size());
}

std::string StationaryKernel::lengthscale_arguments() const {
  std::string out = "length_scale=";
  const Eigen::VectorXd l = lengthscale_values();
  if (l.size() == 1) {
    out += format_number(l(0));
  } else {
    out += "[";
    for (Eigen::Index k = 0; k < l.size(); ++k) out += (k ? ", " : "") + format_number(l(k));
    out += "]";
  }
  if (bounds_.fixed) {
    out += ", length_scale_bounds=\"fixed\"";
  } else if (bounds_.lower != kDefaultLower || bounds_.upper != kDefaultUpper) {
    out += ", length_scale_bounds=(" + format_number(bounds_.lower) + ", " +
           format_number(bounds_.upper) + ")";
  }
  return out;
}

}  // namespace quante::opt
