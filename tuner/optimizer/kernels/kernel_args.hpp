// The arguments of one kernel call in a kernel string, as the parser hands them to the kernel's
// factory: "Matern(0.3, nu=2.5, length_scale_bounds=(0.01, 10))". Each kernel declares its
// argument names in scikit-learn's positional order; positional arguments are matched to them.
// Errors are values carrying the position in the kernel string, for the parser to report.
#pragma once

#include "kernel.hpp"

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace quante::opt {

struct ArgValue {
  enum class Kind { Number, List, String };
  Kind kind = Kind::Number;
  double number = 0.0;          // Kind::Number
  std::vector<double> list;     // Kind::List: [a, b, ...] or (a, b)
  std::string text;             // Kind::String: 'fixed'
};

struct KernelArg {
  std::string name;             // empty when positional
  ArgValue value;
  std::size_t position = 0;     // offset of the argument in the kernel string
};

struct ArgError {
  std::string message;
  std::size_t position = 0;
};

using KernelOrArgError = std::variant<std::unique_ptr<Kernel>, ArgError>;

// Named view of one call's arguments after matching positional ones to `names`.
class ResolvedArgs {
 public:
  // Matches args to names; refuses unknown names, duplicates and too many positional arguments.
  static std::variant<ResolvedArgs, ArgError> resolve(const std::string& kernel,
                                                      const std::vector<std::string>& names,
                                                      const std::vector<KernelArg>& args,
                                                      std::size_t call_position);
  const KernelArg* find(const std::string& name) const;
  // A positive number; error names the argument.
  std::variant<double, ArgError> positive(const std::string& name, double fallback) const;
  // A positive scalar or a list of positive numbers.
  std::variant<std::vector<double>, ArgError> positive_list(const std::string& name,
                                                            double fallback) const;
  // Bounds: "fixed" (nullopt) or a pair (lo, hi) with 0 < lo < hi.
  struct Bounds {
    bool fixed = false;
    double lower = 0.0;
    double upper = 0.0;
  };
  std::variant<Bounds, ArgError> bounds(const std::string& name, double lower, double upper) const;

  std::string kernel;
  std::size_t call_position = 0;

 private:
  std::map<std::string, KernelArg> named_;
};

}  // namespace quante::opt
