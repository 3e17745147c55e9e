// Params <-> JSON (nlohmann), as the exec protocol, history file and `suggest` write them:
// integers as JSON integers, reals as JSON numbers, categoricals as strings.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "params.hpp"

namespace quante {

nlohmann::json to_json(const Params& params);
// nullopt and *error set when `json` is not an object of integers, numbers and strings.
std::optional<Params> params_from_json(const nlohmann::json& json, std::string* error);

// Seconds since the Unix epoch, as the history file records times.
double unix_now();

}  // namespace quante
