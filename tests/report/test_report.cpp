// `quante-tuner report`: on a known history (written through StudyLog, journal included) the
// summary gives the known best point and top-k order for both directions and the known per-choice
// statistics; the convergence SVG is well-formed and has one vertex/dot per ok evaluation; the CSV
// has one row per evaluation, one column per parameter, and quotes what needs quoting; a history
// of another study is refused, and the history file is never written to. A history of trials with
// learning curves (hand-written JSON lines: ok, stopped and failed trials) gets the steps early
// stopping saved, worked out by hand, a curves plot with a polyline per curve and the best ok
// trial highlighted, and the curves in the CSV; a history without curves gets none of these.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "convergence.hpp"
#include "csv_export.hpp"
#include "learning_curves.hpp"
#include "process.hpp"
#include "report.hpp"
#include "svg_plot.hpp"

using namespace quante;
using namespace quante::tuner;
using quante::test::read_file;
using quante::test::TempDir;
using quante::test::write_file;

namespace {

std::string study_toml(const std::string& direction, const std::string& objective = "quadratic") {
  return "name = \"report-demo\"\nobjective = \"" + objective + "\"\ndirection = \"" + direction +
         "\"\nbudget = 20\n\n[space]\n"
         "x      = { type = \"float\", low = 0.0, high = 10.0 }\n"
         "lr     = { type = \"float\", low = 1e-5, high = 1e-1, log = true }\n"
         "layers = { type = \"int\", low = 1, high = 6 }\n"
         "act    = { type = \"categorical\", choices = [\"relu\", \"gelu\", \"tanh\"] }\n";
}

Study load(const std::string& path) {
  auto loaded = load_study(path);
  if (!loaded) FAIL(loaded.error().message);
  return loaded.value();
}

const std::string kOomError = "CUDA out of memory, \"oops\"\nsecond line";

// Seven evaluations, two failed; times from t = 1000 s (first proposal) to 1100 s (last result).
std::vector<EvaluationRecord> known_records() {
  struct Row {
    const char* job;
    double x, lr;
    std::int64_t layers;
    const char* act;
    std::optional<double> loss;
    const char* failure;
    double finished;
  };
  const std::vector<Row> rows = {
      {"J0", 1, 1e-3, 2, "relu", 5.0, "", 1010},  {"J1", 2, 1e-2, 3, "gelu", 3.0, "", 1020},
      {"J2", 3, 1e-4, 1, "relu", std::nullopt, "objective", 1030},
      {"J3", 4, 1e-5, 6, "tanh", 7.0, "", 1040},  {"J4", 5, 1e-1, 4, "gelu", 1.0, "", 1050},
      {"J5", 6, 1e-3, 5, "relu", std::nullopt, "timeout", 1060},
      {"J6", 7, 1e-2, 2, "relu", 2.0, "", 1100},
  };
  std::vector<EvaluationRecord> records;
  for (const auto& row : rows) {
    EvaluationRecord r;
    r.index = static_cast<int>(records.size());
    r.job = row.job;
    r.params = {{"x", row.x}, {"lr", row.lr}, {"layers", row.layers}, {"act", std::string(row.act)}};
    r.loss = row.loss;
    r.status = row.loss ? "ok" : "failed";
    r.failure = row.failure;
    if (!row.loss) r.error = row.failure == std::string("objective") ? kOomError : "no answer within 60 s";
    r.worker = r.index == 6 ? "host,b/gpu1" : "host-a/gpu0";
    r.proposed_at = 1000 + r.index;
    r.started_at = r.proposed_at + 1;
    r.finished_at = row.finished;
    records.push_back(r);
  }
  return records;
}

void write_history(const std::string& history, const Study& study, const std::vector<EvaluationRecord>& records) {
  StudyLog log(history, study, true);
  for (const auto& r : records) log.proposed({r.job, r.params, r.proposed_at, r.retry});
  for (const auto& r : records) log.finished(r);
}

std::vector<std::string> jobs(const std::vector<EvaluationRecord>& records) {
  std::vector<std::string> out;
  for (const auto& r : records) out.push_back(r.job);
  return out;
}

const ChoiceSummary& choice(const ReportData& data, const std::string& param, const std::string& name) {
  for (const auto& p : data.params)
    if (p.spec.name == param)
      for (const auto& c : p.choices)
        if (c.choice == name) return c;
  throw std::runtime_error("no choice " + name);
}

const ParamSummary& param(const ReportData& data, const std::string& name) {
  for (const auto& p : data.params)
    if (p.spec.name == name) return p;
  throw std::runtime_error("no parameter " + name);
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

// Every element closed in order, every attribute quoted: enough XML to catch a broken writer.
bool well_formed(const std::string& xml, std::string* why) {
  std::vector<std::string> open;
  std::size_t at = 0;
  while ((at = xml.find('<', at)) != std::string::npos) {
    const auto end = xml.find('>', at);
    if (end == std::string::npos) return *why = "unterminated tag", false;
    const std::string tag = xml.substr(at + 1, end - at - 1);
    at = end + 1;
    if (tag.empty()) return *why = "empty tag", false;
    if (count(tag, "\"") % 2) return *why = "odd quotes in <" + tag + ">", false;
    if (tag.front() == '/') {
      if (open.empty() || open.back() != tag.substr(1)) return *why = "mismatched </" + tag.substr(1) + ">", false;
      open.pop_back();
    } else if (tag.back() != '/') {
      open.push_back(tag.substr(0, tag.find_first_of(" \n")));
    }
  }
  if (!open.empty()) return *why = "unclosed <" + open.back() + ">", false;
  return true;
}

// The vertices of each <polyline class="CLASS" ... points="...">.
std::vector<std::size_t> polyline_vertices(const std::string& svg, const std::string& css_class) {
  std::vector<std::size_t> out;
  const std::string start = "<polyline class=\"" + css_class + "\"";
  for (auto at = svg.find(start); at != std::string::npos; at = svg.find(start, at + 1)) {
    const auto points = svg.find("points=\"", at) + 8;
    const auto end = svg.find('"', points);
    std::istringstream in(svg.substr(points, end - points));
    std::size_t n = 0;
    for (std::string pair; in >> pair;) ++n;
    out.push_back(n);
  }
  return out;
}

// The dots of each <g class="CLASS"> group.
std::vector<std::size_t> dot_groups(const std::string& svg, const std::string& css_class) {
  std::vector<std::size_t> out;
  const std::string start = "<g class=\"" + css_class + "\"";
  for (auto at = svg.find(start); at != std::string::npos; at = svg.find(start, at + 1))
    out.push_back(count(svg.substr(at, svg.find("</g>", at) - at), "<circle"));
  return out;
}

// RFC 4180 reader, for checking the writer.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows(1);
  std::string field;
  bool quoted = false, field_started = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (quoted) {
      if (ch == '"' && i + 1 < text.size() && text[i + 1] == '"') field += '"', ++i;
      else if (ch == '"') quoted = false;
      else field += ch;
    } else if (ch == '"') {
      quoted = field_started = true;
    } else if (ch == ',') {
      rows.back().push_back(field), field.clear();
    } else if (ch == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      rows.back().push_back(field), field.clear();
      rows.emplace_back();
      ++i;
    } else {
      field += ch;
      field_started = true;
    }
  }
  if (rows.back().empty() && field.empty()) rows.pop_back();
  else rows.back().push_back(field);
  (void)field_started;
  return rows;
}

