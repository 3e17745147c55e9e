// Standard optimisation test functions, with the domains, minima and minimisers given in
// S. Surjanovic and D. Bingham, "Virtual Library of Simulation Experiments: Test Functions and
// Datasets" (https://www.sfu.ca/~ssurjano/optimization.html). The minimisers of Hartmann3 and
// Hartmann6 are carried to eight digits so that f(argmin) matches the optimum to about 1e-8.
#include "test_functions.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <numbers>

namespace quante {

namespace {

constexpr double kPi = std::numbers::pi;
constexpr int kMaxDim = 1000;

double branin(const std::vector<double>& x) {
  // f = a (x1 - b x0^2 + c x0 - r)^2 + s (1 - t) cos(x0) + s
  const double a = 1.0, b = 5.1 / (4.0 * kPi * kPi), c = 5.0 / kPi, r = 6.0, s = 10.0,
               t = 1.0 / (8.0 * kPi);
  const double u = x[1] - b * x[0] * x[0] + c * x[0] - r;
  return a * u * u + s * (1.0 - t) * std::cos(x[0]) + s;
}

// Hartmann functions: f = -sum_i alpha_i exp(-sum_j A_ij (x_j - P_ij)^2).
template <std::size_t D>
double hartmann(const std::vector<double>& x, const std::array<std::array<double, D>, 4>& a,
                const std::array<std::array<double, D>, 4>& p) {
  constexpr std::array<double, 4> alpha{1.0, 1.2, 3.0, 3.2};
  double sum = 0.0;
  for (std::size_t i = 0; i < 4; ++i) {
    double inner = 0.0;
    for (std::size_t j = 0; j < D; ++j) {
      const double d = x[j] - p[i][j];
      inner += a[i][j] * d * d;
    }
    sum += alpha[i] * std::exp(-inner);
  }
  return -sum;
}

double hartmann3(const std::vector<double>& x) {
  static const std::array<std::array<double, 3>, 4> a{
      {{3.0, 10.0, 30.0}, {0.1, 10.0, 35.0}, {3.0, 10.0, 30.0}, {0.1, 10.0, 35.0}}};
  static const std::array<std::array<double, 3>, 4> p{{{0.3689, 0.1170, 0.2673},
                                                       {0.4699, 0.4387, 0.7470},
                                                       {0.1091, 0.8732, 0.5547},
                                                       {0.0381, 0.5743, 0.8828}}};
  return hartmann<3>(x, a, p);
}

double hartmann6(const std::vector<double>& x) {
  static const std::array<std::array<double, 6>, 4> a{{{10.0, 3.0, 17.0, 3.5, 1.7, 8.0},
                                                       {0.05, 10.0, 17.0, 0.1, 8.0, 14.0},
                                                       {3.0, 3.5, 1.7, 10.0, 17.0, 8.0},
                                                       {17.0, 8.0, 0.05, 10.0, 0.1, 14.0}}};
  static const std::array<std::array<double, 6>, 4> p{
      {{0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886},
       {0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991},
       {0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650},
       {0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381}}};
  return hartmann<6>(x, a, p);
}

// sum_{i<d-1} 100 (x_{i+1} - x_i^2)^2 + (x_i - 1)^2
double rosenbrock(const std::vector<double>& x) {
  double sum = 0.0;
  for (std::size_t i = 0; i + 1 < x.size(); ++i) {
    const double u = x[i + 1] - x[i] * x[i];
    const double v = x[i] - 1.0;
    sum += 100.0 * u * u + v * v;
  }
  return sum;
}

// -a exp(-b sqrt(mean x_i^2)) - exp(mean cos(c x_i)) + a + e, a = 20, b = 0.2, c = 2 pi
double ackley(const std::vector<double>& x) {
  const double a = 20.0, b = 0.2, c = 2.0 * kPi;
  double squares = 0.0, cosines = 0.0;
  for (double xi : x) {
    squares += xi * xi;
    cosines += std::cos(c * xi);
  }
  const double n = static_cast<double>(x.size());
  return -a * std::exp(-b * std::sqrt(squares / n)) - std::exp(cosines / n) + a + std::numbers::e;
}

// w_i = 1 + (x_i - 1) / 4;
// sin^2(pi w_1) + sum_{i<d} (w_i - 1)^2 [1 + 10 sin^2(pi w_i + 1)] + (w_d - 1)^2 [1 + sin^2(2 pi
// w_d)]
double levy(const std::vector<double>& x) {
  const std::size_t d = x.size();
  auto w = [&x](std::size_t i) { return 1.0 + (x[i] - 1.0) / 4.0; };
  const double s0 = std::sin(kPi * w(0));
  double sum = s0 * s0;
  for (std::size_t i = 0; i + 1 < d; ++i) {
    const double wi = w(i);
    const double s = std::sin(kPi * wi + 1.0);
    sum += (wi - 1.0) * (wi - 1.0) * (1.0 + 10.0 * s * s);
  }
  const double wd = w(d - 1);
  const double sd = std::sin(2.0 * kPi * wd);
  sum += (wd - 1.0) * (wd - 1.0) * (1.0 + sd * sd);
  return sum;
}

double sphere(const std::vector<double>& x) {
  double sum = 0.0;
  for (double xi : x) sum += xi * xi;
  return sum;
}

// (1/2) sum_i x_i^4 - 16 x_i^2 + 5 x_i
double styblinski_tang(const std::vector<double>& x) {
  double sum = 0.0;
  for (double xi : x) sum += xi * xi * xi * xi - 16.0 * xi * xi + 5.0 * xi;
  return 0.5 * sum;
}

constexpr double kStyblinskiTangArgmin = -2.903534027771178;
constexpr double kStyblinskiTangOptimumPerDim = -39.16616570377142;

TestFunction box(std::string name, int dim, double low, double high, double optimum, double argmin,
                 std::function<double(const std::vector<double>&)> f) {
  const auto n = static_cast<std::size_t>(dim);
  return TestFunction{std::move(name),
                      dim,
                      std::vector<double>(n, low),
                      std::vector<double>(n, high),
                      optimum,
                      std::vector<double>(n, argmin),
                      std::move(f)};
}

// The families that take a dimension, with their default dimension and smallest allowed one.
struct Family {
  const char* name;
  int default_dim;
  int min_dim;
  TestFunction (*make)(const std::string& name, int dim);
};

const std::array<Family, 5> kFamilies{{
    {"rosenbrock", 2, 2,
     [](const std::string& n, int d) { return box(n, d, -5.0, 10.0, 0.0, 1.0, rosenbrock); }},
    {"ackley", 2, 1,
     [](const std::string& n, int d) { return box(n, d, -32.768, 32.768, 0.0, 0.0, ackley); }},
    {"levy", 2, 1,
     [](const std::string& n, int d) { return box(n, d, -10.0, 10.0, 0.0, 1.0, levy); }},
    {"sphere", 2, 1,
     [](const std::string& n, int d) { return box(n, d, -5.12, 5.12, 0.0, 0.0, sphere); }},
    {"styblinski_tang", 2, 1,
     [](const std::string& n, int d) {
       return box(n, d, -5.0, 5.0, kStyblinskiTangOptimumPerDim * d, kStyblinskiTangArgmin,
                  styblinski_tang);
     }},
}};

}  // namespace

std::optional<TestFunction> find_test_function(const std::string& name) {
  if (name == "branin") {
    return TestFunction{name,         2,     {-5.0, 0.0}, {10.0, 15.0}, 0.39788735772973816,
                        {kPi, 2.275}, branin};
  }
  if (name == "hartmann3") {
    return TestFunction{name,
                        3,
                        {0.0, 0.0, 0.0},
                        {1.0, 1.0, 1.0},
                        -3.8627797869493365,
                        {0.11458922, 0.55564884, 0.85254695},
                        hartmann3};
  }
  if (name == "hartmann6") {
    return TestFunction{name,
                        6,
                        std::vector<double>(6, 0.0),
                        std::vector<double>(6, 1.0),
                        -3.322368011415515,
                        {0.20168952, 0.15001069, 0.47687398, 0.27533243, 0.31165162, 0.65730054},
                        hartmann6};
  }
  if (name == "noop") {
    // No parameters of its own: the builtin objective lets it take any, for load tests.
    return TestFunction{name, 0, {}, {}, 0.0, {}, [](const std::vector<double>&) { return 0.0; }};
  }
  for (const Family& family : kFamilies) {
    const std::string base = family.name;
    if (name.compare(0, base.size(), base) != 0) continue;
    const std::string suffix = name.substr(base.size());
    int dim = family.default_dim;
    if (!suffix.empty()) {
      if (suffix[0] == '0') return std::nullopt;  // no leading zeros: one spelling per function
      const auto [end, ec] = std::from_chars(suffix.data(), suffix.data() + suffix.size(), dim);
      if (ec != std::errc{} || end != suffix.data() + suffix.size()) return std::nullopt;
    }
    if (dim < family.min_dim || dim > kMaxDim) return std::nullopt;
    return family.make(name, dim);
  }
  return std::nullopt;
}

std::vector<std::string> test_function_names() {
  std::vector<std::string> names{"branin", "hartmann3", "hartmann6"};
  for (const Family& family : kFamilies) names.emplace_back(family.name);
  names.emplace_back("noop");
  return names;
}

std::string describe_test_function_names() {
  std::string text;
  for (const std::string& name : test_function_names()) {
    if (!text.empty()) text += ", ";
    text += name;
  }
  text += "; with a dimension suffix:";
  for (const Family& family : kFamilies) text += std::string(" ") + family.name + "<d>";
  return text + " (e.g. ackley5, levy10, rosenbrock4)";
}

}  // namespace quante
