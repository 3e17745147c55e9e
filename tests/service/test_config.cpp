// The service config parsers: defaults, every key, the shipped default files, and refusals that
// name the key (and its command-line option).
#include <catch2/catch.hpp>

#include "broker_config.hpp"
#include "config_reader.hpp"
#include "tuner_config.hpp"
#include "worker_config.hpp"

using namespace quante;
using namespace std::chrono_literals;

namespace {

const std::string kKey = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";  // any valid Z85 key

template <class Config>
Config ok(const Expected<Config>& parsed) {
  if (!parsed) FAIL(parsed.error().message);
  return parsed.value();
}

template <class Config>
std::string refusal(const Expected<Config>& parsed) {
  REQUIRE_FALSE(parsed);
  return parsed.error().message;
}

}  // namespace

TEST_CASE("broker config: an empty file gives the documented defaults", "[config]") {
  const auto c = ok(parse_broker_config("", "broker.toml"));
  CHECK(c.frontend == "tcp://127.0.0.1:5555");
  CHECK(c.backend == "tcp://127.0.0.1:5556");
  CHECK(c.heartbeat == 1000ms);
  CHECK(c.liveness == 5);
  CHECK(c.max_attempts == 3);
  CHECK(c.result_resend == 3000ms);
  CHECK(c.orphan_timeout == 600s);
  CHECK(c.max_jobs == 100000);
  CHECK(c.send_high_water_mark == 10000);
  CHECK(c.log_level.empty());
  CHECK_FALSE(c.security.curve());
  CHECK_FALSE(c.security.allow_plaintext_remote);
}

