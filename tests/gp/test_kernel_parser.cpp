// The kernel-string parser: good strings give the right tree, bad ones an error value naming the
// problem and its position; the implicit output scale.
#include "gp_test_helpers.hpp"

#include "gaussian_process.hpp"
#include "implicit_amplitude.hpp"
#include "kernel_parser.hpp"

#include <cmath>

using namespace quante::opt;
using namespace quante::opt::test;

namespace {

ParseError error_of(const std::string& text) {
  auto parsed = parse_kernel(text);
  if (std::holds_alternative<std::unique_ptr<Kernel>>(parsed)) {
    FAIL("\"" << text << "\" was accepted");
  }
  return std::get<ParseError>(parsed);
}

double value_of(const Kernel& k, const std::string& name) {
  double out = std::nan("");
  k.for_each_hyperparameter([&](const Hyperparameter& h) {
    if (h.name == name) out = std::exp(h.value);
  });
  return out;
}

}  // namespace

TEST_CASE("Good kernel strings parse to the right structure", "[gp][parser]") {
  struct Case {
    const char* text;
    const char* structure;
  };
  const Case cases[] = {
      {"Matern(nu=2.5) + WhiteKernel()", "Sum(Matern(2.5),White)"},
      {"ConstantKernel() * RBF() + WhiteKernel()", "Sum(Product(Constant,RBF),White)"},
      {"Matern(nu=1.5, length_scale=0.3)", "Matern(1.5)"},
      {"RBF(length_scale=[0.1,0.2])", "RBF"},
      {"C(1.0) * Matern(nu=0.5)", "Product(Constant,Matern(0.5))"},
      {"DotProduct() + WhiteKernel(noise_level=0.01)", "Sum(DotProduct,White)"},
      {"RBF() + C() * Matern()", "Sum(RBF,Product(Constant,Matern(1.5)))"},
      {"(RBF() + C()) * Matern()", "Product(Sum(RBF,Constant),Matern(1.5))"},
      {"C() * RBF() * Matern(nu=0.5)", "Product(Product(Constant,RBF),Matern(0.5))"},
      {"2.0 * RBF(0.5)", "Product(Constant,RBF)"},
      {"  ((Matern( nu = 2.5 )))  ", "Matern(2.5)"},
      {"RBF(0.5, (0.1, 5)) + WhiteKernel(1e-3, \"fixed\")", "Sum(RBF,White)"},
      {"Matern(length_scale_bounds='fixed', nu=0.5)", "Matern(0.5)"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    auto k = kernel_from(c.text);
    CHECK(k->structure() == c.structure);
    // to_string reads back to the same tree and values.
    auto again = kernel_from(k->to_string());
    CHECK(again->structure() == k->structure());
    CHECK(again->log_values().isApprox(k->log_values(), 1e-5));
  }
}

TEST_CASE("Arguments reach the hyperparameters", "[gp][parser]") {
  auto m = kernel_from("Matern(nu=1.5, length_scale=0.3)");
  CHECK(value_of(*m, "length_scale[0]") == Approx(0.3));
  auto w = kernel_from("DotProduct(sigma_0=2) + WhiteKernel(noise_level=0.01)");
  CHECK(value_of(*w, "noise_level") == Approx(0.01));
  CHECK(value_of(*w, "sigma_0") == Approx(2.0));
  auto c = kernel_from("C(3.5) * RBF()");
  CHECK(value_of(*c, "constant_value") == Approx(3.5));
  auto f = kernel_from("RBF(0.5, \"fixed\") + WhiteKernel(1e-3, (1e-5, 0.1))");
  int fixed = 0;
  f->for_each_hyperparameter([&](const Hyperparameter& h) {
    if (h.fixed) ++fixed;
    if (h.name == "noise_level") {
      CHECK(std::exp(h.lower) == Approx(1e-5));
      CHECK(std::exp(h.upper) == Approx(0.1));
    }
  });
  CHECK(fixed == 1);
}

TEST_CASE("Bad kernel strings are refused with what and where", "[gp][parser]") {
  struct Case {
    const char* text;
    const char* says;
    std::size_t position;
  };
  const Case cases[] = {
      {"Foo()", "unknown kernel 'Foo'", 0},
      {"RBF() + Materm(nu=2.5)", "unknown kernel 'Materm'", 8},
      {"Matern(nu=2.0)", "nu must be 0.5, 1.5 or 2.5", 7},
      {"Matern(nu=3)", "nu must be 0.5, 1.5 or 2.5", 7},
      {"(RBF() + Matern()", "unbalanced parentheses", 17},
      {"RBF())", "unbalanced parentheses", 5},
      {"RBF(", "unbalanced parentheses", 4},
      {"RBF(length_scale=[0.1, 0.2)", "unbalanced brackets", 26},
      {"RBF() +", "expected a kernel", 7},
      {"", "empty kernel string", 0},
      {"RBF(foo=1)", "no argument 'foo'", 4},
      {"RBF(length_scale=-1)", "must be positive", 4},
      {"RBF(length_scale=0)", "must be positive", 4},
      {"WhiteKernel(noise_level_bounds=(1, 0.1))", "0 < low < high", 12},
      {"RBF(length_scale_bounds=\"fixd\")", "\"fixed\" or a pair", 4},
      {"RBF() ** 2", "'**' is not supported", 6},
      {"RBF() $ C()", "unexpected character '$'", 6},
      {"RBF() C()", "expected '+', '*' or the end", 6},
      {"RBF", "expected '(' after 'RBF'", 3},
      {"RBF(1, 2, 3)", "at most 2 positional", 10},
      {"RBF(length_scale=1, length_scale=2)", "given twice", 20},
      {"C(\"fixed\")", "must be a number", 2},
  };
  for (const auto& c : cases) {
    INFO("\"" << c.text << "\"");
    const ParseError e = error_of(c.text);
    INFO("message: " << e.message);
    CHECK(e.message.find(c.says) != std::string::npos);
    CHECK(e.position == c.position);
    CHECK(e.message.find("position " + std::to_string(c.position)) != std::string::npos);
  }
  CHECK(error_of("Foo()").token == "Foo");
}

TEST_CASE("Deep nesting is refused, not a stack overflow", "[gp][parser]") {
  const std::string deep = std::string(10000, '(') + "RBF()" + std::string(10000, ')');
  CHECK(error_of(deep).message.find("nested too deeply") != std::string::npos);
  std::string long_sum = "RBF()";
  for (int i = 0; i < 100; ++i) long_sum += " + RBF()";
  CHECK(error_of(long_sum).message.find("more than 64 kernels") != std::string::npos);
}

TEST_CASE("A bad kernel string makes the GP constructor throw the parser's message",
          "[gp][parser]") {
  GpOptions options;
  options.kernel = "Matern(nu=2.0) + WhiteKernel()";
  try {
    GaussianProcess gp(options);
    FAIL("constructor accepted a bad kernel");
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()).find("nu must be 0.5, 1.5 or 2.5") != std::string::npos);
  }
}

TEST_CASE("Terms without an output scale get an implicit ConstantKernel", "[gp][parser]") {
  struct Case {
    const char* text;
    const char* structure;
  };
  const Case cases[] = {
      {"Matern(nu=2.5) + WhiteKernel()", "Sum(Product(Constant,Matern(2.5)),White)"},
      {"C(1.0) * Matern(nu=0.5)", "Product(Constant,Matern(0.5))"},
      {"(RBF() + Matern()) * C()", "Product(Sum(RBF,Matern(1.5)),Constant)"},
      {"RBF() + DotProduct()", "Sum(Product(Constant,RBF),Product(Constant,DotProduct))"},
      {"(RBF() + WhiteKernel())", "Sum(Product(Constant,RBF),White)"},
      {"RBF() * RBF()", "Product(Constant,Product(RBF,RBF))"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    CHECK(with_implicit_amplitude(kernel_from(c.text))->structure() == c.structure);
  }
  GpOptions options;
  CHECK(GaussianProcess(options).kernel().structure() == "Sum(Product(Constant,Matern(2.5)),White)");
}
