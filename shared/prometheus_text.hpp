// Prometheus's text exposition format 0.0.4, written by hand: a histogram with fixed buckets and
// a writer of HELP/TYPE lines and samples under one name prefix
// (https://prometheus.io/docs/instrumenting/exposition_formats/). Small on purpose: the broker
// and the tuner show a few dozen series, which needs no client library.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace quante {

// Counts per bucket (upper bounds, "le"), kept non-cumulative; cumulated when written.
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void observe(double value);
  const std::vector<double>& bounds() const { return bounds_; }
  // One count per bound and a last one for +Inf.
  const std::vector<std::uint64_t>& counts() const { return counts_; }
  double sum() const { return sum_; }
  std::uint64_t count() const { return count_; }

 private:
  std::vector<double> bounds_;
  std::vector<std::uint64_t> counts_;
  double sum_ = 0;
  std::uint64_t count_ = 0;
};

class PrometheusText {
 public:
  explicit PrometheusText(std::string prefix) : prefix_(std::move(prefix)) {}
  // "# HELP" and "# TYPE" lines; then the family's samples.
  void family(const std::string& name, const char* type, const std::string& help);
  // labels: 'a="x",b="y"' (values escaped with escape_label), or empty.
  void sample(const std::string& name, const std::string& labels, std::uint64_t value);
  void sample(const std::string& name, const std::string& labels, double value);
  // A family with one unlabelled sample.
  void one(const std::string& name, const char* type, const std::string& help, std::uint64_t value);
  void one(const std::string& name, const char* type, const std::string& help, double value);
  // A whole histogram family: _bucket (cumulative, then +Inf), _sum, _count.
  void histogram(const std::string& name, const std::string& help, const Histogram& h);
  std::string take() { return std::move(out_); }

 private:
  void line(const std::string& name, const std::string& labels, const std::string& value);
  std::string prefix_;
  std::string out_;
};

// A label value with \ and " escaped; bytes that are not printable UTF-8 (newlines among them)
// written as \xNN, so that a peer's text cannot break a line of the exposition.
std::string escape_label(const std::string& value);

}  // namespace quante
