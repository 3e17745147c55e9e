// Parameter values as they travel between tuner, broker and worker: a point in the search space
// is a map from parameter name to an integer, a real or a categorical choice (a string).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>

namespace quante {

using ParamValue = std::variant<std::int64_t, double, std::string>;
using Params = std::map<std::string, ParamValue>;

// Human-readable rendering, e.g. {lr=0.001, layers=3, act=relu}; for logs and progress lines.
std::string to_string(const ParamValue& value);
std::string to_string(const Params& params);

}  // namespace quante
