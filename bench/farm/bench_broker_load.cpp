// Broker throughput, latency and soak. A real quante-broker process; workers and tuners are
// sockets of one harness thread speaking the wire protocol directly (a worker answers each JOB
// at once, a no-op objective), so the numbers are the broker's and the sockets', not an
// objective's.
//
//   bench_broker_load [--workers 1,8,32] [--tuners 1,4] [--jobs 20000] [--inflight 64]
//   bench_broker_load --soak 1000000 --workers 8 --tuners 2
// Prints jobs/s through the whole round trip, p50/p99 submit-to-result latency, the broker
// process's CPU (cores used, CPU microseconds per job: what the broker costs, apart from the
// harness it shares this machine with), and for a soak the broker's RSS at start and end plus
// lost/duplicated job counts. Exits 1 if any job was lost (never answered).
#include <algorithm>
#include <cstdlib>
#include <chrono>
#include <cstdio>
#include <sstream>
#include <string>
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

// A bench tuner: keeps `inflight` no-op jobs open, acknowledges each result and submits the next.
struct BenchTuner {
  BenchTuner(zmq::context_t& ctx, const std::string& frontend, int index, long job_count, int in_flight, bool latencies)
      : socket(ctx, zmq::socket_type::dealer),
        study("bench-" + std::to_string(index)),
        jobs(job_count),
        inflight(in_flight),
        keep_latencies(latencies) {
    socket.set(zmq::sockopt::linger, 0);
    socket.connect(frontend);
    if (keep_latencies) latencies_us.reserve(static_cast<std::size_t>(jobs));
  }

  zmq::socket_t socket;
  std::string study;
  long jobs = 0, submitted = 0;
  int inflight = 0;
  bool keep_latencies = false;
  std::unordered_map<std::string, Clock::time_point> open;  // what is left here at the end was lost
  std::vector<double> latencies_us;
  std::size_t results = 0, duplicates = 0;

  void submit() {
    const std::string id = new_job_id();
    open[id] = Clock::now();
    send(socket, Link::Tuner, Submit{id, study, "noop", {{"x", 1.0}}, 0, 0});
    ++submitted;
  }
  void top_up() {
    while (submitted < jobs && static_cast<int>(open.size()) < inflight) submit();
  }
  bool finished() const { return submitted >= jobs && open.empty(); }
  void on_message(const Message& m) {
    const auto* r = std::get_if<JobResult>(&m);
    if (!r) return;
    send(socket, Link::Tuner, ResultAck{r->outcome.job_id});
    auto it = open.find(r->outcome.job_id);
    if (it == open.end()) {
      ++duplicates;
      return;
    }
    if (keep_latencies)
      latencies_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - it->second).count());
    open.erase(it);
    ++results;
  }
};

void answer_job(zmq::socket_t& socket, const Message& m) {
  const auto* job = std::get_if<Job>(&m);
  if (!job) return;
  Outcome o;
  o.job_id = job->job_id;
  o.ok = true;
  o.loss = 0;
  o.worker = "bench";
  send(socket, Link::Worker, Result{o, job->attempt, job->epoch});
}

// The whole harness (every worker and tuner socket) is one thread polling its sockets: a burst of
// messages is answered in one wake-up, so the harness takes as little as it can of the two cores
// it shares with the broker. Workers register first and keep beating until the tuners are done.
class Harness {
 public:
  Harness(zmq::context_t& ctx, const std::string& backend, int workers) {
    for (int i = 0; i < workers; ++i) {
      zmq::socket_t& s = workers_.emplace_back(ctx, zmq::socket_type::dealer);
      s.set(zmq::sockopt::linger, 0);
      s.connect(backend);
      Ready ready;
      ready.name = "bench/w" + std::to_string(i);
      ready.host = "bench";
      ready.pid = i;
      ready.objectives = {"noop"};
      send(s, Link::Worker, ready);
    }
    watch(nullptr);
  }

  void serve_workers_for(std::chrono::milliseconds duration) {
    const auto end = Clock::now() + duration;
    while (Clock::now() < end) loop_once(std::chrono::milliseconds(50));
  }

  // Runs the tuners to the end; false if the farm fell silent for 2 s with jobs open.
  bool run(std::vector<BenchTuner>& tuners) {
    watch(&tuners);
    for (auto& t : tuners) t.top_up();
    auto last_progress = Clock::now();
    while (!std::all_of(tuners.begin(), tuners.end(), [](const BenchTuner& t) { return t.finished(); })) {
      if (loop_once(std::chrono::milliseconds(200))) last_progress = Clock::now();
      else if (Clock::now() - last_progress > std::chrono::seconds(2)) {
        for (std::size_t i = 0; i < tuners.size(); ++i)
          if (!tuners[i].open.empty())
            std::fprintf(stderr, "tuner %zu: no message for 2 s with %zu open\n", i, tuners[i].open.size());
        watch(nullptr);
        return false;
      }
    }
    watch(nullptr);
    return true;
  }

