// Sobol low-discrepancy sequence (Sobol 1967) with the Joe & Kuo (2008) direction numbers
// ("new-joe-kuo-6.21201", better two-dimensional projections), up to SobolSequence::max_dim
// dimensions, generated in Gray-code order (Antonov & Saleev 1979). Optional scrambling from a
// caller-given seed: a random linear matrix scramble of the direction numbers plus a random digital
// shift (Matousek 1998, "On the L2-discrepancy for anchored boxes"), which keeps the (t,s)-net
// property and makes the points unbiased uniform samples. Uses: the initial space-filling design,
// the screening set of the batch optimizer, QMC base samples (sobol_normal) for MC acquisition
// functions, and the randomised QMC of the multivariate normal CDF.
#pragma once

#include <Eigen/Core>
#include <array>
#include <cstdint>
#include <optional>
#include <vector>

namespace quante::opt {

class SobolSequence {
 public:
  static constexpr int max_dim = 256;

  // dim in [1, max_dim]; throws std::invalid_argument otherwise. Without a seed the sequence is
  // the published unscrambled one, starting with the origin.
  explicit SobolSequence(int dim, std::optional<std::uint64_t> scramble_seed = std::nullopt);

  int dim() const { return dim_; }
  // Next point in [0,1)^dim.
  Eigen::VectorXd next();
  // The next n points, one per row (n x dim).
  Eigen::MatrixXd draw(int n);
  // Skips n points (e.g. the origin of an unscrambled sequence).
  void skip(std::uint64_t n);

 private:
  int dim_;
  std::uint64_t index_ = 0;
  std::vector<std::array<std::uint32_t, 32>> direction_;  // per dimension, 32 direction numbers
  std::vector<std::uint32_t> state_;                      // current point as integers
};

// n scrambled Sobol points in [0,1)^dim (n x dim), deterministic given the seed. Any dim >= 1:
// above SobolSequence::max_dim the coordinates come in blocks of max_dim, each block an
// independently scrambled sequence in an independent random order (padding by shuffling).
Eigen::MatrixXd sobol_points(int n, int dim, std::uint64_t seed);

// n quasi-random standard normal vectors (n x dim): inverse normal CDF of scrambled Sobol points.
// For dim > SobolSequence::max_dim it falls back to pseudo-random normals from the seed.
Eigen::MatrixXd sobol_normal(int n, int dim, std::uint64_t seed);

// n space-filling points in [0,1]^dim for an initial design: scrambled Sobol points, each of which
// is the centre-ish of its own elementary box, so no point lies on the cube's boundary.
Eigen::MatrixXd space_filling_design(int n, int dim, std::uint64_t seed);

}  // namespace quante::opt
