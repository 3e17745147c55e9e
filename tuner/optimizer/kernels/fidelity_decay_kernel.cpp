// FidelityDecayKernel (formulas in fidelity_decay_kernel.hpp).
#include "fidelity_decay_kernel.hpp"

#include <stdexcept>

#include "kernel_parser.hpp"

namespace quante::opt {

namespace {

constexpr const char* kExcessKernel = "ConstantKernel() * Matern(nu=2.5) + ConstantKernel()";

// w(s) = 1 - s for every row: the last column is the fidelity.
Eigen::VectorXd weights(const Eigen::MatrixXd& X) { return 1.0 - X.col(X.cols() - 1).array(); }

Eigen::MatrixXd configuration(const Eigen::MatrixXd& X) { return X.leftCols(X.cols() - 1); }

}  // namespace

FidelityDecayKernel::FidelityDecayKernel(std::unique_ptr<Kernel> final_loss, std::unique_ptr<Kernel> excess)
    : final_(std::move(final_loss)), excess_(std::move(excess)) {}

std::unique_ptr<FidelityDecayKernel> FidelityDecayKernel::around(std::unique_ptr<Kernel> final_loss) {
  auto excess = parse_kernel(kExcessKernel);
  if (auto* e = std::get_if<ParseError>(&excess)) throw std::logic_error("excess kernel: " + e->message);
  return std::make_unique<FidelityDecayKernel>(std::move(final_loss),
                                               std::move(std::get<std::unique_ptr<Kernel>>(excess)));
}

FidelityDecayKernel::FidelityDecayKernel(const FidelityDecayKernel& other)
    : Kernel(other), final_(other.final_->clone()), excess_(other.excess_->clone()) {}

FidelityDecayKernel& FidelityDecayKernel::operator=(const FidelityDecayKernel& other) {
  if (this != &other) {
    final_ = other.final_->clone();
    excess_ = other.excess_->clone();
  }
  return *this;
}

std::unique_ptr<Kernel> FidelityDecayKernel::clone() const { return std::make_unique<FidelityDecayKernel>(*this); }

std::string FidelityDecayKernel::to_string() const {
  return "FidelityDecay(final=" + final_->to_string() + ", excess=" + excess_->to_string() + ")";
}

std::string FidelityDecayKernel::structure() const {
  return "FidelityDecay(" + final_->structure() + "," + excess_->structure() + ")";
}

void FidelityDecayKernel::set_dim(int d) {
  if (d < 2) throw std::invalid_argument("FidelityDecay kernel needs a configuration and a fidelity column");
  final_->set_dim(d - 1);
  excess_->set_dim(d);
}

void FidelityDecayKernel::set_input_groups(const std::vector<int>& groups) {
  if (groups.size() < 2) throw std::invalid_argument("FidelityDecay kernel needs a configuration and a fidelity column");
  final_->set_input_groups(std::vector<int>(groups.begin(), groups.end() - 1));
  excess_->set_input_groups(groups);
}

void FidelityDecayKernel::for_each_hyperparameter(const std::function<void(Hyperparameter&)>& visit) {
  final_->for_each_hyperparameter(visit);
  excess_->for_each_hyperparameter(visit);
}

void FidelityDecayKernel::for_each_hyperparameter(const std::function<void(const Hyperparameter&)>& visit) const {
  static_cast<const Kernel&>(*final_).for_each_hyperparameter(visit);
  static_cast<const Kernel&>(*excess_).for_each_hyperparameter(visit);
}

Eigen::MatrixXd FidelityDecayKernel::cross(const Eigen::MatrixXd& X1, const Eigen::MatrixXd& X2) const {
  const Eigen::MatrixXd scale = weights(X1) * weights(X2).transpose();
  return final_->cross(configuration(X1), configuration(X2)) + scale.cwiseProduct(excess_->cross(X1, X2));
}

Eigen::VectorXd FidelityDecayKernel::diag(const Eigen::MatrixXd& X) const {
  return final_->diag(configuration(X)) + weights(X).array().square().matrix().cwiseProduct(excess_->diag(X));
}

// children[0]: k_f on the configuration columns; children[1]: k_e; cache.scratch: w w^T.
void FidelityDecayKernel::train_into(const Eigen::MatrixXd& X, TrainCache& cache, bool for_gradient) const {
  cache.children.resize(2);
  TrainCache& cf = cache.children[0];
  TrainCache& ce = cache.children[1];
  final_->train_into(configuration(X), cf, for_gradient);
  excess_->train_into(X, ce, for_gradient);
  const Eigen::VectorXd w = weights(X);
  cache.scratch = w * w.transpose();
  cache.K = cf.K + cache.scratch.cwiseProduct(ce.K);
}

void FidelityDecayKernel::contract_cached(const Eigen::MatrixXd& X, TrainCache& cache, const Eigen::MatrixXd& W,
                                          Eigen::Ref<Eigen::VectorXd> grad) const {
  const int nf = final_->num_hyperparameters();
  final_->contract_cached(configuration(X), cache.children[0], W, grad.head(nf));
  const Eigen::MatrixXd We = W.cwiseProduct(cache.scratch);
  excess_->contract_cached(X, cache.children[1], We, grad.tail(grad.size() - nf));
}

Eigen::MatrixXd FidelityDecayKernel::cross_gradient(const Eigen::VectorXd& x, const Eigen::MatrixXd& X2) const {
  const Eigen::Index d = x.size() - 1;
  const double wx = 1.0 - x(d);
  const Eigen::RowVectorXd w2 = weights(X2).transpose();
  const Eigen::MatrixXd xr = x.transpose();
  const Eigen::RowVectorXd ke = excess_->cross(xr, X2).row(0);
  Eigen::MatrixXd out = excess_->cross_gradient(x, X2);  // (d + 1) x m
  out.array().rowwise() *= (wx * w2).array();
  out.topRows(d) += final_->cross_gradient(x.head(d), configuration(X2));
  out.row(d) -= w2.cwiseProduct(ke);
  return out;
}

Eigen::VectorXd FidelityDecayKernel::diag_gradient(const Eigen::VectorXd& x) const {
  const Eigen::Index d = x.size() - 1;
  const double wx = 1.0 - x(d);
  const double ke = excess_->diag(x.transpose())(0);
  Eigen::VectorXd out = wx * wx * excess_->diag_gradient(x);
  out.head(d) += final_->diag_gradient(x.head(d));
  out(d) -= 2.0 * wx * ke;
  return out;
}

}  // namespace quante::opt
