// Encoding of job lines and decoding of answers; see json_lines.hpp.
#include "json_lines.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>

namespace quante::worker {

namespace {

using nlohmann::json;

nlohmann::ordered_json to_json_object(const Params& params) {
  nlohmann::ordered_json object = nlohmann::ordered_json::object();
  for (const auto& [name, value] : params) {
    std::visit([&object, &name](const auto& v) { object[name] = v; }, value);
  }
  return object;
}

// Python's json module writes NaN, Infinity and -Infinity, which JSON (and nlohmann) reject, and
// nlohmann refuses a number too large for a double (1e999: "number overflow"). Outside string
// literals, turn them into the strings "NaN", "Infinity", "-Infinity" so that the answer still
// parses and a non-finite loss is reported as such rather than as garbage.
std::string quote_non_finite_tokens(std::string_view line) {
  std::string out;
  out.reserve(line.size() + 8);
  bool in_string = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < line.size()) {
        out += line[++i];
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
      out += c;
      continue;
    }
    bool replaced = false;
    for (std::string_view token : {"-Infinity", "Infinity", "NaN"}) {
      if (line.substr(i, token.size()) == token) {
        out += '"';
        out += token;
        out += '"';
        i += token.size() - 1;
        replaced = true;
        break;
      }
    }
    if (!replaced && (c == '-' || (c >= '0' && c <= '9'))) {
      // A number token: copied as is unless strtod overflows it to an infinity.
      std::size_t end = i + 1;
      while (end < line.size() && std::string_view("0123456789+-.eE").find(line[end]) != std::string_view::npos) ++end;
      const std::string token(line.substr(i, end - i));
      const double value = std::strtod(token.c_str(), nullptr);
      if (std::isinf(value)) {
        out += value > 0 ? "\"Infinity\"" : "\"-Infinity\"";
      } else {
        out += token;
      }
      i = end - 1;
      replaced = true;
    }
    if (!replaced) out += c;
  }
  return out;
}

// The line parsed as JSON (NaN, Infinity and overflowing numbers as strings), or discarded.
json parse_line(std::string_view line) {
  json parsed = json::parse(line, nullptr, false);
  if (parsed.is_discarded()) parsed = json::parse(quote_non_finite_tokens(line), nullptr, false);
  return parsed;
}

// A JSON number, or one of the strings quote_non_finite_tokens makes, as a double.
std::optional<double> as_loss(const json& value) {
  if (value.is_number()) return value.get<double>();
  if (value.is_string()) {
    if (value == "NaN") return std::nan("");
    if (value == "Infinity") return HUGE_VAL;
    if (value == "-Infinity") return -HUGE_VAL;
  }
  return std::nullopt;
}

// The finite numbers of an optional "metrics" object: extras, so the rest are dropped rather than
// failing a job whose loss is good.
std::map<std::string, double> finite_metrics(const json& object) {
  std::map<std::string, double> metrics;
  if (const auto found = object.find("metrics"); found != object.end() && found->is_object()) {
    for (const auto& [name, metric] : found->items()) {
      if (metric.is_number() && std::isfinite(metric.get<double>())) metrics[name] = metric.get<double>();
    }
  }
  return metrics;
}

// The final answer of a parsed object line whose id is the job's.
Evaluation final_answer(const json& answer, std::string_view line) {
  if (const auto error = answer.find("error"); error != answer.end() && !error->is_null()) {
    std::string text =
        excerpt(error->is_string() ? error->get<std::string>() : error->dump(), 1000);
    if (text.empty()) text = "(empty error message)";
    return failed_evaluation(FailureKind::Objective, text);
  }
  const auto loss = answer.find("loss");
  if (loss == answer.end()) {
    return failed_evaluation(FailureKind::Protocol,
                             "answer has neither \"loss\" nor \"error\": " + excerpt(line));
  }
  const std::optional<double> value = as_loss(*loss);
  if (!value) {
    return failed_evaluation(FailureKind::Protocol, "\"loss\" is not a number: " + excerpt(loss->dump()));
  }
  if (!std::isfinite(*value)) {
    Evaluation evaluation = failed_evaluation(
        FailureKind::Objective, std::string("loss is ") + (std::isnan(*value) ? "NaN" : "infinite"));
    evaluation.loss = *value;
    return evaluation;
  }
  Evaluation evaluation;
  evaluation.ok = true;
  evaluation.loss = *value;
  evaluation.metrics = finite_metrics(answer);
  return evaluation;
}

// nlohmann parses any depth, but dump() (used below for error texts) recurses once per level: an
// answer nested half a million deep fits in the 1 MiB line limit and overflowed the worker's stack
// (found by tests/fuzz/fuzz_exec_answer). Answers are flat objects; refuse deep ones unparsed.
constexpr int kMaxAnswerDepth = 64;

bool nests_deeper_than(std::string_view line, int limit) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

}  // namespace

