// Best-improvement hill climbing over discrete neighbours; see discrete_search.hpp.
#include "discrete_search.hpp"

#include <cmath>
#include <set>
#include <string>

namespace quante::opt {

std::optional<NeighbourSearchResult> neighbourhood_search(const DesignSpace& space, const Eigen::VectorXd& start,
                                                          const PointScore& score, const PointFilter& allowed,
                                                          int max_moves, int enumerate_up_to) {
  NeighbourSearchResult r;
  if (space.discrete_size() <= enumerate_up_to) {
    bool found = false;
    const std::string start_key = space.key(start);
    for (const Eigen::VectorXd& y : space.discrete_variants(start)) {
      if (!allowed(y)) continue;
      const double v = score(y);
      if (!found || v > r.value) {
        r.point = y;
        r.value = v;
        found = true;
      }
    }
    if (!found) return std::nullopt;
    r.moves = space.key(r.point) == start_key ? 0 : 1;
    return r;
  }
  if (allowed(start)) {
    r.point = start;
    r.value = score(start);
  } else {
    // Repair: the best allowed point one move away, else two moves away.
    std::set<std::string> seen{space.key(start)};
    std::vector<Eigen::VectorXd> ring{start};
    bool found = false;
    for (int radius = 1; radius <= 2 && !found; ++radius) {
      std::vector<Eigen::VectorXd> next;
      for (const Eigen::VectorXd& x : ring)
        for (Eigen::VectorXd& y : space.neighbours(x))
          if (seen.insert(space.key(y)).second) next.push_back(std::move(y));
      for (const Eigen::VectorXd& y : next) {
        if (!allowed(y)) continue;
        const double v = score(y);
        if (!found || v > r.value) {
          r.point = y;
          r.value = v;
          found = true;
        }
      }
      ring = std::move(next);
    }
    if (!found) return std::nullopt;
    r.moves = 1;
  }
  for (int step = 0; step < max_moves; ++step) {
    const Eigen::VectorXd* best = nullptr;
    double best_v = r.value;
    const std::vector<Eigen::VectorXd> around = space.neighbours(r.point);
    for (const Eigen::VectorXd& y : around) {
      if (!allowed(y)) continue;
      const double v = score(y);
      if (v > best_v) {
        best_v = v;
        best = &y;
      }
    }
    if (!best) break;
    r.point = *best;
    r.value = best_v;
    ++r.moves;
  }
  return r;
}

}  // namespace quante::opt
