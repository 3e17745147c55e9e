// The dashboard's page: one HTML document with inline CSS (the report's) and a small inline
// script that polls /api/state every second, writes it into the page with textContent (never as
// HTML: parameters and error texts come from workers), and replaces the plots with /api/plots
// when the number of results has changed. No library, no external file.
#include "dashboard.hpp"

#include "html_report.hpp"
#include "svg_plot.hpp"

namespace quante::tuner::dashboard {

namespace {

constexpr const char* kBody = R"html(
<h1>Study <span id="study"></span> <span id="status" class="status">connecting</span></h1>
<section id="summary">
<progress id="progress" value="0" max="1"></progress>
<dl class="summary">
<dt>evaluations</dt><dd><span id="count" data-count="0">0</span> of <span id="budget">?</span>:
  <span id="ok">0</span> ok, <span id="stopped">0</span> stopped, <span id="failed">0</span> failed</dd>
<dt>running</dt><dd><span id="running">0</span> trials; <span id="workers">0</span> workers connected,
  <span id="queued">0</span> jobs waiting for one</dd>
<dt>elapsed</dt><dd id="elapsed">-</dd>
<dt>best</dt><dd>loss <span id="best-loss">none yet</span> <span id="best-where"></span><br><span id="best-params"></span></dd>
</dl>
<p class="note" id="updated">waiting for the tuner</p>
</section>
<section id="running-trials"><h2>Running trials</h2>
<table><thead><tr><th>job</th><th>worker</th><th>GPU</th><th>step</th><th>loss</th><th>since proposed</th><th>parameters</th></tr></thead>
<tbody id="running-rows"></tbody></table>
<p class="note">A trial's worker is known once it reports a step (or finishes): the broker names it then.</p></section>
<section id="recent"><h2>Latest results</h2>
<table><thead><tr><th>index</th><th>status</th><th>loss</th><th>worker</th><th>seconds</th><th>parameters</th></tr></thead>
<tbody id="recent-rows"></tbody></table></section>
<section id="failures"><h2>Failures (newest first)</h2>
<table><thead><tr><th>index</th><th>job</th><th>class</th><th>reason</th><th>worker</th></tr></thead>
<tbody id="failure-rows"></tbody></table></section>
<div id="plots"></div>
<script>
"use strict";
let plotsFor = -1;
const $ = (id) => document.getElementById(id);
function num(v) { return v === null || v === undefined ? "-" : String(parseFloat(Number(v).toPrecision(6))); }
function params(p) { return Object.entries(p || {}).map(([k, v]) => k + "=" + (typeof v === "number" ? num(v) : v)).join(", "); }
function duration(s) {
  if (s < 60) return s.toFixed(1) + " s";
  const h = Math.floor(s / 3600), m = Math.floor(s % 3600 / 60), r = Math.floor(s % 60);
  return (h ? h + "h " : "") + String(m).padStart(h ? 2 : 1, "0") + "m " + String(r).padStart(2, "0") + "s";
}
function rows(id, items, cells) {
  const body = $(id);
  body.replaceChildren(...items.map((item) => {
    const tr = document.createElement("tr");
    for (const text of cells(item)) { const td = document.createElement("td"); td.textContent = text; tr.appendChild(td); }
    return tr;
  }));
}
function render(s) {
  $("study").textContent = s.study;
  document.title = s.study + ": quante-tuner dashboard";
  $("status").textContent = s.starting ? "starting" : s.finished ? "finished (" + (s.stop_reason || "stopped") + ")" : "running";
  $("count").textContent = s.evaluations; $("count").dataset.count = s.evaluations;
  $("budget").textContent = s.budget;
  $("progress").max = Math.max(1, s.budget); $("progress").value = s.evaluations;
  for (const k of ["ok", "stopped", "failed", "running", "workers", "queued"]) $(k).textContent = s[k] === undefined ? 0 : s[k];
  $("elapsed").textContent = s.elapsed_s === undefined ? "-" : duration(s.elapsed_s);
  if (s.best) {
    $("best-loss").textContent = num(s.best.loss); $("best-loss").dataset.loss = s.best.loss;
    $("best-where").textContent = "(index " + s.best.index + ", job " + s.best.job + (s.best.worker ? ", worker " + s.best.worker : "") + ")";
    $("best-params").textContent = params(s.best.params);
  }
  rows("running-rows", s.running_trials || [], (t) => [t.job, t.worker || "(not reported yet)", t.gpu === null ? "-" : t.gpu,
       t.step === null ? "-" : t.step, num(t.loss), duration(t.running_s), params(t.params)]);
  rows("recent-rows", (s.recent || []).slice().reverse(), (r) => [r.index, r.status, num(r.loss), r.worker, num(r.seconds), params(r.params)]);
  rows("failure-rows", s.failures || [], (r) => [r.index, r.job, r.failure || "unclassified", r.error, r.worker]);
}
async function refresh() {
  try {
    const reply = await fetch("/api/state", {cache: "no-store"});
    const s = await reply.json();
    render(s);
    if (s.evaluations !== plotsFor && !s.starting) {
      const plots = await fetch("/api/plots", {cache: "no-store"});
      $("plots").innerHTML = await plots.text();
      const shown = $("plots").querySelector(".plots");
      plotsFor = shown ? Number(shown.dataset.evaluations) : s.evaluations;
      for (const box of document.querySelectorAll(".log-axis")) box.checked = document.body.classList.contains("log");
    }
    $("updated").textContent = "updated " + new Date().toLocaleTimeString();
    document.body.classList.remove("stale");
  } catch (e) {
    $("updated").textContent = "no answer from the tuner (it may have finished): " + e;
    document.body.classList.add("stale");
  }
  setTimeout(refresh, 1000);
}
refresh();
</script>
)html";

}  // namespace

std::string dashboard_page(const std::string& study_name) {
  return std::string("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>") + xml_escape(study_name) +
         ": quante-tuner dashboard</title>\n<style>" + report_css() +
         ".status { font-size: 0.6em; color: #555; } progress { width: 100%; height: 1.2em; } body.stale #summary { opacity: 0.6; }\n"
         "</style>\n</head>\n<body>\n" + kBody + "</body>\n</html>\n";
}

}  // namespace quante::tuner::dashboard