std::string excerpt(std::string_view text, std::size_t max_bytes) {
  std::string out;
  out.reserve(std::min(text.size(), max_bytes) + 3);
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length = 1;
    bool valid = true;
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
    } else if (lead >= 0x80) {
      valid = false;  // a stray continuation byte, or a lead byte UTF-8 never uses
    }
    if (length > 1) {
      if (i + length > text.size()) {
        valid = false;
      } else {
        for (std::size_t k = 1; k < length; ++k) {
          valid = valid && (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
        }
        const auto second =
            length > 1 && i + 1 < text.size() ? static_cast<unsigned char>(text[i + 1]) : 0;
        if ((lead == 0xE0 && second < 0xA0) || (lead == 0xED && second > 0x9F) ||
            (lead == 0xF0 && second < 0x90) || (lead == 0xF4 && second > 0x8F)) {
          valid = false;  // overlong, surrogate or beyond U+10FFFF
        }
      }
    }
    const std::string_view piece = valid ? text.substr(i, length) : "\xEF\xBF\xBD";
    if (out.size() + piece.size() > max_bytes) {
      out += "...";
      return out;
    }
    if (valid && length == 1 && (lead < 0x20 || lead == 0x7F) && lead != '\t') {
      out += '?';
    } else {
      out += piece;
    }
    i += valid ? length : 1;
  }
  return out;
}

std::string params_json(const Params& params) {
  return to_json_object(params).dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string encode_job(const std::string& job_id, const Params& params, int gpu,
                       std::optional<std::int64_t> max_steps) {
  nlohmann::ordered_json line = nlohmann::ordered_json::object();  // id first, as documented
  line["id"] = job_id;
  line["params"] = to_json_object(params);
  line["gpu"] = gpu;
  if (max_steps) line["max_steps"] = *max_steps;
  // Replace, not throw, on invalid UTF-8 in a categorical: a bad job must not stop the worker.
  return line.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string encode_continue(const std::string& job_id, std::optional<std::int64_t> step, bool go_on) {
  nlohmann::ordered_json line = nlohmann::ordered_json::object();
  line["id"] = job_id;
  if (step) line["step"] = *step;
  line["continue"] = go_on;
  return line.dump(-1, ' ', false, json::error_handler_t::replace);
}

ChildLine decode_child_line(std::string_view line, const std::string& job_id) {
  ChildLine result;
  if (nests_deeper_than(line, kMaxAnswerDepth)) {
    result.final = failed_evaluation(FailureKind::Protocol, "answer nests deeper than " +
                                     std::to_string(kMaxAnswerDepth) + " levels: " + excerpt(line));
    return result;
  }
  const json answer = parse_line(line);
  if (answer.is_discarded()) {
    result.final = failed_evaluation(FailureKind::Protocol, "answer is not JSON: " + excerpt(line));
    return result;
  }
  if (!answer.is_object()) {
    result.final = failed_evaluation(FailureKind::Protocol, "answer is not a JSON object: " + excerpt(line));
    return result;
  }
  const auto id = answer.find("id");
  if (id == answer.end() || !id->is_string()) {
    result.final = failed_evaluation(FailureKind::Protocol, "answer has no string \"id\": " + excerpt(line));
    return result;
  }
  if (id->get<std::string>() != job_id) {
    result.kind = ChildLine::Kind::OtherJob;
    result.problem = "a line for job \"" + excerpt(id->get<std::string>(), 100) + "\" while running \"" +
                     excerpt(job_id, 100) + "\": " + excerpt(line);
    return result;
  }
  const auto step = answer.find("step");
  if (step == answer.end()) {
    result.kind = ChildLine::Kind::Final;
    result.final = final_answer(answer, line);
    if (result.final.failure == FailureKind::Protocol) result.kind = ChildLine::Kind::Invalid;
    return result;
  }
  result.kind = ChildLine::Kind::BadStep;
  if (!step->is_number_integer() || (step->is_number_unsigned() && step->get<std::uint64_t>() > INT64_MAX) ||
      step->get<std::int64_t>() < 0) {
    result.problem = "a step line whose \"step\" is not an integer >= 0: " + excerpt(line);
    return result;
  }
  const auto loss = answer.find("loss");
  const std::optional<double> value = loss == answer.end() ? std::nullopt : as_loss(*loss);
  if (!value) {
    result.problem = "a step line without a numeric \"loss\": " + excerpt(line);
    return result;
  }
  result.kind = ChildLine::Kind::Step;
  result.step.step = step->get<std::int64_t>();
  result.step.loss = *value;
  result.step.metrics = finite_metrics(answer);
  return result;
}

Evaluation decode_answer(std::string_view line, const std::string& job_id) {
  ChildLine decoded = decode_child_line(line, job_id);
  switch (decoded.kind) {
    case ChildLine::Kind::Final:
    case ChildLine::Kind::Invalid:
      return std::move(decoded.final);
    case ChildLine::Kind::OtherJob: {
      const json answer = parse_line(line);
      return failed_evaluation(FailureKind::Protocol, "answer is for job \"" +
                               excerpt(answer["id"].get<std::string>()) + "\", expected \"" + job_id + "\"");
    }
    case ChildLine::Kind::Step:
    case ChildLine::Kind::BadStep:
      break;
  }
  // A step line read as a final answer (what an exec loop of before learning curves would do).
  return final_answer(parse_line(line), line);
}

}  // namespace quante::worker
