// Baselines for the batch optimizer, with the same exclusion rules and report:
//  - random_batches: the original Python tool's method: draw N random batches of valid points
//    and keep the one with the highest Monte Carlo qEI (pending points included in the max);
//  - random_points: q uniformly random allowed points (random search).
#pragma once

#include <Eigen/Core>
#include <cstdint>

#include "batch_optimizer.hpp"
#include "design_space.hpp"
#include "gaussian_process.hpp"

namespace quante::opt {

BatchResult random_batches(const GaussianProcess& gp, const DesignSpace& space,
                           const Eigen::MatrixXd& evaluated, const Eigen::MatrixXd& failed,
                           const Eigen::MatrixXd& pending, int q, int n_batches, std::uint64_t seed,
                           const BatchOptimizerOptions& options = {});

// Random search: no model; fewer than q rows only if the space ran out of allowed points.
Eigen::MatrixXd random_points(const DesignSpace& space, const Eigen::MatrixXd& evaluated,
                              const Eigen::MatrixXd& failed, const Eigen::MatrixXd& pending, int q,
                              std::uint64_t seed, const BatchOptimizerOptions& options = {});

}  // namespace quante::opt
