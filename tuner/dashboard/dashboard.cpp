// See dashboard.hpp.
#include "dashboard.hpp"

#include <spdlog/spdlog.h>

#include "dashboard_state.hpp"
#include "html_report.hpp"

namespace quante::tuner::dashboard {

namespace {

http::ServerOptions server_options(const DashboardOptions& options) {
  http::ServerOptions s;
  s.address = options.address;
  s.allow_remote = options.allow_remote;
  s.allow_option = "--dashboard-allow-remote";
  s.name = "dashboard";
  return s;
}

}  // namespace

Dashboard::Dashboard(Study study, DashboardOptions options)
    : study_(std::move(study)), server_(server_options(options)) {
  snapshot_.state = nlohmann::json{{"study", study_.name}, {"evaluations", 0}, {"budget", study_.budget}, {"starting", true},
                                    {"running_trials", nlohmann::json::array()}, {"failures", nlohmann::json::array()}}.dump();
  snapshot_.records = std::make_shared<const std::vector<EvaluationRecord>>();
  const std::string page = dashboard_page(study_.name);
  server_.route("/", [page](const http::Request&) { return http::Response{200, "text/html; charset=utf-8", page}; });
  server_.route("/api/state", [this](const http::Request&) {
    std::lock_guard lock(mutex_);
    return http::Response{200, "application/json", snapshot_.state};
  });
  server_.route("/api/plots", [this](const http::Request&) { return plots(); });
  server_.start();
  spdlog::info("dashboard of study {} at http://{}/", study_.name, server_.address());
}

Dashboard::~Dashboard() { server_.stop(); }

void Dashboard::publish(const LiveView& view) {
  std::string state = state_json(view).dump();
  std::shared_ptr<const std::vector<EvaluationRecord>> records;
  {
    std::lock_guard lock(mutex_);
    records = snapshot_.records;
  }
  // The records are copied only when there are new ones (they are only ever appended).
  if (records->size() != view.state.evaluations().size())
    records = std::make_shared<const std::vector<EvaluationRecord>>(view.state.evaluations());
  std::lock_guard lock(mutex_);
  snapshot_.state = std::move(state);
  snapshot_.records = std::move(records);
}

http::Response Dashboard::plots() {
  std::shared_ptr<const std::vector<EvaluationRecord>> records;
  {
    std::lock_guard lock(mutex_);
    records = snapshot_.records;
  }
  if (records != plotted_) {
    plots_html_ = "<div class=\"plots\" data-evaluations=\"" + std::to_string(records->size()) + "\">\n" +
                  plots_html(study_, *records) + "</div>\n";
    plotted_ = std::move(records);
  }
  return http::Response{200, "text/html; charset=utf-8", plots_html_};
}

}  // namespace quante::tuner::dashboard
