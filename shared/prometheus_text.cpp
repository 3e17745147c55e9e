#include "prometheus_text.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>

#include <fmt/format.h>

#include "printable.hpp"

namespace quante {

Histogram::Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}

void Histogram::observe(double value) {
  if (std::isnan(value)) return;
  const auto at = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();  // value <= bound
  ++counts_[static_cast<std::size_t>(at)];
  sum_ += value;
  ++count_;
}

namespace {

std::string number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", value);
}

}  // namespace

void PrometheusText::family(const std::string& name, const char* type, const std::string& help) {
  fmt::format_to(std::back_inserter(out_), "# HELP {0}{1} {2}\n# TYPE {0}{1} {3}\n", prefix_, name, help, type);
}

void PrometheusText::line(const std::string& name, const std::string& labels, const std::string& value) {
  if (labels.empty()) fmt::format_to(std::back_inserter(out_), "{}{} {}\n", prefix_, name, value);
  else fmt::format_to(std::back_inserter(out_), "{}{}{{{}}} {}\n", prefix_, name, labels, value);
}

void PrometheusText::sample(const std::string& name, const std::string& labels, std::uint64_t value) {
  line(name, labels, fmt::format("{}", value));
}

void PrometheusText::sample(const std::string& name, const std::string& labels, double value) {
  line(name, labels, number(value));
}

void PrometheusText::one(const std::string& name, const char* type, const std::string& help, std::uint64_t value) {
  family(name, type, help);
  sample(name, "", value);
}

void PrometheusText::one(const std::string& name, const char* type, const std::string& help, double value) {
  family(name, type, help);
  sample(name, "", value);
}

void PrometheusText::histogram(const std::string& name, const std::string& help, const Histogram& h) {
  family(name, "histogram", help);
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < h.bounds().size(); ++i) {
    cumulative += h.counts()[i];
    sample(name + "_bucket", "le=\"" + number(h.bounds()[i]) + "\"", cumulative);
  }
  sample(name + "_bucket", "le=\"+Inf\"", h.count());
  sample(name + "_sum", "", h.sum());
  sample(name + "_count", "", h.count());
}

std::string escape_label(const std::string& value) {
  std::string out;
  for (char c : printable(value)) {
    if (c == '\\' || c == '"') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace quante
