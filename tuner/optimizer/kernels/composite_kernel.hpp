// What the two composite kernels (SumKernel, ProductKernel) share: the two children and their
// copying, the forwarding of the input dimension and groups, the hyperparameter visitor (left
// subtree first, the order contract_cached fills), clone and the two spellings. Each composite
// states its name and operator (Derived::kName, Derived::kOperator) and writes only its formulas.
// CRTP, so that clone makes the derived kernel.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "kernel.hpp"

namespace quante::opt {

template <typename Derived>
class CompositeKernel : public Kernel {
 public:
  // Inherited by each composite (`using CompositeKernel::CompositeKernel`).
  CompositeKernel(std::unique_ptr<Kernel> a, std::unique_ptr<Kernel> b) : a_(std::move(a)), b_(std::move(b)) {}

  std::unique_ptr<Kernel> clone() const override {
    return std::make_unique<Derived>(static_cast<const Derived&>(*this));
  }
  // "a + b", "a * b": Derived::operand_string may parenthesise an operand.
  std::string to_string() const override {
    return Derived::operand_string(*a_) + Derived::kOperator + Derived::operand_string(*b_);
  }
  // "Sum(a,b)", "Product(a,b)".
  std::string structure() const override {
    return std::string(Derived::kName) + "(" + a_->structure() + "," + b_->structure() + ")";
  }
  void set_dim(int d) override {
    a_->set_dim(d);
    b_->set_dim(d);
  }
  void set_input_groups(const std::vector<int>& groups) override {
    a_->set_input_groups(groups);
    b_->set_input_groups(groups);
  }
  void for_each_hyperparameter(const std::function<void(Hyperparameter&)>& visit) override {
    a_->for_each_hyperparameter(visit);
    b_->for_each_hyperparameter(visit);
  }
  void for_each_hyperparameter(const std::function<void(const Hyperparameter&)>& visit) const override {
    static_cast<const Kernel&>(*a_).for_each_hyperparameter(visit);
    static_cast<const Kernel&>(*b_).for_each_hyperparameter(visit);
  }

  Kernel& left() { return *a_; }
  Kernel& right() { return *b_; }
  const Kernel& left() const { return *a_; }
  const Kernel& right() const { return *b_; }
  std::unique_ptr<Kernel> release_left() { return std::move(a_); }
  std::unique_ptr<Kernel> release_right() { return std::move(b_); }

  static std::string operand_string(const Kernel& k) { return k.to_string(); }

 protected:
  CompositeKernel(const CompositeKernel& other)
      : Kernel(other), a_(other.a_->clone()), b_(other.b_->clone()) {}
  CompositeKernel& operator=(const CompositeKernel& other) {
    if (this != &other) {
      a_ = other.a_->clone();
      b_ = other.b_->clone();
    }
    return *this;
  }
  CompositeKernel(CompositeKernel&&) = default;
  CompositeKernel& operator=(CompositeKernel&&) = default;
  ~CompositeKernel() override = default;

  // Trains both children into cache.children[0] and [1], where the formulas read them.
  void train_children(const Eigen::MatrixXd& X, TrainCache& cache, bool for_gradient) const {
    cache.children.resize(2);
    a_->train_into(X, cache.children[0], for_gradient);
    b_->train_into(X, cache.children[1], for_gradient);
  }

  std::unique_ptr<Kernel> a_;
  std::unique_ptr<Kernel> b_;
};

}  // namespace quante::opt
