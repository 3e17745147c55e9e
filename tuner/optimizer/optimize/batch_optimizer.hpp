// Joint selection of q new points maximising qLogEI (qlogei.hpp) of the GP posterior, given
// pending points, in the spirit of BoTorch's optimize_acqf (Balandat et al. 2020):
//  1. a candidate pool: scrambled Sobol points plus local perturbations of the best observed
//     points (as in BoTorch's sample_around_best and TuRBO's trust region, Eriksson et al. 2019),
//     snapped and filtered through the exclusion zone; one joint posterior of [pool; pending];
//  2. screening on sub-blocks of that posterior (no further GP calls): a greedy batch (each
//     point the best completion of the previous ones) and random q-subsets of the pool;
//  3. multi-start L-BFGS-B (LBFGSpp, bounds [0,1]) on the flattened q x d relaxed problem from the
//     best screened batches, with the reparameterisation gradient (batch_objective.hpp);
//  4. snapping onto the design space and repair: a point that is a repeat (evaluated, pending,
//     in the batch) or near a failure is replaced by the best allowed pool completion;
//  5. the chosen batch is reported with its exact qEI (Tallis + Genz) and a MC qEI.
// In higher dimensions some points of the batch are held in a trust region around the best point
// (see BatchOptimizerOptions::trust_region_min_dim): their L-BFGS-B bounds are the region's box.
// Mixed spaces (issue 14): in step 4 each snapped point of a space with integers or categoricals
// climbs its discrete neighbourhood by the batch's qLogEI given the points before it
// (discrete_search.hpp), and a repeat is replaced by its best allowed neighbour before the pool
// or a random point is tried (counted in BatchResult::fallbacks). A purely continuous space takes
// none of these steps: its batches are unchanged.
// All randomness derives from the seed: the same inputs and seed give the same batch.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <functional>
#include <vector>

#include "design_space.hpp"
#include "gaussian_process.hpp"

