// Transforms of the raw losses y (to be minimised) into the GP's targets. All are monotone
// increasing, so the minimiser and the ordering of losses are preserved.
//   Standardize: z = (y - mean) / std (population std; std := 1 when the losses are all equal).
//   Log:         z = standardize(log y); refused unless every loss is > 0.
//   Power:       z = standardize(YJ_lambda(standardize(y))), the Yeo-Johnson power transform
//                (Yeo & Johnson, Biometrika 2000) with lambda in [-2, 2] fitted by maximum
//                likelihood of normality, as HEBO warps its outputs (Cowen-Rivers et al., "HEBO:
//                Pushing the Limits of Sample-Efficient Hyperparameter Optimisation", JAIR 2022).
//                Defined for every real loss; lambda near 1 leaves near-normal losses alone,
//                lambda < 1 compresses a long tail of bad losses and spreads the good ones, which
//                is what a loss surface with a few huge values (diverged runs) needs.
//                Before the warp, losses above a robust upper fence are compressed doubly
//                logarithmically (a soft winsorising): with m the median, s = 2 (m - q25) (the
//                lower half's spread, the IQR for symmetric losses; the standard deviation when
//                ties make it 0) and F = m + 3.5 s (Tukey's "far out" fence Q3 + 3 IQR for
//                symmetric losses), y > F becomes F + s log(1 + log(1 + (y - F) / s)). Without
//                it one diverged run (40 losses in [0.3, 0.5] and one of 1e3) drives lambda to
//                its bound and squeezes the good losses into a band 0.018 wide, far below the
//                noise prior's scale (0.1), where the GP can no longer rank them; with it their
//                band is 3 wide. The fence uses only the lower half, so up to nearly half the
//                losses may be diverged (1e3 .. 1e6) and the good ones stay resolved (a band
//                0.66 wide with 20 of 50 diverged; 0.29 with a single log): a diverged run
//                costs a cliff of a few spreads, not its magnitude. The logs keep
//                the order of the bad ones. Losses with no value above F are left alone.
//   RankNormal:  the probability integral transform with normal scores (Blom/van der Waerden
//                style, cf. Beasley, Erickson & Allison, "Rank-based inverse normal
//                transformations", Behav. Genet. 2009): rank the losses BY VALUE, ties get the
//                mean rank, and rank r of n maps to Phi^-1((r - 1/2) / n). (The original Python
//                tool scored in arrival order, which scrambles the ordering: that is the bug to
//                avoid.) A loss not in the training set is mapped by linear interpolation between
//                neighbouring training losses, and below/above the range to the score it would
//                have as the new extreme of n + 1: Phi^-1((1/2) / (n + 1)) and its mirror.
// The GP's prior mean is zero in target units. PriorMean says where zero sits:
//   Mean: at the average transformed loss (the targets as above).
//   Max:  at the worst observed loss (the targets shifted down by their maximum), the
//         pessimistic constant mean De Ath, Fieldsend & Everson found best in more than a few
//         dimensions ("What do you Mean? The Role of the Mean Function in Bayesian
//         Optimisation", GECCO 2020): far from the data the model expects the worst seen, not
//         the average, so qEI stops paying for the corners of a wide box where nothing is known
//         and spends the batch where the data says the loss is low.
// Losses come from worker processes, so a bad set is an error value, not an exception.
#pragma once

#include <Eigen/Core>

#include <cmath>

#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace quante::opt {

enum class OutputTransform { Standardize, RankNormal, Log, Power };
enum class PriorMean { Mean, Max };

// The study file's and the benches' spellings: "standardize", "rank_normal", "log", "power";
// "mean", "max". nullopt for anything else.
std::optional<OutputTransform> parse_output_transform(const std::string& name);
std::optional<PriorMean> parse_prior_mean(const std::string& name);

struct TransformError {
  std::string message;
};

class FittedOutputTransform;
using TransformResult = std::variant<FittedOutputTransform, TransformError>;

class FittedOutputTransform {
 public:
  // Fits the transform's parameters to the losses y (n >= 1, all finite; Log: all > 0).
  static TransformResult fit(OutputTransform kind, const Eigen::VectorXd& y, PriorMean prior_mean = PriorMean::Mean);

  OutputTransform kind() const { return kind_; }
  // Power: the fitted Yeo-Johnson exponent (1 for the other transforms).
  double lambda() const { return lambda_; }
  // Power: losses above this are compressed logarithmically (+infinity when none was).
  double tail_fence() const { return fence_; }
  double tail_scale() const { return tail_scale_; }
  // The transformed training losses, in the order given to fit.
  const Eigen::VectorXd& targets() const { return targets_; }
  // A raw loss in transformed units, with the parameters of the fit; quiet NaN when y is outside
  // the transform's domain (not finite, or <= 0 for Log).
  double apply(double y) const;
  // Back to raw units (for RankNormal: inverse of the interpolation, clamped to the training range).
  double invert(double z) const;
  // How far the targets were shifted down so that the prior mean (zero) sits where PriorMean
  // says (0 for Mean, the unshifted maximum for Max).
  double prior_mean_shift() const { return shift_; }

 private:
  double apply_unshifted(double y) const;
  double invert_unshifted(double z) const;
  double compress(double y) const;  // Power: the tail compression above fence_ (F + s log1p(log1p((y - F) / s)))
  double expand(double c) const;    // its inverse

  static constexpr double kFence = 3.5;  // the fence's distance from the median, in spreads

  OutputTransform kind_ = OutputTransform::Standardize;
  double mean_ = 0.0;
  double scale_ = 1.0;
  double lambda_ = 1.0;          // Power: the Yeo-Johnson exponent
  double fence_ = INFINITY;      // Power: where the tail compression starts
  double tail_scale_ = 1.0;      // ... and its scale s
  double mean2_ = 0.0;           // Power: standardization after the warp
  double scale2_ = 1.0;
  std::vector<double> sorted_;   // RankNormal: distinct training losses, ascending
  std::vector<double> scores_;   // RankNormal: their normal scores
  double below_ = 0.0;           // RankNormal: score of a loss below every training loss
  double above_ = 0.0;           // ... and above every one
  double shift_ = 0.0;           // subtracted from every target (PriorMean::Max)
  Eigen::VectorXd targets_;
};

}  // namespace quante::opt
