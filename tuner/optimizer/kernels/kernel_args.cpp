// Matching and checking of kernel-call arguments (see kernel_args.hpp).
#include "kernel_args.hpp"

#include <algorithm>
#include <cmath>

namespace quante::opt {

std::variant<ResolvedArgs, ArgError> ResolvedArgs::resolve(const std::string& kernel,
                                                           const std::vector<std::string>& names,
                                                           const std::vector<KernelArg>& args,
                                                           std::size_t call_position) {
  ResolvedArgs out;
  out.kernel = kernel;
  out.call_position = call_position;
  std::size_t next_positional = 0;
  bool seen_named = false;
  for (const KernelArg& arg : args) {
    std::string name = arg.name;
    if (name.empty()) {
      if (seen_named) {
        return ArgError{kernel + ": positional argument after a named one", arg.position};
      }
      if (next_positional >= names.size()) {
        return ArgError{kernel + " takes at most " + std::to_string(names.size()) +
                            " positional argument(s)",
                        arg.position};
      }
      name = names[next_positional++];
    } else {
      seen_named = true;
      if (std::find(names.begin(), names.end(), name) == names.end()) {
        std::string known;
        for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
        return ArgError{kernel + " has no argument '" + name + "' (known: " + known + ")",
                        arg.position};
      }
    }
    if (out.named_.count(name) != 0) {
      return ArgError{kernel + ": argument '" + name + "' given twice", arg.position};
    }
    KernelArg stored = arg;
    stored.name = name;
    out.named_.emplace(name, std::move(stored));
  }
  return out;
}

const KernelArg* ResolvedArgs::find(const std::string& name) const {
  const auto it = named_.find(name);
  return it == named_.end() ? nullptr : &it->second;
}

namespace {
bool positive_finite(double v) { return std::isfinite(v) && v > 0.0; }
}  // namespace

std::variant<double, ArgError> ResolvedArgs::positive(const std::string& name,
                                                      double fallback) const {
  const KernelArg* arg = find(name);
  if (arg == nullptr) return fallback;
  if (arg->value.kind != ArgValue::Kind::Number) {
    return ArgError{kernel + ": " + name + " must be a number", arg->position};
  }
  if (!positive_finite(arg->value.number)) {
    return ArgError{kernel + ": " + name + " must be positive, got " +
                        format_number(arg->value.number),
                    arg->position};
  }
  return arg->value.number;
}

std::variant<std::vector<double>, ArgError> ResolvedArgs::positive_list(const std::string& name,
                                                                        double fallback) const {
  const KernelArg* arg = find(name);
  if (arg == nullptr) return std::vector<double>{fallback};
  if (arg->value.kind == ArgValue::Kind::Number) {
    if (!positive_finite(arg->value.number)) {
      return ArgError{kernel + ": " + name + " must be positive, got " +
                          format_number(arg->value.number),
                      arg->position};
    }
    return std::vector<double>{arg->value.number};
  }
  if (arg->value.kind != ArgValue::Kind::List || arg->value.list.empty()) {
    return ArgError{kernel + ": " + name + " must be a number or a list of numbers",
                    arg->position};
  }
  for (double v : arg->value.list) {
    if (!positive_finite(v)) {
      return ArgError{kernel + ": every " + name + " must be positive, got " + format_number(v),
                      arg->position};
    }
  }
  return arg->value.list;
}

std::variant<ResolvedArgs::Bounds, ArgError> ResolvedArgs::bounds(const std::string& name,
                                                                  double lower,
                                                                  double upper) const {
  const KernelArg* arg = find(name);
  if (arg == nullptr) return Bounds{false, lower, upper};
  if (arg->value.kind == ArgValue::Kind::String) {
    if (arg->value.text == "fixed") return Bounds{true, lower, upper};
    return ArgError{kernel + ": " + name + " must be \"fixed\" or a pair (low, high), got \"" +
                        arg->value.text + "\"",
                    arg->position};
  }
  if (arg->value.kind != ArgValue::Kind::List || arg->value.list.size() != 2) {
    return ArgError{kernel + ": " + name + " must be \"fixed\" or a pair (low, high)",
                    arg->position};
  }
  const double lo = arg->value.list[0];
  const double hi = arg->value.list[1];
  if (!positive_finite(lo) || !positive_finite(hi) || !(lo < hi)) {
    return ArgError{kernel + ": " + name + " needs 0 < low < high, got (" + format_number(lo) +
                        ", " + format_number(hi) + ")",
                    arg->position};
  }
  return Bounds{false, lo, hi};
}

}  // namespace quante::opt
