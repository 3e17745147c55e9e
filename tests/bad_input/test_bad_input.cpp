// Integration: hostile input against live processes. While a real broker, real workers and a real
// tuner run a study, a rogue DEALER on each broker port sends malformed messages (wrong frame
// counts, versions, commands, oversized and hostile msgpack, NaN and infinite losses, results for
// jobs never issued, params of the wrong type); each must be refused with a broker log line, and
// the study must still finish with exactly its budget. On tcp:// ports, raw garbage and bad ZMTP
// greetings must leave the broker serving legitimate peers. A rogue tuner's jobs with params the
// objective cannot take must fail with a clear error while the worker keeps serving.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <random>
#include <set>

#include <msgpack.hpp>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "farm.hpp"
#include "rogue.hpp"
#include "protocol.hpp"

using namespace quante;
using namespace quante::protocol;
using namespace quante::test;
using namespace std::chrono_literals;

namespace {

using Packer = msgpack::packer<msgpack::sbuffer>;

std::string study_text(int budget, const std::string& objective, int duration_ms) {
  std::string text = "name = \"bad-input\"\nobjective = \"" + objective + "\"\nbudget = " + std::to_string(budget) +
                     "\nbatch = 2\ninitial = 4\nseed = 5\n[space]\n"
                     "x0 = { type = \"float\", low = -5.0, high = 10.0 }\n"
                     "x1 = { type = \"float\", low = 0.0, high = 15.0 }\n";
  if (duration_ms > 0)
    text += "duration_ms = { type = \"int\", low = " + std::to_string(duration_ms) + ", high = " +
            std::to_string(duration_ms + 1) + " }\n";
  return text;
}

// Exactly the budget in the history, each job once, every evaluation ok.
void require_budget_exactly(const std::string& history_path, std::size_t budget) {
  const auto history = read_history(history_path);
  REQUIRE(history.size() == budget);
  std::set<std::string> jobs;
  for (const auto& r : history) {
    jobs.insert(r["job"].get<std::string>());
    REQUIRE(r["status"] == "ok");
  }
  REQUIRE(jobs.size() == budget);
}

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// msgpack bodies, written by hand so that they can be wrong in every way the decoder checks.
std::string map_body(const std::function<void(Packer&)>& fill, std::uint32_t entries) {
  msgpack::sbuffer buffer;
  Packer pk(buffer);
  pk.pack_map(entries);
  fill(pk);
  return std::string(buffer.data(), buffer.size());
}

std::string body_of(Link link, const Message& message) { return encode(link, message)[2].to_string(); }

std::string command(MessageType type) { return std::string(1, static_cast<char>(type)); }

// `levels` nested one-element arrays holding nil, as the value of key "name".
std::string deep_body(int levels) {
  std::string body = map_body([](Packer& pk) { pk.pack(std::string("name")); }, 1);
  body += std::string(static_cast<std::size_t>(levels), '\x91');
  body += '\xc0';
  return body;
}

Outcome outcome_for(const std::string& job_id, double loss) {
  Outcome o;
  o.job_id = job_id;
  o.ok = true;
  o.loss = loss;
  o.worker = "rogue";
  return o;
}

// Sends `frames` until the broker's log holds one more `expected` line than before (a bad
// message's log line is rate-limited to 10 a second, so a suppressed one is sent again).
// `before_each` runs before every send (a registered rogue re-registers, lest it expire).
void require_refused(ChildProcess& broker, Rogue& rogue, const Frames& frames, const std::string& expected,
                     const std::function<void()>& before_each = {}) {
  const std::size_t before = count_of(broker.log(), expected);
  bool logged = false;
  for (int attempt = 0; attempt < 15 && !logged; ++attempt) {
    if (before_each) before_each();
    rogue.send(frames);
    logged = wait_until([&] { return count_of(broker.log(), expected) > before; }, 400ms);
  }
  INFO("expected in the broker log: " << expected);
  REQUIRE(logged);
  REQUIRE(broker.running());
}

// Sends a message over libzmq's size limit and waits for the broker to drop the connection
// (ZMQ_MAXMSGSIZE disconnects the peer; libzmq does not deliver or log it).
bool oversized_disconnects(zmq::context_t& context, const std::string& endpoint, Link link) {
  zmq::socket_t rogue(context, zmq::socket_type::dealer);
  rogue.set(zmq::sockopt::linger, 0);
  zmq::socket_t events(context, zmq::socket_type::pair);
  const std::string monitor = "inproc://monitor-" + std::to_string(link == Link::Worker);
  if (zmq_socket_monitor(rogue.handle(), monitor.c_str(), ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_DISCONNECTED) != 0)
    throw zmq::error_t();
  events.connect(monitor);
  rogue.connect(endpoint);
  auto wait_event = [&](int wanted) {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < deadline) {
      zmq::pollitem_t item{events.handle(), 0, ZMQ_POLLIN, 0};
      zmq::poll(&item, 1, 50ms);
      if (!(item.revents & ZMQ_POLLIN)) continue;
      std::vector<zmq::message_t> frames;
      (void)zmq::recv_multipart(events, std::back_inserter(frames));
      std::uint16_t event = 0;
      std::memcpy(&event, frames.at(0).data(), sizeof event);
      if (event == wanted) return true;
    }
    return false;
  };
  if (!wait_event(ZMQ_EVENT_HANDSHAKE_SUCCEEDED)) return false;
  const std::string signature = link == Link::Worker ? kWorkerSignature : kTunerSignature;
  const std::string huge(2 * kMaxMessageBytes, 'x');
  rogue.send(zmq::buffer(signature), zmq::send_flags::sndmore);
  rogue.send(zmq::buffer(command(link == Link::Worker ? MessageType::Ready : MessageType::Submit)),
             zmq::send_flags::sndmore);
  rogue.send(zmq::buffer(huge), zmq::send_flags::none);
  const bool dropped = wait_event(ZMQ_EVENT_DISCONNECTED);
  zmq_socket_monitor(rogue.handle(), nullptr, 0);
  return dropped;
}

