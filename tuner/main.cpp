// quante-tuner: `run` a study against a broker, `suggest` the next points from a history.
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli_exit.hpp"
#include "dashboard.hpp"
#include "history_lock.hpp"
#include <spdlog/spdlog.h>

#include "json_params.hpp"
#include "logging.hpp"
#include "proposal_engine.hpp"
#include "proposal_thread.hpp"
#include "report.hpp"
#include "study_runner.hpp"
#include "tuner_state.hpp"
#include "tuner_config.hpp"

namespace {

std::optional<quante::Study> load_or_report(const std::string& path, std::optional<std::uint64_t> seed) {
  auto loaded = quante::load_study(path);
  if (auto* error = std::get_if<quante::StudyError>(&loaded)) {
    std::cerr << "error: " << error->message << "\n";
    return std::nullopt;
  }
  auto study = std::get<quante::Study>(std::move(loaded));
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
  std::unique_ptr<quante::tuner::dashboard::Dashboard> dashboard;
  if (dashboard_options) {
    dashboard = std::make_unique<quante::tuner::dashboard::Dashboard>(*study, *dashboard_options);
    settings.observer = [&dashboard](const quante::tuner::LiveView& view) { dashboard->publish(view); };
  }
  quante::StopSignal stop;
  quante::tuner::StudyRunner runner(*study, settings);
  const auto summary = runner.run(stop);
  std::cout << "study " << study->name << ": " << summary.evaluations << " evaluations (" << summary.failed
            << " failed), stopped by " << summary.stop_reason << "\n";
  if (summary.best)
    std::cout << "best loss " << *summary.best->loss << " at " << quante::to_json(summary.best->params).dump() << " (job "
              << summary.best->job << ")\n";
  else
    std::cout << "no successful evaluation yet\n";
  std::cout << "history: " << settings.history_path << "\n";
  // A stop by signal is a clean stop too (systemd must not count it as a failure): the
  // history holds everything, and the next run resumes.
  return 0;
}

int suggest_command(const std::string& study_path, const std::string& history, int q, std::optional<std::uint64_t> seed) {
  auto study = load_or_report(study_path, seed);
  if (!study) return 2;
  // The same view of the history as `run` takes on resume: jobs proposed and neither recorded
  // nor cancelled are pending, and the round follows the journal.
  const quante::tuner::TunerState state(*study, quante::tuner::load_study_records(history, *study), quante::unix_now());
  const auto request = state.request_for(q);
  quante::tuner::ProposalEngine engine(*study);
  const auto batch = engine.propose(request.evaluations, request.pending, request.count, request.round);
  for (const auto& point : batch.points) std::cout << nlohmann::json{{"params", quante::to_json(point)}}.dump() << "\n";
  spdlog::info("suggested {} points by {}{}", batch.points.size(), batch.method,
               batch.qei ? fmt::format(" (qEI {:.4g})", *batch.qei) : "");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"quante-tuner: batch Bayesian optimisation of hyperparameters over a quante-carlo farm"};
  app.set_version_flag("--version", "quante-tuner 0.1.0");
  app.require_subcommand(1);
  std::string log_level;
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error (default: SPDLOG_LEVEL or info)");

  std::string study_path, history, progress = "auto";
  std::optional<std::uint64_t> seed;
  quante::tuner::RunSettings settings;
  int heartbeat_ms = 1000;
  // `run --config FILE` (see config/tuner.toml) gives the defaults that its options override.
  quante::TunerConfig config;
  std::string config_path;
  if (auto path = quante::config_detail::find_config_argument(argc, argv)) {
    auto loaded = quante::load_tuner_config(*path);
    if (auto* error = std::get_if<quante::ConfigError>(&loaded)) {
      std::cerr << "quante-tuner: bad config: " << error->message << "\n";
      return 2;
    }
    config = std::get<quante::TunerConfig>(std::move(loaded));
    config_path = *path;
  }
  settings.broker = config.broker;
  settings.liveness = config.liveness;
  settings.security = config.security;
  heartbeat_ms = config.heartbeat_ms;
  progress = config.progress;
  log_level = config.log_level;
  auto* run = app.add_subcommand("run", "run a study to its end, resuming from its history");
  run->add_option("--config", config_path, "TOML config file (e.g. /etc/quante/tuner.toml); the command line wins");
  run->add_option("--broker-public-key", settings.security.server_public_key, "the broker's CURVE public key (Z85)");
  run->add_option("--broker-public-key-file", settings.security.server_public_key_file, "the broker's NAME.pub");
  run->add_option("--secret-key-file", settings.security.secret_key_file, "this tuner's CURVE secret key (quante-keygen)");
  run->add_option("study", study_path, "the study file (TOML)")->required()->check(CLI::ExistingFile);
  run->add_option("--broker", settings.broker, "the broker's tuner endpoint")->capture_default_str();
  run->add_option("--history", settings.history_path, "history file (default NAME.history.jsonl)");
  run->add_option("--seed", seed, "override the study's seed");
  run->add_option("--heartbeat-ms", heartbeat_ms, "heartbeat interval in milliseconds")->capture_default_str()->check(CLI::Range(10, 60000));
  run->add_option("--liveness", settings.liveness, "missed broker heartbeats before reconnecting")->capture_default_str()->check(CLI::Range(2, 100));
  run->add_option("--progress", progress, "live (status line), lines (one per result) or auto")->capture_default_str()
      ->check(CLI::IsMember({"auto", "live", "lines"}));
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
  settings.heartbeat = std::chrono::milliseconds(heartbeat_ms);
  if (*run) {
    config.broker = settings.broker;
    config.heartbeat_ms = heartbeat_ms;
    config.liveness = settings.liveness;
    config.progress = progress;
    config.log_level = log_level;
    config.security = settings.security;
    if (auto error = quante::validate_tuner_config(config, config_path.empty() ? "command line" : config_path)) {
      std::cerr << "quante-tuner: " << error->message << "\n";
      return 2;
    }
  }
  quante::setup_logging("tuner", log_level);
  int status = 0;
  try {
    if (*run) status = run_command(study_path, settings, seed, progress, *dashboard ? &dashboard_options : nullptr);
    else if (*suggest) status = suggest_command(study_path, history, q, seed);
    else if (*report) status = quante::tuner::run_report(report_options, std::cout, std::cerr);
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
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
