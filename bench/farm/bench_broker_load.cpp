// Broker throughput, latency and soak. A real quante-broker process; workers and tuners are
// threads speaking the wire protocol directly (a worker answers each JOB at once, a no-op
// objective), so the numbers are the broker's and the sockets', not an objective's.
//
//   bench_broker_load [--workers 1,8,32] [--tuners 1,4] [--jobs 20000] [--inflight 64]
//   bench_broker_load --soak 1000000 --workers 8 --tuners 2
// Prints jobs/s through the whole round trip, p50/p99 submit-to-result latency, and for a soak
// the broker's RSS at start and end plus lost/duplicated job counts.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <csignal>

#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "process.hpp"
#include "protocol.hpp"
#include "zmq_util.hpp"

using namespace quante;
using namespace quante::protocol;
using Clock = std::chrono::steady_clock;

namespace {

std::vector<int> parse_list(const std::string& text) {
  std::vector<int> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) out.push_back(std::stoi(item));
  return out;
}

void send(zmq::socket_t& s, Link link, const Message& m) {
  auto frames = encode(link, m);
  zmq::send_multipart(s, frames);
}

std::optional<Message> receive(zmq::socket_t& s, Link link) {
  std::vector<zmq::message_t> frames;
  if (!zmq::recv_multipart(s, std::back_inserter(frames))) return std::nullopt;
  auto decoded = decode(link, frames);
  if (std::holds_alternative<DecodeError>(decoded)) return std::nullopt;
  return std::get<Message>(decoded);
}

void worker_thread(zmq::context_t& ctx, const std::string& backend, int index, std::atomic<bool>& stop) {
  zmq::socket_t s(ctx, zmq::socket_type::dealer);
  s.set(zmq::sockopt::linger, 0);
  s.set(zmq::sockopt::rcvtimeo, 200);
  s.connect(backend);
  Ready ready;
  ready.name = "bench/w" + std::to_string(index);
  ready.host = "bench";
  ready.pid = index;
  ready.objectives = {"noop"};
  send(s, Link::Worker, ready);
  auto last_beat = Clock::now();
  while (!stop) {
    auto m = receive(s, Link::Worker);
    if (m) {
      if (auto* job = std::get_if<Job>(&*m)) {
        Outcome o;
        o.job_id = job->job_id;
        o.ok = true;
        o.loss = 0;
        o.worker = "bench";
        send(s, Link::Worker, Result{o, job->attempt, job->epoch});
      }
    }
    if (Clock::now() - last_beat > std::chrono::milliseconds(500)) {
      send(s, Link::Worker, Heartbeat{});
      last_beat = Clock::now();
    }
  }
}

struct TunerStats {
  std::vector<double> latencies_us;
  std::size_t results = 0, duplicates = 0, lost = 0;
};

void tuner_thread(zmq::context_t& ctx, const std::string& frontend, int index, long jobs, int inflight, TunerStats& stats,
                  bool keep_latencies) {
  zmq::socket_t s(ctx, zmq::socket_type::dealer);
  s.set(zmq::sockopt::linger, 0);
  s.set(zmq::sockopt::rcvtimeo, 2000);
  s.connect(frontend);
  const std::string study = "bench-" + std::to_string(index);
  std::unordered_map<std::string, Clock::time_point> open;
  std::set<std::string> done;
  long submitted = 0;
  auto submit = [&] {
    const std::string id = new_job_id();
    open[id] = Clock::now();
    send(s, Link::Tuner, Submit{id, study, "noop", {{"x", 1.0}}, 0, 0});
    ++submitted;
  };
  while (submitted < jobs && static_cast<int>(open.size()) < inflight) submit();
  if (keep_latencies) stats.latencies_us.reserve(static_cast<std::size_t>(jobs));
  while (!open.empty()) {
    auto m = receive(s, Link::Tuner);
    if (!m) {
      std::fprintf(stderr, "tuner %d: no message for 2 s with %zu open\n", index, open.size());
      break;
    }
    auto* r = std::get_if<JobResult>(&*m);
    if (!r) continue;
    send(s, Link::Tuner, ResultAck{r->outcome.job_id});
    auto it = open.find(r->outcome.job_id);
    if (it == open.end()) {
      ++stats.duplicates;
      continue;
    }
    if (keep_latencies)
      stats.latencies_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - it->second).count());
    open.erase(it);
    ++stats.results;
    if (submitted < jobs) submit();
  }
  stats.lost = open.size();
}

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  const auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
  return v[k];
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> worker_counts = {1, 8, 32}, tuner_counts = {1, 4};
  long jobs = 20000, soak = 0;
  int inflight = 64;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i], value = argv[i + 1];
    if (key == "--workers") worker_counts = parse_list(value);
    else if (key == "--tuners") tuner_counts = parse_list(value);
    else if (key == "--jobs") jobs = std::stol(value);
    else if (key == "--inflight") inflight = std::stoi(value);
    else if (key == "--soak") soak = std::stol(value);
  }
  test::TempDir dir;
  const std::string frontend = "ipc://" + dir.file("f"), backend = "ipc://" + dir.file("b");
  std::printf("%8s %7s %10s %12s %10s %10s %8s %8s\n", "workers", "tuners", "jobs", "jobs/s", "p50_us", "p99_us", "lost", "dups");
  for (int workers : worker_counts) {
    for (int tuners : tuner_counts) {
      test::ChildProcess broker({std::string(QUANTE_BIN_DIR) + "/quante-broker", "--frontend", frontend, "--backend", backend,
                                 "--log-level", "warn"},
                                dir.file("broker.log"));
      zmq::context_t ctx(2);
      std::atomic<bool> stop{false};
      std::vector<std::thread> worker_threads;
      for (int w = 0; w < workers; ++w) worker_threads.emplace_back(worker_thread, std::ref(ctx), backend, w, std::ref(stop));
      std::this_thread::sleep_for(std::chrono::milliseconds(300));  // let the workers register
      const long per_tuner = (soak ? soak : jobs) / tuners;
      const long rss_start = test::resident_kib(broker.pid());
      std::vector<TunerStats> stats(static_cast<std::size_t>(tuners));
      const auto start = Clock::now();
      std::vector<std::thread> tuner_threads;
      for (int t = 0; t < tuners; ++t)
        tuner_threads.emplace_back(tuner_thread, std::ref(ctx), frontend, t, per_tuner, inflight,
                                   std::ref(stats[static_cast<std::size_t>(t)]), soak == 0);
      for (auto& t : tuner_threads) t.join();
      const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
      const long rss_end = test::resident_kib(broker.pid());
      stop = true;
      for (auto& t : worker_threads) t.join();
      std::vector<double> all;
      std::size_t results = 0, lost = 0, dups = 0;
      for (auto& s : stats) {
        all.insert(all.end(), s.latencies_us.begin(), s.latencies_us.end());
        results += s.results;
        lost += s.lost;
        dups += s.duplicates;
      }
      std::printf("%8d %7d %10zu %12.0f %10.0f %10.0f %8zu %8zu\n", workers, tuners, results, results / seconds,
                  percentile(all, 0.5), percentile(all, 0.99), lost, dups);
      if (soak) std::printf("soak: broker RSS %ld KiB at start, %ld KiB at end\n", rss_start, rss_end);
      broker.signal(SIGTERM);
      broker.wait(std::chrono::seconds(5));
    }
  }
  return 0;
}
