// Integration with real processes: the sd_notify contract (READY=1, then watchdog pings no faster
// than WATCHDOG_USEC / 2, STOPPING=1 on SIGTERM) without systemd; a CURVE farm configured by
// config files, where allowed keys complete a study and unknown keys, plaintext peers and keys
// in the wrong role get nothing; start-up refusals (bad config, readable secret key, plaintext
// on a public endpoint).
#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <set>

#include "farm.hpp"
#include "socket_security.hpp"

using namespace quante::test;
using namespace std::chrono_literals;

namespace {

std::string study(int budget) {
  return "name = \"curve-test\"\nobjective = \"branin\"\nbudget = " + std::to_string(budget) +
         "\nbatch = 2\ninitial = 4\nseed = 5\n[space]\nx0 = { type = \"float\", low = -5.0, high = 10.0 }\n"
         "x1 = { type = \"float\", low = 0.0, high = 15.0 }\n";
}

// Plays the service manager's side of NOTIFY_SOCKET: a bound datagram socket.
class NotifyListener {
 public:
  explicit NotifyListener(const std::string& path) : path_(path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  }
  ~NotifyListener() { ::close(fd_); }
  // Every datagram received so far, in order.
  const std::vector<std::string>& poll() {
    char buffer[4096];
    for (;;) {
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) break;
      messages_.emplace_back(buffer, static_cast<std::size_t>(n));
    }
    return messages_;
  }
  int count(const std::string& prefix) {
    int n = 0;
    for (const auto& m : poll()) n += m.rfind(prefix, 0) == 0;
    return n;
  }

 private:
  std::string path_;
  int fd_ = -1;
  std::vector<std::string> messages_;
};

struct ScopedEnv {
  std::string name;
  ScopedEnv(std::string n, const std::string& value) : name(std::move(n)) { ::setenv(name.c_str(), value.c_str(), 1); }
  ~ScopedEnv() { ::unsetenv(name.c_str()); }
};

// Keys and allow-lists of a CURVE farm, made with the real quante-keygen.
struct Keys {
  explicit Keys(const TempDir& folder) : dir(folder) {
    for (const char* name : {"broker", "tuner", "worker", "stranger"}) {
      ChildProcess keygen({std::string(QUANTE_BIN_DIR) + "/quante-keygen", name, "--dir", dir.path()},
                          dir.file(std::string("keygen-") + name + ".log"));
      REQUIRE(keygen.wait(20s) == 0);
    }
    write_file(dir.file("tuners.allow"), read_file(dir.file("tuner.pub")));
    write_file(dir.file("workers.allow"), read_file(dir.file("worker.pub")));
  }
  std::string pub(const std::string& name) const { return quante::read_public_key_file(dir.file(name + ".pub")); }
  const TempDir& dir;
};

