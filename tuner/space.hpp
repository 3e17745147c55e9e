// The search space of a study: named parameters (float, log-float, int, categorical), their
// validation, and the bijection between valid points and the unit cube the optimizer works in.
//
// Encoding (one contract shared with tuner/optimizer's DesignSpace):
//   float            one coordinate, (v - low) / (high - low)
//   float, log=true  one coordinate, (ln v - ln low) / (ln high - ln low)
//   int              one coordinate; n = high - low + 1 levels; v encodes to (v - low + 0.5) / n,
//                    a coordinate u decodes to low + min(floor(u n), n - 1)
//   int, log=true    as int, but the levels are spread in log space over [low - 0.5, high + 0.5]
//   categorical      one-hot over its k choices; a relaxed vector decodes to its arg-max
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "params.hpp"

namespace quante {

enum class ParamType { Float, Int, Categorical };

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::Float;
  double low = 0.0;   // Float and Int
  double high = 1.0;  // Float and Int
  bool log = false;   // Float and Int
  std::vector<std::string> choices;  // Categorical

  // Width of this parameter in the encoded unit cube.
  int encoded_width() const { return type == ParamType::Categorical ? static_cast<int>(choices.size()) : 1; }
  // Int: number of distinct values; Categorical: number of choices; Float: 0.
  int levels() const;
};

// A log-scaled int's levels as cut points of its unit coordinate (issue 14): levels() + 1
// increasing values from 0 to 1, level i (the value low + i) decoding from [edge_i, edge_i+1)
// and encoding to that interval's middle. Empty for any other parameter and for a log int of
// more than kMaxLogIntLevels values, which the optimizer keeps relaxed as continuous (the top
// levels of so wide a range are too close to matter one by one).
inline constexpr int kMaxLogIntLevels = 4096;
std::vector<double> log_int_level_edges(const ParamSpec& p);

class SearchSpace {
 public:
  SearchSpace() = default;
  // Checks every spec (bounds ordered, log bounds positive, choices non-empty and distinct,
  // names distinct); returns an error message naming the parameter, or nullopt.
  static std::optional<std::string> check(const std::vector<ParamSpec>& specs);
  explicit SearchSpace(std::vector<ParamSpec> specs);  // throws std::invalid_argument on a bad spec

  const std::vector<ParamSpec>& params() const { return specs_; }
  std::size_t size() const { return specs_.size(); }
  int encoded_dim() const { return encoded_dim_; }
  const ParamSpec* find(const std::string& name) const;

  // nullopt when `params` names exactly this space's parameters with values of the right type
  // inside the bounds; otherwise the first problem, naming the parameter.
  std::optional<std::string> validate(const Params& params) const;

  // Valid point -> unit-cube coordinates (encoded_dim() of them). Precondition: validate() passed.
  std::vector<double> encode(const Params& params) const;
  // Any coordinates (clamped into [0,1]) -> the valid point they round to.
  Params decode(const std::vector<double>& unit) const;

  // A short canonical text of the point (after rounding), equal for equal points: the key used
  // to recognise a point already evaluated or in flight.
  std::string key(const Params& params) const;

  // Stable fingerprint of the space's definition, written to history files so that a history
  // from another space is recognised.
  std::string fingerprint() const;

 private:
  std::vector<ParamSpec> specs_;
  int encoded_dim_ = 0;
};

}  // namespace quante