 private:
  // The sockets polled: every worker's, then those of `tuners` (none between runs).
  void watch(std::vector<BenchTuner>* tuners) {
    tuners_ = tuners;
    items_.clear();
    for (auto& s : workers_) items_.push_back({s.handle(), 0, ZMQ_POLLIN, 0});
    if (tuners_)
      for (auto& t : *tuners_) items_.push_back({t.socket.handle(), 0, ZMQ_POLLIN, 0});
  }

  // One poll and a drain of every ready socket; true if any message arrived.
  bool loop_once(std::chrono::milliseconds timeout) {
    poll_items(items_.data(), items_.size(), timeout);
    bool any = false;
    for (std::size_t i = 0; i < items_.size(); ++i) {
      if (!(items_[i].revents & ZMQ_POLLIN)) continue;
      const bool worker = i < workers_.size();
      zmq::socket_t& socket = worker ? workers_[i] : (*tuners_)[i - workers_.size()].socket;
      while (auto frames = try_recv(socket)) {
        any = true;
        auto decoded = decode(worker ? Link::Worker : Link::Tuner, *frames);
        if (!decoded) continue;
        if (worker) answer_job(socket, *decoded);
        else (*tuners_)[i - workers_.size()].on_message(*decoded);
      }
      if (!worker) (*tuners_)[i - workers_.size()].top_up();
    }
    if (Clock::now() - last_beat_ > std::chrono::milliseconds(500)) {
      for (auto& s : workers_) send(s, Link::Worker, Heartbeat{});
      last_beat_ = Clock::now();
    }
    return any;
  }

  std::vector<zmq::socket_t> workers_;
  std::vector<BenchTuner>* tuners_ = nullptr;
  std::vector<zmq::pollitem_t> items_;  // built by watch(), not on every poll
  Clock::time_point last_beat_ = Clock::now();
};

std::string fmt_us(double us) {
  char text[32];
  std::snprintf(text, sizeof text, "%.0f", us);
  return text;
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
  bool all_clean = true;  // every job answered: the exit status says so
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
  std::printf("%8s %7s %10s %10s %8s %8s %6s %6s %12s %12s\n", "workers", "tuners", "jobs", "jobs/s", "p50_us", "p99_us",
              "lost", "dups", "broker_cores", "broker_us/job");
  for (int workers : worker_counts) {
    for (int tuners : tuner_counts) {
      // QUANTE_BIN_DIR in the environment wins: programs packed by scripts/gpu-bundle run elsewhere.
      const char* bin_dir = std::getenv("QUANTE_BIN_DIR");
      test::ChildProcess broker({std::string(bin_dir && *bin_dir ? bin_dir : QUANTE_BIN_DIR) + "/quante-broker", "--frontend",
                                 frontend, "--backend", backend,
                                 "--log-level", "warn"},
                                dir.file("broker.log"));
      zmq::context_t ctx(1);
      Harness harness(ctx, backend, workers);
      harness.serve_workers_for(std::chrono::milliseconds(300));  // let the workers register
      const long per_tuner = (soak ? soak : jobs) / tuners;
      const long rss_start = test::resident_kib(broker.pid());
      std::vector<BenchTuner> bench_tuners;
      bench_tuners.reserve(static_cast<std::size_t>(tuners));
      for (int t = 0; t < tuners; ++t) bench_tuners.emplace_back(ctx, frontend, t, per_tuner, inflight, soak == 0);
      const double cpu_start = test::cpu_seconds(broker.pid());
      const auto start = Clock::now();
      all_clean &= harness.run(bench_tuners);
      const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
      const double broker_cpu = test::cpu_seconds(broker.pid()) - cpu_start;
      const long rss_end = test::resident_kib(broker.pid());
      std::vector<double> all;
      std::size_t results = 0, lost = 0, dups = 0;
      for (const auto& t : bench_tuners) {
        all.insert(all.end(), t.latencies_us.begin(), t.latencies_us.end());
        results += t.results;
        lost += t.open.size();
        dups += t.duplicates;
      }
      // A soak keeps no latencies (a million of them would grow the harness): shown as "-".
      const auto latency = [&all](double p) { return all.empty() ? std::string("-") : fmt_us(percentile(all, p)); };
      std::printf("%8d %7d %10zu %10.0f %8s %8s %6zu %6zu %12.2f %12.1f\n", workers, tuners, results, results / seconds,
                  latency(0.5).c_str(), latency(0.99).c_str(), lost, dups, broker_cpu / seconds,
                  results ? 1e6 * broker_cpu / static_cast<double>(results) : 0.0);
      all_clean &= lost == 0;  // a re-sent result (dups) is the broker doing its job; the tuner drops it
      if (soak) std::printf("soak: broker RSS %ld KiB at start, %ld KiB at end\n", rss_start, rss_end);
      broker.signal(SIGTERM);
      broker.wait(std::chrono::seconds(5));
    }
  }
  return all_clean ? 0 : 1;
}