int count_of(const std::string& text, const std::string& what) {
  int n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("sd_notify: READY=1, then watchdog pings at WATCHDOG_USEC / 2 at most, STOPPING=1", "[service][integration]") {
  Farm farm;
  NotifyListener listener(farm.dir().file("notify.sock"));
  constexpr auto kWatchdog = 400ms;  // pings every 200 ms at most
  const auto started = std::chrono::steady_clock::now();
  {
    ScopedEnv socket("NOTIFY_SOCKET", farm.dir().file("notify.sock"));
    ScopedEnv watchdog("WATCHDOG_USEC", std::to_string(std::chrono::microseconds(kWatchdog).count()));
    farm.start_broker();
  }
  REQUIRE(wait_until([&] { return listener.count("READY=1") == 1; }, 20s));
  REQUIRE(wait_until([&] { return listener.count("WATCHDOG=1") >= 5; }, 30s));
  const auto elapsed = std::chrono::steady_clock::now() - started;
  // Every ping was sent within `elapsed`, and at most one per half period (READY counts as one).
  const auto most = static_cast<int>(elapsed / (kWatchdog / 2)) + 1;
  const auto& messages = listener.poll();
  CHECK(listener.count("WATCHDOG=1") <= most);
  REQUIRE(messages.front().rfind("READY=1", 0) == 0);  // READY comes first
  farm.broker->signal(SIGTERM);
  REQUIRE(farm.broker->wait(20s) == 0);
  CHECK(listener.count("STOPPING=1") == 1);

  // Without NOTIFY_SOCKET the same binary runs as before, with no socket to talk to.
  farm.start_broker();
  farm.start_worker({"branin=builtin:branin"});
  REQUIRE(farm.wait_for_workers(1));
}

TEST_CASE("sd_notify: a worker and a tuner are notify services too", "[service][integration]") {
  Farm farm;
  NotifyListener worker_listener(farm.dir().file("worker.sock"));
  NotifyListener tuner_listener(farm.dir().file("tuner.sock"));
  farm.start_broker();
  {
    ScopedEnv socket("NOTIFY_SOCKET", farm.dir().file("worker.sock"));
    ScopedEnv watchdog("WATCHDOG_USEC", "200000");
    farm.start_worker({"branin=builtin:branin"});
  }
  REQUIRE(wait_until([&] { return worker_listener.count("READY=1") == 1; }, 20s));
  REQUIRE(wait_until([&] { return worker_listener.count("WATCHDOG=1") >= 3; }, 20s));
  std::unique_ptr<ChildProcess> tuner;
  {
    ScopedEnv socket("NOTIFY_SOCKET", farm.dir().file("tuner.sock"));
    tuner = farm.start_tuner(study(4), farm.history_path());
  }
  REQUIRE(tuner->wait(60s) == 0);
  CHECK(tuner_listener.count("READY=1") == 1);
  CHECK(tuner_listener.count("STOPPING=1") == 1);
}

TEST_CASE("CURVE farm from config files: allowed peers complete a study, others get nothing",
          "[service][curve][integration]") {
  Farm farm;
  Keys keys(farm.dir());
  const std::string& d = farm.dir().path();
  write_file(farm.dir().file("broker.toml"),
             "frontend = \"" + farm.frontend() + "\"\nbackend = \"" + farm.backend() +
                 "\"\n[security]\nsecret_key_file = \"" + d + "/broker.key\"\ntuner_keys_file = \"" + d +
                 "/tuners.allow\"\nworker_keys_file = \"" + d + "/workers.allow\"\n");
  // Relative key names resolve in $CREDENTIALS_DIRECTORY, as under systemd's LoadCredential=.
  write_file(farm.dir().file("worker.toml"),
             "broker = \"" + farm.backend() +
                 "\"\nname = \"good-worker\"\n[security]\nbroker_public_key_file = \"broker.pub\"\n"
                 "secret_key_file = \"worker.key\"\n[objectives]\nbranin = { spec = \"builtin:branin\", timeout = 30.0 }\n");
  write_file(farm.dir().file("stranger-worker.toml"),
             "broker = \"" + farm.backend() + "\"\nname = \"stranger\"\n[security]\nbroker_public_key = \"" +
                 keys.pub("broker") + "\"\nsecret_key_file = \"" + d + "/stranger.key\"\n[objectives]\nbranin = \"builtin:branin\"\n");
  write_file(farm.dir().file("tuner.toml"), "[security]\nbroker_public_key_file = \"" + d + "/broker.pub\"\nsecret_key_file = \"" +
                                                d + "/tuner.key\"\n");
  write_file(farm.dir().file("stranger-tuner.toml"), "[security]\nbroker_public_key_file = \"" + d +
                                                         "/broker.pub\"\nsecret_key_file = \"" + d + "/stranger.key\"\n");
  // A worker key presented by a tuner: the right key in the wrong role.
  write_file(farm.dir().file("worker-as-tuner.toml"), "[security]\nbroker_public_key_file = \"" + d +
                                                          "/broker.pub\"\nsecret_key_file = \"" + d + "/worker.key\"\n");

  farm.start_broker({"--config", farm.dir().file("broker.toml"), "--metrics", "127.0.0.1:0"});
  REQUIRE(wait_until([&] { return farm.broker->log().find("CURVE on") != std::string::npos; }, 20s));

  SECTION("an allowed worker and tuner complete a study; an unknown-key and a plaintext worker get no job") {
    auto& stranger = farm.start_worker({}, {"--config", farm.dir().file("stranger-worker.toml")});
    auto& plaintext = farm.start_worker({"branin=builtin:branin"}, {"--name", "plaintext"});
    auto tuner = farm.start_tuner(study(8), farm.history_path(), {"--config", farm.dir().file("tuner.toml")});
    // Jobs are waiting and both outsiders knocked: the broker logged each refusal.
    REQUIRE(wait_until([&] { return farm.broker->log().find("key " + keys.pub("stranger") + " is not in the worker allow-list") !=
                                    std::string::npos; }, 20s));
    REQUIRE(wait_until([&] { return farm.broker->log().find("does not speak CURVE") != std::string::npos; }, 20s));
    {
      ScopedEnv credentials("CREDENTIALS_DIRECTORY", d);
      farm.start_worker({}, {"--config", farm.dir().file("worker.toml")});
    }
    REQUIRE(tuner->wait(60s) == 0);
    const auto history = read_history(farm.history_path());
    REQUIRE(history.size() == 8);
    for (const auto& r : history) {
      CHECK(r["status"] == "ok");
      CHECK(r["worker"] == "good-worker");
    }
    // One registration by the time the broker's counters show the study's 8 results.
    BrokerCounts counts;
    REQUIRE(farm.wait_for_broker([&](const BrokerCounts& c) {
      counts = c;
      return c.jobs_done == 8;
    }));
    CHECK(counts.workers_registered == 1);
    CHECK(stranger.log().find("(study ") == std::string::npos);
    CHECK(plaintext.log().find("(study ") == std::string::npos);
    CHECK(stranger.running());
    CHECK(plaintext.running());
  }

  SECTION("a tuner with an unknown key, or with a worker's key, can submit nothing") {
    {
      ScopedEnv credentials("CREDENTIALS_DIRECTORY", d);
      farm.start_worker({}, {"--config", farm.dir().file("worker.toml")});
    }
    REQUIRE(farm.wait_for_workers(1));
    auto stranger = farm.start_tuner(study(4), farm.history_path("stranger.jsonl"),
                                     {"--config", farm.dir().file("stranger-tuner.toml")});
    auto impostor = farm.start_tuner(study(4), farm.history_path("impostor.jsonl"),
                                     {"--config", farm.dir().file("worker-as-tuner.toml")});
    REQUIRE(wait_until([&] { return farm.broker->log().find("key " + keys.pub("stranger") + " is not in the tuner allow-list") !=
                                    std::string::npos; }, 20s));
    REQUIRE(wait_until([&] { return farm.broker->log().find("(it is the worker key") != std::string::npos; }, 20s));
    // Let an allowed tuner through to show the farm serves: only its jobs ran.
    auto allowed = farm.start_tuner(study(4), farm.history_path(), {"--config", farm.dir().file("tuner.toml")});
    REQUIRE(allowed->wait(60s) == 0);
    stranger->signal(SIGTERM);
    impostor->signal(SIGTERM);
    CHECK(stranger->wait(20s).has_value());
    CHECK(impostor->wait(20s).has_value());
    CHECK(read_history(farm.history_path("stranger.jsonl")).empty());
    CHECK(read_history(farm.history_path("impostor.jsonl")).empty());
    CHECK(count_of(farm.workers.back()->log(), "(study ") == 4);
  }
}

TEST_CASE("start-up refusals: bad config, readable secret key, plaintext on a public endpoint", "[service][integration]") {
  Farm farm;
  Keys keys(farm.dir());
  const std::string bin = QUANTE_BIN_DIR;

  write_file(farm.dir().file("bad.toml"), "heartbeat_ms = 1\n");
  ChildProcess bad({bin + "/quante-broker", "--config", farm.dir().file("bad.toml")}, farm.dir().file("bad.log"));
  CHECK(bad.wait(20s) == 2);
  CHECK_THAT(bad.log(), Catch::Contains("key 'heartbeat_ms' (--heartbeat-ms)"));

  // The command line wins over the file, and is checked the same way.
  ChildProcess cli({bin + "/quante-broker", "--config", farm.dir().file("bad.toml"), "--heartbeat-ms", "1"}, farm.dir().file("cli.log"));
  CHECK(cli.wait(20s) == 2);

  ::chmod(farm.dir().file("broker.key").c_str(), 0640);
  ChildProcess readable({bin + "/quante-broker", "--frontend", farm.frontend(), "--backend", farm.backend(), "--secret-key-file",
                         farm.dir().file("broker.key"), "--tuner-keys-file", farm.dir().file("tuners.allow"),
                         "--worker-keys-file", farm.dir().file("workers.allow")},
                        farm.dir().file("readable.log"));
  CHECK(readable.wait(20s) == 1);
  CHECK_THAT(readable.log(), Catch::Contains("group or others may read it"));

  ::chmod(farm.dir().file("worker.key").c_str(), 0644);
  ChildProcess worker({bin + "/quante-worker", "--broker", farm.backend(), "--objective", "b=builtin:branin",
                       "--broker-public-key-file", farm.dir().file("broker.pub"), "--secret-key-file", farm.dir().file("worker.key")},
                      farm.dir().file("worker-readable.log"));
  CHECK(worker.wait(20s) == 1);
  CHECK_THAT(worker.log(), Catch::Contains("group or others may read it"));

  ChildProcess open({bin + "/quante-broker", "--frontend", "tcp://0.0.0.0:0", "--backend", farm.backend()}, farm.dir().file("open.log"));
  CHECK(open.wait(20s) == 1);
  CHECK_THAT(open.log(), Catch::Contains("refusing plaintext on tcp://0.0.0.0:0"));

  ChildProcess said({bin + "/quante-broker", "--frontend", "tcp://0.0.0.0:*", "--backend", farm.backend(), "--allow-plaintext-remote"},
                    farm.dir().file("said.log"));
  REQUIRE(wait_until([&] { return said.log().find("broker epoch") != std::string::npos; }, 20s));
  CHECK_THAT(said.log(), Catch::Contains("plaintext on tcp://0.0.0.0:*"));
  said.signal(SIGTERM);
  CHECK(said.wait(20s) == 0);

  ChildProcess no_objectives({bin + "/quante-worker", "--broker", farm.backend()}, farm.dir().file("none.log"));
  CHECK(no_objectives.wait(20s) == 2);
  CHECK_THAT(no_objectives.log(), Catch::Contains("no objectives"));
}
