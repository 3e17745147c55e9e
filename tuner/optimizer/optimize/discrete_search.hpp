// Discrete neighbourhood search over a mixed design space (issue 14). The batch optimizer works
// on the relaxed cube and only then snaps a point onto valid levels, so the rounding it never saw
// may land on a poor level, or on a point already evaluated. This search moves over the valid
// points themselves, the way BoTorch's optimize_acqf_mixed_alternating and CoCaBO do: from the
// snapped point, the neighbours (DesignSpace::neighbours: one categorical moved to each other
// choice, one integer one level down or up) are scored by the acquisition and the best allowed
// one is taken while it raises the score (best-improvement hill climbing).
// Where the integers and categoricals have at most `enumerate_up_to` settings in all, every
// setting (with the start's continuous coordinates) is scored instead: the exact discrete argmax,
// which hill climbing can miss (a tiny space's acquisition has local maxima between the points
// already evaluated).
// A start that is not allowed (a repeat, or near a failure) is first replaced by the best allowed
// point within two neighbour moves of it, so no repeat is swapped for a random point while an
// allowed one is that close; where none is, the caller falls back and says so.
#pragma once

#include <Eigen/Core>
#include <functional>
#include <optional>

#include "design_space.hpp"

namespace quante::opt {

struct NeighbourSearchResult {
  Eigen::VectorXd point;  // a valid allowed point
  double value = 0.0;     // score(point)
  int moves = 0;          // neighbour moves taken (the repair's counted as one)
};

using PointScore = std::function<double(const Eigen::VectorXd&)>;
using PointFilter = std::function<bool(const Eigen::VectorXd&)>;

// start: a valid point. nullopt only when start is not allowed and no allowed point lies within
// two moves (or, enumerating, when no setting is allowed). At most max_moves improving moves are
// taken.
std::optional<NeighbourSearchResult> neighbourhood_search(const DesignSpace& space, const Eigen::VectorXd& start,
                                                          const PointScore& score, const PointFilter& allowed,
                                                          int max_moves, int enumerate_up_to = 0);

}  // namespace quante::opt
