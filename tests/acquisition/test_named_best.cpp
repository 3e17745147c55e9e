// The best point the tuner names under noise (issue 14): where the GP infers noise, the lowest
// posterior mean at the observed points, not the luckiest observation. Over seeds, the named
// point's true value must beat the luckiest observation's; noise-free data keep the lowest loss.
#include <catch2/catch.hpp>

#include <cmath>

#include "proposer.hpp"
#include "rng.hpp"

using namespace quante::opt;

namespace {

double truth(const Eigen::VectorXd& x) {
  return (x[0] - 0.35) * (x[0] - 0.35) + 2.0 * (x[1] - 0.6) * (x[1] - 0.6) + 0.05 * std::sin(9.0 * x[0]);
}

struct Study {
  ProposalRequest request;
  std::vector<double> truths;
};

// n random points of the 2-d function, losses with Gaussian noise of sd `noise`.
Study noisy_study(int n, double noise, std::uint64_t seed) {
  const DesignSpace space = DesignSpace::continuous(2);
  Rng rng(seed);
  Study s;
  s.request.X.resize(n, 2);
  s.request.y.resize(n);
  for (int i = 0; i < n; ++i) {
    const Eigen::VectorXd x = space.random_point(rng);
    s.request.X.row(i) = x.transpose();
    s.truths.push_back(truth(x));
    s.request.y[i] = s.truths.back() + noise * standard_normal(rng);
  }
  s.request.seed = seed;
  return s;
}

}  // namespace

TEST_CASE("Under noise the named best beats the luckiest observation on average over seeds", "[proposer][noise]") {
  // Noise sd 0.1 against a range of about 0.9 over the square: 11 %.
  double named_sum = 0.0, lucky_sum = 0.0;
  int by_mean = 0;
  const int seeds = 12;
  for (int seed = 0; seed < seeds; ++seed) {
    const Study s = noisy_study(40, 0.1, 1000 + static_cast<std::uint64_t>(seed));
    Proposer proposer(DesignSpace::continuous(2));
    const NamedBest named = proposer.name_best(s.request);
    REQUIRE(named.index >= 0);
    Eigen::Index lucky = 0;
    s.request.y.minCoeff(&lucky);
    named_sum += s.truths[static_cast<std::size_t>(named.index)];
    lucky_sum += s.truths[static_cast<std::size_t>(lucky)];
    by_mean += named.by_posterior_mean ? 1 : 0;
    CHECK(std::isfinite(named.mean_loss));
  }
  INFO("mean true value: named " << named_sum / seeds << ", luckiest observation " << lucky_sum / seeds);
  CHECK(by_mean == seeds);  // the noise is inferred every time
  CHECK(named_sum < 0.8 * lucky_sum);
}

TEST_CASE("Without noise the named best is the lowest loss", "[proposer][noise]") {
  const Study s = noisy_study(30, 0.0, 7);
  Proposer proposer(DesignSpace::continuous(2));
  const NamedBest named = proposer.name_best(s.request);
  Eigen::Index lowest = 0;
  s.request.y.minCoeff(&lowest);
  CHECK_FALSE(named.by_posterior_mean);
  CHECK(named.index == lowest);
  CHECK(named.noise_variance < GaussianProcess::kNoiseInferred);
  // The GP's incumbent is then the lowest target.
  CHECK(proposer.model()->incumbent() == proposer.model()->targets().minCoeff());
}

TEST_CASE("A noise-free study whose likelihood has a noisy local optimum names the lowest loss", "[proposer][noise]") {
  // The 11 full-length trials of an ASHA study of builtin:curve:branin (the early-stopping demo),
  // clustered near the optimum as BO's data are. Fitted from one set of starts, 4 seeds in 12 end
  // at a local optimum that reads the misfit as noise (variance 0.14 of the standardized losses,
  // log marginal likelihood -12.5 against -3.0 at noise 2e-4) and then named a trial of loss
  // 0.665 by its posterior mean instead of 0.398. name_best looks from more starts before it
  // believes in noise.
  const double trials[][3] = {{6.0445981554221362, 3.1575374503154308, 23.564563368176053},
                              {-2.6924115663859993, 13.769494160078466, 7.8422804678701787},
                              {3.3117636572569609, 0.5144840944558382, 3.1985289887651867},
                              {2.9629997420975283, 1.6442755628347583, 1.1498776402387065},
                              {3.530369018543082, 1.9202961269860999, 1.119505181631899},
                              {3.2090176129160621, 2.7178477275353594, 0.66457430864405787},
                              {3.1699979374122886, 2.1492422808884672, 0.41251660721579952},
                              {3.2298932939612932, 1.7789829162045023, 0.6186198194084902},
                              {3.1319399488959565, 2.2821834569677915, 0.39833481824818051},
                              {3.1369567427327087, 2.2792241792219974, 0.39799090755106725},
                              {3.1395698805051619, 2.2712176347958106, 0.39793573536584859}};
  ProposalRequest r;
  r.X.resize(11, 2);
  r.y.resize(11);
  for (int i = 0; i < 11; ++i) {
    r.X(i, 0) = (trials[i][0] + 5.0) / 15.0;  // Branin's domain [-5, 10] x [0, 15] in the unit square
    r.X(i, 1) = trials[i][1] / 15.0;
    r.y[i] = trials[i][2];
  }
  ProposerOptions any_count;  // the count rule (next test) off, so that it does not hide the refits
  any_count.min_evaluations_to_infer_noise = 0;
  for (std::uint64_t seed = 0; seed < 12; ++seed) {
    INFO("seed " << seed);
    r.seed = seed;
    Proposer proposer(DesignSpace::continuous(2), {}, any_count);
    const NamedBest named = proposer.name_best(r);
    CHECK_FALSE(named.by_posterior_mean);
    CHECK(named.index == 10);
    CHECK(named.noise_variance < GaussianProcess::kNoiseInferred);
  }
}

TEST_CASE("Below min_evaluations_to_infer_noise (20) the named best is the lowest loss whatever noise the fit reads",
          "[proposer][noise]") {
  // The same noisy quadratic as above, 40 points of which the first 19 and then 20: with 19 the
  // lowest loss is named although the fit infers noise; with 20 the posterior mean names.
  int by_mean_19 = 0, by_mean_20 = 0, noisy_19 = 0;
  for (int seed = 0; seed < 6; ++seed) {
    Study s = noisy_study(40, 0.1, 2000 + static_cast<std::uint64_t>(seed));
    ProposalRequest first;
    for (const int n : {19, 20}) {
      first.X = s.request.X.topRows(n);
      first.y = s.request.y.head(n);
      first.seed = s.request.seed;
      Proposer proposer(DesignSpace::continuous(2));
      const NamedBest named = proposer.name_best(first);
      if (n == 19) {
        Eigen::Index lowest = 0;
        first.y.minCoeff(&lowest);
        CHECK(named.index == lowest);
        by_mean_19 += named.by_posterior_mean ? 1 : 0;
        noisy_19 += named.noise_variance >= GaussianProcess::kNoiseInferred ? 1 : 0;
      } else {
        by_mean_20 += named.by_posterior_mean ? 1 : 0;
      }
    }
  }
  CHECK(by_mean_19 == 0);
  CHECK(noisy_19 > 0);    // the fit did read noise: the count rule is what kept the lowest loss
  CHECK(by_mean_20 > 0);
}
