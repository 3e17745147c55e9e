#include "params.hpp"

#include <sstream>

namespace quante {

std::string to_string(const ParamValue& value) {
  std::ostringstream out;
  std::visit([&out](const auto& v) { out << v; }, value);
  return out.str();
}

std::string to_string(const Params& params) {
  std::string text = "{";
  bool first = true;
  for (const auto& [name, value] : params) {
    if (!first) text += ", ";
    first = false;
    text += name + "=" + to_string(value);
  }
  return text + "}";
}

}  // namespace quante