TEST_CASE("broker config: every key", "[config]") {
  const auto c = ok(parse_broker_config(R"(
frontend = "tcp://*:6555"
backend = "ipc:///run/quante/backend"
heartbeat_ms = 250
liveness = 4
max_attempts = 2
result_resend_ms = 1500
orphan_timeout_s = 60
max_jobs = 500
send_high_water_mark = 99
log_level = "debug"
[security]
secret_key_file = "broker.key"
tuner_keys_file = "tuners.allow"
worker_keys_file = "workers.allow"
allow_plaintext_remote = true
)", "broker.toml"));
  CHECK(c.frontend == "tcp://*:6555");
  CHECK(c.backend == "ipc:///run/quante/backend");
  CHECK(c.heartbeat == 250ms);
  CHECK(c.liveness == 4);
  CHECK(c.max_attempts == 2);
  CHECK(c.result_resend == 1500ms);
  CHECK(c.orphan_timeout == 60s);
  CHECK(c.max_jobs == 500);
  CHECK(c.send_high_water_mark == 99);
  CHECK(c.log_level == "debug");
  CHECK(c.security.secret_key_file == "broker.key");
  CHECK(c.security.tuner_keys_file == "tuners.allow");
  CHECK(c.security.worker_keys_file == "workers.allow");
  CHECK(c.security.allow_plaintext_remote);
}

TEST_CASE("broker config: bad values are refused with the key named", "[config]") {
  using Case = std::pair<std::string, std::string>;  // text, what the message must contain
  const std::vector<Case> cases = {
      {"frontnd = \"tcp://*:1\"", "unknown key 'frontnd'"},
      {"heartbeat_ms = 5", "key 'heartbeat_ms' (--heartbeat-ms): must be between 10 and 60000, not 5"},
      {"heartbeat_ms = \"fast\"", "key 'heartbeat_ms' (--heartbeat-ms): must be an integer"},
      {"liveness = 1", "key 'liveness'"},
      {"max_attempts = 0", "key 'max_attempts'"},
      {"result_resend_ms = 1", "key 'result_resend_ms'"},
      {"orphan_timeout_s = 0", "key 'orphan_timeout_s'"},
      {"max_jobs = 0", "key 'max_jobs'"},
      {"send_high_water_mark = -1", "key 'send_high_water_mark'"},
      {"log_level = \"loud\"", "key 'log_level' (--log-level)"},
      {"frontend = \"localhost:5555\"", "key 'frontend' (--frontend): 'localhost:5555' is not a ZeroMQ endpoint"},
      {"backend = \"tcp://127.0.0.1:5555\"\nfrontend = \"tcp://127.0.0.1:5555\"", "key 'backend'"},
      {"[security]\nsecret_key_file = \"b.key\"\nworker_keys_file = \"w\"", "key 'security.tuner_keys_file'"},
      {"[security]\nsecret_key_file = \"b.key\"\ntuner_keys_file = \"t\"", "key 'security.worker_keys_file'"},
      {"[security]\ntuner_keys_file = \"t\"", "key 'security.secret_key_file'"},
      {"[security]\nallow_plaintext_remote = \"yes\"", "key 'security.allow_plaintext_remote' (--allow-plaintext-remote): must be true or false"},
      {"[security]\nsecret = 1", "unknown key 'security.secret'"},
      {"security = 3", "key 'security'"},
      {"frontend = ", "broker.toml:1:"},
  };
  for (const auto& [text, expected] : cases) {
    INFO(text);
    const std::string message = refusal(parse_broker_config(text, "broker.toml"));
    CHECK_THAT(message, Catch::Contains(expected));
    CHECK_THAT(message, Catch::StartsWith("broker.toml"));
  }
}

TEST_CASE("broker config: values from the command line are checked the same way", "[config]") {
  BrokerConfig c;
  c.liveness = 1;
  auto checked = validate_broker_config(c, "command line");
  REQUIRE_FALSE(checked);
  CHECK_THAT(checked.error().message, Catch::Contains("--liveness"));
  c.liveness = 5;
  CHECK(validate_broker_config(c, "command line"));
}

TEST_CASE("worker config: defaults, every key, objectives in both forms", "[config]") {
  const auto d = ok(parse_worker_config("", "worker.toml"));
  CHECK(d.broker == "tcp://127.0.0.1:5556");
  CHECK(d.name.empty());
  CHECK(d.gpu == -1);
  CHECK(d.timeout_s == 3600.0);
  CHECK(d.heartbeat == 1000ms);
  CHECK(d.liveness == 5);
  CHECK(d.reconnect_initial == 1000ms);
  CHECK(d.reconnect_max == 32000ms);
  CHECK(d.objectives.empty());
  CHECK_FALSE(d.security.curve());

  const auto c = ok(parse_worker_config(R"(
broker = "tcp://10.0.0.1:5556"
name = "host-a/gpu3"
gpu = 3
timeout = 90.5
heartbeat_ms = 500
liveness = 3
reconnect_ms = 200
reconnect_max_ms = 8000
log_level = "warn"
[security]
broker_public_key = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
secret_key_file = "worker.key"
[objectives]
branin = "builtin:branin"
mnist = { spec = "exec:python3 train.py --fast", timeout = 600.0 }
rosen = { spec = "plugin:/opt/lib/rosen.so", config = "noise=0.1" }
)", "worker.toml"));
  CHECK(c.broker == "tcp://10.0.0.1:5556");
  CHECK(c.name == "host-a/gpu3");
  CHECK(c.gpu == 3);
  CHECK(c.timeout_s == 90.5);
  CHECK(c.heartbeat == 500ms);
  CHECK(c.liveness == 3);
  CHECK(c.reconnect_initial == 200ms);
  CHECK(c.reconnect_max == 8000ms);
  CHECK(c.log_level == "warn");
  CHECK(c.security.server_public_key == kKey);
  CHECK(c.security.secret_key_file == "worker.key");
  REQUIRE(c.objectives.size() == 3);
  CHECK(c.objectives.at("branin").spec == "builtin:branin");
  CHECK_FALSE(c.objectives.at("branin").timeout_s);
  CHECK(c.objectives.at("mnist").spec == "exec:python3 train.py --fast");
  CHECK(c.objectives.at("mnist").timeout_s.value_or(0) == Approx(600.0));
  CHECK(c.objectives.at("rosen").config == "noise=0.1");

  const auto f = ok(parse_worker_config("[security]\nbroker_public_key_file = \"broker.pub\"\nsecret_key_file = \"w.key\"\n", "w"));
  CHECK(f.security.server_public_key_file == "broker.pub");
  CHECK(f.security.curve());
}

TEST_CASE("worker config: bad values are refused with the key named", "[config]") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"gpus = 1", "key 'gpus' (--gpus): must be a string"},
      {"per_gpu = 0", "key 'per_gpu' (--per-gpu)"},
      {"per_gpu = 65", "key 'per_gpu' (--per-gpu)"},
      {"gpu_memory_growth_mib = -1", "key 'gpu_memory_growth_mib' (--gpu-memory-growth-mib)"},
      {"gpus = \"all\"\ngpu = 1", "key 'gpus' (--gpus): give either gpus"},
      {"gpu_count = 2", "unknown key 'gpu_count'"},
      {"gpu = -2", "key 'gpu' (--gpu)"},
      {"timeout = 0", "key 'timeout' (--timeout)"},
      {"timeout = \"1h\"", "key 'timeout' (--timeout): must be a number"},
      {"heartbeat_ms = 0", "key 'heartbeat_ms'"},
      {"liveness = 1000", "key 'liveness'"},
      {"reconnect_ms = 0", "key 'reconnect_ms'"},
      {"reconnect_ms = 5000\nreconnect_max_ms = 1000", "key 'reconnect_max_ms'"},
      {"broker = \"5556\"", "key 'broker' (--broker)"},
      {"log_level = 3", "key 'log_level'"},
      {"[security]\nbroker_public_key = \"short\"\nsecret_key_file = \"k\"", "key 'security.broker_public_key' (--broker-public-key): not a 40-character Z85"},
      {"[security]\nbroker_public_key = \"rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7\"", "key 'security.secret_key_file'"},
      {"[security]\nsecret_key_file = \"w.key\"", "key 'security.broker_public_key'"},
      {"[security]\nbroker_public_key = \"rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7\"\nbroker_public_key_file = \"b.pub\"\nsecret_key_file = \"k\"", "key 'security.broker_public_key_file'"},
      {"[objectives]\nmnist = \"python3 train.py\"", "key 'objectives.mnist' (--objective): the spec 'python3 train.py' must start with builtin:, exec: or plugin:"},
      {"[objectives]\nmnist = \"exec:\"", "key 'objectives.mnist'"},
      {"[objectives]\n\"bad name\" = \"builtin:branin\"", "key 'objectives.bad name'"},
      {"[objectives]\nmnist = 3", "key 'objectives.mnist'"},
      {"[objectives]\nmnist = { timeout = 3.0 }", "key 'objectives.mnist.spec'"},
      {"[objectives]\nmnist = { spec = \"builtin:branin\", timeout = -1.0 }", "key 'objectives.mnist.timeout'"},
      {"[objectives]\nmnist = { spec = \"builtin:branin\", gpu = 1 }", "unknown key 'objectives.mnist.gpu'"},
  };
  for (const auto& [text, expected] : cases) {
    INFO(text);
    CHECK_THAT(refusal(parse_worker_config(text, "worker.toml")), Catch::Contains(expected));
  }
}