struct Fixture {
  TempDir dir;
  std::string history = dir.file("demo.history.jsonl");
  std::string study_path = dir.file("study.toml");
  Study study;

  explicit Fixture(const std::string& direction) {
    write_file(study_path, study_toml(direction));
    study = load(study_path);
    write_history(history, study, known_records());
  }
};

}  // namespace

TEST_CASE("summary of a minimized study: best point, top-k order, counts and throughput", "[report]") {
  Fixture f("minimize");
  const auto records = load_study_records(f.history, f.study).evaluations;
  REQUIRE(records.size() == 7);
  const ReportData data = summarize(f.study, records, 3);

  CHECK(data.evaluations == 7);
  CHECK(data.ok == 5);
  CHECK(data.failed == 2);
  CHECK(data.failed_by_class == std::map<std::string, int>{{"objective", 1}, {"timeout", 1}});
  REQUIRE(data.best);
  CHECK(data.best->job == "J4");
  CHECK(*data.best->loss == 1.0);
  CHECK(jobs(data.top) == std::vector<std::string>{"J4", "J6", "J1"});
  REQUIRE(data.elapsed_s);
  CHECK(*data.elapsed_s == Approx(100.0));
  CHECK(*data.evaluations_per_hour == Approx(7 * 36.0));

  const auto& x = param(data, "x");
  CHECK(*x.explored_low == 1.0);
  CHECK(*x.explored_high == 7.0);  // failed evaluations were explored too
  CHECK(*x.at_best == 5.0);
  CHECK(*x.top_mean == Approx((5.0 + 7.0 + 2.0) / 3));
  CHECK_FALSE(x.top_mean_geometric);
  const auto& lr = param(data, "lr");
  CHECK(lr.top_mean_geometric);
  CHECK(*lr.top_mean == Approx(std::pow(10.0, -5.0 / 3)));  // geometric mean of 1e-1, 1e-2, 1e-2
  CHECK(*param(data, "layers").top_mean == Approx(3.0));

  const auto& act = param(data, "act");
  REQUIRE(act.choices.size() == 3);
  CHECK(act.choices[0].choice == "relu");  // the space's order
  CHECK(*act.choice_at_best == "gelu");
  const auto& relu = choice(data, "act", "relu");
  CHECK(relu.evaluations == 4);
  CHECK(relu.ok == 2);
  CHECK(*relu.best_loss == 2.0);
  CHECK(*relu.mean_loss == Approx(3.5));
  const auto& gelu = choice(data, "act", "gelu");
  CHECK(gelu.evaluations == 2);
  CHECK(*gelu.best_loss == 1.0);
  CHECK(*gelu.mean_loss == Approx(2.0));
  const auto& tanh = choice(data, "act", "tanh");
  CHECK(tanh.evaluations == 1);
  CHECK(*tanh.best_loss == 7.0);

  std::ostringstream out;
  print_report(data, out);
  const std::string text = out.str();
  INFO(text);
  CHECK_THAT(text, Catch::Contains("report-demo") && Catch::Contains("7: 5 ok, 2 failed (1 objective, 1 timeout)"));
  CHECK_THAT(text, Catch::Contains("loss 1 (index 4, job J4, worker host-a/gpu0"));
  CHECK_THAT(text, Catch::Contains("1m 40s") && Catch::Contains("252.0 evaluations/hour"));
  CHECK_THAT(text, Catch::Contains("lowest loss first"));
  CHECK(text.find("J4") < text.find("J6"));
}

