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
