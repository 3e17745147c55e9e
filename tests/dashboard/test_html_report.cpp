// The report's new plots and the HTML report, on histories built here: parameter importance
// finds the one parameter the loss depends on (and refuses too few points); the page holds
// every plot (convergence on both loss axes, parallel coordinates with a line per successful
// evaluation, a slice per parameter, an importance bar per parameter, learning curves when a
// trial reported one), the failures with their reasons escaped, and no address of any kind;
// the log axis is symlog whatever the span; the dashboard's JSON names running trials' GPUs.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <regex>

#include "convergence.hpp"
#include "dashboard_state.hpp"
#include "html_report.hpp"
#include "param_importance.hpp"
#include "study_plots.hpp"

using namespace quante;
using namespace quante::tuner;

namespace {

Study make_study() {
  Study study;
  study.name = "html-demo";
  study.objective = "quadratic";
  study.budget = 60;
  study.seed = 11;
  study.space = SearchSpace({{"x", ParamType::Float, 0.0, 1.0, false, {}},
                             {"lr", ParamType::Float, 1e-5, 1e-1, true, {}},
                             {"layers", ParamType::Int, 1, 6, false, {}},
                             {"act", ParamType::Categorical, 0, 1, false, {"relu", "gelu", "tanh"}}});
  return study;
}

// The loss depends on x alone; the other parameters are noise-free distractors.
std::vector<EvaluationRecord> history(const Study& study, int n, bool with_failure = true, bool with_curves = false) {
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<EvaluationRecord> records;
  for (int i = 0; i < n; ++i) {
    EvaluationRecord r;
    r.index = i;
    r.job = "J" + std::to_string(i);
    const double x = u(rng);
    r.params = {{"x", x},
                {"lr", std::exp(std::log(1e-5) + u(rng) * (std::log(1e-1) - std::log(1e-5)))},
                {"layers", std::int64_t{1 + static_cast<int>(u(rng) * 6) % 6}},
                {"act", std::string(study.space.params()[3].choices[static_cast<std::size_t>(u(rng) * 3) % 3])}};
    r.loss = 10 * (x - 0.3) * (x - 0.3) + 0.01;
    r.worker = "host-a/gpu" + std::to_string(i % 2);
    r.proposed_at = 1000 + i;
    r.started_at = 1000.5 + i;
    r.finished_at = 1001 + i;
    if (with_curves) r.curve = {{1, *r.loss + 1}, {2, *r.loss + 0.5}, {3, *r.loss}};
    records.push_back(std::move(r));
  }
  if (with_failure) {
    records[3].status = "failed";
    records[3].loss.reset();
    records[3].failure = "objective";
    records[3].error = "CUDA <out> of memory & \"more\"";
  }
  return records;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

}  // namespace

TEST_CASE("parameter importance: the GP's lengthscales single out the parameter the loss depends on", "[report][importance]") {
  const Study study = make_study();
  const auto result = parameter_importance(study, history(study, 40, false));
  REQUIRE(std::holds_alternative<ImportanceResult>(result));
  const auto& r = std::get<ImportanceResult>(result);
  REQUIRE(r.params.size() == 4);
  REQUIRE(r.points == 40);
  double sum = 0;
  for (const auto& p : r.params) {
    sum += p.importance;
    CHECK(p.importance >= 0);
    CHECK(p.lengthscale > 0);
  }
  CHECK(sum == Approx(1.0));
  CHECK(r.params[0].name == "x");
  INFO(r.kernel);
  for (std::size_t i = 1; i < r.params.size(); ++i) CHECK(r.params[0].importance > 2 * r.params[i].importance);
  CHECK(r.params[0].importance > 0.5);
}

TEST_CASE("parameter importance: too few successful evaluations, or a kernel without lengthscales, give a reason", "[report][importance]") {
  Study study = make_study();
  const auto few = parameter_importance(study, history(study, 4, false));
  REQUIRE(std::holds_alternative<std::string>(few));
  CHECK(std::get<std::string>(few).find("at least 5") != std::string::npos);
  study.model.kernel = "DotProduct() + WhiteKernel()";
  const auto flat = parameter_importance(study, history(study, 12, false));
  REQUIRE(std::holds_alternative<std::string>(flat));
  CHECK(std::get<std::string>(flat).find("lengthscale") != std::string::npos);
}

TEST_CASE("the HTML report holds every plot, the failures, and refers to nothing outside itself", "[report][html]") {
  const Study study = make_study();
  const auto records = history(study, 20, true, true);
  const std::string html = html_report(study, records, 5);
  for (const char* id : {"plot-convergence", "plot-parallel", "plot-slices", "plot-importance", "plot-curves"})
    CHECK(html.find(std::string("id=\"") + id + "\"") != std::string::npos);
  CHECK(count(html, "<svg ") == 6);  // convergence twice (linear, log), parallel, slices, importance, curves
  CHECK(count(html, "class=\"conv-linear\"") == 1);
  CHECK(count(html, "class=\"conv-log\"") == 1);
  CHECK(count(html, "class=\"pc-line\"") + count(html, "class=\"pc-best\"") == 19);  // every ok evaluation
  CHECK(count(html, "class=\"pc-best\"") == 1);
  CHECK(count(html, "class=\"pc-axis\"") == 5);       // four parameters and the loss
  CHECK(count(html, "class=\"slice-dots\"") == 4);    // a slice per parameter
  CHECK(count(html, "class=\"importance-bar\"") == 4);
  CHECK(count(html, "class=\"curve-best\"") == 1);
  CHECK(html.find("CUDA &lt;out&gt; of memory &amp; &quot;more&quot;") != std::string::npos);
  CHECK(html.find("<out>") == std::string::npos);
  CHECK(html.find("http://") == std::string::npos);
  CHECK(html.find("https://") == std::string::npos);
  CHECK(html.find("src=") == std::string::npos);
  CHECK(html.find("href=") == std::string::npos);
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("id=\"count\">20<") != std::string::npos);
  CHECK(html.find("1/lengthscale") != std::string::npos);  // the page says how importance is computed
  // No curve: no curves section.
  CHECK(plots_html(study, history(study, 8)).find("plot-curves") == std::string::npos);
}

