// The covariance-function interface of the Gaussian process, on points of the unit cube [0,1]^d.
//
// A kernel is a binary tree (Sum, Product) over leaves (Matern, RBF, DotProduct, Constant, White).
// Every hyperparameter lives in log space with log bounds and a normal prior on the log value
// (a log-normal prior on the value), so the optimiser works on an unconstrained-looking scale.
//
// Two covariances are distinguished so that posteriors are of the latent function f:
//   cross(X1, X2): Cov(f(X1), f(X2)), WhiteKernel contributes nothing;
//   train(X):      Cov(y(X), y(X)) = cross(X, X) + noise on the diagonal.
//
// Hyperparameter gradients are delivered contracted with a weight matrix W,
//   grad_j += sum_ab W_ab dK_ab / d theta_j,   K = train(X),   theta_j = log parameter j,
// which is what the marginal-likelihood gradient 0.5 tr((a a^T - K^-1) dK/dtheta) needs: each
// component costs O(n^2) and no n x n gradient matrix is ever stored (Rasmussen & Williams,
// "Gaussian Processes for Machine Learning", 2006, eq. 5.9).
#pragma once

#include <Eigen/Core>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace quante::opt {

// One hyperparameter, all in log space: value = log(parameter), bounds = log(bounds),
// prior: value ~ Normal(prior_mean, prior_sd^2). Fixed ones are never optimised.
struct Hyperparameter {
  std::string name;
  double value = 0.0;
  double lower = 0.0;
  double upper = 0.0;
  bool fixed = false;
  double prior_mean = 0.0;
  double prior_sd = 1.0;
};

// One node's intermediate results of train(X): its covariance, kernel-specific extras and the
// children's caches, so that the gradient reuses them instead of evaluating the tree again.
// A cache kept between evaluations reuses its buffers (no allocation when n is unchanged).
struct TrainCache {
  Eigen::MatrixXd K;
  Eigen::ArrayXXd r, k, g;     // stationary kernels: r, kappa(r), g(r) over the pairs a > b
  Eigen::MatrixXd scratch;     // products: the weight matrix handed to a child
  std::vector<TrainCache> children;
};

class Kernel {
 public:
  Kernel() = default;
  Kernel(const Kernel&) = default;
  Kernel& operator=(const Kernel&) = default;
  Kernel(Kernel&&) = default;
  Kernel& operator=(Kernel&&) = default;
  virtual ~Kernel() = default;

  virtual std::unique_ptr<Kernel> clone() const = 0;

  // scikit-learn spelling with the current values; parse_kernel reads it back.
  virtual std::string to_string() const = 0;
  // The tree shape without values, e.g. "Sum(Product(Constant,Matern(2.5)),White)".
  virtual std::string structure() const = 0;

  // Sets the input dimension (ARD lengthscales are sized here). Throws std::invalid_argument when
  // a lengthscale list given in the kernel string has another length.
  virtual void set_dim(int d) = 0;
  // Added (issue 14, mixed spaces): sets the input dimension groups.size() with coordinate c
  // belonging to lengthscale group groups[c] (0, 1, ... in order of first appearance): the
  // stationary kernels then keep one lengthscale per group, so that a categorical's one-hot block
  // shares one. Empty groups: plain ARD (set_dim). Other kernels only take the dimension.
  virtual void set_input_groups(const std::vector<int>& groups) { set_dim(static_cast<int>(groups.size())); }

  // Visits every hyperparameter of the tree, in a fixed order (left subtree first, then
  // dimensions in order). contract_gradient fills its output in the same order.
  virtual void for_each_hyperparameter(const std::function<void(Hyperparameter&)>& visit) = 0;
  virtual void for_each_hyperparameter(
      const std::function<void(const Hyperparameter&)>& visit) const = 0;

  // Cov(f(X1.row(a)), f(X2.row(b))): rows are points; no white noise.
  virtual Eigen::MatrixXd cross(const Eigen::MatrixXd& X1, const Eigen::MatrixXd& X2) const = 0;
  // Training covariance: cross(X, X) plus the white noise on the diagonal.
  Eigen::MatrixXd train(const Eigen::MatrixXd& X) const;
  // Prior variance of f at each row of X (the diagonal of cross(X, X)).
  virtual Eigen::VectorXd diag(const Eigen::MatrixXd& X) const = 0;
  // grad(j) += sum_ab W(a,b) d train(X)(a,b) / d theta_j for every hyperparameter j (fixed included).
  void contract_gradient(const Eigen::MatrixXd& X, const Eigen::MatrixXd& W,
                         Eigen::Ref<Eigen::VectorXd> grad) const;

  // The two halves of the above, sharing intermediate results: train_into computes the training
  // covariance into cache.K (with what the gradient needs when for_gradient), contract_cached
  // then uses them. The marginal likelihood calls both once per evaluation.
  virtual void train_into(const Eigen::MatrixXd& X, TrainCache& cache, bool for_gradient) const = 0;
  virtual void contract_cached(const Eigen::MatrixXd& X, TrainCache& cache,
                               const Eigen::MatrixXd& W, Eigen::Ref<Eigen::VectorXd> grad) const = 0;
  // d x m: column b = d k(x, X2.row(b)) / dx.
  virtual Eigen::MatrixXd cross_gradient(const Eigen::VectorXd& x, const Eigen::MatrixXd& X2) const = 0;
  // Total derivative of k(x, x) with respect to x (zero for stationary kernels).
  virtual Eigen::VectorXd diag_gradient(const Eigen::VectorXd& x) const = 0;

  // True when the kernel carries its own variance factor (ConstantKernel, WhiteKernel, a product
  // with such a factor, a sum whose terms all have one); see implicit_amplitude.hpp.
  virtual bool has_amplitude() const = 0;

  // Helpers over for_each_hyperparameter.
  int num_hyperparameters() const;
  Eigen::VectorXd log_values() const;
  void set_log_values(const Eigen::VectorXd& theta);
};

// A hyperparameter from its value and bounds in natural units (all > 0), stored in log space with
// the prior log(value) ~ Normal(log(prior_median), prior_sd^2).
Hyperparameter make_log_hyperparameter(std::string name, double value, double lower, double upper,
                                       bool fixed, double prior_median, double prior_sd);

// Formats a double the short way ("0.5", "1e-05") for to_string.
std::string format_number(double value);

}  // namespace quante::opt