TEST_CASE("summary of a maximized study: the best is the largest", "[report]") {
  Fixture f("maximize");
  const auto records = load_study_records(f.history, f.study).evaluations;
  const ReportData data = summarize(f.study, records, 3);
  REQUIRE(data.best);
  CHECK(data.best->job == "J3");
  CHECK(*data.best->loss == 7.0);
  CHECK(jobs(data.top) == std::vector<std::string>{"J3", "J0", "J1"});
  CHECK(*choice(data, "act", "relu").best_loss == 5.0);
  CHECK(*choice(data, "act", "gelu").best_loss == 3.0);
  CHECK(*param(data, "act").choice_at_best == "tanh");

  const auto points = convergence(f.study, records);
  std::vector<double> best;
  for (const auto& p : points) best.push_back(p.best);
  CHECK(best == std::vector<double>{5, 5, 7, 7, 7});

  std::ostringstream out;
  print_report(data, out);
  CHECK_THAT(out.str(), Catch::Contains("highest loss first"));
}

TEST_CASE("top-k larger than the ok evaluations, and no ok evaluation at all", "[report]") {
  Fixture f("minimize");
  const auto records = load_study_records(f.history, f.study).evaluations;
  CHECK(summarize(f.study, records, 50).top.size() == 5);
  CHECK(summarize(f.study, records, 0).top.empty());

  std::vector<EvaluationRecord> failed;
  for (const auto& r : records)
    if (!r.ok()) failed.push_back(r);
  const ReportData data = summarize(f.study, failed, 10);
  CHECK_FALSE(data.best);
  CHECK(data.top.empty());
  std::ostringstream out;
  print_report(data, out);
  CHECK_THAT(out.str(), Catch::Contains("no successful evaluation"));
  const std::string svg = convergence_svg(f.study, failed);
  CHECK_THAT(svg, Catch::Contains("no successful evaluation"));
  CHECK(polyline_vertices(svg, "best-so-far").empty());
}

TEST_CASE("the convergence plot is well-formed SVG with a vertex and a dot per ok evaluation", "[report][svg]") {
  Fixture f("minimize");
  const auto records = load_study_records(f.history, f.study).evaluations;
  const std::string svg = convergence_svg(f.study, records);
  REQUIRE(svg.rfind("<svg", 0) == 0);
  CHECK(svg.find("</svg>") != std::string::npos);
  std::string why;
  CHECK(well_formed(svg, &why));
  INFO(why);
  // Two panels (index, time); a step line of 2n-1 vertices over n = 5 ok evaluations.
  CHECK(polyline_vertices(svg, "best-so-far") == std::vector<std::size_t>{9, 9});
  CHECK(dot_groups(svg, "loss") == std::vector<std::size_t>{5, 5});
  CHECK_THAT(svg, Catch::Contains("evaluation index") && Catch::Contains("elapsed since the first proposal (s)"));
  CHECK_THAT(svg, Catch::Contains("best so far (min)"));

  std::vector<double> best;
  for (const auto& p : convergence(f.study, records)) best.push_back(p.best);
  CHECK(best == std::vector<double>{5, 3, 3, 1, 1});

  SECTION("a single evaluation") {
    const std::vector<EvaluationRecord> one = {records.front()};
    const std::string single = convergence_svg(f.study, one);
    CHECK(well_formed(single, &why));
    CHECK(polyline_vertices(single, "best-so-far") == std::vector<std::size_t>{1, 1});
    CHECK(count(single, "best-so-far-marker") == 2);  // a one-vertex line is invisible: marked
    CHECK(single.find("nan") == std::string::npos);
  }
  SECTION("titles are escaped") {
    Study odd = f.study;
    odd.name = "a<b & \"c\"";
    const std::string escaped = convergence_svg(odd, records);
    CHECK(well_formed(escaped, &why));
    CHECK_THAT(escaped, Catch::Contains("a&lt;b &amp; &quot;c&quot;"));
  }
}

