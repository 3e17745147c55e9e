// Replays, through the fuzz harnesses (fuzz_harness.hpp), every seed of tests/fuzz/corpus and
// every input that once made a fuzzer fail (tests/fuzz/regressions/TARGET/), with the project's
// own compiler: a crash fixed once stays fixed without clang. The named cases below say what each
// regression was and check the decoder's answer to it directly.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <cmath>
#include <limits>
#include <sstream>
#include <unistd.h>

#include "broker_config.hpp"
#include "fuzz_harness.hpp"
#include "history.hpp"
#include "json_lines.hpp"
#include "study.hpp"
#include "tuner_config.hpp"
#include "worker_config.hpp"

using namespace quante;

namespace {

using Harness = std::function<void(const std::uint8_t*, std::size_t)>;

const std::map<std::string, Harness>& harnesses() {
  static const std::map<std::string, Harness> all = {
      {"fuzz_protocol_worker", [](const std::uint8_t* d, std::size_t n) { fuzz::fuzz_protocol(protocol::Link::Worker, d, n); }},
      {"fuzz_protocol_tuner", [](const std::uint8_t* d, std::size_t n) { fuzz::fuzz_protocol(protocol::Link::Tuner, d, n); }},
      {"fuzz_study", fuzz::fuzz_study},
      {"fuzz_exec_answer", fuzz::fuzz_exec_answer},
      {"fuzz_history", fuzz::fuzz_history},
      {"fuzz_broker_config", fuzz::fuzz_broker_config},
      {"fuzz_worker_config", fuzz::fuzz_worker_config},
      {"fuzz_tuner_config", fuzz::fuzz_tuner_config},
  };
  return all;
}

std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Replays every input of tests/fuzz/FOLDER/TARGET; the number replayed per target.
std::map<std::string, int> replay(const std::string& folder) {
  const std::filesystem::path root = std::filesystem::path(QUANTE_SOURCE_DIR) / "tests/fuzz" / folder;
  std::map<std::string, int> replayed;
  for (const auto& [target, harness] : harnesses()) {
    replayed[target] = 0;
    if (!std::filesystem::exists(root / target)) continue;
    for (const auto& entry : std::filesystem::directory_iterator(root / target)) {
      const std::string bytes = read_bytes(entry.path());
      INFO(entry.path().string());
      REQUIRE_NOTHROW(harness(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
      ++replayed[target];
    }
  }
  return replayed;
}

}  // namespace

TEST_CASE("every seed input passes its fuzz harness, and every target has seeds", "[fuzz]") {
  // An empty or missing corpus folder would make this test pass while replaying nothing.
  for (const auto& [target, count] : replay("corpus")) {
    INFO("tests/fuzz/corpus/" << target);
    CHECK(count > 0);
  }
}

TEST_CASE("every input that once failed a fuzz harness passes it now", "[fuzz]") { replay("regressions"); }

// ---- what the fuzzers found, each checked at the decoder ---------------------------------------

TEST_CASE("fuzz_exec_answer: an answer nested 500000 deep is a protocol failure, not a stack overflow", "[fuzz]") {
  // Fits in the exec objective's 1 MiB line limit; nlohmann parsed it and dump() overflowed the
  // worker's stack while writing the error text.
  const std::size_t depth = 500000;
  for (const std::string key : {"error", "loss"}) {
    const std::string line = "{\"id\":\"J42\",\"" + key + "\":" + std::string(depth, '[') + std::string(depth, ']') + "}";
    const auto evaluation = worker::decode_answer(line, "J42");
    REQUIRE_FALSE(evaluation.ok);
    REQUIRE(evaluation.failure == worker::FailureKind::Protocol);
    REQUIRE(evaluation.error.find("nests deeper than 64 levels") != std::string::npos);
  }
  // Brackets inside strings are text, and a flat answer with a nested error object still works.
  const auto fine = worker::decode_answer("{\"id\":\"J42\",\"loss\":0.5,\"note\":\"" + std::string(1000, '[') + "\"}", "J42");
  REQUIRE(fine.ok);
  const auto nested = worker::decode_answer(R"({"id":"J42","error":{"code":3,"why":["a",[1,[2]]]}})", "J42");
  REQUIRE(nested.failure == worker::FailureKind::Objective);
}

TEST_CASE("fuzz_history: a journal key of the wrong type is a runtime_error naming the line", "[fuzz]") {
  // {"type":"study",...,"type":0}: the last key wins, and j.value("type", "") threw nlohmann's
  // type_error, which names neither the file nor the line.
  const auto study = parse_study(
      "name = \"s\"\nobjective = \"f\"\nbudget = 2\n[space]\nx = { type = \"float\", low = 0.0, high = 1.0 }\n", "s.toml").value();
  const std::string dir = std::filesystem::temp_directory_path() / ("quante-fuzz-regression-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string history = dir + "/h.jsonl";
  for (const std::string line : {R"({"type":0})", R"({"type":"proposed","job":"a","params":{"x":0.5},"proposed_at":"soon"})",
                                  R"({"type":"cancelled","job":7})"}) {
    {
      std::ofstream out(tuner::journal_path(history), std::ios::trunc);
      out << line << "\n";
    }
    INFO(line);
    REQUIRE_THROWS_WITH(tuner::load_study_records(history, study), Catch::Contains("h.jsonl.journal:1: malformed journal line"));
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("fuzz_protocol: a SUBMIT or JOB timeout that is not a usable duration is refused", "[fuzz]") {
  // 1e300 s or infinity became a std::chrono deadline in the worker: undefined behaviour.
  using namespace quante::protocol;
  for (const double timeout : {std::numeric_limits<double>::infinity(), std::numeric_limits<double>::quiet_NaN(), 1e300,
                               -1.0, 30 * 86400.0 + 1}) {
    INFO(timeout);
    auto submit = decode(Link::Tuner, encode(Link::Tuner, Submit{"j1", "s", "f", {{"x", 1.0}}, timeout, 0}));
    REQUIRE_FALSE(submit);
    REQUIRE(submit.error().what == "SUBMIT: field 'timeout_s' must be 0 to 2592000 seconds");
    auto job = decode(Link::Worker, encode(Link::Worker, Job{"j1", "s", "f", {{"x", 1.0}}, 1, 7, timeout}));
    REQUIRE_FALSE(job);
  }
  for (const double timeout : {0.0, 0.5, 30 * 86400.0}) {
    auto submit = decode(Link::Tuner, encode(Link::Tuner, Submit{"j1", "s", "f", {{"x", 1.0}}, timeout, 0}));
    REQUIRE(std::get<Submit>(submit.value()).timeout_s == timeout);
  }
  // The study file allows no timeout the broker would refuse.
  const auto study = parse_study("name = \"s\"\nobjective = \"f\"\nbudget = 2\ntimeout = 1e300\n[space]\n"
                                 "x = { type = \"float\", low = 0.0, high = 1.0 }\n", "s.toml");
  REQUIRE_FALSE(study);
}

TEST_CASE("fuzz_study and the config fuzzers: a table header toml++ 3.3.0 asserts on gives a clean error", "[fuzz]") {
  // `[#]`: toml++'s parse_key asserts (a debug build aborts); the release build reports an error.
  for (const std::string& text : {std::string("[#]\n"), std::string("[\b]\n"), std::string("a = 1\n[%x]\n")}) {
    REQUIRE_FALSE(parse_broker_config(text, "b.toml"));
    REQUIRE_FALSE(parse_worker_config(text, "w.toml"));
    REQUIRE_FALSE(parse_tuner_config(text, "t.toml"));
    REQUIRE_FALSE(parse_study(text, "s.toml"));
  }
}

TEST_CASE("fuzz_study and the config fuzzers: a non-ASCII character outside strings is refused before toml++ 3.3.0 hits unreachable code", "[fuzz]") {
  // The last three: a quote inside a bare token is not a string to toml++, which reads 2z''' and
  // the non-ASCII character after it as one token (found by fuzz_tuner_config), in an array too.
  // toml++'s is_non_ascii_horizontal_whitespace() reaches __builtin_unreachable() for e.g. 'é' or
  // U+FCFF after a value (undefined behaviour with g++ too); shared/toml_guard.hpp refuses first.
  for (const std::string& text : {std::string("a = 1\xEF\xB3\xBF\n"), std::string("x = 2\n\xC3\xA9 = 1\n"),
                                  std::string("a = [1,\xE2\xB4\x80]\n"), std::string("s = \"\"\"x\"\"\"\xC3\xA9\n"),
                                  std::string("a = 2z\'\'\'\xC7\xBC\n"), std::string("a = 2=\"\xC7\xBC\"\n"),
                                  std::string("a = [\n  1\'\xC7\xBC\'\n]\n")}) {
    INFO(text);
    const auto broker = parse_broker_config(text, "b.toml");
    REQUIRE_FALSE(broker);
    REQUIRE_THAT(broker.error().message, Catch::Contains("b.toml:") && Catch::Contains("non-ASCII"));
    REQUIRE_FALSE(parse_worker_config(text, "w.toml"));
    REQUIRE_FALSE(parse_tuner_config(text, "t.toml"));
    REQUIRE_FALSE(parse_study(text, "s.toml"));
  }
  // Non-ASCII text in strings and comments, and a byte order mark, are still fine.
  const std::string study =
      "\xEF\xBB\xBF# caf\xC3\xA9\nname = \"caf\xC3\xA9 \\\" \xEF\xB3\xBF\"\nobjective = '\xC3\xA9'\nbudget = 2 # \xC3\xA9\n"
      "[space]\nx = { type = \"categorical\", choices = [\"\"\"\xC3\xA9\n\xC3\xA9\"\"\", '''\xC3\xA9'''] }\n";
  const auto ok = parse_study(study, "s.toml");
  INFO((!ok ? ok.error().message : std::string()));
  REQUIRE(ok);
  REQUIRE(ok.value().space.params()[0].choices[1] == "\xC3\xA9");
}
