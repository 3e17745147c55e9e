// The exec objective's wire format: job lines and answer decoding.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "objectives/json_lines.hpp"

using namespace quante::worker;

TEST_CASE("job lines carry ints as ints, reals as reals, categoricals as strings", "[json_lines]") {
  const quante::Params params{
      {"layers", std::int64_t{3}}, {"lr", 0.001}, {"one", 1.0}, {"act", std::string("relu")}};
  const std::string line = encode_job("J42", params, 0);
  CHECK(line.find('\n') == std::string::npos);
  CHECK(line.rfind("{\"id\":\"J42\",", 0) == 0);
  CHECK(line.find("\"layers\":3,") != std::string::npos);
  CHECK(line.find("\"one\":1.0") != std::string::npos);
  const auto json = nlohmann::json::parse(line);
  CHECK(json["params"]["layers"].is_number_integer());
  CHECK(json["params"]["lr"].is_number_float());
  CHECK(json["params"]["act"] == "relu");
  CHECK(json["gpu"] == 0);
  CHECK(nlohmann::json::parse(encode_job("J", {}, -1))["gpu"] == -1);
  CHECK(params_json(params) == R"({"act":"relu","layers":3,"lr":0.001,"one":1.0})");
  // Invalid UTF-8 in a categorical is replaced, not thrown.
  CHECK_NOTHROW(encode_job("J", {{"c", std::string("\xff\xfe")}}, 0));
}

TEST_CASE("answers decode to losses, errors and protocol failures", "[json_lines]") {
  auto ok = decode_answer(R"({"id": "J1", "loss": 0.25, "metrics": {"acc": 0.9, "s": "x"}})", "J1");
  CHECK(ok.ok);
  CHECK(ok.failure == FailureKind::None);
  CHECK(ok.loss == 0.25);
  CHECK(ok.metrics == std::map<std::string, double>{{"acc", 0.9}});
  CHECK(decode_answer(R"({"id":"J1","loss":3})", "J1").loss == 3.0);

  auto error = decode_answer(R"({"id": "J1", "error": "CUDA out of memory"})", "J1");
  CHECK_FALSE(error.ok);
  CHECK(error.failure == FailureKind::Objective);
  CHECK(error.error == "CUDA out of memory");

  for (const char* line : {R"({"id": "J1", "loss": NaN})", R"({"id": "J1", "loss": Infinity})",
                           R"({"id": "J1", "loss": -Infinity})"}) {
    INFO(line);
    const auto nan = decode_answer(line, "J1");
    CHECK_FALSE(nan.ok);
    CHECK(nan.failure == FailureKind::Objective);
    CHECK((nan.error == "loss is NaN" || nan.error == "loss is infinite"));
  }

  struct Case {
    const char* line;
    const char* says;
  };
  for (const Case& c :
       {Case{"not json", "not JSON"}, Case{"[1, 2]", "not a JSON object"},
        Case{R"({"loss": 1})", "no string \"id\""},
        Case{R"({"id": "J2", "loss": 1})", "expected \"J1\""}, Case{R"({"id": "J1"})", "neither"},
        Case{R"({"id": "J1", "loss": "low"})", "not a number"},
        Case{R"({"id": "J1", "loss": null})", "not a number"},
        Case{R"({"id": "J1", "loss": true})", "not a number"},
        Case{R"({"id": "NaN", "loss": 1)", "not JSON"}}) {
    INFO(c.line);
    const auto bad = decode_answer(c.line, "J1");
    CHECK_FALSE(bad.ok);
    CHECK(bad.failure == FailureKind::Protocol);
    CHECK_THAT(bad.error, Catch::Contains(c.says));
  }
  // "NaN" inside a string is left alone.
  CHECK(decode_answer(R"({"id": "NaN", "loss": 2})", "NaN").loss == 2.0);
}