// A tcp port on loopback the OS reports free (bound by a zmq socket, read back, released).
std::string free_tcp_endpoint(zmq::context_t& context) {
  zmq::socket_t probe(context, zmq::socket_type::router);
  probe.set(zmq::sockopt::linger, 0);
  probe.bind("tcp://127.0.0.1:*");
  const std::string endpoint = probe.get(zmq::sockopt::last_endpoint);
  probe.close();
  return endpoint;
}

// A raw TCP connection that writes `bytes` and returns what the peer answered before closing
// (or within half a second).
std::string raw_tcp(const std::string& endpoint, const std::string& bytes) {
  const auto colon = endpoint.rfind(':');
  const int port = std::stoi(endpoint.substr(colon + 1));
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  timeval timeout{0, 500000};  // the broker may keep a confused connection open: do not wait for it
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const auto n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the broker may hang up in the middle: that is a refusal too
    sent += static_cast<std::size_t>(n);
  }
  std::string answer;
  char buffer[256];
  for (ssize_t n; (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;) answer.append(buffer, static_cast<std::size_t>(n));
  ::close(fd);
  return answer;
}

}  // namespace

TEST_CASE("malformed messages on both broker ports are refused with a log line and the study completes",
          "[bad_input][integration]") {
  Farm farm;
  auto& broker = farm.start_broker();
  farm.start_worker({"slow=builtin:delay:branin"}, {"--name", "good-1"});
  farm.start_worker({"slow=builtin:delay:branin"}, {"--name", "good-2"});
  REQUIRE(farm.wait_for_workers(2));
  // About 6 s of work for two workers: the attack below (2-3 s) runs while the study does.
  constexpr int kBudget = 20;
  auto tuner = farm.start_tuner(study_text(kBudget, "slow", 600), farm.history_path());
  REQUIRE(wait_until([&] { return count_lines(farm.history_path()) >= 1; }, 30s));

  zmq::context_t context(1);
  const std::string job = "0123456789abcdef0123456789abcdef";
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();

  {  // the worker link
    Rogue rogue(context, farm.backend(), "rogue-worker");
    const std::string sig = kWorkerSignature;
    const std::string ready = body_of(Link::Worker, Ready{"rogue", "evil", -1, "", 1, {"nothing"}, ""});
    const std::string from = "dropped a bad message from a worker";
    require_refused(broker, rogue, {sig, command(MessageType::Ready)}, from + " (2 frames): expected 3 frames, got 2");
    require_refused(broker, rogue, {sig, command(MessageType::Ready), ready, "extra"}, "expected 3 frames, got 4");
    require_refused(broker, rogue, {"QCW9", command(MessageType::Ready), ready}, "unsupported protocol version 'QCW9'");
    require_refused(broker, rogue, {"GET ", command(MessageType::Ready), ready}, "bad signature (expected 'QCW1')");
    require_refused(broker, rogue, {sig, "\x7f", ready}, "unknown command 0x7f on the worker link");
    require_refused(broker, rogue, {sig, command(MessageType::Submit), ready}, "unknown command 0x11 on the worker link");
    require_refused(broker, rogue, {sig, "\x01\x01", ready}, "command frame must be one byte");
    require_refused(broker, rogue, {sig, command(MessageType::Ready), std::string("\xdd\x0f\xff\xff\xff", 5)},
                    "READY: malformed msgpack");  // an array declaring 268M elements
    require_refused(broker, rogue, {sig, command(MessageType::Ready), deep_body(100)}, "READY: malformed msgpack");
    require_refused(broker, rogue, {sig, command(MessageType::Ready), std::string(kMaxMessageBytes + 100, '\xc0')},
                    "body over 1048576 bytes");
    require_refused(broker, rogue, {sig, command(MessageType::Ready), "\x93\x01\x02\x03"}, "READY: body is not a map");
    require_refused(broker, rogue, {sig, command(MessageType::Ready), ready + "\xc0"}, "READY: trailing bytes");
    require_refused(broker, rogue,
                    {sig, command(MessageType::Ready), map_body([](Packer& pk) {
                       pk.pack(std::string("name")); pk.pack(std::string("rogue"));
                       pk.pack(std::string("host")); pk.pack(std::string("evil"));
                       pk.pack(std::string("gpu")); pk.pack(std::string("zero"));
                       pk.pack(std::string("pid")); pk.pack(1);
                       pk.pack(std::string("objectives")); pk.pack(std::vector<std::string>{"x"});
                     }, 5)},
                    "READY: field 'gpu' must be an integer");
    require_refused(broker, rogue, {sig, command(MessageType::Result), body_of(Link::Worker, Result{outcome_for(job, nan), 1, 1})},
                    "RESULT: field 'loss' must be finite when ok is true");
    require_refused(broker, rogue, {sig, command(MessageType::Result), body_of(Link::Worker, Result{outcome_for(job, inf), 1, 1})},
                    "RESULT: field 'loss' must be finite when ok is true");
    // Well-formed, but for a job this broker never issued: from a stranger, then from a registered worker.
    require_refused(broker, rogue, {sig, command(MessageType::Result), body_of(Link::Worker, Result{outcome_for(job, 0.5), 1, 1})},
                    "stale result for job " + job + " from an unregistered worker");
    // It serves no objective of the study, so it never gets a job.
    auto register_rogue = [&] { rogue.send(Link::Worker, Ready{"rogue", "evil", -1, "", 1, {"nothing"}, ""}); };
    register_rogue();
    REQUIRE(wait_until([&] { return broker.log().find("worker rogue ready") != std::string::npos; }, 5s));
    require_refused(broker, rogue, {sig, command(MessageType::Result), body_of(Link::Worker, Result{outcome_for(job, 0.5), 1, 1})},
                    "refused a stale or duplicate result for job " + job, register_rogue);
    require_refused(broker, rogue,
                    {sig, command(MessageType::Job), body_of(Link::Worker, Job{job, "s", "slow", {{"x0", 1.0}}, 1, 1, 0})},
                    "worker rogue sent JOB, which only the broker sends; ignored", register_rogue);
    rogue.send(Link::Worker, Disconnect{"done", ""});
    // Over ZMQ_MAXMSGSIZE: libzmq hangs up on the sender.
    REQUIRE(oversized_disconnects(context, farm.backend(), Link::Worker));
  }

  {  // the tuner link
    Rogue rogue(context, farm.frontend(), "rogue-tuner");
    const std::string sig = kTunerSignature;
    const std::string from = "dropped a bad message from a tuner";
    auto submit = [&](const std::function<void(Packer&)>& params) {
      return map_body([&](Packer& pk) {
        pk.pack(std::string("job_id")); pk.pack(job);
        pk.pack(std::string("study")); pk.pack(std::string("s"));
        pk.pack(std::string("objective")); pk.pack(std::string("slow"));
        pk.pack(std::string("params")); params(pk);
      }, 4);
    };
    require_refused(broker, rogue, {sig}, from + " (1 frames): expected 3 frames, got 1");
    require_refused(broker, rogue, {"QCT2", command(MessageType::Submit), "\x80"}, "unsupported protocol version 'QCT2'");
    require_refused(broker, rogue, {sig, std::string(1, '\0'), "\x80"}, "unknown command 0x00 on the tuner link");
    require_refused(broker, rogue, {sig, command(MessageType::Ready), "\x80"}, "unknown command 0x01 on the tuner link");
    require_refused(broker, rogue, {sig, command(MessageType::Submit), std::string("\xdf\x0f\xff\xff\xff", 5)},
                    "SUBMIT: malformed msgpack");  // a map declaring 268M entries
    require_refused(broker, rogue, {sig, command(MessageType::Submit), deep_body(1000)}, "SUBMIT: malformed msgpack");
    require_refused(broker, rogue, {sig, command(MessageType::Submit), std::string("\xdb\x7f\xff\xff\xff", 5)},
                    "SUBMIT: malformed msgpack");  // a string declaring 2 GiB
    require_refused(broker, rogue, {sig, command(MessageType::Submit), submit([](Packer& pk) {
                      pk.pack_map(1); pk.pack(std::string("x0")); pk.pack(std::vector<int>{1, 2});
                    })},
                    "SUBMIT: field 'params' must be a map of integers, numbers and strings");
    require_refused(broker, rogue, {sig, command(MessageType::Submit), submit([&](Packer& pk) {
                      pk.pack_map(1); pk.pack(std::string("x0")); pk.pack(nan);
                    })},
                    "SUBMIT: field 'params' must be finite numbers");
    require_refused(broker, rogue, {sig, command(MessageType::Submit), submit([&](Packer& pk) {
                      pk.pack_map(1); pk.pack(std::string("x0")); pk.pack(-inf);
                    })},
                    "SUBMIT: field 'params' must be finite numbers");
    require_refused(broker, rogue, {sig, command(MessageType::Submit), submit([](Packer& pk) { pk.pack(std::string("x")); })},
                    "SUBMIT: field 'params' must be a map");
    require_refused(broker, rogue,
                    {sig, command(MessageType::Submit), body_of(Link::Tuner, Submit{"", "s", "slow", {}, 0, 0})},
                    "SUBMIT: field 'job_id' must be 1-256 bytes");
    require_refused(broker, rogue,
                    {sig, command(MessageType::JobResult), body_of(Link::Tuner, JobResult{"s", outcome_for(job, nan), 1})},
                    "JOB_RESULT: field 'loss' must be finite when ok is true");
    // A well-formed result for a job never issued: only the broker sends results to tuners.
    require_refused(broker, rogue,
                    {sig, command(MessageType::JobResult), body_of(Link::Tuner, JobResult{"s", outcome_for(job, 0.5), 1})},
                    "tuner sent JOB_RESULT, which only the broker sends; ignored");
    REQUIRE(oversized_disconnects(context, farm.frontend(), Link::Tuner));
  }

  {
    // Random multi-frame messages on both ports: all refused (most log lines rate-limited away).
    std::mt19937 rng(11);
    Rogue worker_side(context, farm.backend()), tuner_side(context, farm.frontend());
    for (int i = 0; i < 300; ++i) {
      Frames frames(1 + rng() % 4);
      for (auto& f : frames) {
        f.resize(rng() % 64);
        for (auto& c : f) c = static_cast<char>(rng());
      }
      if (i % 3 == 0) frames = {i % 2 ? kWorkerSignature : kTunerSignature, std::string(1, static_cast<char>(rng())), frames[0]};
      (i % 2 ? worker_side : tuner_side).send(frames);
    }
    require_refused(broker, worker_side, {"QCW7", command(MessageType::Ready), "\x80"}, "unsupported protocol version 'QCW7'");
  }

  const bool attacked_mid_study = tuner->running();
  const auto code = tuner->wait(120s);
  INFO(tuner->log());
  INFO(broker.log());
  REQUIRE(code == 0);
  REQUIRE(broker.running());
  require_budget_exactly(farm.history_path(), kBudget);
  WARN("the study was still running when the attack ended: " << attacked_mid_study);
  // The rogue's result never reached the tuner, and no legitimate job was refused.
  REQUIRE(tuner->log().find(job) == std::string::npos);
}