TEST_CASE("worker config: --objective adds or replaces by name and keeps the config's timeout", "[config]") {
  auto c = ok(parse_worker_config("[objectives]\nmnist = { spec = \"exec:old\", timeout = 60.0 }\n", "w"));
  REQUIRE(add_objective_option(c, "mnist=exec:python3 new.py a=b"));
  REQUIRE(add_objective_option(c, "branin=builtin:branin"));
  CHECK(c.objectives.at("mnist").spec == "exec:python3 new.py a=b");
  CHECK(c.objectives.at("mnist").timeout_s.value_or(0) == Approx(60.0));
  CHECK(c.objectives.at("branin").spec == "builtin:branin");
  auto refused = add_objective_option(c, "nospec");
  REQUIRE_FALSE(refused);
  CHECK_THAT(refused.error().message, Catch::Contains("NAME=SPEC"));
  REQUIRE_FALSE(add_objective_option(c, "x=rm -rf /"));
}

TEST_CASE("tuner config: defaults, every key, refusals", "[config]") {
  const auto d = ok(parse_tuner_config("", "tuner.toml"));
  CHECK(d.broker == "tcp://127.0.0.1:5555");
  CHECK(d.heartbeat == 1000ms);
  CHECK(d.liveness == 5);
  CHECK(d.progress == "auto");
  const auto c = ok(parse_tuner_config(R"(
broker = "tcp://broker.example:5555"
heartbeat_ms = 300
liveness = 7
progress = "lines"
log_level = "error"
[security]
broker_public_key_file = "broker.pub"
secret_key_file = "tuner.key"
)", "tuner.toml"));
  CHECK(c.broker == "tcp://broker.example:5555");
  CHECK(c.heartbeat == 300ms);
  CHECK(c.liveness == 7);
  CHECK(c.progress == "lines");
  CHECK(c.log_level == "error");
  CHECK(c.security.server_public_key_file == "broker.pub");
  CHECK(c.security.secret_key_file == "tuner.key");
  CHECK_THAT(refusal(parse_tuner_config("progress = \"fancy\"", "tuner.toml")), Catch::Contains("key 'progress' (--progress)"));
  CHECK_THAT(refusal(parse_tuner_config("history = \"x\"", "tuner.toml")), Catch::Contains("unknown key 'history'"));
  CHECK_THAT(refusal(parse_tuner_config("liveness = 0", "tuner.toml")), Catch::Contains("key 'liveness'"));
  // The [security] keys of a client, shared with the worker (shared/client_security_keys.hpp).
  const std::string key = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";
  for (const auto& [text, expected] : std::vector<std::pair<std::string, std::string>>{
           {"[security]\nbroker_public_key = \"short\"\nsecret_key_file = \"k\"", "key 'security.broker_public_key' (--broker-public-key)"},
           {"[security]\nbroker_public_key = \"" + key + "\"", "key 'security.secret_key_file'"},
           {"[security]\nsecret_key_file = \"t.key\"", "key 'security.broker_public_key'"},
           {"[security]\nbroker_public_key = \"" + key + "\"\nbroker_public_key_file = \"b.pub\"\nsecret_key_file = \"k\"",
            "key 'security.broker_public_key_file'"}}) {
    INFO(text);
    CHECK_THAT(refusal(parse_tuner_config(text, "tuner.toml")), Catch::Contains(expected));
  }
  CHECK(ok(parse_tuner_config("[security]\nbroker_public_key = \"" + key + "\"\nsecret_key_file = \"t.key\"", "tuner.toml"))
            .security.curve());
}

TEST_CASE("the shipped default configs parse and document the defaults", "[config]") {
  const std::string dir = std::string(QUANTE_SOURCE_DIR) + "/config/";
  const auto broker = ok(load_broker_config(dir + "broker.toml"));
  CHECK(broker.frontend == BrokerConfig{}.frontend);
  CHECK(broker.heartbeat == BrokerConfig{}.heartbeat);
  CHECK_FALSE(broker.security.curve());
  const auto worker = ok(load_worker_config(dir + "worker.toml"));
  CHECK(worker.broker == WorkerConfig{}.broker);
  CHECK(worker.objectives.count("branin") == 1);
  const auto tuner = ok(load_tuner_config(dir + "tuner.toml"));
  CHECK(tuner.broker == TunerConfig{}.broker);
  // Every key of the parsers appears (commented, with its default) in the shipped file.
  for (const auto& [file, keys] : std::vector<std::pair<std::string, std::vector<std::string>>>{
           {"broker.toml", {"frontend", "backend", "heartbeat_ms", "liveness", "max_attempts", "result_resend_ms",
                            "orphan_timeout_s", "max_jobs", "send_high_water_mark", "log_level", "secret_key_file",
                            "tuner_keys_file", "worker_keys_file", "allow_plaintext_remote"}},
           {"worker.toml", {"broker", "name", "gpu", "timeout", "heartbeat_ms", "liveness", "reconnect_ms",
                            "reconnect_max_ms", "log_level", "broker_public_key", "broker_public_key_file",
                            "secret_key_file", "[objectives]"}},
           {"tuner.toml", {"broker", "heartbeat_ms", "liveness", "progress", "log_level", "broker_public_key",
                           "broker_public_key_file", "secret_key_file"}}}) {
    const auto text = config_detail::read_text_file(dir + file);
    REQUIRE(text);
    for (const auto& key : keys) {
      INFO(file << ": " << key);
      CHECK(text->find(key) != std::string::npos);
    }
  }
  CHECK_THAT(refusal(load_broker_config(dir + "missing.toml")), Catch::Contains("cannot open the config file"));
}

TEST_CASE("find_config_argument: the --config value is found before the command line is parsed", "[config]") {
  const char* a[] = {"prog", "--frontend", "x", "--config", "/etc/quante/broker.toml"};
  CHECK(config_detail::find_config_argument(5, a) == std::optional<std::string>("/etc/quante/broker.toml"));
  const char* b[] = {"prog", "run", "s.toml", "--config=/tmp/t.toml"};
  CHECK(config_detail::find_config_argument(4, b) == std::optional<std::string>("/tmp/t.toml"));
  const char* c[] = {"prog", "--frontend", "x"};
  CHECK_FALSE(config_detail::find_config_argument(3, c));
}

TEST_CASE("metrics: an address to serve, loopback unless allowed, in both configs", "[config]") {
  const auto broker = ok(parse_broker_config("metrics = \"127.0.0.1:9464\"", "broker.toml"));
  CHECK(broker.metrics == "127.0.0.1:9464");
  CHECK_FALSE(broker.metrics_allow_remote);
  CHECK(ok(parse_broker_config("metrics = \"0.0.0.0:9464\"\nmetrics_allow_remote = true", "broker.toml")).metrics_allow_remote);
  CHECK_THAT(refusal(parse_broker_config("metrics = \"0.0.0.0:9464\"", "broker.toml")),
             Catch::Contains("key 'metrics' (--metrics)") && Catch::Contains("--metrics-allow-remote"));
  CHECK_THAT(refusal(parse_broker_config("metrics = \"127.0.0.1\"", "broker.toml")), Catch::Contains("not ADDR:PORT"));
  CHECK_THAT(refusal(parse_broker_config("metrics = \"[::1]:99999\"", "broker.toml")), Catch::Contains("port"));
  CHECK_THAT(refusal(parse_broker_config("metrics_allow_remote = 1", "broker.toml")), Catch::Contains("true or false"));
  const auto tuner = ok(parse_tuner_config("metrics = \"[::1]:0\"", "tuner.toml"));
  CHECK(tuner.metrics == "[::1]:0");
  CHECK_THAT(refusal(parse_tuner_config("metrics = \"10.0.0.1:9465\"", "tuner.toml")), Catch::Contains("--metrics-allow-remote"));
  BrokerConfig c;
  c.metrics = "example.com:80";
  auto checked = validate_broker_config(c, "command line");
  REQUIRE_FALSE(checked);
  CHECK_THAT(checked.error().message, Catch::Contains("numeric"));
}
