// What the kernels with a single log-scale hyperparameter share (ConstantKernel, WhiteKernel,
// DotProduct): construction with its bounds and log-normal prior, parsing of
// `Name(param=..., param_bounds=...)`, clone, the kernel-string spelling and the hyperparameter
// visitor. Each kernel states its constants in a OneParameterSpec (Derived::kSpec), inherits the
// constructor (`using OneParameterKernel::OneParameterKernel`) and writes only its formulas.
// CRTP, so that clone and from_args make the derived kernel.
#pragma once

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "kernel_args.hpp"

namespace quante::opt {

struct OneParameterSpec {
  const char* kernel;        // the name in kernel strings, e.g. "WhiteKernel"
  const char* parameter;     // e.g. "noise_level"; its bounds are parameter + "_bounds"
  double default_value;      // when the string does not give it
  double lower, upper;       // default bounds
  double prior_median;       // log parameter ~ Normal(log prior_median, prior_sd^2)
  double prior_sd;
};

template <typename Derived>
class OneParameterKernel : public Kernel {
 public:
  // Default arguments are read where the derived kernel is complete (Derived::kSpec).
  explicit OneParameterKernel(double value = Derived::kSpec.default_value,
                              ResolvedArgs::Bounds bounds = default_bounds())
      : bounds_(bounds),
        parameter_(make_log_hyperparameter(spec().parameter, value, bounds.lower, bounds.upper, bounds.fixed,
                                           spec().prior_median, spec().prior_sd)) {}

  static ResolvedArgs::Bounds default_bounds() { return {false, spec().lower, spec().upper}; }

  static KernelOrArgError from_args(const std::vector<KernelArg>& args, std::size_t position) {
    const std::string bounds_key = bounds_name();
    auto resolved = ResolvedArgs::resolve(spec().kernel, {spec().parameter, bounds_key}, args, position);
    if (auto* e = std::get_if<ArgError>(&resolved)) return *e;
    const auto& a = std::get<ResolvedArgs>(resolved);
    auto value = a.positive(spec().parameter, spec().default_value);
    if (auto* e = std::get_if<ArgError>(&value)) return *e;
    auto bounds = a.bounds(bounds_key, spec().lower, spec().upper);
    if (auto* e = std::get_if<ArgError>(&bounds)) return *e;
    return std::make_unique<Derived>(std::get<double>(value), std::get<ResolvedArgs::Bounds>(bounds));
  }

  std::unique_ptr<Kernel> clone() const override { return std::make_unique<Derived>(static_cast<const Derived&>(*this)); }

  // Default bounds are left out, so that a string reads back as it was written.
  std::string to_string() const override {
    std::string out = std::string(spec().kernel) + "(" + spec().parameter + "=" + format_number(parameter());
    if (bounds_.fixed) {
      out += ", " + bounds_name() + "=\"fixed\"";
    } else if (bounds_.lower != spec().lower || bounds_.upper != spec().upper) {
      out += ", " + bounds_name() + "=(" + format_number(bounds_.lower) + ", " + format_number(bounds_.upper) + ")";
    }
    return out + ")";
  }

  void set_dim(int) override {}
  void for_each_hyperparameter(const std::function<void(Hyperparameter&)>& visit) override { visit(parameter_); }
  void for_each_hyperparameter(const std::function<void(const Hyperparameter&)>& visit) const override {
    visit(parameter_);
  }

 protected:
  double parameter() const { return std::exp(parameter_.value); }
  double log_parameter() const { return parameter_.value; }

 private:
  static const OneParameterSpec& spec() { return Derived::kSpec; }
  static std::string bounds_name() { return std::string(spec().parameter) + "_bounds"; }

  ResolvedArgs::Bounds bounds_;
  Hyperparameter parameter_;
};

}  // namespace quante::opt
