// See param_importance.hpp.
#include "param_importance.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include <Eigen/Core>

#include "gaussian_process.hpp"
#include "output_transform.hpp"

namespace quante::tuner {

namespace {

std::vector<const EvaluationRecord*> model_points(const Study& study, std::vector<const EvaluationRecord*> ok,
                                                  std::size_t max_points) {
  if (ok.size() <= max_points) return ok;
  const std::size_t best_count = max_points / 4;
  std::vector<const EvaluationRecord*> by_loss = ok;
  std::nth_element(by_loss.begin(), by_loss.begin() + static_cast<std::ptrdiff_t>(best_count), by_loss.end(),
                   [&](const auto* a, const auto* b) { return study.sign() * *a->loss < study.sign() * *b->loss; });
  const std::set<const EvaluationRecord*> best(by_loss.begin(), by_loss.begin() + static_cast<std::ptrdiff_t>(best_count));
  std::vector<const EvaluationRecord*> subset, rest;
  for (const auto* r : ok) (best.count(r) ? subset : rest).push_back(r);
  const std::size_t spread = max_points - best_count;
  for (std::size_t k = 0; k < spread; ++k)
    subset.push_back(rest[spread == 1 ? 0
                                      : static_cast<std::size_t>(static_cast<double>(k) * static_cast<double>(rest.size() - 1) /
                                                                     static_cast<double>(spread - 1) + 0.5)]);
  return subset;
}

}  // namespace

std::variant<ImportanceResult, std::string> parameter_importance(const Study& study,
                                                                 const std::vector<EvaluationRecord>& records,
                                                                 std::size_t max_points) {
  std::vector<const EvaluationRecord*> ok;
  for (const auto& r : records)
    if (r.ok() && r.loss && std::isfinite(*r.loss) && !study.space.validate(r.params)) ok.push_back(&r);
  if (static_cast<int>(ok.size()) < kImportanceMinPoints)
    return "needs at least " + std::to_string(kImportanceMinPoints) + " successful evaluations (" +
           std::to_string(ok.size()) + " so far)";
  ImportanceResult result;
  result.available = static_cast<int>(ok.size());
  const auto points = model_points(study, std::move(ok), std::max<std::size_t>(max_points, kImportanceMinPoints));
  result.points = static_cast<int>(points.size());

  const int dim = study.space.encoded_dim();
  Eigen::MatrixXd X(static_cast<Eigen::Index>(points.size()), dim);
  Eigen::VectorXd y(static_cast<Eigen::Index>(points.size()));
  for (std::size_t i = 0; i < points.size(); ++i) {
    const auto unit = study.space.encode(points[i]->params);
    for (int c = 0; c < dim; ++c) X(static_cast<Eigen::Index>(i), c) = unit[static_cast<std::size_t>(c)];
    y(static_cast<Eigen::Index>(i)) = study.sign() * *points[i]->loss;
  }
  opt::GpOptions options;
  options.kernel = study.model.kernel;
  options.transform = opt::parse_output_transform(study.model.transform).value_or(opt::OutputTransform::Power);
  options.prior_mean = opt::parse_prior_mean(study.model.prior_mean).value_or(opt::PriorMean::Max);
  std::vector<double> inverse(static_cast<std::size_t>(dim), 0.0);
  bool any = false;
  try {
    opt::GaussianProcess gp(options);
    if (auto error = gp.check_training_data(X, y)) return "the GP cannot be fitted: " + *error;
    const auto report = gp.fit(X, y, study.seed);
    result.kernel = report.hyperparameters;
    gp.kernel().for_each_hyperparameter([&](const opt::Hyperparameter& h) {
      const std::string prefix = "length_scale[";
      if (h.name.rfind(prefix, 0) != 0) return;
      const auto k = std::stoul(h.name.substr(prefix.size()));
      if (k < inverse.size()) {
        inverse[k] += std::exp(-h.value);  // value = log l
        any = true;
      }
    });
  } catch (const std::exception& e) {
    return std::string("the GP fit failed: ") + e.what();
  }
  if (!any) return "the kernel (" + study.model.kernel + ") has no lengthscale to read an importance from";

  double total = 0;
  std::size_t column = 0;
  for (const auto& spec : study.space.params()) {
    const auto width = static_cast<std::size_t>(spec.encoded_width());
    double s = 0;
    if (spec.type == ParamType::Categorical) {
      double mean_square = 0;
      for (std::size_t c = column; c < column + width; ++c) mean_square += inverse[c] * inverse[c];
      s = std::sqrt(2 * mean_square / static_cast<double>(width));
    } else {
      s = inverse[column];
    }
    column += width;
    result.params.push_back({spec.name, s, s > 0 ? 1 / s : 0});
    total += s;
  }
  for (auto& p : result.params) p.importance = total > 0 ? p.importance / total : 0;
  return result;
}

std::string importance_explanation() {
  return "Importance is read from the Gaussian process the tuner fits (the study's kernel, output transform and prior "
         "mean, on the successful evaluations: at most 500, the best quarter and an even spread of the rest). Inputs "
         "are scaled to the unit cube; a parameter's sensitivity is the kernel distance a full change of it makes, "
         "1/lengthscale for a number, sqrt(2 * mean(1/lengthscale^2)) over the one-hot columns of a categorical; the "
         "sensitivities are normalised to sum to 1. A short lengthscale means the loss changes quickly along the "
         "parameter. With few points the lengthscales stay near their prior and the importances near equal.";
}

}  // namespace quante::tuner