TEST_CASE("random bytes and bad greetings on tcp ports leave the broker serving legitimate peers",
          "[bad_input][integration]") {
  zmq::context_t context(1);
  TempDir dir;
  const std::string frontend = free_tcp_endpoint(context);
  std::string backend = free_tcp_endpoint(context);
  for (int i = 0; i < 5 && backend == frontend; ++i) backend = free_tcp_endpoint(context);
  const std::vector<std::string> heartbeat = {"--heartbeat-ms", "100", "--liveness", "5"};
  auto with = [&](std::vector<std::string> argv) {
    argv.insert(argv.end(), heartbeat.begin(), heartbeat.end());
    return argv;
  };
  ChildProcess broker(with({std::string(QUANTE_BIN_DIR) + "/quante-broker", "--frontend", frontend, "--backend", backend,
                            "--metrics", "127.0.0.1:0"}),
                      dir.file("broker.log"));
  REQUIRE(wait_until([&] { return broker.log().find("broker epoch") != std::string::npos; }, 10s));

  std::mt19937 rng(7);
  auto random_bytes = [&](std::size_t n) {
    std::string s(n, '\0');
    for (auto& c : s) c = static_cast<char>(rng());
    return s;
  };
  // A ZMTP 3.0 greeting: signature, version, mechanism, as-server, filler (64 bytes).
  auto greeting = [](std::uint8_t major, const std::string& mechanism) {
    std::string g("\xff\0\0\0\0\0\0\0\x01\x7f", 10);
    g += static_cast<char>(major);
    g += '\0';
    std::string m = mechanism;
    m.resize(20, '\0');
    g += m;
    g += std::string(32, '\0');
    return g;
  };
  // A connection that never says anything, held open for the whole test.
  const int idle = ::socket(AF_INET, SOCK_STREAM, 0);
  {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(std::stoi(frontend.substr(frontend.rfind(':') + 1))));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(idle, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  }
  for (const auto& endpoint : {frontend, backend}) {
    raw_tcp(endpoint, "GET / HTTP/1.1\r\nHost: quante\r\n\r\n");
    raw_tcp(endpoint, random_bytes(4096));
    raw_tcp(endpoint, random_bytes(1 << 20));
    raw_tcp(endpoint, greeting(3, "CURVE"));   // a mechanism the broker does not use
    raw_tcp(endpoint, greeting(3, "EVIL"));    // an unknown mechanism
    raw_tcp(endpoint, greeting(99, "NULL"));  // a future version
    // A valid NULL greeting, then a handshake command of garbage.
    raw_tcp(endpoint, greeting(3, "NULL") + std::string("\x04\xff", 2) + random_bytes(255));
    // A valid greeting and READY, then a frame header declaring 2^62 bytes.
    raw_tcp(endpoint, greeting(3, "NULL") + std::string("\x04\x1c\x05READY\x0bSocket-Type\0\0\0\x06" "DEALER", 30) +
                          std::string("\x02\x40\0\0\0\0\0\0\0", 9));
    REQUIRE(broker.running());
  }

  // Legitimate peers are served: a worker registers and a study completes.
  ChildProcess worker(with({std::string(QUANTE_BIN_DIR) + "/quante-worker", "--broker", backend, "--reconnect-ms", "100",
                            "--objective", "branin=builtin:branin"}),
                      dir.file("worker.log"));
  REQUIRE(wait_for_broker(broker, [](const BrokerCounts& c) { return c.workers_registered >= 1; }));
  write_file(dir.file("study.toml"), study_text(8, "branin", 0));
  ChildProcess tuner(with({std::string(QUANTE_BIN_DIR) + "/quante-tuner", "run", dir.file("study.toml"), "--broker",
                           frontend, "--history", dir.file("history.jsonl"), "--progress", "lines"}),
                     dir.file("tuner.log"));
  const auto code = tuner.wait(60s);
  INFO(tuner.log());
  INFO(broker.log());
  REQUIRE(code == 0);
  require_budget_exactly(dir.file("history.jsonl"), 8);
  REQUIRE(broker.running());
  ::close(idle);
}

