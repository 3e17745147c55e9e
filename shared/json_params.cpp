#include "json_params.hpp"

#include <chrono>
#include <cmath>

namespace quante {

nlohmann::json to_json(const Params& params) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, value] : params) std::visit([&](const auto& v) { out[name] = v; }, value);
  return out;
}

std::optional<Params> params_from_json(const nlohmann::json& json, std::string* error) {
  if (!json.is_object()) {
    if (error) *error = "params must be a JSON object";
    return std::nullopt;
  }
  Params out;
  for (const auto& [name, value] : json.items()) {
    if (value.is_number_integer()) out[name] = value.get<std::int64_t>();
    else if (value.is_number_float() && std::isfinite(value.get<double>())) out[name] = value.get<double>();
    else if (value.is_string()) out[name] = value.get<std::string>();
    else {
      if (error) *error = "param '" + name + "' must be an integer, a finite number or a string";
      return std::nullopt;
    }
  }
  return out;
}

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace quante
