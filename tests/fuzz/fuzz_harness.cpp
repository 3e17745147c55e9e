// The harnesses declared in fuzz_harness.hpp.
#include "fuzz_harness.hpp"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "broker_config.hpp"
#include "history.hpp"
#include "json_lines.hpp"
#include "study.hpp"
#include "tuner_config.hpp"
#include "worker_config.hpp"

namespace quante::fuzz {

namespace {

void check(bool condition, const std::string& what) {
  if (!condition) throw PropertyViolation(what);
}

std::string as_string(const std::uint8_t* data, std::size_t size) {
  return size ? std::string(reinterpret_cast<const char*>(data), size) : std::string();
}

std::string bytes_of(const std::vector<zmq::message_t>& frames) {
  std::string out;
  for (const auto& f : frames) {
    out += std::to_string(f.size()) + ":";
    out.append(f.data<char>(), f.size());
  }
  return out;
}

// A private folder for the history harness's files, made once per process.
const std::string& scratch_dir() {
  static const std::string dir = [] {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/quante-fuzz-XXXXXX";
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    return pattern;
  }();
  return dir;
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

const Study& fixed_study() {
  static const Study study = [] {
    auto parsed = parse_study(
        "name = \"fuzz\"\nobjective = \"branin\"\nbudget = 10\n[space]\n"
        "x0 = { type = \"float\", low = -5.0, high = 10.0 }\nn = { type = \"int\", low = 1, high = 8 }\n"
        "act = { type = \"categorical\", choices = [\"relu\", \"tanh\"] }\n",
        "fixed.toml");
    return parsed.value();
  }();
  return study;
}

}  // namespace

bool valid_utf8(std::string_view text) {
  try {
    (void)nlohmann::json(std::string(text)).dump();
    return true;
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

std::vector<zmq::message_t> protocol_frames(protocol::Link link, const std::uint8_t* data, std::size_t size) {
  std::vector<zmq::message_t> frames;
  if (size < 2) {
    frames.emplace_back(data, size);
    return frames;
  }
  const std::uint8_t layout = data[0] % 8;
  const std::uint8_t command = data[1];
  const std::uint8_t* body = data + 2;
  const std::size_t body_size = size - 2;
  const std::string own = link == protocol::Link::Worker ? protocol::kWorkerSignature : protocol::kTunerSignature;
  const std::string other = link == protocol::Link::Worker ? protocol::kTunerSignature : protocol::kWorkerSignature;
  switch (layout) {
    case 4: frames.emplace_back(own.substr(0, 3) + "2"); break;
    case 5: frames.emplace_back(other); break;
    case 6: {
      const std::size_t count = command % 6;
      for (std::size_t i = 0; i < count; ++i) {
        const std::size_t from = body_size * i / (count ? count : 1), to = body_size * (i + 1) / (count ? count : 1);
        frames.emplace_back(body + from, to - from);
      }
      return frames;
    }
    default: frames.emplace_back(own); break;
  }
  if (layout == 7) {
    const std::uint8_t two[2] = {command, command};
    frames.emplace_back(two, 2);
  } else {
    frames.emplace_back(&command, 1);
  }
  frames.emplace_back(body, body_size);
  return frames;
}

std::string protocol_input(protocol::Link link, const protocol::Message& message) {
  auto frames = protocol::encode(link, message);
  std::string input(1, '\0');
  input += frames[1].to_string();
  input += frames[2].to_string();
  return input;
}

void fuzz_protocol(protocol::Link link, const std::uint8_t* data, std::size_t size) {
  const auto frames = protocol_frames(link, data, size);
  auto decoded = protocol::decode(link, frames);
  if (!decoded) {
    check(!decoded.error().what.empty(), "a decode error without a reason");
    return;
  }
  const auto& message = decoded.value();
  // A per-job timeout becomes a std::chrono deadline in the worker: it must be a usable duration.
  auto usable_timeout = [](double seconds) { return std::isfinite(seconds) && seconds >= 0 && seconds <= 30 * 86400.0; };
  if (const auto* job = std::get_if<protocol::Job>(&message))
    check(usable_timeout(job->timeout_s), "a JOB decodes with timeout_s " + std::to_string(job->timeout_s));
  if (const auto* submit = std::get_if<protocol::Submit>(&message))
    check(usable_timeout(submit->timeout_s), "a SUBMIT decodes with timeout_s " + std::to_string(submit->timeout_s));
  const auto encoded = protocol::encode(link, message);
  auto again = protocol::decode(link, encoded);
  if (!again)
    throw PropertyViolation("a decoded message does not decode after re-encoding: " + again.error().what);
  const auto& second = again.value();
  check(second.index() == message.index(), "re-encoding changed the message type");
  check(bytes_of(protocol::encode(link, second)) == bytes_of(encoded), "re-encoding is not stable");
}

void fuzz_study(const std::uint8_t* data, std::size_t size) {
  auto parsed = parse_study(as_string(data, size), "fuzz.toml");
  if (!parsed) {
    check(!parsed.error().message.empty(), "a study error without a message");
    return;
  }
  const Study& study = parsed.value();
  check(study.space.size() > 0 && study.budget > 0 && study.batch > 0 && study.initial > 0, "a study out of range");
  (void)study.fingerprint();
  const auto dim = static_cast<std::size_t>(study.space.encoded_dim());
  // Corners, the centre and a few points drawn from the input's bytes.
  std::vector<std::vector<double>> units = {std::vector<double>(dim, 0.0), std::vector<double>(dim, 1.0),
                                            std::vector<double>(dim, 0.5)};
  for (std::size_t k = 0; k < 3; ++k) {
    std::vector<double> u(dim);
    for (std::size_t i = 0; i < dim; ++i) u[i] = size ? data[(i * 7 + k * 13) % size] / 255.0 : 0.5;
    units.push_back(u);
  }
  for (const auto& u : units) {
    const Params point = study.space.decode(u);
    if (auto invalid = study.space.validate(point))
      throw PropertyViolation("the space decodes a point it refuses: " + *invalid + " at " + to_string(point));
    const auto coords = study.space.encode(point);
    check(coords.size() == dim, "encode gives the wrong number of coordinates");
    for (double c : coords)
      check(std::isfinite(c) && c >= -1e-9 && c <= 1 + 1e-9, "encode leaves the unit cube at " + to_string(point));
    const Params back = study.space.decode(coords);
    check(study.space.key(back) == study.space.key(point), "decode(encode(p)) != p for " + to_string(point));
  }
}

void fuzz_exec_answer(const std::uint8_t* data, std::size_t size) {
  const std::string line = as_string(data, size);
  const auto evaluation = worker::decode_answer(line, "J42");
  check(valid_utf8(evaluation.error), "an answer's error text is not valid UTF-8");
  if (evaluation.ok) {
    check(std::isfinite(evaluation.loss), "an ok answer with a non-finite loss");
    check(evaluation.error.empty(), "an ok answer with an error");
    for (const auto& [name, value] : evaluation.metrics) check(std::isfinite(value), "a non-finite metric");
  } else {
    check(!evaluation.error.empty(), "a failed answer without an error");
  }
  const std::string cut = worker::excerpt(line);
  check(valid_utf8(cut) && cut.size() <= 203, "excerpt is not valid UTF-8 or too long");
}

void fuzz_history(const std::uint8_t* data, std::size_t size) {
  // Byte 0 picks the file: even, the history itself; odd, its journal.
  const std::string history = scratch_dir() + "/history.jsonl";
  const std::string journal = tuner::journal_path(history);
  ::unlink(history.c_str());
  ::unlink(journal.c_str());
  const bool as_journal = size > 0 && (data[0] & 1);
  write_bytes(as_journal ? journal : history, as_string(data, size).substr(size ? 1 : 0));
  try {
    for (const auto& line : tuner::read_json_lines(as_journal ? journal : history)) {
      std::string error;
      const auto record = tuner::record_from_json(line.value, &error);
      if (!record) check(!error.empty(), "a refused history line without a reason");
      else if (record->ok()) check(record->loss && std::isfinite(*record->loss), "an ok record without a finite loss");
    }
  } catch (const std::runtime_error&) {
  }
  // As written again for the reader: the torn tail was cut off above.
  write_bytes(as_journal ? journal : history, as_string(data, size).substr(size ? 1 : 0));
  try {
    (void)tuner::load_study_records(history, fixed_study());
  } catch (const std::runtime_error&) {
  }
}

namespace {

template <class Parse, class Validate>
void fuzz_config(const std::uint8_t* data, std::size_t size, Parse parse, Validate validate) {
  auto parsed = parse(as_string(data, size), "fuzz.toml");
  if (!parsed) {
    check(!parsed.error().message.empty(), "a config error without a message");
    return;
  }
  check(static_cast<bool>(validate(parsed.value(), "fuzz.toml")), "a parsed config fails its own validation");
}

}  // namespace

void fuzz_broker_config(const std::uint8_t* data, std::size_t size) {
  fuzz_config(data, size, parse_broker_config, validate_broker_config);
}
void fuzz_worker_config(const std::uint8_t* data, std::size_t size) {
  fuzz_config(data, size, parse_worker_config, validate_worker_config);
}
void fuzz_tuner_config(const std::uint8_t* data, std::size_t size) {
  fuzz_config(data, size, parse_tuner_config, validate_tuner_config);
}

}  // namespace quante::fuzz
