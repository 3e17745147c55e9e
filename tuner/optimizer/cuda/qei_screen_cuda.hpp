// The interface between qei_screen.cpp and the CUDA kernel of qei_screen_kernel.cu: plain C++ with
// raw pointers, so the C++ side needs no CUDA headers and the .cu file no Eigen. Internal.
#pragma once

#include <cstddef>
#include <string>

namespace quante::opt::cuda_screen {

struct Problem {
  // Index form (subsets != nullptr): mean has `dim` entries, cov is dim x dim (either order: it
  // is symmetrised), batch b is subsets[b*m .. b*m+m).
  // Posterior form (subsets == nullptr): mean is batches x m, cov is batches x m x m.
  const double* mean = nullptr;
  const double* cov = nullptr;
  int dim = 0;
  const int* subsets = nullptr;
  int batches = 0;
  int m = 0;
  const double* samples = nullptr;  // n x m, row-major
  int n = 0;
  double incumbent = 0.0;
};

// Writes values[batches] and errors[batches]; throws std::runtime_error with CUDA's reason.
void score(const Problem& problem, double* values, double* errors);

// Visible devices; 0 with the reason in *why when none.
int device_count(std::string* why);
std::string device_name();

}  // namespace quante::opt::cuda_screen
