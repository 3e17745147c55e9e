// The output scale a user's kernel may lack. "Matern(nu=2.5) + WhiteKernel()" written in
// scikit-learn has unit signal variance, which is wrong for most data even after standardizing.
// Rule: every top-level additive term (the operands of the outermost '+', parentheses included)
// that is not a WhiteKernel and has no ConstantKernel factor is multiplied by ConstantKernel(1.0),
// whose value is then fitted. So "Matern(nu=2.5) + WhiteKernel()" is fitted as
// "ConstantKernel(1) * Matern(nu=2.5) + WhiteKernel()", while "C(1.0) * Matern(nu=0.5)" and
// "(RBF() + Matern()) * C()" are left as written.
#pragma once

#include "kernel.hpp"

#include <memory>

namespace quante::opt {

std::unique_ptr<Kernel> with_implicit_amplitude(std::unique_ptr<Kernel> kernel);

}  // namespace quante::opt
