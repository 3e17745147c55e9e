// GaussianProcess: fit, rank-one update, posterior and its input gradient (maths in the header).
#include "gaussian_process.hpp"

#include "cholesky.hpp"
#include "hyperparameter_fit.hpp"
#include "implicit_amplitude.hpp"
#include "fidelity_decay_kernel.hpp"
#include "kernel_parser.hpp"
#include "rng.hpp"

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <numeric>
#include <stdexcept>

namespace quante::opt {

GaussianProcess::GaussianProcess(GpOptions options) : options_(std::move(options)) {
  auto parsed = parse_kernel(options_.kernel);
  if (auto* e = std::get_if<ParseError>(&parsed)) {
    throw std::invalid_argument("kernel \"" + options_.kernel + "\": " + e->message);
  }
  kernel_ = with_implicit_amplitude(std::move(std::get<std::unique_ptr<Kernel>>(parsed)));
}

GaussianProcess::GaussianProcess(const GaussianProcess& other)
    : options_(other.options_),
      kernel_(other.kernel_->clone()),
      transform_(other.transform_),
      X_(other.X_),
      z_(other.z_),
      L_(other.L_),
      alpha_(other.alpha_),
      jitter_(other.jitter_),
      lml_(other.lml_),
      query_tail_(other.query_tail_) {}

GaussianProcess& GaussianProcess::operator=(const GaussianProcess& other) {
  if (this != &other) {
    GaussianProcess copy(other);
    *this = std::move(copy);
  }
  return *this;
}

std::optional<std::string> GaussianProcess::check_training_data(const Eigen::MatrixXd& X,
                                                                const Eigen::VectorXd& y) const {
  if (X.rows() == 0 || X.cols() == 0) return "no training points";
  if (X.rows() != y.size()) {
    return "X has " + std::to_string(X.rows()) + " rows but y has " + std::to_string(y.size()) +
           " losses";
  }
  if (!X.allFinite()) return "X has non-finite entries";
  auto t = FittedOutputTransform::fit(options_.transform, y, options_.prior_mean);
  if (auto* e = std::get_if<TransformError>(&t)) return e->message;
  return std::nullopt;
}

namespace {

// Triangular solves with the Cholesky factor (lower) or its transpose (upper), in place. Eigen's
// path for a matrix right-hand side packs the whole n x n factor on every call (32 MB at
// n = 2000), which made a solve with one column ~7 times slower than the vector path that
// streams the factor once; an L-BFGS-B step on one or a few new points is exactly that case.
// Up to kColumnwiseSolve columns go through the vector path one by one, from kColumnwiseRows
// observations on: below, the packing costs little, and small models keep the exact rounding of
// before (the two paths sum in different orders, and an optimisation trajectory amplifies the
// last bit: bench_optimizer_quality's seeds would all move, by chance alone).
constexpr Eigen::Index kColumnwiseSolve = 4;
constexpr Eigen::Index kColumnwiseRows = 500;

template <int Mode, class Factor>
void triangular_solve_in_place(const Factor& L, Eigen::MatrixXd& B) {
  if (B.cols() <= kColumnwiseSolve && L.rows() >= kColumnwiseRows) {
    for (Eigen::Index c = 0; c < B.cols(); ++c) {
      auto column = B.col(c);
      L.template triangularView<Mode>().solveInPlace(column);
    }
  } else {
    L.template triangularView<Mode>().solveInPlace(B);
  }
}

}  // namespace

FitReport GaussianProcess::fit(const Eigen::MatrixXd& X, const Eigen::VectorXd& y,
                               std::uint64_t seed) {
  if (auto problem = check_training_data(X, y)) {
    throw std::invalid_argument("GaussianProcess::fit: " + *problem);
  }
  auto transform = std::get<FittedOutputTransform>(FittedOutputTransform::fit(options_.transform, y, options_.prior_mean));
  const Eigen::VectorXd z = transform.targets();
  // On any failure below the previous model stays as it was.
  std::unique_ptr<Kernel> previous = kernel_->clone();
  try {
    return fit_transformed(X, std::move(transform), z, seed);
  } catch (...) {
    kernel_ = std::move(previous);
    throw;
  }
}

FitReport GaussianProcess::fit_transformed(const Eigen::MatrixXd& X, FittedOutputTransform transform,
                                           const Eigen::VectorXd& z, std::uint64_t seed) {
  const Eigen::Index tail = query_tail_.size();
  match_kernel_to_tail();
  if (!options_.lengthscale_groups.empty() &&
      static_cast<Eigen::Index>(options_.lengthscale_groups.size()) + tail == X.cols()) {
    // The tail's columns (a fidelity) get lengthscale groups of their own.
    std::vector<int> groups = options_.lengthscale_groups;
    int next = *std::max_element(groups.begin(), groups.end()) + 1;
    for (Eigen::Index k = 0; k < tail; ++k) groups.push_back(next++);
    kernel_->set_input_groups(groups);
  } else
    kernel_->set_dim(static_cast<int>(X.cols()));

  const Eigen::Index n = X.rows();
  bool refitted = false;
  int iterations = 0;
  if (n >= 2) {
    HyperparameterFitOptions fit_options;
    fit_options.restarts = options_.restarts;
    fit_options.max_iterations = options_.max_iterations;
    fit_options.restart_iterations = options_.restart_iterations;
    fit_options.seed = derive_seed(seed, 0);
    HyperparameterFitResult result;
    if (options_.max_fit_points > 0 && n > options_.max_fit_points) {
      // Partial Fisher-Yates: a uniform random subset of max_fit_points rows.
      Rng rng(derive_seed(seed, 1));
      std::vector<Eigen::Index> idx(static_cast<std::size_t>(n));
      std::iota(idx.begin(), idx.end(), Eigen::Index{0});
      const auto m = static_cast<std::size_t>(options_.max_fit_points);
      for (std::size_t i = 0; i < m; ++i) {
        const auto j = i + static_cast<std::size_t>(uniform_index(rng, idx.size() - i));
        std::swap(idx[i], idx[j]);
      }
      idx.resize(m);
      std::sort(idx.begin(), idx.end());
      result = fit_hyperparameters(*kernel_, X(idx, Eigen::all), z(idx), fit_options);
    } else {
      result = fit_hyperparameters(*kernel_, X, z, fit_options);
    }
    refitted = result.optimised;
    iterations = result.iterations;
  }

  // Factor before touching the state.
  CholeskyFactor chol = cholesky_with_jitter(kernel_->train(X));
  transform_ = std::move(transform);
  X_ = X;
  z_ = z;
  L_ = std::move(chol.L);
  jitter_ = chol.jitter;
  update_alpha_and_lml();
  return FitReport{lml_, jitter_, iterations, kernel_->to_string(), refitted};
}

void GaussianProcess::match_kernel_to_tail() {
  auto* decay = dynamic_cast<FidelityDecayKernel*>(kernel_.get());
  const bool wanted = query_tail_.size() == 1 && options_.fidelity_kernel == FidelityKernel::Decay;
  if (wanted && !decay) kernel_ = FidelityDecayKernel::around(std::move(kernel_));
  else if (!wanted && decay) kernel_ = decay->release_final();
}

void GaussianProcess::factorise() {
  CholeskyFactor chol = cholesky_with_jitter(kernel_->train(X_));
  L_ = std::move(chol.L);
  jitter_ = chol.jitter;
  update_alpha_and_lml();
}

void GaussianProcess::update_alpha_and_lml() {
  const auto L = factor();
  alpha_ = L.triangularView<Eigen::Lower>().solve(z_);
  const double data_fit = alpha_.squaredNorm();
  L.transpose().triangularView<Eigen::Upper>().solveInPlace(alpha_);
  lml_ = -0.5 * data_fit - L.diagonal().array().log().sum() -
         0.5 * static_cast<double>(z_.size()) * std::log(2.0 * std::numbers::pi);
}

void GaussianProcess::add_observation(const Eigen::VectorXd& x, double y) {
  require_fitted("add_observation");
  if (x.size() != X_.cols()) {
    throw std::invalid_argument("add_observation: point of dimension " + std::to_string(x.size()) +
                                ", the GP has dimension " + std::to_string(X_.cols()));
  }
  if (!x.allFinite()) throw std::invalid_argument("add_observation: non-finite point");
  const double z = transform_->apply(y);
  if (!std::isfinite(z)) {
    throw std::invalid_argument("add_observation: loss " + format_number(y) +
                                " is outside the domain of the output transform");
  }
  const Eigen::MatrixXd xr = x.transpose();
  const Eigen::VectorXd k = kernel_->cross(X_, xr).col(0);
  const double kappa = kernel_->train(xr)(0, 0) + jitter_;
  const Eigen::Index n = X_.rows();
  X_.conservativeResize(n + 1, Eigen::NoChange);
  X_.row(n) = x.transpose();
  z_.conservativeResize(n + 1);
  z_(n) = z;
  if (L_.rows() < n + 1) {
    const Eigen::Index capacity = std::max<Eigen::Index>(n + 1, n + n / 2 + 8);
    L_.conservativeResize(capacity, capacity);
  }
  if (extend_cholesky_in_place(L_.topLeftCorner(n + 1, n + 1), k, kappa)) {
    update_alpha_and_lml();
  } else {
    factorise();  // a (near-)duplicate point without noise: refactor with more jitter
  }
}

void GaussianProcess::require_fitted(const char* what) const {
  if (!transform_) {
    throw std::logic_error(std::string("GaussianProcess::") + what + " called before fit");
  }
}

void GaussianProcess::require_dim(const Eigen::MatrixXd& Xq, const char* what) const {
  require_fitted(what);
  if (Xq.cols() != dim()) {
    throw std::invalid_argument(std::string("GaussianProcess::") + what + ": points of dimension " +
                                std::to_string(Xq.cols()) + ", the GP has dimension " +
                                std::to_string(dim()));
  }
}

Eigen::MatrixXd GaussianProcess::with_tail(const Eigen::MatrixXd& Xq) const {
  if (query_tail_.size() == 0) return Xq;
  Eigen::MatrixXd out(Xq.rows(), Xq.cols() + query_tail_.size());
  out.leftCols(Xq.cols()) = Xq;
  out.rightCols(query_tail_.size()) = query_tail_.transpose().replicate(Xq.rows(), 1);
  return out;
}

const Eigen::MatrixXd& GaussianProcess::kernel_rows(const Eigen::MatrixXd& Xq, Eigen::MatrixXd& storage) const {
  if (query_tail_.size() == 0) return Xq;
  storage = with_tail(Xq);
  return storage;
}

std::pair<Eigen::Index, double> GaussianProcess::best_at_tail() const {
  const Eigen::Index t = query_tail_.size();
  const Eigen::VectorXd values = noise_inferred() ? mean_at_inputs() : z_;
  Eigen::Index best = -1;
  for (Eigen::Index i = 0; i < X_.rows(); ++i)
    if (X_.row(i).tail(t).transpose() == query_tail_ && (best < 0 || values[i] < values[best])) best = i;
  if (best >= 0) return {best, values[best]};
  // None at the target fidelity yet: the lowest posterior mean there.
  const Eigen::VectorXd mean = predict_mean(X_.leftCols(X_.cols() - t));
  mean.minCoeff(&best);
  return {best, mean[best]};
}

Posterior GaussianProcess::posterior(const Eigen::MatrixXd& Xq) const {
  require_dim(Xq, "posterior");
  Eigen::MatrixXd storage;
  const Eigen::MatrixXd& full = kernel_rows(Xq, storage);
  const Eigen::MatrixXd Ks = kernel_->cross(X_, full);
  Posterior p;
  p.mean = Ks.transpose() * alpha_;
  Eigen::MatrixXd V = Ks;
  triangular_solve_in_place<Eigen::Lower>(factor(), V);
  p.cov = kernel_->cross(full, full);
  p.cov.noalias() -= V.transpose() * V;
  p.cov = 0.5 * (p.cov + p.cov.transpose()).eval();
  return p;
}

PosteriorGradient GaussianProcess::posterior_gradient(const Eigen::MatrixXd& Xq) const {
  require_dim(Xq, "posterior_gradient");
  return posterior_with_gradient(Xq).gradient;
}

PosteriorWithGradient GaussianProcess::posterior_with_gradient(const Eigen::MatrixXd& Xq,
                                                               Eigen::Index gradient_rows) const {
  require_dim(Xq, "posterior_with_gradient");
  Eigen::MatrixXd storage;
  const Eigen::MatrixXd& full = kernel_rows(Xq, storage);
  const Eigen::Index q =
      gradient_rows < 0 ? Xq.rows() : std::min<Eigen::Index>(gradient_rows, Xq.rows());
  const Eigen::Index d = Xq.cols();  // a query tail's columns are fixed: no gradient
  const auto L = factor();
  PosteriorWithGradient out;
  Posterior& p = out.posterior;
  // V = L^-1 k(X, Xq); A = L^-T V = K^-1 k(X, Xq), column b the weights of Cov(., f(x_b)).
  Eigen::MatrixXd A = kernel_->cross(X_, full);
  p.mean = A.transpose() * alpha_;
  triangular_solve_in_place<Eigen::Lower>(L, A);
  p.cov = kernel_->cross(full, full);
  p.cov.noalias() -= A.transpose() * A;
  p.cov = 0.5 * (p.cov + p.cov.transpose()).eval();
  triangular_solve_in_place<Eigen::Upper>(L.transpose(), A);

  PosteriorGradient& g = out.gradient;
  g.mean.resize(q, d);
  g.cov.reserve(static_cast<std::size_t>(q));
  for (Eigen::Index i = 0; i < q; ++i) {
    const Eigen::VectorXd xi = full.row(i).transpose();
    const Eigen::MatrixXd G = kernel_->cross_gradient(xi, X_).topRows(d);  // d x n
    g.mean.row(i) = (G * alpha_).transpose();
    // d/dx_i [k(x_i, x_b) - k(x_i, X) A_b] = dk(x_i, x_b)/dx_i - G A_b for b != i;
    // d/dx_i [k(x_i, x_i) - k(x_i, X) K^-1 k(X, x_i)] = dk(x_i, x_i)/dx_i - 2 G A_i.
    Eigen::MatrixXd C = kernel_->cross_gradient(xi, full).topRows(d);
    C.noalias() -= G * A;
    C.col(i) = kernel_->diag_gradient(xi).head(d) - 2.0 * G * A.col(i);
    g.cov.push_back(std::move(C));
  }
  return out;
}

Eigen::VectorXd GaussianProcess::predict_mean(const Eigen::MatrixXd& Xq) const {
  require_dim(Xq, "predict_mean");
  Eigen::MatrixXd storage;
  return kernel_->cross(kernel_rows(Xq, storage), X_) * alpha_;
}

Eigen::MatrixXd GaussianProcess::solve(const Eigen::MatrixXd& B) const {
  require_fitted("solve");
  if (B.rows() != X_.rows())
    throw std::invalid_argument("GaussianProcess::solve: " + std::to_string(B.rows()) + " rows, the GP holds " +
                                std::to_string(X_.rows()) + " observations");
  const auto L = factor();
  Eigen::MatrixXd A = B;
  triangular_solve_in_place<Eigen::Lower>(L, A);
  triangular_solve_in_place<Eigen::Upper>(L.transpose(), A);
  return A;
}

double GaussianProcess::noise_variance() const {
  require_fitted("noise_variance");
  // The training covariance's diagonal less the latent one: the white-noise terms (constant
  // for every kernel the parser builds).
  const Eigen::MatrixXd x0 = X_.topRows(1);
  return std::max(0.0, kernel_->train(x0)(0, 0) - kernel_->diag(x0)(0));
}

Eigen::VectorXd GaussianProcess::mean_at_inputs() const {
  require_fitted("mean_at_inputs");
  return z_ - (noise_variance() + jitter_) * alpha_;
}

Eigen::Index GaussianProcess::best_index() const {
  require_fitted("best_index");
  if (query_tail_.size() > 0) return best_at_tail().first;
  Eigen::Index i = 0;
  if (noise_inferred()) mean_at_inputs().minCoeff(&i);
  else z_.minCoeff(&i);
  return i;
}

double GaussianProcess::incumbent() const {
  require_fitted("incumbent");
  if (query_tail_.size() > 0) return best_at_tail().second;
  return noise_inferred() ? mean_at_inputs().minCoeff() : z_.minCoeff();
}

double GaussianProcess::transform_loss(double y) const {
  require_fitted("transform_loss");
  return transform_->apply(y);
}

double GaussianProcess::untransform_loss(double z) const {
  require_fitted("untransform_loss");
  return transform_->invert(z);
}

int GaussianProcess::dim() const { return static_cast<int>(X_.cols() - query_tail_.size()); }

int GaussianProcess::size() const { return static_cast<int>(X_.rows()); }

double GaussianProcess::log_marginal_likelihood() const { return lml_; }

}  // namespace quante::opt
