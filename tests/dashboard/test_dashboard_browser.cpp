// The live dashboard and the HTML report in a real browser. A real farm (broker, two workers
// whose objective sleeps, so the study takes some seconds) runs a study with
// `--dashboard 127.0.0.1:0`; Debian's chromium, headless, loads the page while the study runs,
// twice, the second time after more results arrived. Each time the DOM it rendered holds the
// count of results (between the counts /api/state gave just before and just after) and the best
// loss of exactly those results (from the history), and the plots; its screenshot is not blank.
// `report --html` writes a page with every plot and no address that chromium renders too.
// A non-loopback dashboard address is refused (exit 2) unless --dashboard-allow-remote.
//
// Chromium comes from ensure-chromium.sh (a ctest fixture). Where it cannot be installed the
// browser cases print "SKIPPED:" (ctest reports them skipped) and say why.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <csignal>
#include <cmath>
#include <iostream>
#include <sstream>
#include <limits>
#include <regex>

#include <nlohmann/json.hpp>

#include "farm.hpp"
#include "http_client.hpp"

using namespace quante::test;
using namespace std::chrono_literals;

namespace {

std::string chromium_path() {
  for (const char* p : {"/usr/bin/chromium", "/usr/bin/chromium-browser"})
    if (::access(p, X_OK) == 0) return p;
  return {};
}

bool skip_without_chromium() {
  if (!chromium_path().empty()) return false;
  std::cout << "SKIPPED: chromium is not installed and tests/dashboard/ensure-chromium.sh could not install it "
               "(it needs root or sudo -n and Debian's apt)\n";
  return true;
}

std::string quote(const std::string& s) { return "'" + std::regex_replace(s, std::regex("'"), "'\\''") + "'"; }

// Runs headless chromium on `url` with `mode` (--dump-dom, or --screenshot=FILE ...), stdout to
// `out`; returns the exit code.
int chromium(const TempDir& dir, const std::string& mode, const std::string& url, const std::string& out, int run) {
  const std::string profile = dir.file("chromium-profile-" + std::to_string(run));
  const std::string command =
      quote(chromium_path()) + " --headless --no-sandbox --disable-gpu --disable-quic --no-first-run"
      " --disable-background-networking --disable-component-update --disable-sync --disable-dev-shm-usage"
      " --user-data-dir=" + quote(profile) + " --virtual-time-budget=5000 " + mode + " " + quote(url) + " > " + quote(out) +
      " 2> " + quote(dir.file("chromium-" + std::to_string(run) + ".err"));
  ChildProcess browser({"/bin/sh", "-c", command}, dir.file("chromium-" + std::to_string(run) + ".log"));
  const auto code = browser.wait(120s);
  INFO(read_file(dir.file("chromium-" + std::to_string(run) + ".err")));
  REQUIRE(code);
  return *code;
}

// "WIDTH HEIGHT COLORS" of a PNG (png_colors.py).
std::vector<long> png_colors(const TempDir& dir, const std::string& png) {
  const std::string out = dir.file("png.txt");
  ChildProcess python({"/bin/sh", "-c",
                       "python3 " + quote(std::string(QUANTE_SOURCE_DIR) + "/tests/dashboard/png_colors.py") + " " + quote(png) +
                           " > " + quote(out)},
                      dir.file("png.log"));
  REQUIRE(python.wait(120s) == 0);
  std::istringstream in(read_file(out));
  std::vector<long> values;
  for (long v; in >> v;) values.push_back(v);
  REQUIRE(values.size() == 3);
  return values;
}

std::string attribute_after(const std::string& dom, const std::string& marker, const std::string& attribute) {
  const auto at = dom.find(marker);
  if (at == std::string::npos) return {};
  const auto end = dom.find('>', at);
  const auto a = dom.find(attribute + "=\"", at);
  if (a == std::string::npos || a > end) return {};
  const auto start = a + attribute.size() + 2;
  return dom.substr(start, dom.find('"', start) - start);
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

// The port the system picked for the tuner's dashboard (--dashboard 127.0.0.1:0), from its log.
std::uint16_t dashboard_port(ChildProcess& tuner, const std::string& study) {
  std::uint16_t port = 0;
  const std::regex served("dashboard of study " + study + " at http://127\\.0\\.0\\.1:([0-9]+)/");
  REQUIRE(wait_until([&] {
    std::smatch m;
    const std::string log = tuner.log();
    if (!std::regex_search(log, m, served)) return false;
    port = static_cast<std::uint16_t>(std::stoi(m[1]));
    return true;
  }, 30s));
  return port;
}

nlohmann::json api_state(std::uint16_t port) {
  auto reply = http_get(port, "/api/state");
  REQUIRE(reply);
  REQUIRE(reply->status == 200);
  return nlohmann::json::parse(reply->body);
}

// Trials report a learning curve (250 ms a step, ASHA decides at steps 3 and 9), so the tuner
// hears which worker runs them; the budget outlasts the test, which stops the tuner itself.
const std::string kStudy =
    "name = \"dashboard-test\"\nobjective = \"curve\"\nbudget = 300\nbatch = 2\ninitial = 6\nseed = 5\n"
    "[space]\nx0 = { type = \"float\", low = -5.0, high = 10.0 }\nx1 = { type = \"float\", low = 0.0, high = 15.0 }\n"
    "step_ms = { type = \"int\", low = 250, high = 251 }\n"
    "[fidelity]\nstep_max = 9\nstep_min = 3\neta = 3\nscheduler = \"asha\"\n";

// What the page rendered, checked against the API and the history.
int check_page(Farm& farm, std::uint16_t port, int run) {
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
  const auto before = api_state(port)["evaluations"].get<int>();
  const std::string dom_path = farm.dir().file("dom-" + std::to_string(run) + ".html");
  REQUIRE(chromium(farm.dir(), "--dump-dom", url, dom_path, run) == 0);
  const auto after = api_state(port)["evaluations"].get<int>();
  const std::string dom = read_file(dom_path);
  INFO("DOM: " << dom.substr(0, 3000));
  const std::string count_text = attribute_after(dom, "id=\"count\"", "data-count");
  REQUIRE(!count_text.empty());
  const int shown = std::stoi(count_text);
  CHECK(shown >= before);
  CHECK(shown <= after);
  CHECK(shown > 0);

  // The best loss shown is the best of the first `shown` results in the history.
  double best = std::numeric_limits<double>::infinity();
  for (const auto& r : read_history(farm.history_path()))
    if (r["index"].get<int>() < shown && r["status"] == "ok") best = std::min(best, r["loss"].get<double>());
  const std::string loss_text = attribute_after(dom, "id=\"best-loss\"", "data-loss");
  REQUIRE(!loss_text.empty());
  CHECK(std::stod(loss_text) == Approx(best).epsilon(1e-12));

  // The plots are in the page, for as many results as the page says (or more, fetched later).
  CHECK(dom.find("id=\"plot-convergence\"") != std::string::npos);
  CHECK(dom.find("id=\"plot-parallel\"") != std::string::npos);
  CHECK(dom.find("id=\"plot-slices\"") != std::string::npos);
  CHECK(dom.find("id=\"plot-importance\"") != std::string::npos);
  CHECK(count(dom, "<svg") >= 5);
  CHECK(count(dom, "class=\"slice-dots\"") == 3);
  CHECK(count(dom, "class=\"pc-best\"") == 1);
  const int plotted = std::stoi(attribute_after(dom, "class=\"plots\"", "data-evaluations"));
  CHECK(plotted >= shown - 1);  // fetched in the same poll as the count, or the one before
  // The running trials' table is rendered (its workers are named once they report a step).
  CHECK(dom.find("id=\"running-rows\"") != std::string::npos);

  const std::string png = farm.dir().file("page-" + std::to_string(run) + ".png");
  REQUIRE(chromium(farm.dir(), "--screenshot=" + quote(png) + " --window-size=1200,900", url, farm.dir().file("shot.out"), 10 + run) == 0);
  const auto png_info = png_colors(farm.dir(), png);
  CHECK(png_info[0] == 1200);
  CHECK(png_info[1] == 900);
  CHECK(png_info[2] >= 20);  // a blank page is one colour
  return shown;
}

}  // namespace

TEST_CASE("a non-loopback dashboard address is refused unless allowed", "[dashboard][integration]") {
  TempDir dir;
  write_file(dir.file("study.toml"), kStudy);
  ChildProcess tuner({std::string(QUANTE_BIN_DIR) + "/quante-tuner", "run", dir.file("study.toml"), "--broker",
                      "ipc://" + dir.file("nobody"), "--history", dir.file("h.jsonl"), "--dashboard", "0.0.0.0:0"},
                     dir.file("tuner.log"));
  REQUIRE(tuner.wait(20s) == 2);
  CHECK(tuner.log().find("--dashboard-allow-remote") != std::string::npos);
  CHECK(tuner.log().find("loopback") != std::string::npos);

  ChildProcess malformed({std::string(QUANTE_BIN_DIR) + "/quante-tuner", "run", dir.file("study.toml"), "--broker",
                          "ipc://" + dir.file("nobody"), "--history", dir.file("h.jsonl"), "--dashboard", "example.com:80"},
                         dir.file("tuner2.log"));
  REQUIRE(malformed.wait(20s) == 2);
  CHECK(malformed.log().find("numeric") != std::string::npos);
}

TEST_CASE("the dashboard names a running trial's worker and GPU before it reports any step", "[dashboard][integration]") {
  // A worker on a GPU that is not in its name (as under Slurm), with an objective that never
  // reports a step: only the broker's JOB_STARTED can say where the trial runs.
  Farm farm;
  farm.start_broker();
  farm.start_worker({"slow=builtin:delay:branin"}, {"--gpu", "2", "--name", "node7/job12_3"});
  REQUIRE(farm.wait_for_workers(1));
  const std::string study =
      "name = \"started-test\"\nobjective = \"slow\"\nbudget = 2\nbatch = 1\ninitial = 2\nseed = 5\n"
      "[space]\nx0 = { type = \"float\", low = -5.0, high = 10.0 }\nx1 = { type = \"float\", low = 0.0, high = 15.0 }\n"
      "duration_ms = { type = \"int\", low = 20000, high = 20001 }\n";
  auto tuner = farm.start_tuner(study, farm.history_path(), {"--dashboard", "127.0.0.1:0"});
  const std::uint16_t port = dashboard_port(*tuner, "started-test");
  INFO(tuner->log());
  nlohmann::json trial;
  REQUIRE(wait_until([&] {
    const auto state = api_state(port);  // "starting" until the first view: no trials yet
    for (const auto& t : state.value("running_trials", nlohmann::json::array()))
      if (t["worker"].is_string()) {
        trial = t;
        return true;
      }
    return false;
  }, 30s));
  CHECK(trial["worker"] == "node7/job12_3");
  CHECK(trial["gpu"] == 2);
  CHECK(trial["step"].is_null());
  tuner->signal(SIGTERM);
  CHECK(tuner->wait(60s) == 0);
}

TEST_CASE("the live dashboard in headless chromium while a study runs, and the HTML report", "[dashboard][integration][browser]") {
  if (skip_without_chromium()) return;
  Farm farm;
  farm.start_broker();
  // --gpu names the workers HOST/gpu0 and HOST/gpu1 (the builtin objective uses no GPU).
  farm.start_worker({"curve=builtin:curve:branin"}, {"--gpu", "0"});
  farm.start_worker({"curve=builtin:curve:branin"}, {"--gpu", "1"});
  REQUIRE(farm.wait_for_workers(2));
  auto tuner = farm.start_tuner(kStudy, farm.history_path(), {"--dashboard", "127.0.0.1:0"});
  const std::uint16_t port = dashboard_port(*tuner, "dashboard-test");
  INFO(tuner->log());
  REQUIRE(wait_until([&] { return count_lines(farm.history_path()) >= 6; }, 60s));
  // A running trial that reported a step shows its worker and GPU.
  REQUIRE(wait_until([&] {
    const auto state = api_state(port);
    for (const auto& t : state["running_trials"])
      if (t["gpu"].is_number() && t["worker"].get<std::string>().find("/gpu") != std::string::npos && t["step"].is_number())
        return true;
    return false;
  }, 30s));

  const int first = check_page(farm, port, 1);
  // More results, then the page again: the count went up.
  REQUIRE(wait_until([&] { return static_cast<int>(count_lines(farm.history_path())) >= first + 4; }, 60s));
  const int second = check_page(farm, port, 2);
  CHECK(second > first);
  const std::string dom = read_file(farm.dir().file("dom-2.html"));
  CHECK(dom.find("id=\"plot-curves\"") != std::string::npos);  // trials reported steps

  tuner->signal(SIGTERM);  // a clean stop: the history holds every result so far
  REQUIRE(tuner->wait(60s) == 0);
  const auto recorded = count_lines(farm.history_path());
  CHECK(static_cast<int>(recorded) >= second);

  write_file(farm.dir().file("study.toml"), kStudy);
  // The HTML report of the stopped study: every plot, no address, rendered by chromium.
  const std::string html = farm.dir().file("report.html");
  ChildProcess report({std::string(QUANTE_BIN_DIR) + "/quante-tuner", "report", farm.dir().file("study.toml"), "--history",
                       farm.history_path(), "--plot", "none", "--html", html},
                      farm.dir().file("report.log"));
  REQUIRE(report.wait(60s) == 0);
  const std::string page = read_file(html);
  for (const char* id : {"plot-convergence", "plot-parallel", "plot-slices", "plot-importance"})
    CHECK(page.find(std::string("id=\"") + id + "\"") != std::string::npos);
  CHECK(page.find("http://") == std::string::npos);
  CHECK(page.find("https://") == std::string::npos);
  const std::string dom_path = farm.dir().file("report-dom.html");
  REQUIRE(chromium(farm.dir(), "--dump-dom", "file://" + html, dom_path, 3) == 0);
  const std::string report_dom = read_file(dom_path);
  CHECK(report_dom.find("<span id=\"count\">" + std::to_string(recorded) + "</span>") != std::string::npos);
  CHECK(count(report_dom, "<svg") == 6);  // convergence twice, parallel, slices, importance, curves
  CHECK(count(report_dom, "class=\"importance-bar\"") == 3);
}