TEST_CASE("excerpt makes child output safe for messages", "[json_lines]") {
  CHECK(excerpt("plain") == "plain");
  CHECK(excerpt("a\nb\x01") == "a?b?");
  CHECK(excerpt("caf\xc3\xa9") == "caf\xc3\xa9");
  CHECK(excerpt("bad \xff byte") == "bad \xEF\xBF\xBD byte");
  CHECK(excerpt(std::string(500, 'x'), 10) == "xxxxxxxxxx...");
  CHECK(excerpt("\xc3\xa9\xc3\xa9", 3) == "\xc3\xa9...");  // never cuts a character in two
  CHECK_NOTHROW(nlohmann::json(excerpt("\xc3\x28\xa0\xa1\xed\xa0\x80")).dump());
}

TEST_CASE("step lines, other jobs' lines and overflowing numbers are told apart", "[json_lines][curve]") {
  CHECK(nlohmann::json::parse(encode_job("J", {}, 0, 52))["max_steps"] == 52);
  CHECK_FALSE(nlohmann::json::parse(encode_job("J", {}, 0))
                  .contains("max_steps"));
  CHECK(encode_continue("J42", 3, false) == R"({"id":"J42","step":3,"continue":false})");
  CHECK(encode_continue("J42", std::nullopt, true) == R"({"id":"J42","continue":true})");

  auto step = decode_child_line(R"({"id": "J1", "step": 3, "loss": 0.41, "metrics": {"acc": 0.5}})", "J1");
  CHECK(step.kind == ChildLine::Kind::Step);
  CHECK(step.step.step == 3);
  CHECK(step.step.loss == 0.41);
  CHECK(step.step.metrics.at("acc") == 0.5);
  for (const char* line : {R"({"id": "J1", "step": 1, "loss": NaN})", R"({"id": "J1", "step": 1, "loss": 1e999})"}) {
    const auto odd = decode_child_line(line, "J1");
    CHECK(odd.kind == ChildLine::Kind::Step);
    CHECK_FALSE(std::isfinite(odd.step.loss));
  }
  for (const char* line : {R"({"id": "J1", "step": -1, "loss": 1})", R"({"id": "J1", "step": 1.5, "loss": 1})",
                           R"({"id": "J1", "step": "2", "loss": 1})", R"({"id": "J1", "step": 2})",
                           R"({"id": "J1", "step": 2, "loss": "low"})",
                           R"({"id": "J1", "step": 18446744073709551615, "loss": 1})"}) {
    INFO(line);
    CHECK(decode_child_line(line, "J1").kind == ChildLine::Kind::BadStep);
  }
  CHECK(decode_child_line(R"({"id": "J0", "loss": 1})", "J1").kind == ChildLine::Kind::OtherJob);
  CHECK(decode_child_line(R"({"id": "J0", "step": 1, "loss": 1})", "J1").kind == ChildLine::Kind::OtherJob);
  CHECK(decode_child_line(R"({"id": "J1", "loss": 1})", "J1").kind == ChildLine::Kind::Final);
  CHECK(decode_child_line(R"({"id": "J1"})", "J1").kind == ChildLine::Kind::Invalid);
  CHECK(decode_child_line("nope", "J1").kind == ChildLine::Kind::Invalid);

  // nlohmann refuses 1e999 ("number overflow"): it must come out as an infinite loss, not garbage.
  for (const char* line : {R"({"id": "J1", "loss": 1e999})", R"({"id": "J1", "loss": -1E+999})",
                           R"({"id":"J1","metrics":{"a":1e999,"b":2},"loss":1e999})"}) {
    INFO(line);
    const auto inf = decode_answer(line, "J1");
    CHECK(inf.failure == FailureKind::Objective);
    CHECK(inf.error == "loss is infinite");
    CHECK(std::isinf(inf.loss));
  }
  const auto ok = decode_answer(R"({"id":"J1","metrics":{"a":1e999,"b":2},"loss":0.5e1})", "J1");
  CHECK(ok.ok);
  CHECK(ok.loss == 5.0);
  CHECK(ok.metrics == std::map<std::string, double>{{"b", 2.0}});
  // A finite but huge loss decodes; Objective::evaluate (result_limits.hpp) calls it diverged.
  CHECK(decode_answer(R"({"id":"J1","loss":1.797e308})", "J1").ok);
}
