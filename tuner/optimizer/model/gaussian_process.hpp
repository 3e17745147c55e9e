// Gaussian-process surrogate of the losses for batch Bayesian optimisation, on inputs in the unit
// cube [0,1]^d (Rasmussen & Williams, "Gaussian Processes for Machine Learning", 2006, ch. 2, 5).
//
// Model: the raw losses are mapped by a monotone output transform (output_transform.hpp) to
// targets z = f(x) + eps with a zero prior mean, f ~ GP(0, k), the noise in the kernel's
// WhiteKernel. Where zero sits among the targets is GpOptions::prior_mean: by default at the
// worst loss seen (PriorMean::Max, see output_transform.hpp), so unexplored regions are
// expected to be bad, not average. Posteriors are of the latent f in transformed units:
//   mean = k(Xq, X) alpha,  cov = k(Xq, Xq) - V^T V,  alpha = K^-1 z,  V = L^-1 k(X, Xq),  K = L L^T.
// Hyperparameters: maximum a posteriori (log marginal likelihood plus the kernels' log-normal
// priors, see the kernel headers) by multi-start L-BFGS-B (hyperparameter_fit.hpp). Above
// max_fit_points observations, the hyperparameters are fitted on a random subset of that size
// (each evaluation costs O(m^3)); the posterior always conditions on every observation.
//
// The kernel string is completed by implicit_amplitude.hpp: a top-level term without an output
// scale gets a fitted ConstantKernel factor. Kernel names and arguments: kernel_parser.hpp.
#pragma once

#include "kernel.hpp"
#include "output_transform.hpp"

#include <Eigen/Core>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace quante::opt {

struct Posterior {
  Eigen::VectorXd mean;  // latent f, transformed units
  Eigen::MatrixXd cov;
};

struct PosteriorGradient {
  Eigen::MatrixXd mean;               // q x d: row i = d mean_i / d x_i
  std::vector<Eigen::MatrixXd> cov;   // q entries, each d x q: cov[i].col(b) = d Cov(f(x_i), f(x_b)) / d x_i,
                                      // for b == i the total derivative of Var f(x_i) w.r.t. x_i
};

// Both at once, sharing the triangular solves (cheaper than the two calls for large n).
struct PosteriorWithGradient {
  Posterior posterior;
  PosteriorGradient gradient;
};

// Added (issue 13): the kernel of a model over (configuration, fidelity), the fidelity being the
// one query-tail column (set_query_tail). Stationary: the study's kernel over every column (the
// fidelity one more input with its own lengthscale). Decay: FidelityDecayKernel around it (the
// loss at fidelity s is the full-fidelity loss plus an excess that vanishes at s = 1).
enum class FidelityKernel { Stationary, Decay };

struct GpOptions {
  std::string kernel = "Matern(nu=2.5) + WhiteKernel()";
  OutputTransform transform = OutputTransform::Power;  // Yeo-Johnson: see output_transform.hpp
  PriorMean prior_mean = PriorMean::Max;               // the worst loss seen: see output_transform.hpp
  int restarts = 4;              // multi-start L-BFGS-B starts besides the previous optimum
  int max_iterations = 100;
  // Added: iteration cap of each random restart (the best is then polished to max_iterations),
  // and the size of the random subset the hyperparameters are fitted on when n is larger
  // (0: always all points).
  int restart_iterations = 5;
  int max_fit_points = 200;
  // Added (issue 14): encoded coordinate -> lengthscale group (Kernel::set_input_groups), so a
  // categorical's one-hot block shares one lengthscale; empty: one per coordinate. The Proposer
  // fills it from the DesignSpace when the space has a categorical.
  std::vector<int> lengthscale_groups;
  FidelityKernel fidelity_kernel = FidelityKernel::Stationary;
};

