// Standard test functions for optimisation, used as the worker's built-in objectives and by the
// optimizer's quality benchmark. Each has its documented domain and known global minimum, so the
// simple regret (best value found minus the optimum) can be reported.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace quante {

struct TestFunction {
  std::string name;                 // "branin", "hartmann6", "rosenbrock", "ackley", "levy", ...
  int dim = 0;
  std::vector<double> low, high;    // the documented domain, one entry per dimension
  double optimum = 0.0;             // the global minimum value
  std::vector<double> argmin;       // one global minimiser
  std::function<double(const std::vector<double>&)> f;  // takes dim coordinates in the domain
};

// Looks a function up by name; names with a dimension suffix choose the dimension where the
// function has one ("ackley5", "levy10", "rosenbrock4"). nullopt for an unknown name.
std::optional<TestFunction> find_test_function(const std::string& name);

// Names accepted by find_test_function, for --help and error messages.
std::vector<std::string> test_function_names();

// One line for --help and error messages: the names above, and the families that take a
// dimension suffix ("ackley<d>", ...).
std::string describe_test_function_names();

}  // namespace quante
