// Encoding of job lines and decoding of answers; see json_lines.hpp.
#include "json_lines.hpp"

#include <algorithm>
#include <cmath>
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

// Python's json module writes NaN, Infinity and -Infinity, which JSON (and nlohmann) reject.
// Outside string literals, turn them into the strings "NaN", "Infinity", "-Infinity" so that the
// answer still parses and a non-finite loss is reported as such rather than as garbage.
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
    if (!replaced) out += c;
  }
  return out;
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

std::string encode_job(const std::string& job_id, const Params& params, int gpu) {
  nlohmann::ordered_json line = nlohmann::ordered_json::object();  // id first, as documented
  line["id"] = job_id;
  line["params"] = to_json_object(params);
  line["gpu"] = gpu;
  // Replace, not throw, on invalid UTF-8 in a categorical: a bad job must not stop the worker.
  return line.dump(-1, ' ', false, json::error_handler_t::replace);
}

Evaluation decode_answer(std::string_view line, const std::string& job_id) {
  if (nests_deeper_than(line, kMaxAnswerDepth)) {
    return failed_evaluation(FailureKind::Protocol, "answer nests deeper than " + std::to_string(kMaxAnswerDepth) +
                             " levels: " + excerpt(line));
  }
  json answer = json::parse(line, nullptr, false);
  if (answer.is_discarded()) answer = json::parse(quote_non_finite_tokens(line), nullptr, false);
  if (answer.is_discarded()) {
    return failed_evaluation(FailureKind::Protocol, "answer is not JSON: " + excerpt(line));
  }
  if (!answer.is_object()) {
    return failed_evaluation(FailureKind::Protocol, "answer is not a JSON object: " + excerpt(line));
  }
  const auto id = answer.find("id");
  if (id == answer.end() || !id->is_string()) {
    return failed_evaluation(FailureKind::Protocol, "answer has no string \"id\": " + excerpt(line));
  }
  if (id->get<std::string>() != job_id) {
    return failed_evaluation(FailureKind::Protocol, "answer is for job \"" + excerpt(id->get<std::string>()) +
                             "\", expected \"" + job_id + "\"");
  }

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
  double value = 0.0;
  if (loss->is_number()) {
    value = loss->get<double>();
  } else if (loss->is_string() && (*loss == "NaN" || *loss == "Infinity" || *loss == "-Infinity")) {
    value = *loss == "NaN" ? std::nan("") : (*loss == "Infinity" ? HUGE_VAL : -HUGE_VAL);
  } else {
    return failed_evaluation(FailureKind::Protocol, "\"loss\" is not a number: " + excerpt(loss->dump()));
  }
  if (!std::isfinite(value)) {
    Evaluation evaluation = failed_evaluation(
        FailureKind::Objective, std::string("loss is ") + (std::isnan(value) ? "NaN" : "infinite"));
    evaluation.loss = value;
    return evaluation;
  }

  Evaluation evaluation;
  evaluation.ok = true;
  evaluation.loss = value;
  // Metrics are optional extras: keep the finite numbers, drop the rest rather than fail a job
  // whose loss is good.
  if (const auto metrics = answer.find("metrics");
      metrics != answer.end() && metrics->is_object()) {
    for (const auto& [name, metric] : metrics->items()) {
      if (metric.is_number() && std::isfinite(metric.get<double>())) {
        evaluation.metrics[name] = metric.get<double>();
      }
    }
  }
  return evaluation;
}

}  // namespace quante::worker
