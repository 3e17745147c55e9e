// MlpPlan: the seeded initial weights and batch orders that both mlp back-ends use, and the
// epoch-loss bookkeeping they share; see mlp_trainer.hpp. Portable draws (no std::*_distribution, whose output differs between
// standard libraries), so that a seed replays anywhere.
#include <cmath>
#include <numbers>
#include <random>
#include <sstream>

#include "mlp_random.hpp"
#include "mlp_trainer.hpp"

namespace quante::mlp {

namespace {

double uniform01(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

double standard_normal(std::mt19937_64& rng) {
  const double u1 = 1.0 - uniform01(rng);
  const double u2 = uniform01(rng);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

}  // namespace

MlpPlan make_plan(const MlpDataset& data, const MlpHyper& hyper) {
  MlpPlan plan;
  plan.seed = hyper.seed;
  plan.n_train = data.n_train;
  plan.sizes.push_back(data.features);
  for (int w : hyper.widths) plan.sizes.push_back(w);
  plan.sizes.push_back(data.outputs());
  const double hidden_gain = hyper.activation == Activation::Tanh ? 1.0 : 2.0;
  for (int l = 0; l < plan.linear_layers(); ++l) {
    const auto in = static_cast<std::size_t>(plan.sizes[static_cast<std::size_t>(l)]);
    const auto out = static_cast<std::size_t>(plan.sizes[static_cast<std::size_t>(l) + 1]);
    const bool last = l + 1 == plan.linear_layers();
    const double sd = std::sqrt((last ? 1.0 : hidden_gain) / static_cast<double>(in));
    std::mt19937_64 rng(mix64(hyper.seed ^ mix64(0x1000u + static_cast<std::uint64_t>(l))));
    std::vector<float> w(in * out);
    for (auto& v : w) v = static_cast<float>(sd * standard_normal(rng));
    plan.weights.push_back(std::move(w));
  }
  return plan;
}

std::vector<int> MlpPlan::epoch_order(int epoch) const {
  std::vector<int> order(static_cast<std::size_t>(n_train));
  for (int i = 0; i < n_train; ++i) order[static_cast<std::size_t>(i)] = i;
  std::mt19937_64 rng(mix64(seed ^ mix64(0x2000u + static_cast<std::uint64_t>(epoch))));
  for (std::size_t i = order.size(); i > 1; --i) {
    const auto j = static_cast<std::size_t>((rng() >> 11) % i);
    std::swap(order[i - 1], order[j]);
  }
  return order;
}

void record_epoch_loss(MlpRunResult& result, int epoch, double mean_loss) {
  result.train_loss.push_back(mean_loss);
  if (std::isfinite(mean_loss)) return;
  std::ostringstream why;
  why << "training diverged: the mean training loss of epoch " << epoch + 1 << " is " << mean_loss
      << " (try a smaller lr)";
  throw MlpStopped(why.str(), false);
}

}  // namespace quante::mlp
