// `quante-tuner run ... --dashboard ADDR:PORT`: a live page of the running study, served by
// quante::http on its own thread.
//
// Ownership: the study runner's loop owns the study's state; the HTTP thread never touches it.
// publish() is called on the loop's thread (a RunObserver, live_view.hpp): it builds the state's
// JSON there and swaps it, with a shared copy of the records when their number changed, into a
// snapshot under a mutex. The handlers copy the snapshot under that mutex and answer from it:
//   GET /            the page: inline CSS and JS that polls /api/state every second and
//                    re-renders, and fetches /api/plots when the number of results changed
//   GET /api/state   the JSON (dashboard_state.hpp)
//   GET /api/plots   the report's plot sections (html_report.hpp) for the snapshot's records,
//                    rendered on the HTTP thread and cached until the records change
// Nothing on the page is fetched from anywhere else. The address is loopback unless
// allow_remote (--dashboard-allow-remote): the page shows parameters and losses to whoever
// reaches it.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "http_server.hpp"
#include "live_view.hpp"

namespace quante::tuner::dashboard {

struct DashboardOptions {
  std::string address = "127.0.0.1:8080";
  bool allow_remote = false;
};

class Dashboard {
 public:
  // Binds the address: std::invalid_argument for a bad or refused one, std::system_error when
  // it cannot be bound. Serves at once (a study not yet started shows as such).
  Dashboard(Study study, DashboardOptions options);
  ~Dashboard();
  Dashboard(const Dashboard&) = delete;
  Dashboard& operator=(const Dashboard&) = delete;

  void publish(const LiveView& view);   // the loop's thread only
  std::string address() const { return server_.address(); }  // with the port bound

 private:
  struct Snapshot {
    std::string state;                                           // JSON text
    std::shared_ptr<const std::vector<EvaluationRecord>> records;
  };
  http::Response plots();

  Study study_;
  http::Server server_;
  mutable std::mutex mutex_;
  Snapshot snapshot_;                                            // guarded by mutex_
  // The HTTP thread's own: the plots rendered for `plotted_` (compared by pointer).
  std::shared_ptr<const std::vector<EvaluationRecord>> plotted_;
  std::string plots_html_;
};

// The page served at /.
std::string dashboard_page(const std::string& study_name);

}  // namespace quante::tuner::dashboard