TEST_CASE("axes: nice ticks, and symlog for losses that span decades", "[report][svg]") {
  CHECK(nice_ticks(0, 10, 6) == std::vector<double>{0, 2, 4, 6, 8, 10});
  const auto fine = nice_ticks(0.1, 0.35, 6);
  const std::vector<double> expected = {0.1, 0.15, 0.2, 0.25, 0.3, 0.35};
  REQUIRE(fine.size() == expected.size());
  for (std::size_t i = 0; i < fine.size(); ++i) CHECK(fine[i] == Approx(expected[i]));
  CHECK(nice_ticks(3, 3, 6) == std::vector<double>{3});

  const Axis linear = fit_axis({1, 5}, true);
  CHECK(linear.scale == AxisScale::Linear);
  CHECK(linear.low < 1);
  CHECK(linear.high > 5);
  const Axis single = fit_axis({2}, true);
  CHECK(single.low < 2);
  CHECK(single.high > 2);

  const Axis wide = fit_axis({1e-4, 0.5, 1000}, true);
  CHECK(wide.scale == AxisScale::SymLog);
  CHECK(wide.linthresh == Approx(1e-4));
  CHECK(wide.low < 1e-4);
  CHECK(wide.high > 1000);
  const auto ticks = wide.ticks(6);
  CHECK(ticks.size() >= 3);
  CHECK(ticks.size() <= 9);
  CHECK(std::is_sorted(ticks.begin(), ticks.end()));
  CHECK(wide.transform(0) == 0);
  CHECK(wide.transform(-10) == Approx(-wide.transform(10)));

  CHECK(fit_axis({-1, 1e4}, true).scale == AxisScale::SymLog);  // negative losses are fine
  CHECK(fit_axis({1e-4, 1000}, false).scale == AxisScale::Linear);
}

