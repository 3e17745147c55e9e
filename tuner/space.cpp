#include "space.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <set>
#include <sstream>
#include <stdexcept>

namespace quante {

namespace {

double clamp01(double u) {
  if (!std::isfinite(u)) return 0.5;
  return std::clamp(u, 0.0, 1.0);
}

// Log-int levels: level i in [0, n) covers [low - 0.5, high + 0.5] in log space.
double int_log_span_low(const ParamSpec& p) { return std::log(p.low - 0.5 > 0 ? p.low - 0.5 : p.low * 0.5); }
double int_log_span_high(const ParamSpec& p) { return std::log(p.high + 0.5); }

}  // namespace

int ParamSpec::levels() const {
  switch (type) {
    case ParamType::Int: return static_cast<int>(high - low) + 1;
    case ParamType::Categorical: return static_cast<int>(choices.size());
    case ParamType::Float: return 0;
  }
  return 0;
}

std::vector<double> log_int_level_edges(const ParamSpec& p) {
  if (p.type != ParamType::Int || !p.log || p.levels() > kMaxLogIntLevels) return {};
  const int n = p.levels();
  const double a = int_log_span_low(p), b = int_log_span_high(p);
  std::vector<double> edges(static_cast<std::size_t>(n) + 1);
  edges.front() = 0.0;
  edges.back() = 1.0;
  // decode rounds exp(a + u (b - a)) to the nearest integer: value x + 1 from log(x + 0.5) on.
  for (int i = 1; i < n; ++i) edges[static_cast<std::size_t>(i)] = (std::log(p.low + i - 0.5) - a) / (b - a);
  return edges;
}

std::optional<std::string> SearchSpace::check(const std::vector<ParamSpec>& specs) {
  if (specs.empty()) return "the search space has no parameters";
  std::set<std::string> names;
  for (const auto& p : specs) {
    if (p.name.empty()) return "a parameter has an empty name";
    if (!names.insert(p.name).second) return "parameter '" + p.name + "' is defined twice";
    switch (p.type) {
      case ParamType::Float:
      case ParamType::Int:
        if (!std::isfinite(p.low) || !std::isfinite(p.high))
          return "parameter '" + p.name + "': low and high must be finite numbers";
        if (!(p.low < p.high) && !(p.type == ParamType::Int && p.low == p.high))
          return "parameter '" + p.name + "': low must be less than high";
        if (p.log && p.low <= 0)
          return "parameter '" + p.name + "': log = true needs low > 0";
        if (p.type == ParamType::Int && (std::floor(p.low) != p.low || std::floor(p.high) != p.high))
          return "parameter '" + p.name + "': int bounds must be integers";
        if (p.type == ParamType::Int && p.high - p.low > 1e9)
          return "parameter '" + p.name + "': int range is too wide (over 1e9 values)";
        break;
      case ParamType::Categorical: {
        if (p.choices.empty()) return "parameter '" + p.name + "': categorical needs at least one choice";
        std::set<std::string> seen(p.choices.begin(), p.choices.end());
        if (seen.size() != p.choices.size()) return "parameter '" + p.name + "': choices must be distinct";
        break;
      }
    }
  }
  return std::nullopt;
}

SearchSpace::SearchSpace(std::vector<ParamSpec> specs) : specs_(std::move(specs)) {
  if (auto error = check(specs_)) throw std::invalid_argument(*error);
  for (const auto& p : specs_) encoded_dim_ += p.encoded_width();
}

const ParamSpec* SearchSpace::find(const std::string& name) const {
  for (const auto& p : specs_)
    if (p.name == name) return &p;
  return nullptr;
}

std::optional<std::string> SearchSpace::validate(const Params& params) const {
  for (const auto& [name, value] : params)
    if (!find(name)) return "unknown parameter '" + name + "'";
  for (const auto& p : specs_) {
    auto it = params.find(p.name);
    if (it == params.end()) return "missing parameter '" + p.name + "'";
    const ParamValue& v = it->second;
    switch (p.type) {
      case ParamType::Float: {
        double x = 0;
        if (const auto* d = std::get_if<double>(&v)) x = *d;
        else if (const auto* i = std::get_if<std::int64_t>(&v)) x = static_cast<double>(*i);
        else return "parameter '" + p.name + "' must be a number, got a string";
        if (!std::isfinite(x)) return "parameter '" + p.name + "' must be finite";
        if (x < p.low || x > p.high)
          return "parameter '" + p.name + "' = " + to_string(v) + " is outside [" + to_string(ParamValue{p.low}) +
                 ", " + to_string(ParamValue{p.high}) + "]";
        break;
      }
      case ParamType::Int: {
        const auto* i = std::get_if<std::int64_t>(&v);
        if (!i) return "parameter '" + p.name + "' must be an integer";
        if (static_cast<double>(*i) < p.low || static_cast<double>(*i) > p.high)
          return "parameter '" + p.name + "' = " + std::to_string(*i) + " is outside [" +
                 std::to_string(static_cast<std::int64_t>(p.low)) + ", " +
                 std::to_string(static_cast<std::int64_t>(p.high)) + "]";
        break;
      }
      case ParamType::Categorical: {
        const auto* s = std::get_if<std::string>(&v);
        if (!s) return "parameter '" + p.name + "' must be one of its choices (a string)";
        if (std::find(p.choices.begin(), p.choices.end(), *s) == p.choices.end())
          return "parameter '" + p.name + "' = '" + *s + "' is not one of its choices";
        break;
      }
    }
  }
  return std::nullopt;
}

std::vector<double> SearchSpace::encode(const Params& params) const {
  std::vector<double> unit;
  unit.reserve(static_cast<std::size_t>(encoded_dim_));
  for (const auto& p : specs_) {
    const ParamValue& v = params.at(p.name);
    switch (p.type) {
      case ParamType::Float: {
        double x = std::holds_alternative<double>(v) ? std::get<double>(v)
                                                      : static_cast<double>(std::get<std::int64_t>(v));
        unit.push_back(p.log ? (std::log(x) - std::log(p.low)) / (std::log(p.high) - std::log(p.low))
                             : (x - p.low) / (p.high - p.low));
        break;
      }
      case ParamType::Int: {
        const double x = static_cast<double>(std::get<std::int64_t>(v));
        if (p.log) {
          const double a = int_log_span_low(p), b = int_log_span_high(p);
          // Centre of the level's log interval.
          const double lo = std::log(std::max(x - 0.5, std::exp(a))), hi = std::log(x + 0.5);
          unit.push_back(((lo + hi) / 2 - a) / (b - a));
        } else {
          unit.push_back((x - p.low + 0.5) / p.levels());
        }
        break;
      }
      case ParamType::Categorical: {
        const auto& s = std::get<std::string>(v);
        for (const auto& c : p.choices) unit.push_back(c == s ? 1.0 : 0.0);
        break;
      }
    }
  }
  return unit;
}

Params SearchSpace::decode(const std::vector<double>& unit) const {
  if (static_cast<int>(unit.size()) != encoded_dim_)
    throw std::invalid_argument("decode: expected " + std::to_string(encoded_dim_) + " coordinates, got " +
                                std::to_string(unit.size()));
  Params params;
  std::size_t at = 0;
  for (const auto& p : specs_) {
    switch (p.type) {
      case ParamType::Float: {
        const double u = clamp01(unit[at++]);
        double x = p.log ? std::exp(std::log(p.low) + u * (std::log(p.high) - std::log(p.low)))
                         : p.low + u * (p.high - p.low);
        params[p.name] = std::clamp(x, p.low, p.high);
        break;
      }
      case ParamType::Int: {
        const double u = clamp01(unit[at++]);
        std::int64_t x;
        if (p.log) {
          const double a = int_log_span_low(p), b = int_log_span_high(p);
          x = static_cast<std::int64_t>(std::llround(std::exp(a + u * (b - a))));
        } else {
          const int n = p.levels();
          x = static_cast<std::int64_t>(p.low) + std::min(static_cast<std::int64_t>(std::floor(u * n)),
                                                          static_cast<std::int64_t>(n - 1));
        }
        x = std::clamp(x, static_cast<std::int64_t>(p.low), static_cast<std::int64_t>(p.high));
        params[p.name] = x;
        break;
      }
      case ParamType::Categorical: {
        std::size_t best = 0;
        for (std::size_t c = 1; c < p.choices.size(); ++c)
          if (unit[at + c] > unit[at + best]) best = c;
        params[p.name] = p.choices[best];
        at += p.choices.size();
        break;
      }
    }
  }
  return params;
}

std::string SearchSpace::key(const Params& params) const {
  std::ostringstream out;
  out << std::setprecision(12);
  for (const auto& p : specs_) {
    auto it = params.find(p.name);
    out << p.name << '=';
    if (it != params.end()) std::visit([&out](const auto& v) { out << v; }, it->second);
    out << ';';
  }
  return out.str();
}

std::string SearchSpace::fingerprint() const {
  std::ostringstream out;
  out << std::setprecision(17);
  for (const auto& p : specs_) {
    out << p.name << ':';
    switch (p.type) {
      case ParamType::Float: out << "float[" << p.low << ',' << p.high << (p.log ? ",log" : "") << ']'; break;
      case ParamType::Int: out << "int[" << p.low << ',' << p.high << (p.log ? ",log" : "") << ']'; break;
      case ParamType::Categorical:
        out << "cat[";
        for (const auto& c : p.choices) out << c << ',';
        out << ']';
        break;
    }
    out << ';';
  }
  return out.str();
}

}  // namespace quante