struct FitReport {
  double log_marginal_likelihood;  // on all n points, transformed units, without the priors
  double jitter;                   // absolute diagonal jitter the final factorisation needed
  int iterations;                  // L-BFGS-B iterations, all starts together
  std::string hyperparameters;     // the fitted kernel in kernel-string spelling
  bool refitted;                   // false when the hyperparameters were kept (none free, or n < 2)
};

class GaussianProcess {
 public:
  // Throws std::invalid_argument with the parser's message on a bad kernel string.
  explicit GaussianProcess(GpOptions options = {});
  GaussianProcess(const GaussianProcess& other);
  GaussianProcess& operator=(const GaussianProcess& other);
  GaussianProcess(GaussianProcess&&) noexcept = default;
  GaussianProcess& operator=(GaussianProcess&&) noexcept = default;
  ~GaussianProcess() = default;

  // Error value when fit would refuse (X, y): empty, sizes differ, non-finite entries, or losses
  // outside the transform's domain (Log: <= 0). Losses come from workers; check before fitting.
  std::optional<std::string> check_training_data(const Eigen::MatrixXd& X,
                                                 const Eigen::VectorXd& y) const;

  // X: n x d rows in [0,1]^d; y: n raw losses. Fits hyperparameters (max log marginal likelihood +
  // log priors, analytic gradient, multi-start L-BFGS-B within bounds, warm-started from the
  // previous fit), seed drives the starts. Throws std::invalid_argument where
  // check_training_data reports an error or a length_scale list does not match d, and
  // std::runtime_error if K cannot be factored even with jitter; the model is then unchanged.
  FitReport fit(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, std::uint64_t seed);
  // Same hyperparameters, one more observation: rank-one extension of the Cholesky factor
  // (O(n^2)), the output transform's parameters kept until the next fit. Throws
  // std::invalid_argument for a loss outside the transform's domain or a wrong dimension, and
  // std::logic_error before the first fit.
  void add_observation(const Eigen::VectorXd& x, double y);