TEST_CASE("the convergence plot's loss axis: linear or log by choice", "[report][html]") {
  const Study study = make_study();
  auto records = history(study, 10, false);
  // Losses within one decade: auto and linear stay linear, log is symlog all the same.
  CHECK(convergence_svg(study, records, LossAxis::Auto).find("(symlog)") == std::string::npos);
  CHECK(convergence_svg(study, records, LossAxis::Linear).find("(symlog)") == std::string::npos);
  CHECK(convergence_svg(study, records, LossAxis::Log).find("(symlog)") != std::string::npos);
  // Six decades: auto goes symlog, linear does not.
  records[0].loss = 1e4;
  CHECK(convergence_svg(study, records, LossAxis::Auto).find("(symlog)") != std::string::npos);
  CHECK(convergence_svg(study, records, LossAxis::Linear).find("(symlog)") == std::string::npos);
}

TEST_CASE("the dashboard's JSON: counts, best, running trials with worker and GPU, failures", "[dashboard]") {
  using quante::tuner::dashboard::gpu_of_worker;
  CHECK(gpu_of_worker("host-a/gpu3") == 3);
  CHECK(gpu_of_worker("host-a/gpu12") == 12);
  CHECK_FALSE(gpu_of_worker("host-a/pid77"));
  CHECK_FALSE(gpu_of_worker("host-a/gpu"));
  CHECK_FALSE(gpu_of_worker("host-a/gpux"));

  const Study study = make_study();
  StudyRecords resumed;
  resumed.evaluations = history(study, 6);
  Proposal running{"J-run", resumed.evaluations[0].params, 990, 0};
  resumed.proposals.push_back(running);
  resumed.proposals.push_back(Proposal{"J-slurm", resumed.evaluations[1].params, 995, 0});
  resumed.proposals.push_back(Proposal{"J-queued", resumed.evaluations[2].params, 1000, 0});
  const TunerState state(study, resumed, 1000);
  // J-run: as an older broker names it (in a step report: the GPU from the name); J-slurm: from
  // JOB_STARTED, whose GPU is not in the worker's name; J-queued: not on a worker yet.
  const std::map<std::string, quante::tuner::RunningOn> running_on{{"J-run", {"host-b/gpu1", -1, 0}},
                                                                {"J-slurm", {"node7/job12_3", 2, 1004}}};
  const auto j = dashboard::state_json(LiveView{study, state, running_on, 2, 1, 1010, false});
  CHECK(j["evaluations"] == 6);
  CHECK(j["failed"] == 1);
  CHECK(j["ok"] == 5);
  CHECK(j["budget"] == 60);
  CHECK(j["best"]["loss"].get<double>() == Approx(*state.best()->loss));
  REQUIRE(j["running_trials"].size() == 3);
  std::map<std::string, nlohmann::json> trials;
  for (const auto& t : j["running_trials"]) trials[t["job"].get<std::string>()] = t;
  CHECK(trials["J-run"]["worker"] == "host-b/gpu1");
  CHECK(trials["J-run"]["gpu"] == 1);
  CHECK(trials["J-run"]["running_s"].get<double>() == Approx(20));  // since proposed: no start time known
  CHECK(trials["J-slurm"]["worker"] == "node7/job12_3");
  CHECK(trials["J-slurm"]["gpu"] == 2);
  CHECK(trials["J-slurm"]["running_s"].get<double>() == Approx(6));  // since it started on the worker
  CHECK(trials["J-queued"]["worker"].is_null());
  CHECK(trials["J-queued"]["gpu"].is_null());
  REQUIRE(j["failures"].size() == 1);
  CHECK(j["failures"][0]["error"] == "CUDA <out> of memory & \"more\"");
  CHECK(j["workers"] == 2);
  CHECK(j["queued"] == 1);
}