namespace quante::opt {

// std::thread::hardware_concurrency(), at least 1.
int default_optimizer_threads();

// Scores many candidate batches at once by MC qEI: batch b is the points batches[b] (indices
// into the joint posterior mean/cov, pending points included), base_samples N x m. Returns one
// score per batch. The tuner plugs the GPU screener (tuner/optimizer/cuda/qei_screen.hpp) in
// here when one is present; the optimizer itself links only Eigen.
using BatchScreen = std::function<std::vector<double>(const Eigen::VectorXd& mean, const Eigen::MatrixXd& cov,
                                                      const std::vector<std::vector<int>>& batches, double incumbent,
                                                      const Eigen::MatrixXd& base_samples)>;

struct BatchOptimizerOptions {
  int raw_samples = 256;         // candidate pool size
  double local_fraction = 0.5;   // share of the pool drawn around the best observed points
  int raw_batches = 64;          // random q-subsets of the pool screened besides the greedy batch
  int restarts = 3;              // L-BFGS-B starts (the greedy batch and the best random subsets)
  int mc_samples = 128;          // QMC base samples of the optimised qLogEI
  int screen_mc_samples = 16;    // QMC base samples while screening
  int max_iterations = 60;       // L-BFGS-B iterations per start
  // Added: large batches. A joint L-BFGS-B step costs O(n^2 q) in the GP (two triangular solves
  // with q columns), so a batch of 64 at n = 2000 spent ~20 s in 3 x 60 iterations. Above
  // joint_full_q new points the iterations per start shrink to max_iterations * joint_full_q / q
  // (at least joint_min_iterations) and the starts to joint_large_starts (the greedy batch and
  // the best screened one; a constant, not the thread count, so that the batch does not depend
  // on the machine): the screened greedy batch is already good, and the polish moves all q
  // points at once. Batches of up to joint_full_q points (the benchmarks' q = 4) are optimised
  // as before.
  int joint_full_q = 8;
  int joint_min_iterations = 5;
  int joint_large_starts = 2;
  // Threads for the L-BFGS-B starts (each start is independent; the result does not depend on
  // this). Default: the machine's cores, at most the number of starts.
  int threads = default_optimizer_threads();
  int report_mc_samples = 1024;  // QMC base samples of the reported MC qEI
  bool report_exact = true;      // compute the exact qEI of the chosen batch
  // Added: accuracy of that report. Genz's QMC estimates of the MVN CDFs (4 replicates, from 64
  // points each) stop at this absolute tolerance or at report_max_points per replicate, a budget
  // halved for batches (new plus pending points) of 6 or 7 and divided by 8 from 8 on, whose 2m
  // CDFs of dimension m - 1 and m would otherwise dominate a proposal (a q = 4 batch with 4
  // pending points spent ~150 ms here at 1e-4); qei_exact_error reports what it bought.
  double report_tolerance = 2e-3;
  int report_max_points = 128;
  // Added: the exact qEI is computed only for batches (new plus pending points) of at most this
  // many points. Its 2m Genz CDFs of dimension up to m cost O(m^5) in all, seconds at m = 32
  // and minutes at m = 64 (a farm of 64 GPUs); above the bound qei_exact is NaN and the MC qEI
  // (report_mc_samples QMC samples, O(N m^2)) stands for it.
  int report_exact_max = 8;
  // Added: trust-region points (TuRBO, Eriksson et al. 2019, "Scalable Global Optimization via
  // Local Bayesian Optimization", NeurIPS). In spaces of trust_region_min_dim or more continuous
  // dimensions, a share of the points proposed (one in four by default, counting evaluated and
  // pending points, so that q = 1 asynchronous proposals take their turn) is confined to a box around the best observed
  // point while the batch is still chosen jointly by qLogEI. The box's sides are proportional to
  // the GP's lengthscales (geometric mean 1) times L = trust_region_length, halved after every
  // max(4, d) evaluations without improvement since the last one (at most 6 halvings, then back
  // to the full length): TuRBO's schedule read off the history, so the proposer keeps no state.
  // Mixed spaces: the region is counted in variables (a categorical is one) and boxes only the
  // continuous coordinates; integers and categoricals stay free, the neighbourhood search moves
  // them (issue 14).
  int trust_region_min_dim = 5;  // 0: never
  double trust_region_share = 0.25;  // share of the proposed points held in the region
  double trust_region_length = 0.8;
  // Added: a bulk screener (BatchScreen). When set, screen_batches more random q-subsets of the
  // pool are scored by it with screen_mc_samples_bulk samples each; its best `restarts` are
  // re-scored like the others (qLogEI on the same sub-blocks) and compete for the starts.
  BatchScreen screen;
  int screen_batches = 4096;
  int screen_mc_samples_bulk = 256;
  double min_separation = 1e-4;  // a point closer than this to a taken point is a repeat
  double failed_radius = 0.05;   // no proposal within this distance of a failed point
  // Mixed spaces: improving neighbour moves per point in step 4 (0: snap only, as before).
  int neighbour_moves = 8;
  // Mixed spaces whose integers and categoricals have at most this many settings in all: every
  // setting is scored instead of climbing (the exact discrete argmax for the point's continuous
  // coordinates).
  int enumerate_discrete = 128;
};

struct BatchResult {
  Eigen::MatrixXd points;          // q x d valid encoded points (fewer only if the space ran out)
  double log_qei = -INFINITY;      // qLogEI of [points; pending]
  double qei_mc = 0.0;             // MC qEI of [points; pending]
  double qei_mc_error = 0.0;
  double qei_exact = NAN;          // exact qEI of [points; pending] (NaN when not computed)
  double qei_exact_error = 0.0;
  int evaluations = 0;             // objective + gradient evaluations in L-BFGS-B
  int neighbour_moves = 0;         // improving discrete moves in the chosen batch (mixed spaces)
  int fallbacks = 0;               // repeats of the chosen batch that no neighbour could replace
};

// evaluated: the points the GP was fitted on, in the same order as its targets (n x d); failed
// and pending: rows of valid encoded points (may be empty, 0 x d).
BatchResult optimize_batch(const GaussianProcess& gp, const DesignSpace& space,
                           const Eigen::MatrixXd& evaluated, const Eigen::MatrixXd& failed,
                           const Eigen::MatrixXd& pending, int q, std::uint64_t seed,
                           const BatchOptimizerOptions& options = {});

// The MC and exact qEI (and qLogEI) of a batch [points; pending]: the report of step 5, shared
// with the baselines.
void score_batch(const GaussianProcess& gp, const Eigen::MatrixXd& pending, std::uint64_t seed,
                 const BatchOptimizerOptions& options, BatchResult& result);

}  // namespace quante::opt
