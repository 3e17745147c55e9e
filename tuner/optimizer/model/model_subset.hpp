// Which evaluations a bounded GP is fitted on, when a history holds more than it can afford.
//
// An exact GP costs O(n^2) memory and O(n^3) time per fit, and every step of the acquisition
// optimiser O(n^2) (two triangular solves). Beyond `count` evaluations the model keeps
//   - the count / 4 best (lowest) targets: where qEI looks for improvement and the trust region
//     is centred, so the model must be accurate there (the "local" part), and
//   - of the rest, count - count / 4 evenly spaced in history order: a coarse, deterministic
//     picture of the whole explored space, early exploration and late exploitation alike.
// The indices come back in history order, so the model sees its rows in the order they arrived
// (the trust region reads its schedule off that order). Ties at the count / 4-th best are broken
// by the earlier index, so the subset depends on the targets and nothing else.
#pragma once

#include <Eigen/Core>

#include <cstddef>
#include <vector>

namespace quante::opt {

// Ascending row indices into y: all of them when y.size() <= count.
std::vector<Eigen::Index> model_subset(const Eigen::VectorXd& y, std::size_t count);

// `count` of `n` indices evenly spaced from the first to the last (all of them when count >= n).
std::vector<std::size_t> evenly_spaced(std::size_t n, std::size_t count);

}  // namespace quante::opt