TEST_CASE("CSV: one row per evaluation, a column per parameter, quoting", "[report][csv]") {
  CHECK(csv_field("plain") == "plain");
  CHECK(csv_field("a,b") == "\"a,b\"");
  CHECK(csv_field("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(csv_field("two\nlines") == "\"two\nlines\"");
  CHECK(csv_field(" padded") == "\" padded\"");
  CHECK(csv_number(0.1) == "0.1");
  CHECK(csv_number(1e-5) == "1e-05");
  CHECK(csv_number(1010) == "1010");

  Fixture f("minimize");
  const auto records = load_study_records(f.history, f.study).evaluations;
  std::ostringstream out;
  write_csv(f.study, records, out);
  const std::string text = out.str();
  CHECK_THAT(text, Catch::Contains("\"CUDA out of memory, \"\"oops\"\"\nsecond line\""));
  const auto rows = parse_csv(text);
  REQUIRE(rows.size() == 8);
  std::vector<std::string> header = {"index", "job", "status", "loss"};
  for (const auto& spec : f.study.space.params()) header.push_back(spec.name);
  for (const char* name : {"worker", "proposed_at", "started_at", "finished_at", "error", "stopped_at", "curve"})
    header.push_back(name);
  CHECK(rows[0] == header);
  CHECK(header.size() == 15);
  for (const auto& row : rows) CHECK(row.size() == 15);

  auto column = [&](const std::string& name) {
    return static_cast<std::size_t>(std::find(header.begin(), header.end(), name) - header.begin());
  };
  const auto& j2 = rows[3];
  CHECK(j2[column("job")] == "J2");
  CHECK(j2[column("status")] == "failed");
  CHECK(j2[column("loss")].empty());
  CHECK(j2[column("error")] == kOomError);
  CHECK(j2[column("act")] == "relu");
  CHECK(std::stod(j2[column("lr")]) == 1e-4);  // shortest round-trip text ("1e-04")
  CHECK(j2[column("layers")] == "1");
  const auto& j6 = rows[7];
  CHECK(j6[column("loss")] == "2");
  CHECK(j6[column("worker")] == "host,b/gpu1");
  CHECK(j6[column("finished_at")] == "1100");
  CHECK(j6[column("proposed_at")] == "1006");
}

TEST_CASE("run_report prints, writes the plot and the CSV, and leaves the history alone", "[report]") {
  Fixture f("minimize");
  // A torn last line, as a live tuner's half-written append would look to a reader.
  {
    std::ofstream append(f.history, std::ios::app);
    append << "{\"index\": 7, \"job\": \"J7\"";
  }
  const std::string before = read_file(f.history);

  ReportOptions options;
  options.study_path = f.study_path;
  options.history_path = f.history;
  options.top = 2;
  options.csv_path = f.dir.file("out.csv");
  std::ostringstream out, err;
  REQUIRE(run_report(options, out, err) == 0);
  INFO(out.str() + err.str());
  // The torn last line is named, not silently dropped (issue 15).
  CHECK_THAT(err.str(), Catch::Contains(f.history + ":8:") && Catch::Contains("incomplete last line"));
  CHECK_THAT(out.str(), Catch::Contains("job J4") && Catch::Contains("top 2 of 5 ok"));
  CHECK(read_file(f.history) == before);  // the torn line was not cut off from the real file

  const std::string plot = default_plot_path(f.history);
  CHECK(plot == f.dir.file("demo.history.jsonl.convergence.svg"));
  REQUIRE(std::filesystem::exists(plot));
  CHECK(read_file(plot).rfind("<svg", 0) == 0);
  CHECK(parse_csv(read_file(options.csv_path)).size() == 8);

  SECTION("an explicit plot path, or none") {
    options.plot_path = f.dir.file("custom.svg");
    options.csv_path.clear();
    CHECK(run_report(options, out, err) == 0);
    CHECK(std::filesystem::exists(options.plot_path));
    std::filesystem::remove(plot);
    options.plot_path = "none";
    CHECK(run_report(options, out, err) == 0);
    CHECK_FALSE(std::filesystem::exists(plot));
  }
  SECTION("an unwritable output is an error") {
    options.csv_path = f.dir.file("no/such/dir/out.csv");
    CHECK(run_report(options, out, err) == 1);
    CHECK_THAT(err.str(), Catch::Contains("cannot write the CSV"));
  }
}

TEST_CASE("a history of another study, a missing history or a bad study file is refused", "[report]") {
  Fixture f("minimize");
  std::ostringstream out, err;
  ReportOptions options;
  options.history_path = f.history;

  SECTION("another objective (the journal's fingerprint)") {
    options.study_path = f.dir.file("other.toml");
    write_file(options.study_path, study_toml("minimize", "rosenbrock"));
    CHECK(run_report(options, out, err) == 2);
    CHECK_THAT(err.str(), Catch::Contains("belongs to another study") && Catch::Contains(journal_path(f.history)));
    CHECK_THAT(err.str(), !Catch::Contains("quante-report-"));  // names the user's file, not the snapshot
  }
  SECTION("another direction") {
    options.study_path = f.dir.file("max.toml");
    write_file(options.study_path, study_toml("maximize"));
    CHECK(run_report(options, out, err) == 2);
    CHECK_THAT(err.str(), Catch::Contains("belongs to another study"));
  }
  SECTION("another space, history without a journal") {
    std::filesystem::remove(journal_path(f.history));
    options.study_path = f.dir.file("narrow.toml");
    std::string toml = study_toml("minimize");
    toml.replace(toml.find("high = 10.0"), 11, "high = 2.0");
    write_file(options.study_path, toml);
    CHECK(run_report(options, out, err) == 2);
    CHECK_THAT(err.str(), Catch::Contains("does not belong to study report-demo") && Catch::Contains(f.history));
  }
  SECTION("no history file") {
    options.study_path = f.study_path;
    options.history_path = f.dir.file("missing.jsonl");
    CHECK(run_report(options, out, err) == 2);
    CHECK_THAT(err.str(), Catch::Contains("no such history file"));
  }
  SECTION("a bad study file") {
    options.study_path = f.dir.file("bad.toml");
    write_file(options.study_path, "name = \"x\"\n");
    CHECK(run_report(options, out, err) == 2);
    CHECK_THAT(err.str(), Catch::Contains("objective"));
  }
  CHECK(out.str().empty());
}

namespace {

const std::string kFidelityTable = "\n[fidelity]\nstep_min = 1\nstep_max = 9\neta = 3\nbudget_steps = 100\n";

// Eight trials of a study with step_max = 9, as `quante-tuner run` writes them. J3 was stopped
// with a loss (0.1) better than any ok trial's: the best must still be J1, an ok trial (0.2).
// J5 diverged (its last point is null) and failed; J6 ran to full length without a curve; J7 was
// stopped with its last loss null.
const char* const kCurvesHistory[] = {
    R"({"index":0,"job":"J0","params":{"x":1.0,"lr":0.001,"layers":2,"act":"relu"},"loss":0.3,"status":"ok","curve":[[1,0.9],[3,0.6],[9,0.3]]})",
    R"({"index":1,"job":"J1","params":{"x":2.0,"lr":0.01,"layers":3,"act":"gelu"},"loss":0.2,"status":"ok","curve":[[1,0.8],[3,0.5],[9,0.2]]})",
    R"({"index":2,"job":"J2","params":{"x":3.0,"lr":0.0001,"layers":1,"act":"relu"},"loss":1.5,"status":"stopped","stopped_at":1,"curve":[[1,1.5]]})",
    R"({"index":3,"job":"J3","params":{"x":4.0,"lr":0.00001,"layers":6,"act":"tanh"},"loss":0.1,"status":"stopped","stopped_at":1,"curve":[[1,0.1]]})",
    R"({"index":4,"job":"J4","params":{"x":5.0,"lr":0.1,"layers":4,"act":"gelu"},"loss":0.7,"status":"stopped","stopped_at":3,"curve":[[1,0.85],[3,0.7]]})",
    R"({"index":5,"job":"J5","params":{"x":6.0,"lr":0.001,"layers":5,"act":"relu"},"loss":null,"status":"failed","error":"loss is nan","failure":"objective","curve":[[1,0.9],[2,null]]})",
    R"({"index":6,"job":"J6","params":{"x":7.0,"lr":0.01,"layers":2,"act":"relu"},"loss":0.25,"status":"ok"})",
    R"({"index":7,"job":"J7","params":{"x":8.0,"lr":0.01,"layers":2,"act":"tanh"},"loss":null,"status":"stopped","stopped_at":3,"curve":[[1,2.0],[3,null]]})",
};

// Worked by hand, step_max = 9:
//   run:         J0 9 + J1 9 + J2 1 + J3 1 + J4 3 + J5 2 + J6 9 (ok, no curve: step_max) + J7 3 = 37
//   full length: ok J0, J1, J6 9 + 9 + 9 = 27; stopped J2, J3, J4, J7 4 x 9 = 36; failed J5 as run 2
//                = 65 (not 8 x 9 = 72: a failed trial would have failed at full length too)
//   saved:       65 - 37 = 28, 28 / 65 = 43.08 %
//   stops:       step 1: J2, J3; step 3: J4, J7
struct CurvesFixture {
  TempDir dir;
  std::string history = dir.file("curves.history.jsonl");
  std::string study_path = dir.file("study.toml");
  Study study;

  explicit CurvesFixture(const std::string& fidelity = kFidelityTable) {
    write_file(study_path, study_toml("minimize") + fidelity);
    study = load(study_path);
    std::string lines;
    for (const char* line : kCurvesHistory) lines += std::string(line) + "\n";
    write_file(history, lines);
  }
};

}  // namespace

TEST_CASE("learning curves: steps run against full length, stops by step, the best an ok trial", "[report][curves]") {
  CurvesFixture f;
  const auto records = load_study_records(f.history, f.study).evaluations;
  REQUIRE(records.size() == 8);
  const ReportData data = summarize(f.study, records, 3);

  CHECK(data.ok == 3);
  CHECK(data.stopped == 4);
  CHECK(data.failed == 1);  // stopped trials are not failures
  CHECK(data.failed_by_class == std::map<std::string, int>{{"objective", 1}});
  REQUIRE(data.best);
  CHECK(data.best->job == "J1");  // J3's 0.1 was a stopped trial's
  CHECK(jobs(data.top) == std::vector<std::string>{"J1", "J6", "J0"});

  REQUIRE(data.steps);
  const StepAccount& steps = *data.steps;
  CHECK(steps.step_max == 9);
  CHECK(steps.step_max_from_study);
  CHECK(steps.ok == 3);
  CHECK(steps.stopped == 4);
  CHECK(steps.failed == 1);
  CHECK(steps.consumed == 37);
  CHECK(steps.full_length == 65);
  CHECK(steps.saved() == 28);
  CHECK(*steps.saved_fraction() == Approx(28.0 / 65));
  CHECK(steps.stopped_at == std::map<std::int64_t, int>{{1, 2}, {3, 2}});
  CHECK(steps.budget_steps == std::optional<std::int64_t>(100));

  std::ostringstream out;
  print_report(data, out);
  const std::string text = out.str();
  INFO(text);
  CHECK_THAT(text, Catch::Contains("8: 3 ok, 4 stopped, 1 failed (1 objective)"));
  CHECK_THAT(text, Catch::Contains("trials       3 ran to full length, 4 stopped early, 1 failed\n"));
  CHECK_THAT(text, Catch::Contains("steps        37 run of 65 at full length (step_max 9; budget 100): 28 saved, 43.1%\n"));
  CHECK_THAT(text, Catch::Contains("stopped at   step 1: 2, step 3: 2\n"));
  CHECK_THAT(text, Catch::Contains("loss 0.2 (index 1, job J1"));

  SECTION("without [fidelity], step_max is the longest curve of an ok trial") {
    Study plain = f.study;
    plain.fidelity.reset();
    const auto account = account_steps(plain, records);
    REQUIRE(account);
    CHECK_FALSE(account->step_max_from_study);
    CHECK(account->step_max == 9);
    CHECK(account->consumed == 37);
    CHECK(account->full_length == 65);
    std::ostringstream plain_out;
    print_report(summarize(plain, records, 3), plain_out);
    CHECK_THAT(plain_out.str(), Catch::Contains("(step_max 9, the longest curve: no [fidelity])"));
  }
  SECTION("[fidelity] but no curve yet: ok trials count step_max, nothing saved") {
    std::vector<EvaluationRecord> flat;
    for (const auto& r : records)
      if (r.ok()) flat.push_back(r);
    for (auto& r : flat) r.curve.clear();
    const auto account = account_steps(f.study, flat);
    REQUIRE(account);
    CHECK(account->consumed == 27);
    CHECK(account->full_length == 27);
    CHECK(account->saved() == 0);
    CHECK_FALSE(any_curve(flat));
    std::ostringstream flat_out;
    print_report(summarize(f.study, flat, 3), flat_out);
    CHECK_THAT(flat_out.str(), Catch::Contains("27 run of 27 at full length (step_max 9; budget 100): 0 saved, 0.0%") &&
                                   Catch::Contains("stopped at   none"));
  }
}

TEST_CASE("the learning-curves plot: a polyline per curve, stopped ones marked at their stop, the best on top",
          "[report][curves][svg]") {
  CurvesFixture f;
  const auto records = load_study_records(f.history, f.study).evaluations;
  const std::string svg = learning_curves_svg(f.study, records);
  REQUIRE(svg.rfind("<svg", 0) == 0);
  std::string why;
  CHECK(well_formed(svg, &why));
  INFO(why);
  // Self-contained: no script, no external reference, no NaN coordinate from J5's or J7's nulls.
  CHECK(svg.find("<script") == std::string::npos);
  CHECK(svg.find("href") == std::string::npos);
  CHECK(svg.find("nan") == std::string::npos);

  // Seven trials have a finite point (J6 has no curve): seven polylines.
  CHECK(count(svg, "<polyline class=\"curve-") == 7);
  CHECK(polyline_vertices(svg, "curve-best") == std::vector<std::size_t>{3});  // J1
  CHECK(polyline_vertices(svg, "curve-ok") == std::vector<std::size_t>{3});    // J0
  CHECK(polyline_vertices(svg, "curve-stopped") == std::vector<std::size_t>{1, 1, 2, 1});  // J2, J3, J4, J7 (null left out)
  CHECK(polyline_vertices(svg, "curve-failed") == std::vector<std::size_t>{1});  // J5, its null left out
  CHECK(count(svg, "class=\"curve-stopped-end\"") == 4);
  CHECK(count(svg, "class=\"curve-ok-end\"") == 0);
  // The best is drawn last, over the others, and named in the legend.
  CHECK(svg.find("curve-best") > svg.rfind("<polyline class=\"curve-ok\""));
  CHECK_THAT(svg, Catch::Contains("best (index 1)") && Catch::Contains("stopped early") && Catch::Contains("full length"));
  CHECK_THAT(svg, Catch::Contains(">step<") && Catch::Contains(">loss<"));
  CHECK_THAT(svg, Catch::Contains("learning curves of 7 trials (2 full length, 4 stopped, 1 failed)"));  // J6 drew none
}

TEST_CASE("svg_plot leaves non-finite points out of a line and can mark its end", "[report][svg]") {
  Series line;
  line.kind = Series::Kind::Line;
  line.css_class = "diverged";
  line.x = {1, 2, 3, 4};
  line.y = {0.5, std::nan(""), 0.25, std::numeric_limits<double>::infinity()};
  line.end_marker = true;
  Figure figure;
  figure.panels.push_back({"t", "step", "loss", {line}, "none", true});
  const std::string svg = render_svg(figure);
  std::string why;
  CHECK(well_formed(svg, &why));
  CHECK(svg.find("nan") == std::string::npos);
  CHECK(svg.find("inf") == std::string::npos);
  CHECK(polyline_vertices(svg, "diverged") == std::vector<std::size_t>{2});
  CHECK(count(svg, "class=\"diverged-end\"") == 1);
  CHECK(count(svg, "diverged-marker") == 0);
}

TEST_CASE("CSV: stopped_at and the curve in one cell", "[report][csv][curves]") {
  CHECK(csv_curve({}).empty());
  CHECK(csv_curve({{1, 0.5}, {3, std::nan("")}, {9, 1e-5}}) == "1:0.5;3:nan;9:1e-05");

  CurvesFixture f;
  const auto records = load_study_records(f.history, f.study).evaluations;
  std::ostringstream out;
  write_csv(f.study, records, out);
  const auto rows = parse_csv(out.str());
  REQUIRE(rows.size() == 9);
  const auto& header = rows[0];
  REQUIRE(header.size() == 15);
  CHECK(header[13] == "stopped_at");
  CHECK(header[14] == "curve");
  for (const auto& row : rows) CHECK(row.size() == 15);
  CHECK(rows[1][2] == "ok");
  CHECK(rows[1][13].empty());
  CHECK(rows[1][14] == "1:0.9;3:0.6;9:0.3");
  CHECK(rows[5][2] == "stopped");
  CHECK(rows[5][13] == "3");
  CHECK(rows[5][14] == "1:0.85;3:0.7");
  CHECK(rows[6][14] == "1:0.9;2:nan");
  CHECK(rows[7][14].empty());  // J6: no curve reported
}

TEST_CASE("run_report writes the curves plot beside the convergence plot, or not at all", "[report][curves]") {
  SECTION("a history with curves") {
    CurvesFixture f;
    ReportOptions options;
    options.study_path = f.study_path;
    options.history_path = f.history;
    options.csv_path = f.dir.file("out.csv");
    std::ostringstream out, err;
    REQUIRE(run_report(options, out, err) == 0);
    INFO(out.str() + err.str());
    const std::string curves = default_curves_path(f.history);
    CHECK(curves == f.dir.file("curves.history.jsonl.curves.svg"));
    REQUIRE(std::filesystem::exists(curves));
    CHECK(count(read_file(curves), "<polyline class=\"curve-") == 7);
    CHECK(std::filesystem::exists(default_plot_path(f.history)));
    CHECK_THAT(out.str(), Catch::Contains("learning curves   " + curves) && Catch::Contains("37 run of 65"));
    CHECK(parse_csv(read_file(options.csv_path))[0].back() == "curve");

    std::filesystem::remove(curves);
    options.curves_path = f.dir.file("mine.svg");
    CHECK(run_report(options, out, err) == 0);
    CHECK(std::filesystem::exists(options.curves_path));
    CHECK_FALSE(std::filesystem::exists(curves));
    std::filesystem::remove(options.curves_path);
    options.curves_path = "none";
    CHECK(run_report(options, out, err) == 0);
    CHECK_FALSE(std::filesystem::exists(curves));
    CHECK_FALSE(std::filesystem::exists(options.curves_path));
  }
  SECTION("a history without curves or [fidelity]: no plot, no step lines") {
    Fixture f("minimize");
    const auto records = load_study_records(f.history, f.study).evaluations;
    CHECK_FALSE(account_steps(f.study, records));
    ReportOptions options;
    options.study_path = f.study_path;
    options.history_path = f.history;
    std::ostringstream out, err;
    REQUIRE(run_report(options, out, err) == 0);
    INFO(out.str() + err.str());
    CHECK_FALSE(std::filesystem::exists(default_curves_path(f.history)));
    CHECK(std::filesystem::exists(default_plot_path(f.history)));
    CHECK_THAT(out.str(), Catch::Contains("7: 5 ok, 2 failed (1 objective, 1 timeout)"));
    for (const char* line : {"trials ", "steps ", "stopped", "learning curves"}) CHECK_THAT(out.str(), !Catch::Contains(line));
  }
}

// Issue 14: under noise the report names the best by the model's posterior mean and says so;
// noise-free losses keep the lowest loss as the best.
TEST_CASE("a noisy study's report names the best by posterior mean and says the noise is inferred", "[report][noise]") {
  TempDir dir;
  const std::string study_path = dir.path() + "/noisy.toml";
  write_file(study_path, "name = \"noisy\"\nobjective = \"quadratic\"\nbudget = 40\n\n[space]\n"
                         "a = { type = \"float\", low = 0.0, high = 1.0 }\n"
                         "b = { type = \"float\", low = 0.0, high = 1.0 }\n");
  const Study study = load(study_path);
  auto truth = [](double a, double b) { return (a - 0.35) * (a - 0.35) + 2.0 * (b - 0.6) * (b - 0.6); };
  double named_sum = 0.0, lucky_sum = 0.0;
  const int seeds = 6;
  for (int seed = 0; seed < seeds; ++seed) {
    std::vector<EvaluationRecord> records;
    std::uint64_t state = 88172645463325252ull + static_cast<std::uint64_t>(seed);
    auto uniform = [&] {  // xorshift64: the test's own deterministic draws
      state ^= state << 13;
      state ^= state >> 7;
      state ^= state << 17;
      return static_cast<double>(state >> 11) * 0x1.0p-53;
    };
    for (int i = 0; i < 40; ++i) {
      EvaluationRecord r;
      r.index = i;
      r.job = "J" + std::to_string(i);
      const double a = uniform(), b = uniform();
      r.params = {{"a", a}, {"b", b}};
      // Noise: a sum of uniforms, sd 0.1 (about 11 % of the range).
      const double noise = 0.1 * std::sqrt(12.0 / 4.0) * (uniform() + uniform() + uniform() + uniform() - 2.0);
      r.loss = truth(a, b) + noise;
      r.status = "ok";
      records.push_back(r);
    }
    const ReportData data = summarize(study, records, 5);
    REQUIRE(data.best);
    REQUIRE(data.best_posterior_mean);
    CHECK(*data.noise_variance >= 0.03);
    const auto lowest = std::min_element(records.begin(), records.end(),
                                         [](const auto& x, const auto& y) { return *x.loss < *y.loss; });
    auto true_value = [&](const EvaluationRecord& r) {
      return truth(std::get<double>(r.params.at("a")), std::get<double>(r.params.at("b")));
    };
    named_sum += true_value(*data.best);
    lucky_sum += true_value(*lowest);
    if (seed == 0) {
      std::ostringstream out;
      print_report(data, out);
      CHECK_THAT(out.str(), Catch::Contains("noise        inferred"));
      CHECK_THAT(out.str(), Catch::Contains("named by the model's posterior mean"));
    }
  }
  INFO("mean true value: named " << named_sum / seeds << ", lowest loss " << lucky_sum / seeds);
  CHECK(named_sum < lucky_sum);

  // The same points without noise: the lowest loss, and no noise line.
  std::vector<EvaluationRecord> clean;
  for (int i = 0; i < 30; ++i) {
    EvaluationRecord r;
    r.index = i;
    r.job = "C" + std::to_string(i);
    const double a = std::fmod(0.618034 * (i + 1), 1.0), b = std::fmod(0.754878 * (i + 1), 1.0);
    r.params = {{"a", a}, {"b", b}};
    r.loss = truth(a, b);
    r.status = "ok";
    clean.push_back(r);
  }
  const ReportData data = summarize(study, clean, 5);
  REQUIRE(data.best);
  CHECK_FALSE(data.best_posterior_mean);
  CHECK(*data.best->loss == Approx(*std::min_element(clean.begin(), clean.end(), [](const auto& x, const auto& y) {
                                     return *x.loss < *y.loss;
                                   })->loss));
  std::ostringstream out;
  print_report(data, out);
  CHECK_THAT(out.str(), !Catch::Contains("noise        inferred"));
}
