// quante-tuner: `run` a study against a broker; `suggest` the next points from a history and
// `tell` it their results (ask_tell.hpp); `report` on a history; `list` the histories in a folder.
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli_exit.hpp"
#include "config_table.hpp"
#include "dashboard.hpp"
#include "history_lock.hpp"
#include <spdlog/spdlog.h>

#include "ask_tell.hpp"
#include "json_params.hpp"
#include "logging.hpp"
#include "proposal_engine.hpp"
#include "proposal_thread.hpp"
#include "report.hpp"
#include "study_list.hpp"
#include "study_runner.hpp"
#include "tuner_state.hpp"
#include "tuner_config.hpp"

namespace {

std::optional<quante::Study> load_or_report(const std::string& path, std::optional<std::uint64_t> seed) {
  auto loaded = quante::load_study(path);
  if (!loaded) {
    std::cerr << "error: " << loaded.error().message << "\n";
    return std::nullopt;
  }
  auto study = std::move(loaded).value();
  if (seed) study.seed = *seed;
  return study;
}

int run_command(const std::string& study_path, quante::tuner::RunSettings settings, std::optional<std::uint64_t> seed,
                const std::string& progress, const quante::tuner::dashboard::DashboardOptions* dashboard_options) {
  auto study = load_or_report(study_path, seed);
  if (!study) return 2;
  if (dashboard_options) {
    const auto refused = quante::http::check_listen_address(dashboard_options->address, dashboard_options->allow_remote,
                                                             "--dashboard-allow-remote");
    if (!refused.empty()) {
      std::cerr << "quante-tuner: --dashboard " << refused << "\n";
      return 2;
    }
  }
  if (settings.history_path.empty()) settings.history_path = study->name + ".history.jsonl";
  settings.live_progress = progress == "live" || (progress == "auto" && ::isatty(STDERR_FILENO));
  auto lock = quante::tuner::HistoryLock::acquire(settings.history_path);
  if (auto* refused = std::get_if<std::string>(&lock)) {
    std::cerr << "quante-tuner: " << *refused << "\n";
    return 2;
  }
  auto& held = std::get<quante::tuner::HistoryLock>(lock);
  std::unique_ptr<quante::tuner::dashboard::Dashboard> dashboard;
  if (dashboard_options) {
    dashboard = std::make_unique<quante::tuner::dashboard::Dashboard>(*study, *dashboard_options);
    settings.observer = [&dashboard](const quante::tuner::LiveView& view) { dashboard->publish(view); };
  }
  quante::StopSignal stop;
  quante::tuner::StudyRunner runner(*study, settings);
  const auto summary = runner.run(stop);
  // For `quante-tuner list`: how this run ended, in the lock file it still holds.
  held.note(std::string(quante::tuner::finished_normally(summary.stop_reason) ? "finished " : "stopped ") +
            summary.stop_reason + " at " + quante::tuner::format_time(quante::unix_now()) + "\n");
  std::cout << "study " << study->name << ": " << summary.evaluations << " evaluations (" << summary.failed
            << " failed), stopped by " << summary.stop_reason << "\n";
  if (summary.stop_reason == "failures")
    std::cout << "the last " << summary.failure_streak << " evaluations all failed with: " << summary.repeated_error
              << "\n";
  if (summary.best) {
    std::cout << "best loss " << *summary.best->loss << " at " << quante::to_json(summary.best->params).dump() << " (job "
              << summary.best->job << ")\n";
    if (summary.best_posterior_mean)
      std::cout << "the losses are noisy: the best is the evaluation with the lowest posterior mean ("
                << *summary.best_posterior_mean << "), not the lowest loss\n";
    if (summary.confirmed)
      std::cout << "confirmed: mean loss " << summary.confirmed->mean << " over " << summary.confirmed->evaluations
                << " evaluations of that point ([stop] confirm)\n";
  } else {
    std::cout << "no successful evaluation yet\n";
  }
  std::cout << "history: " << settings.history_path << "\n";
  std::cout << "report:  quante-tuner report " << study_path << " --history " << settings.history_path << "\n";
  // A stop by signal is a clean stop too (systemd must not count it as a failure): the
  // history holds everything, and the next run resumes. A stop by repeated failures is not: the
  // objective (or the study's objective_metric) must be fixed first, so it exits 2, which the
  // units' RestartPreventExitStatus=2 does not restart.
  return summary.stop_reason == "failures" ? 2 : 0;
}

// suggest and tell write the journal, so they take the history's lock as `run` does; they leave
// "idle" in it for `quante-tuner list`.
std::optional<quante::tuner::HistoryLock> lock_for(const std::string& history, const char* command) {
  auto lock = quante::tuner::HistoryLock::acquire(history);
  if (auto* refused = std::get_if<std::string>(&lock)) {
    std::cerr << "quante-tuner " << command << ": " << *refused << "\n";
    return std::nullopt;
  }
  return std::move(std::get<quante::tuner::HistoryLock>(lock));
}

// Says "idle" in the lock file when the command ends, refused or not.
struct IdleOnExit {
  quante::tuner::HistoryLock& lock;
  const char* command;
  ~IdleOnExit() { lock.note(std::string("idle ") + command + " at " + quante::tuner::format_time(quante::unix_now()) + "\n"); }
};

int suggest_command(const std::string& study_path, const std::string& history, int q, std::optional<std::uint64_t> seed) {
  auto study = load_or_report(study_path, seed);
  if (!study) return 2;
  auto lock = lock_for(history, "suggest");
  if (!lock) return 2;
  const IdleOnExit idle{*lock, "suggest"};
  const auto suggestion = quante::tuner::suggest(*study, history, q);
  for (const auto& warning : suggestion.warnings) spdlog::warn("{}", warning);
  if (!suggestion.stop_reason.empty())
    spdlog::warn("`run` would stop this study now (stopped by {}); suggesting anyway", suggestion.stop_reason);
  for (const auto& point : suggestion.points)
    std::cout << nlohmann::json{{"job", point.job}, {"params", quante::to_json(point.params)}}.dump() << "\n";
  spdlog::info("suggested {} points by {}{}; they are pending in {} until told (quante-tuner tell)",
               suggestion.points.size(), suggestion.method,
               suggestion.qei ? fmt::format(" (qEI {:.4g})", *suggestion.qei) : "", quante::tuner::journal_path(history));
  return 0;
}

struct TellArguments {
  std::string job, params, metrics, failed;
  std::optional<double> loss;
};

int tell_command(const std::string& study_path, const std::string& history, const TellArguments& a) {
  auto study = load_or_report(study_path, std::nullopt);
  if (!study) return 2;
  quante::tuner::TellInput input;
  input.job = a.job;
  input.loss = a.loss;
  if (!a.failed.empty()) input.failed = a.failed;
  if (!a.params.empty()) {
    const auto json = nlohmann::json::parse(a.params, nullptr, false);
    std::string error;
    auto params = json.is_discarded() ? std::nullopt : quante::params_from_json(json, &error);
    if (!params) {
      std::cerr << "quante-tuner tell: --params: " << (error.empty() ? "not JSON" : error)
                << " (give the object `suggest` printed, e.g. '{\"x\": 0.5}')\n";
      return 2;
    }
    input.params = std::move(*params);
  }
  if (!a.metrics.empty()) {
    const auto json = nlohmann::json::parse(a.metrics, nullptr, false);
    if (json.is_discarded() || !json.is_object()) {
      std::cerr << "quante-tuner tell: --metrics: not a JSON object of numbers (e.g. '{\"accuracy\": 0.93}')\n";
      return 2;
    }
    for (const auto& [name, value] : json.items()) {
      if (!value.is_number()) {
        std::cerr << "quante-tuner tell: --metrics: '" << name << "' is not a number\n";
        return 2;
      }
      input.metrics[name] = value.get<double>();
    }
  }
  if (input.loss && !std::isfinite(*input.loss)) {
    std::cerr << "quante-tuner tell: --loss must be a finite number (give --failed REASON for a failed evaluation)\n";
    return 2;
  }
  auto lock = lock_for(history, "tell");
  if (!lock) return 2;
  const IdleOnExit idle{*lock, "tell"};
  try {
    const auto told = quante::tuner::tell(*study, history, input);
    for (const auto& warning : told.warnings) spdlog::warn("{}", warning);
    const auto& r = told.record;
    std::cout << "recorded job " << r.job << " (index " << r.index << "): "
              << (r.ok() ? fmt::format("loss {:.6g}", *r.loss) : "failed: " + r.error)
              << (told.suggested ? "" : " (a point not suggested)") << "; " << told.pending << " points pending\n";
  } catch (const quante::tuner::TellError& e) {
    std::cerr << "quante-tuner tell: " << e.what() << "\n";
    return 2;
  }
  return 0;
}

int list_command(const std::string& dir) {
  try {
    quante::tuner::print_study_list(quante::tuner::list_studies(dir), std::cout);
  } catch (const std::invalid_argument& e) {
    std::cerr << "quante-tuner list: " << e.what() << "\n";
    return 2;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"quante-tuner: batch Bayesian optimisation of hyperparameters over a quante-carlo farm"};
  app.set_version_flag("--version", "quante-tuner 0.1.0");
  app.require_subcommand(1);
  app.fallthrough();  // --log-level before or after the subcommand (inherited by the subcommands below)

  std::string study_path, history;
  std::optional<std::uint64_t> seed;
  // `run --config FILE` (see config/tuner.toml) gives the defaults that its options override.
  quante::tuner::RunSettings settings;
  quante::TunerConfig& config = settings;
  const auto& table = quante::tuner_config_table();
  std::string config_path;
  if (!quante::config_detail::load_config_argument(argc, argv, table, config, config_path, "quante-tuner")) return 2;
  quante::config_detail::CommandLine command_line(table, config);
  command_line.add_options_only(app, {"log_level"});
  auto* run = app.add_subcommand("run", "run a study to its end, resuming from its history");
  run->add_option("--config", config_path, "TOML config file (e.g. /etc/quante/tuner.toml); the command line wins");
  run->add_option("study", study_path, "the study file (TOML)")->required()->check(CLI::ExistingFile);
  command_line.add_options(*run, {"log_level"});
  run->add_option("--history", settings.history_path, "history file (default NAME.history.jsonl)");
  run->add_option("--seed", seed, "override the study's seed");
  quante::tuner::dashboard::DashboardOptions dashboard_options;
  auto* dashboard = run->add_option("--dashboard", dashboard_options.address,
                                    "serve a live dashboard of the study at ADDR:PORT (loopback unless allowed)");
  run->add_flag("--dashboard-allow-remote", dashboard_options.allow_remote,
                "let --dashboard bind a non-loopback address (anyone who reaches it sees the study)");

  int q = 1;
  auto* suggest = app.add_subcommand("suggest", "print the next q points (JSON lines) for a history, and exit");
  suggest->add_option("study", study_path, "the study file (TOML)")->required()->check(CLI::ExistingFile);
  suggest->add_option("--history", history, "history file")->required();
  suggest->add_option("--q", q, "how many points")->capture_default_str()->check(CLI::Range(1, quante::kMaxBatch));
  suggest->add_option("--seed", seed, "override the study's seed");

  TellArguments tell_arguments;
  auto* tell = app.add_subcommand("tell", "record the result of a point `suggest` handed out (or of any point)");
  tell->add_option("study", study_path, "the study file (TOML)")->required()->check(CLI::ExistingFile);
  tell->add_option("--history", history, "history file")->required();
  auto* tell_job = tell->add_option("--job", tell_arguments.job, "the job id `suggest` printed");
  auto* tell_params = tell->add_option("--params", tell_arguments.params, "the point, as JSON (the \"params\" `suggest` printed)");
  tell_job->excludes(tell_params);
  auto* tell_loss = tell->add_option("--loss", tell_arguments.loss, "the loss (or the value of objective_metric, with --metrics)");
  auto* tell_failed = tell->add_option("--failed", tell_arguments.failed, "the evaluation failed, for this reason");
  tell_loss->excludes(tell_failed);
  tell->add_option("--metrics", tell_arguments.metrics, "reported metrics, a JSON object of numbers");

  std::string list_dir;
  auto* list = app.add_subcommand("list", "list the studies in a folder of histories: state (running, finished, stopped, idle) and best");
  list->add_option("dir", list_dir, "the folder")->required();

  quante::tuner::ReportOptions report_options;
  auto* report = app.add_subcommand("report", "summarize a study's history: best point, top-k, parameters, early stopping, plots, CSV");
  report->add_option("study", report_options.study_path, "the study file (TOML)")->required();
  report->add_option("--history", report_options.history_path, "history file")->required();
  report->add_option("--top", report_options.top, "rows of the top-k table")->capture_default_str()->check(CLI::Range(1, 100000));
  report->add_option("--plot", report_options.plot_path, "convergence plot, SVG (default HISTORY.convergence.svg; \"none\": no plot)");
  report->add_option("--curves", report_options.curves_path,
                     "learning-curves plot, SVG, when trials report curves (default HISTORY.curves.svg; \"none\": no plot)");
  report->add_option("--csv", report_options.csv_path, "also write every evaluation to this CSV file");
  report->add_option("--html", report_options.html_path,
                     "also write the whole report, with every plot, as one self-contained HTML file");

  QUANTE_CLI_PARSE(app, argc, argv);
  if (auto done = command_line.finish(config_path.empty() ? "command line" : config_path); !done) {
    std::cerr << "quante-tuner: " << done.error().message << "\n";
    return 2;
  }
  quante::setup_logging("tuner", config.log_level);
  int status = 0;
  try {
    if (*run) status = run_command(study_path, settings, seed, settings.progress, *dashboard ? &dashboard_options : nullptr);
    else if (*suggest) status = suggest_command(study_path, history, q, seed);
    else if (*tell) {
      if (tell_arguments.job.empty() == tell_arguments.params.empty()) {
        std::cerr << "quante-tuner tell: give --job ID or --params JSON\n";
        status = 2;
      } else if (!tell_arguments.loss && tell_arguments.failed.empty()) {
        std::cerr << "quante-tuner tell: give --loss X or --failed REASON\n";
        status = 2;
      } else {
        status = tell_command(study_path, history, tell_arguments);
      }
    } else if (*list) status = list_command(list_dir);
    else if (*report) status = quante::tuner::run_report(report_options, std::cout, std::cerr);
  } catch (const quante::tuner::HistoryError& e) {
    std::cerr << "quante-tuner: " << e.what() << "\n";
    status = 2;
  } catch (const std::exception& e) {
    // On stderr itself: a --log-level of off must not make a failure silent.
    std::cerr << "quante-tuner: error: " << e.what() << "\n";
    status = 1;
  }
  // A proposal abandoned at a stop still computes on a detached thread: end without running
  // static destructors under it (proposal_thread.hpp). Everything recorded is already fsynced.
  if (quante::tuner::ProposalThread::detached_running() > 0) {
    std::cout.flush();
    std::cerr.flush();
    spdlog::default_logger()->flush();
    std::_Exit(status);
  }
  return status;
}
