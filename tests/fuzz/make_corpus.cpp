// Writes the protocol fuzzers' seed corpus: every message type of each link, encoded by the
// project's own encoder, in the input layout of fuzz_harness.hpp, plus the known-hostile bodies
// of RELIABILITY.md. Usage: make_corpus OUT_DIR (writes OUT_DIR/fuzz_protocol_worker/ and
// OUT_DIR/fuzz_protocol_tuner/). The committed tests/fuzz/corpus/ was made by it.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>

#include "fuzz_harness.hpp"

using namespace quante;
using namespace quante::protocol;

namespace {

void write(const std::filesystem::path& dir, const std::string& name, const std::string& bytes) {
  std::filesystem::create_directories(dir);
  std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string raw(std::uint8_t layout, MessageType type, const std::string& body) {
  return std::string(1, static_cast<char>(layout)) + static_cast<char>(type) + body;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_corpus OUT_DIR\n";
    return 2;
  }
  const std::filesystem::path out = argv[1];
  const Params params = {{"lr", 0.001}, {"layers", std::int64_t{3}}, {"act", std::string("relu")}};
  Outcome ok;
  ok.job_id = "0123456789abcdef0123456789abcdef";
  ok.ok = true;
  ok.loss = 0.25;
  ok.started_at = 1.7e9;
  ok.finished_at = 1.7e9 + 1;
  ok.metrics = {{"acc", 0.9}};
  ok.worker = "host-a/gpu0";
  Outcome failed = ok;
  failed.ok = false;
  failed.loss = std::numeric_limits<double>::quiet_NaN();
  failed.failure = FailureClass::Timeout;
  failed.error = "overran";

  const std::vector<std::pair<std::string, Message>> worker = {
      {"ready", Ready{"host-a/gpu0", "host-a", 0, "NVIDIA H100", 4242, {"branin", "mlp"}, ""}},
      {"ready_running", Ready{"host-a/gpu0", "host-a", -1, "", 1, {"branin"}, ok.job_id}},
      {"job", Job{ok.job_id, "study", "branin", params, 2, 0x1234567890abcdefULL, 30.0}},
      {"result_ok", Result{ok, 1, 77}},
      {"result_failed", Result{failed, 3, 77}},
      {"heartbeat", Heartbeat{77, ok.job_id, 0, 0}},
      {"disconnect", Disconnect{"stopping", ok.job_id}},
      {"job_rungs", Job{ok.job_id, "study", "curve", params, 1, 77, 0, 27, {1, 3, 9}}},
      {"report", Report{ok.job_id, 1, 77, 3, 0.42, {{"accuracy", 0.9}}}},
      {"decision", Decision{ok.job_id, 1, 3, false}},
  };
  const std::vector<std::pair<std::string, Message>> tuner = {
      {"submit", Submit{ok.job_id, "study", "branin", params, 30.0, 3}},
      {"submit_ack", SubmitAck{ok.job_id, 77, false, "broker is full"}},
      {"job_result", JobResult{"study", ok, 2}},
      {"job_result_failed", JobResult{"study", failed, 3}},
      {"result_ack", ResultAck{ok.job_id}},
      {"cancel", Cancel{ok.job_id}},
      {"heartbeat", Heartbeat{77, "", 8, 3}},
      {"trial_report", TrialReport{ok.job_id, 1, 3, 0.42, {{"accuracy", 0.9}}, "host-a/gpu0"}},
      {"trial_decision", TrialDecision{ok.job_id, 1, 3, true}},
      {"job_started", JobStarted{ok.job_id, 2, "host-a/gpu0.s1", 0}},
  };
  for (const auto& [link, messages, dir] :
       {std::tuple{Link::Worker, &worker, out / "fuzz_protocol_worker"},
        std::tuple{Link::Tuner, &tuner, out / "fuzz_protocol_tuner"}}) {
    for (const auto& [name, message] : *messages) write(dir, name, fuzz::protocol_input(link, message));
    const MessageType first = link == Link::Worker ? MessageType::Ready : MessageType::Submit;
    write(dir, "huge_array", raw(0, first, std::string("\xdd\x0f\xff\xff\xff", 5)));    // 268M-element array
    write(dir, "huge_map", raw(0, first, std::string("\xdf\x0f\xff\xff\xff", 5)));      // 268M-entry map
    write(dir, "huge_str", raw(0, first, std::string("\xdb\x7f\xff\xff\xff", 5)));      // 2 GiB string
    write(dir, "deep_nesting", raw(0, first, std::string(64, '\x91') + '\xc0'));      // 64 nested arrays
    write(dir, "wrong_version", std::string(1, 4) + fuzz::protocol_input(link, messages->front().second).substr(1));
    write(dir, "other_link", std::string(1, 5) + fuzz::protocol_input(link, messages->front().second).substr(1));
    write(dir, "two_frames", std::string("\x06\x02", 2) + "QCW1\x01");
    write(dir, "unknown_command", raw(0, static_cast<MessageType>(0x7f), "\x80"));
  }
  return 0;
}