TEST_CASE("params of the wrong type or outside the space fail the job with a clear error and the worker keeps serving",
          "[bad_input][integration]") {
  Farm farm;
  auto& broker = farm.start_broker();
  auto& worker = farm.start_worker({"branin=builtin:branin"}, {"--name", "only-worker"});
  REQUIRE(farm.wait_for_workers(1));

  zmq::context_t context(1);
  Rogue rogue(context, farm.frontend(), "rogue-tuner");
  struct Case {
    Params params;
    std::string error;  // what the job's error must say
  };
  const std::vector<Case> cases = {
      {{{"x0", std::string("abc")}, {"x1", 1.0}}, "parameter x0 is the category \"abc\""},
      {{{"x0", 1000.0}, {"x1", 1.0}}, "parameter x0 = 1000 is outside branin's domain"},
      {{{"x0", std::int64_t{-9000000000000000000}}, {"x1", 1.0}}, "is outside branin's domain"},
      {{{"x0", 1.0}}, "missing parameter x1"},
      {{{"x0", 1.0}, {"x1", 2.0}, {"evil", std::string("$(rm -rf /)")}}, "unexpected parameter evil"},
      {{}, "missing parameter x0"},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const std::string job_id = new_job_id();
    rogue.send(Link::Tuner, Submit{job_id, "rogue-study", "branin", cases[i].params, 0, 1});
    std::optional<JobResult> result;
    REQUIRE(wait_until(
        [&] {
          auto m = rogue.receive(Link::Tuner, 100ms);
          if (m && std::holds_alternative<JobResult>(*m) && std::get<JobResult>(*m).outcome.job_id == job_id)
            result = std::get<JobResult>(*m);
          return result.has_value();
        },
        20s));
    INFO("case " << i << ": " << result->outcome.error);
    REQUIRE_FALSE(result->outcome.ok);
    REQUIRE(result->outcome.failure == FailureClass::Objective);
    REQUIRE(result->outcome.error.find(cases[i].error) != std::string::npos);
    REQUIRE(result->outcome.worker == "only-worker");
    rogue.send(Link::Tuner, ResultAck{job_id});
    REQUIRE(worker.running());
  }
  REQUIRE(worker.log().find("failed (objective): parameter x0 is the category") != std::string::npos);

  // An objective this worker does not serve: the job waits for a worker that never comes; the
  // rogue cancels it. Then the same worker serves a legitimate study.
  const std::string unserved = new_job_id();
  rogue.send(Link::Tuner, Submit{unserved, "rogue-study", "no-such-objective", {{"x0", 1.0}}, 0, 1});
  rogue.send(Link::Tuner, Cancel{unserved});

  auto tuner = farm.start_tuner(study_text(6, "branin", 0), farm.history_path());
  const auto code = tuner->wait(60s);
  INFO(tuner->log());
  INFO(broker.log());
  REQUIRE(code == 0);
  require_budget_exactly(farm.history_path(), 6);
  REQUIRE(worker.running());
}
