// Early stopping and multi-fidelity, on a simulated farm whose clock counts steps
// (simulated_farm.hpp): W workers, a budget in steps, 10 seeds; median and quartiles of the
// regret of the trial the tuner names best (the best full-length one) after 10 %, 25 %, 33 %, 50 %
// and 100 % of the budget. Methods:
//   full            full-length trials, GP + qEI (the tuner without [fidelity] stopping)
//   random_asha     random search + ASHA (what Ray Tune and Optuna users get by default)
//   asha            the tuner's ASHA with the model (GP + qEI on one fidelity, fidelity_model_view)
//   hyperband       asynchronous Hyperband with the model
// Tasks: curve:FUNCTION (builtin:curve, regret = f(x) - f*), and mlp (builtin:mlp training on
// data/digits.csv for real, steps = epochs; the figure is the validation loss itself).
//   bench_multifidelity [--seeds N] [--workers W] [--tasks curve:branin,curve:hartmann6,...,mlp]
//                       [--methods full,random_asha,asha,hyperband] [--step-max S] [--step-min S] [--eta E]
//                       (without --eta: the study's default for the model's methods, 5 with ASHA and
//                       3 with Hyperband; random_asha 4, Ray Tune's and Optuna's default)
//                       [--min-trials N]  (the study's min_trials_at_rung; 0 its default)
//                       [--budget-trials B]   (budget_steps = B * step_max)
//                       [--data PATH] [--per-seed 1] [--model-input joint|rung|forecast]
//                       [--joint-kernel auto|decay|stationary] [--initial N]
//                       [--keep-probability P]
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "bench_text.hpp"
#include "objectives/objective.hpp"
#include "simulated_farm.hpp"
#include "test_functions.hpp"

using namespace quante;
using quante::bench::quantile;
using quante::bench::split;

namespace {

struct Task {
  std::string name;
  std::string spec;                        // the objective's spec
  std::optional<TestFunction> function;    // curve tasks: regret against f*
  std::string space_toml;
};

Task make_task(const std::string& name, const std::string& data) {
  Task t;
  t.name = name;
  if (name.rfind("curve:", 0) == 0) {
    t.function = find_test_function(name.substr(6));
    if (!t.function) throw std::invalid_argument("unknown function in " + name);
    t.spec = "builtin:" + name;
    for (std::size_t i = 0; i < t.function->low.size(); ++i)
      t.space_toml += "x" + std::to_string(i) + " = { type = \"float\", low = " + std::to_string(t.function->low[i]) +
                      ", high = " + std::to_string(t.function->high[i]) + " }\n";
  } else if (name == "mlp") {
    t.spec = "builtin:mlp?data=" + data + "&label=label&val_fraction=0.25&device=cpu";
    t.space_toml =
        "lr = { type = \"float\", low = 1e-4, high = 1.0, log = true }\n"
        "width = { type = \"int\", low = 4, high = 128, log = true }\n"
        "layers = { type = \"int\", low = 1, high = 3 }\n"
        "batch_size = { type = \"int\", low = 16, high = 256, log = true }\n"
        "weight_decay = { type = \"float\", low = 1e-6, high = 1e-1, log = true }\n"
        "optimizer = { type = \"categorical\", choices = [\"sgd\", \"adam\"] }\n";
  } else {
    throw std::invalid_argument("unknown task " + name);
  }
  return t;
}

Study make_study(const Task& task, const std::string& method, int workers, std::int64_t step_max, std::int64_t step_min, int min_trials, double eta,
                 std::int64_t budget_steps, std::uint64_t seed, const std::string& model_input,
                 const std::string& joint_kernel, int initial, double keep_probability) {
  const std::string scheduler = method == "full" ? "none" : method == "hyperband" ? "hyperband" : "asha";
  const std::string acquisition = method == "random_asha" ? "random" : "qei";
  const std::string text = "name = \"mf\"\nobjective = \"o\"\nbudget = 100000\nbatch = " + std::to_string(workers) +
                           "\nqueue_ahead = 0\nseed = " + std::to_string(seed) + "\n" + (initial > 0 ? "initial = " + std::to_string(initial) + "\n" : "") + "[model]\nacquisition = \"" +
                           acquisition + "\"\n[fidelity]\nstep_max = " + std::to_string(step_max) + "\nstep_min = " + std::to_string(step_min) + "\nmin_trials_at_rung = " + std::to_string(min_trials) +
                           (eta > 0 ? "\neta = " + std::to_string(eta) : method == "random_asha" ? std::string("\neta = 4") : std::string()) +
                           "\nscheduler = \"" + scheduler +
                           "\"\nbudget_steps = " + std::to_string(budget_steps) + "\nmodel_input = \"" + model_input + "\"\n" + (joint_kernel == "auto" ? "" : "joint_kernel = \"" + joint_kernel + "\"\n") +
                           (keep_probability >= 0 ? "keep_probability = " + std::to_string(keep_probability) + "\n" : "") + "[space]\n" + task.space_toml;
  auto parsed = parse_study(text, "bench");
  if (!parsed) throw std::invalid_argument(parsed.error().message);
  return parsed.value();
}

// The regret of the named best (curve tasks), or its validation loss (mlp); NaN before any
// trial finished. Before a full-length trial finished, the named best is the best of those that
// ran furthest; for the mlp that is its loss at that step.
double figure(const Task& task, const bench::Checkpoint& c) {
  if (!c.best || !c.best->loss) return std::nan("");
  if (!task.function) return c.best->curve.empty() ? *c.best->loss : c.best->curve.back().second;
  std::vector<double> x;
  for (std::size_t i = 0; i < task.function->low.size(); ++i) x.push_back(std::get<double>(c.best->params.at("x" + std::to_string(i))));
  return task.function->f(x) - task.function->optimum;
}

}  // namespace