  Posterior posterior(const Eigen::MatrixXd& Xq) const;  // Xq: q x d, one point per row
  PosteriorGradient posterior_gradient(const Eigen::MatrixXd& Xq) const;
  // gradient_rows: only the first rows need a gradient (the new points of a batch whose pending
  // points follow them); -1: all. gradient.cov[i] still has one column per row of Xq.
  PosteriorWithGradient posterior_with_gradient(const Eigen::MatrixXd& Xq,
                                                Eigen::Index gradient_rows = -1) const;
  Eigen::VectorXd predict_mean(const Eigen::MatrixXd& Xq) const;  // cheap, no covariance
  // Added: K^-1 B for B with n rows (two triangular solves with the kept factor), for callers
  // that cache posterior terms of fixed points (pending_block.hpp).
  Eigen::MatrixXd solve(const Eigen::MatrixXd& B) const;
  // The EI threshold and the best observed point (issue 14). Without inferred noise: the lowest
  // transformed training target, the lowest observed loss. With it (noise_inferred()): the
  // lowest posterior mean of f at the observed points, as noisy EI does with the mean in place
  // of the lucky observation (Letham et al., "Constrained Bayesian Optimization with Noisy
  // Experiments", Bayesian Analysis 2019; Ament et al., "Unexpected Improvements to Expected
  // Improvement", NeurIPS 2023, for qLogNEI): the minimum of noisy observations is biased low by
  // the luckiest draw, the minimum of the mean is not.
  double incumbent() const;
  // The training row that incumbent() is taken at.
  Eigen::Index best_index() const;
  // The posterior mean of f at the training points, transformed units: z - (noise + jitter) alpha,
  // since K = K_f + (noise + jitter) I and alpha = K^-1 z.
  Eigen::VectorXd mean_at_inputs() const;
  // The kernel's white-noise variance in transformed units (targets of unit variance), and
  // whether it is large enough to call the observations noisy: at least kNoiseInferred, a noise
  // standard deviation of 17 % of the targets' (the default prior's median is 0.01). Measured
  // at the end of bench_optimizer_quality's studies (10 seeds): noise-free Branin, Hartmann6
  // and Levy10 fit 1e-6 .. 1.5e-3, rugged noise-free Ackley5 up to 0.023 (its ripples read as
  // noise); noise of 5 % of the range fits 0.029 .. 0.7. Naming by the mean on a noise-free
  // function costs regret (Ackley5 2.38 against 2.08), so the threshold sits above Ackley's.
  double noise_variance() const;
  bool noise_inferred() const { return noise_variance() >= kNoiseInferred; }
  static constexpr double kNoiseInferred = 0.03;
  double transform_loss(double y) const;  // raw loss -> transformed units (NaN outside domain)
  double untransform_loss(double z) const;  // transformed units -> raw loss
  // Added (issue 13): fixed trailing inputs for every query. The training inputs may carry
  // columns that proposals do not choose, such as a trial's fidelity (the step of a learning
  // curve, fidelity_model_view.hpp): with a tail of t values, X has d + t columns, queries
  // (posterior, gradients, predict_mean) take d columns and are evaluated at (x, tail), dim()
  // is d, and the incumbent and best row are those of the training rows whose last t columns
  // equal the tail (the target fidelity); with none there yet, the lowest posterior mean at
  // (x_i, tail) over the training rows. Empty (the default): inputs as they are. Set before fit.
  void set_query_tail(Eigen::VectorXd tail) { query_tail_ = std::move(tail); }
  const Eigen::VectorXd& query_tail() const { return query_tail_; }
  // Query points (d columns) as the kernel takes them: [Xq, tail] per row, for callers that
  // evaluate kernel() themselves (pending_block.hpp).
  Eigen::MatrixXd with_tail(const Eigen::MatrixXd& Xq) const;
  // The same without a copy where there is no tail: Xq itself, else with_tail(Xq) written into
  // storage (the hot paths of the posterior and PendingBlock).
  const Eigen::MatrixXd& kernel_rows(const Eigen::MatrixXd& Xq, Eigen::MatrixXd& storage) const;
  int dim() const;
  int size() const;
  double log_marginal_likelihood() const;

  const Kernel& kernel() const { return *kernel_; }
  const GpOptions& options() const { return options_; }
  double jitter() const { return jitter_; }
  const Eigen::VectorXd& targets() const { return z_; }
  const Eigen::MatrixXd& inputs() const { return X_; }  // added: the n x d conditioning points

 private:
  FitReport fit_transformed(const Eigen::MatrixXd& X, FittedOutputTransform transform,
                            const Eigen::VectorXd& z, std::uint64_t seed);
  void require_fitted(const char* what) const;
  void require_dim(const Eigen::MatrixXd& Xq, const char* what) const;
  // incumbent()/best_index() with a query tail: the row and its value (transformed units).
  std::pair<Eigen::Index, double> best_at_tail() const;

  void factorise();  // L_, jitter_, alpha_, lml_ from X_, z_ and the kernel
  // The fidelity kernel wraps the study's kernel while a one-column query tail is set and
  // options_.fidelity_kernel asks for it, and is taken off again when not (hyperparameters kept).
  void match_kernel_to_tail();
  void update_alpha_and_lml();
  // The Cholesky factor: the leading n x n block of L_, which keeps spare capacity so that
  // add_observation does not copy it each time.
  Eigen::Block<const Eigen::MatrixXd> factor() const { return L_.topLeftCorner(X_.rows(), X_.rows()); }

  GpOptions options_;
  std::unique_ptr<Kernel> kernel_;
  std::optional<FittedOutputTransform> transform_;
  Eigen::MatrixXd X_;
  Eigen::VectorXd z_;
  Eigen::MatrixXd L_;
  Eigen::VectorXd alpha_;
  double jitter_ = 0.0;
  double lml_ = 0.0;
  Eigen::VectorXd query_tail_;
};

}  // namespace quante::opt
