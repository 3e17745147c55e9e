// The descriptor machinery of config_table.hpp on a small table of its own: one row per key gives
// the TOML reading, the unknown-key refusal, type and range checks, the CLI11 option (the command
// line wins over the file, its numbers range-checked the same way) and the option's help.
#include <catch2/catch.hpp>

#include <chrono>

#include "broker_config.hpp"
#include "config_table.hpp"
#include "tuner_config.hpp"
#include "worker_config.hpp"

using namespace quante;
using namespace quante::config_detail;
using namespace std::chrono_literals;

namespace {

struct Sample {
  std::string endpoint = "tcp://127.0.0.1:1";
  std::chrono::milliseconds beat{250};
  std::size_t slots = 4;
  double ratio = 0.5;
  bool loud = false;
  struct {
    std::string key_file;
  } nested;
};

const Table<Sample>& sample_table() {
  static const Table<Sample> table = [] {
    Table<Sample> t;
    t.text("endpoint", &Sample::endpoint, "where to connect", check_endpoint)
        .integer("beat_ms", &Sample::beat, {10, 1000}, "beat interval in milliseconds")
        .integer("slots", &Sample::slots, {1, 8}, "slots at once")
        .number("ratio", &Sample::ratio, {0.0, 1.0}, "a fraction")
        .flag("loud", &Sample::loud, "say more")
        .text("nested.key_file", [](Sample& s) -> auto& { return s.nested.key_file; }, "a key file")
        .cross_check([](const Sample& s, const std::string& source) {
          if (s.loud && s.slots > 4) fail(source, "slots", "must be at most 4 when loud");
        });
    return t;
  }();
  return table;
}

std::string refusal(const std::string& text) {
  const auto parsed = sample_table().parse(text, "sample.toml");
  REQUIRE_FALSE(parsed);
  return parsed.error().message;
}

// Parses argv over `config` as a main does: options from the table, then finish().
Expected<void> command_line(Sample& config, std::vector<std::string> args, std::string* help = nullptr) {
  CLI::App app{"sample"};
  CommandLine cli(sample_table(), config);
  cli.add_options(app);
  if (help) *help = app.help();
  std::vector<const char*> argv{"sample"};
  for (const auto& a : args) argv.push_back(a.c_str());
  app.parse(static_cast<int>(argv.size()), argv.data());
  return cli.finish("command line");
}

}  // namespace

TEST_CASE("config table: the struct's defaults stand when the file is empty, every key is read", "[config]") {
  const auto empty = sample_table().parse("", "sample.toml").value();
  CHECK(empty.beat == 250ms);
  CHECK(empty.slots == 4);
  const auto all = sample_table().parse(
      "endpoint = \"ipc:///tmp/x\"\nbeat_ms = 40\nslots = 2\nratio = 1\nloud = true\n[nested]\nkey_file = \"k\"\n", "sample.toml").value();
  CHECK(all.endpoint == "ipc:///tmp/x");
  CHECK(all.beat == 40ms);
  CHECK(all.slots == 2);
  CHECK(all.ratio == 1.0);
  CHECK(all.loud);
  CHECK(all.nested.key_file == "k");
}

TEST_CASE("config table: unknown keys, wrong types and values out of range are refused, named", "[config]") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"beats_ms = 40", "sample.toml: unknown key 'beats_ms'"},
      {"[nested]\nkeyfile = \"k\"", "sample.toml: unknown key 'nested.keyfile'"},
      {"nested = 1", "sample.toml: key 'nested' (--nested): must be a table"},
      {"beat_ms = \"fast\"", "sample.toml: key 'beat_ms' (--beat-ms): must be an integer"},
      {"beat_ms = 1.5", "key 'beat_ms' (--beat-ms): must be an integer"},
      {"ratio = \"half\"", "key 'ratio' (--ratio): must be a number"},
      {"loud = 1", "key 'loud' (--loud): must be true or false"},
      {"endpoint = 5", "key 'endpoint' (--endpoint): must be a string"},
      {"beat_ms = 5", "sample.toml: key 'beat_ms' (--beat-ms): must be between 10 and 1000, not 5"},
      {"slots = -1", "key 'slots' (--slots): must be between 1 and 8, not -1"},
      {"ratio = 1.5", "key 'ratio' (--ratio): must be between 0 and 1, not 1.5"},
      {"ratio = nan", "key 'ratio' (--ratio): must be between 0 and 1, not nan"},
      {"endpoint = \"localhost\"", "key 'endpoint' (--endpoint): 'localhost' is not a ZeroMQ endpoint"},
      {"loud = true\nslots = 5", "key 'slots' (--slots): must be at most 4 when loud"},
  };
  for (const auto& [text, expected] : cases) {
    INFO(text);
    CHECK_THAT(refusal(text), Catch::Contains(expected));
  }
}

TEST_CASE("config table: the command line overrides the file and is checked the same way", "[config]") {
  auto config = sample_table().parse("beat_ms = 40\nslots = 2\n", "sample.toml").value();
  REQUIRE(command_line(config, {"--beat-ms", "500", "--loud", "--key-file", "x"}));  // a nested key's option is its leaf
  CHECK(config.beat == 500ms);
  CHECK(config.slots == 2);  // from the file, not given on the command line
  CHECK(config.loud);
  CHECK(config.nested.key_file == "x");

  Sample fresh;
  auto refused = command_line(fresh, {"--slots", "-3"});
  REQUIRE_FALSE(refused);
  // Refused as the file's value is: never cut to the field's type (size_t) first.
  CHECK(refused.error().message == "command line: key 'slots' (--slots): must be between 1 and 8, not -3");
  CHECK(fresh.slots == 4);
  refused = command_line(fresh, {"--ratio", "2"});
  REQUIRE_FALSE(refused);
  CHECK_THAT(refused.error().message, Catch::Contains("key 'ratio' (--ratio): must be between 0 and 1, not 2"));
  refused = command_line(fresh, {"--endpoint", "nowhere"});
  REQUIRE_FALSE(refused);
  CHECK_THAT(refused.error().message, Catch::Contains("key 'endpoint' (--endpoint)"));
  CHECK_THROWS_AS(command_line(fresh, {"--slots", "many"}), CLI::ParseError);  // not a number: CLI11 refuses it
}

TEST_CASE("config table: the help of every option comes from its row, with the value in effect", "[config]") {
  auto config = sample_table().parse("beat_ms = 40\n", "sample.toml").value();
  std::string help;
  REQUIRE(command_line(config, {}, &help));
  for (const char* expected : {"--endpoint", "where to connect", "--beat-ms", "beat interval in milliseconds", "=40",
                               "--slots", "--ratio", "--loud", "say more", "--key-file", "a key file"}) {
    INFO(expected);
    CHECK_THAT(help, Catch::Contains(expected));
  }
}

TEST_CASE("config tables of the three processes: every key has help and a distinct option", "[config]") {
  auto check = [](const auto& table) {
    std::set<std::string> options;
    for (const auto& key : table.keys()) {
      INFO(key.name);
      CHECK_FALSE(key.help.empty());
      CHECK(options.insert(option_of(key.name)).second);
    }
    CHECK(options.count("--heartbeat-ms") == 1);
    CHECK(options.count("--liveness") == 1);
  };
  check(broker_config_table());
  check(worker_config_table());
  check(tuner_config_table());
}