int main(int argc, char** argv) {
  int seeds = 10, workers = 4, budget_trials = 30;
  std::int64_t step_max = 27, step_min = 1;
  int min_trials = 0;                 // 0: the study's default (max(2, min(3, ceil(eta))))
  double eta = 0;                     // 0: each method's default (above)
  bool per_seed = false;
  std::string model_input = "joint";
  std::string joint_kernel = "auto";  // the study's default: decay with ASHA, stationary otherwise
  int initial = 0;                    // 0: the study's default (2 per parameter)
  double keep_probability = -1;       // < 0: the study's default
  std::string data = std::string(QUANTE_SOURCE_DIR) + "/data/digits.csv";
  std::vector<std::string> tasks = {"curve:branin", "curve:hartmann6", "curve:ackley5"};
  std::vector<std::string> methods = {"full", "random_asha", "asha", "hyperband"};
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--seeds") seeds = std::stoi(value);
    else if (flag == "--workers") workers = std::stoi(value);
    else if (flag == "--tasks") tasks = split(value);
    else if (flag == "--methods") methods = split(value);
    else if (flag == "--step-max") step_max = std::stoll(value);
    else if (flag == "--step-min") step_min = std::stoll(value);
    else if (flag == "--min-trials") min_trials = std::stoi(value);
    else if (flag == "--eta") eta = std::stod(value);
    else if (flag == "--budget-trials") budget_trials = std::stoi(value);
    else if (flag == "--data") data = value;
    else if (flag == "--per-seed") per_seed = value == "1";
    else if (flag == "--model-input") model_input = value;
    else if (flag == "--joint-kernel") joint_kernel = value;
    else if (flag == "--initial") initial = std::stoi(value);
    else if (flag == "--keep-probability") keep_probability = std::stod(value);
    else {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  spdlog::set_level(spdlog::level::warn);
  const std::int64_t budget_steps = budget_trials * step_max;
  const std::vector<double> fractions = {0.10, 0.25, 1.0 / 3.0, 0.50, 1.00};  // a third: the target
  std::vector<std::int64_t> checkpoints;
  for (double f : fractions) checkpoints.push_back(static_cast<std::int64_t>(f * static_cast<double>(budget_steps)));
  std::printf("W = %d workers, step_min %lld, step_max %lld, eta %g (0: each method's default), budget %lld steps (%d full-length trials), %d seeds, model input %s, joint kernel %s\n",
              workers, static_cast<long long>(step_min), static_cast<long long>(step_max), eta, static_cast<long long>(budget_steps), budget_trials, seeds,
              model_input.c_str(), joint_kernel.c_str());
  std::printf("%-18s %-12s %-26s %-26s %-26s %-26s %-26s %7s %7s %8s\n", "task", "method", "10% med [q1,q3]", "25%",
              "33%", "50%", "100%", "trials", "stopped", "s/prop");
  for (const auto& task_name : tasks) {
    const Task task = make_task(task_name, data);
    for (const auto& method : methods) {
      std::vector<std::vector<double>> at(fractions.size());
      int trials = 0, stopped = 0;
      double proposal_seconds = 0;
      int proposals = 0;
      for (int seed = 0; seed < seeds; ++seed) {
        const Study study = make_study(task, method, workers, step_max, step_min, min_trials, eta, budget_steps, static_cast<std::uint64_t>(seed + 1), model_input, joint_kernel, initial, keep_probability);
        auto result = bench::simulate(
            study,
            [&] {
              worker::ObjectiveContext context;
              auto made = worker::make_objective(task.spec, context);
              if (!made) throw std::invalid_argument(made.error().message);
              return std::move(made).value();
            },
            workers, checkpoints);
        for (std::size_t k = 0; k < fractions.size(); ++k) at[k].push_back(figure(task, result.checkpoints[k]));
        trials += result.trials;
        stopped += result.stopped;
        proposal_seconds += result.proposal_seconds;
        proposals += result.trials;
        if (per_seed)
          std::printf("  seed %d %s %s: %.4g %.4g %.4g %.4g %.4g (%d trials)\n", seed, task.name.c_str(), method.c_str(),
                      at[0].back(), at[1].back(), at[2].back(), at[3].back(), at[4].back(), result.trials);
      }
      std::printf("%-18s %-12s", task.name.c_str(), method.c_str());
      for (const auto& values : at) {
        char cell[64];
        std::snprintf(cell, sizeof cell, "%.3g [%.3g,%.3g]", quantile(values, 0.5), quantile(values, 0.25), quantile(values, 0.75));
        std::printf(" %-26s", cell);
      }
      std::printf(" %7.1f %7.1f %8.3f\n", static_cast<double>(trials) / seeds, static_cast<double>(stopped) / seeds,
                  proposals ? proposal_seconds / proposals : 0.0);
      std::fflush(stdout);
    }
  }
  return 0;
}
