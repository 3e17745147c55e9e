// Kernel strings in scikit-learn spelling, e.g.
//   "Matern(nu=2.5) + WhiteKernel()"            "ConstantKernel() * RBF() + WhiteKernel()"
//   "C(1.0) * Matern(nu=0.5)"                    "Matern(nu=1.5, length_scale=0.3)"
//   "RBF(length_scale=[0.1, 0.2])"               "DotProduct() + WhiteKernel(noise_level=0.01)"
//   "RBF(length_scale=0.5, length_scale_bounds=\"fixed\")"
// Grammar (* binds tighter than +; a bare number n is ConstantKernel(n), as in "2.0 * RBF()"):
//   expr   := term ('+' term)*          term := factor ('*' factor)*
//   factor := '(' expr ')' | NUMBER | NAME '(' [arg (',' arg)*] ')'
//   arg    := [NAME '='] value          value := NUMBER | STRING | '[' NUMBER,... ']' | '(' NUMBER,... ')'
// Kernel names: Matern, RBF, DotProduct, ConstantKernel (alias C), WhiteKernel. The string comes
// from a user's study file, so a bad one is an error value saying what is wrong and where.
// The tree is returned exactly as written; see implicit_amplitude.hpp for the output scale.
#pragma once

#include "kernel.hpp"

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

namespace quante::opt {

struct ParseError {
  std::string message;       // what and where, e.g. "unknown kernel 'Foo' at position 4"
  std::size_t position = 0;  // offset into the kernel string
  std::string token;         // the offending token ("" at the end of the string)
};

using KernelParseResult = std::variant<std::unique_ptr<Kernel>, ParseError>;

KernelParseResult parse_kernel(std::string_view text);

}  // namespace quante::opt
