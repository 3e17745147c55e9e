// The wire protocol: every message type survives an encode/decode round trip; truncated,
// oversized, wrong-version, wrong-link, wrong-type and hostile messages are refused with a
// reason, never an exception or a crash.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <msgpack.hpp>

#include "protocol.hpp"

using namespace quante;
using namespace quante::protocol;

namespace {

std::vector<zmq::message_t> frames_of(const std::string& signature, std::uint8_t command, const std::string& body) {
  std::vector<zmq::message_t> frames;
  frames.emplace_back(signature.data(), signature.size());
  frames.emplace_back(&command, 1);
  frames.emplace_back(body.data(), body.size());
  return frames;
}

template <typename T>
T round_trip(Link link, const T& message) {
  auto frames = encode(link, message);
  REQUIRE(frames.size() == 3);
  auto decoded = decode(link, frames);
  if (!decoded) FAIL(decoded.error().what);
  REQUIRE(std::holds_alternative<T>(decoded.value()));
  return std::get<T>(decoded.value());
}

std::string body_of(Link link, const Message& message) { return encode(link, message)[2].to_string(); }

std::string expect_error(Link link, const std::vector<zmq::message_t>& frames) {
  auto decoded = decode(link, frames);
  REQUIRE_FALSE(decoded);
  return decoded.error().what;
}

Params sample_params() { return {{"lr", 0.001}, {"layers", std::int64_t{3}}, {"act", std::string("relu")}, {"neg", std::int64_t{-7}}}; }

Outcome sample_outcome() {
  Outcome o;
  o.job_id = "0123456789abcdef0123456789abcdef";
  o.ok = true;
  o.loss = 0.1834;
  o.started_at = 1764270000.12;
  o.finished_at = 1764270001.5;
  o.metrics = {{"accuracy", 0.97}};
  o.worker = "host-a/gpu0";
  return o;
}

}  // namespace

TEST_CASE("every message type round-trips", "[protocol]") {
  SECTION("ready") {
    Ready m{"host-a/gpu0", "host-a", 0, "NVIDIA H100 (sm_90)", 1234, {"mnist", "cifar"}, "job-7"};
    auto r = round_trip(Link::Worker, m);
    CHECK(r.name == m.name);
    CHECK(r.host == m.host);
    CHECK(r.gpu == 0);
    CHECK(r.device == m.device);
    CHECK(r.pid == 1234);
    CHECK(r.objectives == m.objectives);
    CHECK(r.running_job == "job-7");
  }
  SECTION("job") {
    Job m{"J42", "study", "mnist", sample_params(), 2, 0xfeedbeefcafe, 30.5};
    auto r = round_trip(Link::Worker, m);
    CHECK(r.job_id == "J42");
    CHECK(r.study == "study");
    CHECK(r.objective == "mnist");
    CHECK(r.params == m.params);
    CHECK(std::holds_alternative<std::int64_t>(r.params.at("layers")));  // ints stay ints
    CHECK(std::holds_alternative<double>(r.params.at("lr")));
    CHECK(r.attempt == 2);
    CHECK(r.epoch == 0xfeedbeefcafe);
    CHECK(r.timeout_s == 30.5);
  }
  SECTION("result") {
    Result m{sample_outcome(), 3, 99};
    auto r = round_trip(Link::Worker, m);
    CHECK(r.outcome.job_id == m.outcome.job_id);
    CHECK(r.outcome.ok);
    CHECK(r.outcome.loss == 0.1834);
    CHECK(r.outcome.metrics == m.outcome.metrics);
    CHECK(r.outcome.worker == "host-a/gpu0");
    CHECK(r.outcome.started_at == m.outcome.started_at);
    CHECK(r.attempt == 3);
    CHECK(r.epoch == 99);
  }
  SECTION("failed result") {
    Outcome o = sample_outcome();
    o.ok = false;
    o.failure = FailureClass::Timeout;
    o.error = "overran";
    auto r = round_trip(Link::Worker, Result{o, 1, 5});
    CHECK_FALSE(r.outcome.ok);
    CHECK(r.outcome.failure == FailureClass::Timeout);
    CHECK(r.outcome.error == "overran");
  }
  SECTION("heartbeats on both links") {
    auto w = round_trip(Link::Worker, Heartbeat{7, "J1", 0, 0});
    CHECK(w.epoch == 7);
    CHECK(w.job_id == "J1");
    auto t = round_trip(Link::Tuner, Heartbeat{8, "", 4, 2});
    CHECK(t.workers == 4);
    CHECK(t.queued == 2);
  }
  SECTION("disconnect") {
    auto r = round_trip(Link::Worker, Disconnect{"stopping", "J9"});
    CHECK(r.reason == "stopping");
    CHECK(r.job_id == "J9");
  }
  SECTION("submit, acks, results, cancel") {
    auto s = round_trip(Link::Tuner, Submit{"J1", "st", "obj", sample_params(), 12.0, 4});
    CHECK(s.params == sample_params());
    CHECK(s.max_attempts == 4);
    auto a = round_trip(Link::Tuner, SubmitAck{"J1", 77, false, "broker is full"});
    CHECK_FALSE(a.accepted);
    CHECK(a.error == "broker is full");
    auto jr = round_trip(Link::Tuner, JobResult{"st", sample_outcome(), 2});
    CHECK(jr.study == "st");
    CHECK(jr.attempts == 2);
    CHECK(jr.outcome.loss == 0.1834);
    CHECK(round_trip(Link::Tuner, ResultAck{"J1"}).job_id == "J1");
    CHECK(round_trip(Link::Tuner, Cancel{"J2"}).job_id == "J2");
  }
  SECTION("a refused registration") {
    auto r = round_trip(Link::Worker, Disconnect{"name in use", "", true});
    CHECK(r.refused);
    CHECK_FALSE(round_trip(Link::Worker, Disconnect{"register again", "", false}).refused);
  }
  SECTION("fidelity: jobs with rungs, reports, decisions, results with a curve") {
    Job job{"J1", "st", "obj", sample_params(), 2, 9, 0, 52, {1, 3, 9, 27}};
    auto j = round_trip(Link::Worker, job);
    CHECK(j.max_steps == 52);
    CHECK(j.rungs == std::vector<std::int64_t>{1, 3, 9, 27});
    auto s = round_trip(Link::Tuner, Submit{"J1", "st", "obj", sample_params(), 0, 0, 52, {2, 6}});
    CHECK(s.max_steps == 52);
    CHECK(s.rungs == std::vector<std::int64_t>{2, 6});
    auto rep = round_trip(Link::Worker, Report{"J1", 2, 9, 3, std::nan(""), {{"acc", 0.5}}});
    CHECK(std::isnan(rep.loss));  // a diverging run reports NaN; the scheduler decides what it means
    CHECK(rep.step == 3);
    CHECK(rep.attempt == 2);
    auto d = round_trip(Link::Worker, Decision{"J1", 2, 3, false});
    CHECK_FALSE(d.go_on);
    auto tr = round_trip(Link::Tuner, TrialReport{"J1", 2, 3, 0.25, {}, "host/gpu0"});
    CHECK(tr.worker == "host/gpu0");
    auto td = round_trip(Link::Tuner, TrialDecision{"J1", 2, 3, true});
    CHECK(td.go_on);
  }
  SECTION("where a job started: asked for in SUBMIT, told in JOB_STARTED") {
    Submit asking{"J1", "st", "obj", sample_params(), 0, 0};
    asking.notify_started = true;
    CHECK(round_trip(Link::Tuner, asking).notify_started);
    CHECK_FALSE(round_trip(Link::Tuner, Submit{"J1", "st", "obj", sample_params(), 0, 0}).notify_started);
    auto started = round_trip(Link::Tuner, JobStarted{"J1", 3, "node7/job12_3", 2});
    CHECK(started.job_id == "J1");
    CHECK(started.attempt == 3);
    CHECK(started.worker == "node7/job12_3");
    CHECK(started.gpu == 2);
    CHECK(round_trip(Link::Tuner, JobStarted{"J1", 1, "", -1}).gpu == -1);
    // Only on the tuner link, with a job id.
    const auto body = body_of(Link::Tuner, JobStarted{"J1", 1, "w", 0});
    CHECK_THAT(expect_error(Link::Worker, frames_of("QCW1", 0x18, body)), Catch::Contains("unknown command"));
    CHECK_THAT(expect_error(Link::Tuner, encode(Link::Tuner, JobStarted{"", 1, "w", 0})), Catch::Contains("job_id"));
  }
  SECTION("fidelity: results with a curve") {
    Outcome o = sample_outcome();
    o.curve = {{1, 0.9}, {2, 0.5}, {3, 0.25}};
    o.stopped_at = 3;
    auto r = round_trip(Link::Worker, Result{o, 2, 9});
    CHECK(r.outcome.curve == o.curve);
    CHECK(r.outcome.stopped_at == 3);
  }
}

TEST_CASE("fidelity fields are checked", "[protocol]") {
  auto refuse = [](Link link, const Message& m, const char* what) {
    auto frames = encode(link, m);
    CHECK_THAT(expect_error(link, frames), Catch::Contains(what));
  };
  refuse(Link::Worker, Job{"J1", "st", "obj", {}, 1, 1, 0, 10, {3, 3}}, "increasing positive steps");
  refuse(Link::Worker, Job{"J1", "st", "obj", {}, 1, 1, 0, 10, {0}}, "increasing positive steps");
  refuse(Link::Worker, Job{"J1", "st", "obj", {}, 1, 1, 0, -1, {}}, "max_steps");
  refuse(Link::Worker, Job{"J1", "st", "obj", {}, 1, 1, 0, 10, std::vector<std::int64_t>(65, 1)}, "at most 64");
  Outcome o = sample_outcome();
  o.curve.assign(kMaxCurvePoints + 1, {1, 0.5});
  refuse(Link::Worker, Result{o, 1, 1}, "at most 1000");
  // A report is a worker-link message and a trial decision a tuner-link one.
  auto frames = encode(Link::Worker, Report{"J1", 1, 1, 1, 0.5, {}});
  frames[0] = zmq::message_t("QCT1", 4);
  CHECK_THAT(expect_error(Link::Tuner, frames), Catch::Contains("unknown command 0x06"));
  // Older peers: a body without the new fields decodes with their defaults.
  msgpack::sbuffer body;
  msgpack::packer<msgpack::sbuffer> pk(body);
  pk.pack_map(7);
  pk.pack(std::string("job_id")); pk.pack(std::string("J1"));
  pk.pack(std::string("study")); pk.pack(std::string("st"));
  pk.pack(std::string("objective")); pk.pack(std::string("obj"));
  pk.pack(std::string("params")); pk.pack_map(0);
  pk.pack(std::string("attempt")); pk.pack(1);
  pk.pack(std::string("epoch")); pk.pack(2);
  pk.pack(std::string("timeout_s")); pk.pack(0.0);
  auto old = decode(Link::Worker, frames_of("QCW1", 0x02, std::string(body.data(), body.size())));
  REQUIRE(old);
  const auto& job = std::get<Job>(old.value());
  CHECK(job.max_steps == 0);
  CHECK(job.rungs.empty());
}

TEST_CASE("malformed messages are refused with a reason", "[protocol]") {
  const std::string ready_body = body_of(Link::Worker, Ready{"w", "h", -1, "", 1, {"o"}, ""});
  SECTION("wrong frame counts") {
    std::vector<zmq::message_t> two;
    two.emplace_back("QCW1", 4);
    two.emplace_back("\x01", 1);
    CHECK_THAT(expect_error(Link::Worker, two), Catch::Contains("expected 3 frames"));
    auto four = frames_of("QCW1", 0x01, ready_body);
    four.emplace_back("x", 1);
    CHECK_THAT(expect_error(Link::Worker, four), Catch::Contains("expected 3 frames"));
  }
  SECTION("wrong version and bad signature") {
    CHECK_THAT(expect_error(Link::Worker, frames_of("QCW2", 0x01, ready_body)), Catch::Contains("version"));
    CHECK_THAT(expect_error(Link::Worker, frames_of("HTTP", 0x01, ready_body)), Catch::Contains("signature"));
    // A tuner signature on the worker link.
    CHECK_THAT(expect_error(Link::Worker, frames_of("QCT1", 0x01, ready_body)), Catch::Contains("signature"));
  }
  SECTION("unknown commands and commands of the other link") {
    CHECK_THAT(expect_error(Link::Worker, frames_of("QCW1", 0x7f, ready_body)), Catch::Contains("unknown command"));
    CHECK_THAT(expect_error(Link::Tuner, frames_of("QCT1", 0x01, ready_body)), Catch::Contains("unknown command"));
    auto two_byte = frames_of("QCW1", 0x01, ready_body);
    two_byte[1] = zmq::message_t("\x01\x01", 2);
    CHECK_THAT(expect_error(Link::Worker, two_byte), Catch::Contains("one byte"));
  }
  SECTION("truncated bodies") {
    for (std::size_t cut = 0; cut < ready_body.size(); ++cut) {
      auto decoded = decode(Link::Worker, frames_of("QCW1", 0x01, ready_body.substr(0, cut)));
      REQUIRE_FALSE(decoded);
    }
  }
  SECTION("trailing bytes") {
    CHECK_THAT(expect_error(Link::Worker, frames_of("QCW1", 0x01, ready_body + "x")), Catch::Contains("trailing"));
  }
  SECTION("oversized bodies") {
    CHECK_THAT(expect_error(Link::Worker, frames_of("QCW1", 0x01, std::string(kMaxMessageBytes + 1, 'a'))),
               Catch::Contains("over"));
  }
  SECTION("a 5-byte array header that declares 268 million elements") {
    const std::string bomb("\xdd\x0f\xff\xff\xff", 5);
    CHECK_THAT(expect_error(Link::Worker, frames_of("QCW1", 0x01, bomb)), Catch::Contains("READY"));
  }
  SECTION("deep nesting beyond the depth limit") {
    std::string deep;
    for (int i = 0; i < 40; ++i) deep += '\x91';  // fixarray of 1, nested
    deep += '\x01';
    CHECK_THAT(expect_error(Link::Worker, frames_of("QCW1", 0x04, deep)), Catch::Contains("HEARTBEAT"));
  }
  SECTION("missing and mistyped fields name the field") {
    msgpack::sbuffer buf;
    msgpack::packer<msgpack::sbuffer> pk(buf);
    pk.pack_map(1);
    pk.pack(std::string("name"));
    pk.pack(42);
    CHECK_THAT(expect_error(Link::Worker, frames_of("QCW1", 0x01, std::string(buf.data(), buf.size()))),
               Catch::Contains("'name'"));
    CHECK_THAT(expect_error(Link::Worker, frames_of("QCW1", 0x01, std::string("\x80", 1))),
               Catch::Contains("missing field 'name'"));
    CHECK_THAT(expect_error(Link::Worker, frames_of("QCW1", 0x01, std::string("\x01", 1))), Catch::Contains("not a map"));
  }
  SECTION("non-finite losses and params are refused") {
    Outcome o = sample_outcome();
    o.loss = std::numeric_limits<double>::quiet_NaN();
    CHECK_THAT(expect_error(Link::Worker, encode(Link::Worker, Result{o, 1, 1})), Catch::Contains("loss"));
    o.loss = std::numeric_limits<double>::infinity();
    CHECK_THAT(expect_error(Link::Worker, encode(Link::Worker, Result{o, 1, 1})), Catch::Contains("loss"));
    Params bad = {{"x", std::numeric_limits<double>::infinity()}};
    CHECK_THAT(expect_error(Link::Tuner, encode(Link::Tuner, Submit{"J", "s", "o", bad, 0, 0})), Catch::Contains("params"));
  }
  SECTION("ok and failure must agree") {
    Outcome o = sample_outcome();
    o.failure = FailureClass::Crashed;
    CHECK_THAT(expect_error(Link::Worker, encode(Link::Worker, Result{o, 1, 1})), Catch::Contains("disagree"));
  }
  SECTION("an empty job id is refused") {
    CHECK_THAT(expect_error(Link::Tuner, encode(Link::Tuner, ResultAck{""})), Catch::Contains("job_id"));
  }
  SECTION("random bytes never crash the decoder") {
    std::mt19937 rng(1);
    for (int i = 0; i < 5000; ++i) {
      std::string body(static_cast<std::size_t>(rng() % 64), '\0');
      for (auto& c : body) c = static_cast<char>(rng());
      for (std::uint8_t command : {0x01, 0x02, 0x03, 0x04, 0x05}) (void)decode(Link::Worker, frames_of("QCW1", command, body));
      for (std::uint8_t command : {0x11, 0x12, 0x13, 0x14, 0x15}) (void)decode(Link::Tuner, frames_of("QCT1", command, body));
    }
    SUCCEED();
  }
}

TEST_CASE("decoding reads the body in place and keeps nothing of it", "[protocol]") {
  SECTION("the first of repeated keys counts; a non-string key is refused") {
    msgpack::sbuffer buf;
    msgpack::packer<msgpack::sbuffer> pk(buf);
    pk.pack_map(2);
    pk.pack(std::string("job_id"));
    pk.pack(std::string("first"));
    pk.pack(std::string("job_id"));
    pk.pack(std::string("second"));
    auto decoded = decode(Link::Tuner, frames_of("QCT1", 0x14, std::string(buf.data(), buf.size())));
    REQUIRE(decoded);
    CHECK(std::get<ResultAck>(decoded.value()).job_id == "first");
    CHECK_THAT(expect_error(Link::Tuner, frames_of("QCT1", 0x14, std::string("\x81\x01\xa1x", 4))),
               Catch::Contains("non-string key"));
  }
  SECTION("decoded strings outlive the frames they were read from") {
    Job job{"0123456789abcdef0123456789abcdef", "study-with-a-long-name", "objective", sample_params(), 2, 77, 30};
    Message decoded;
    {
      auto frames = encode(Link::Worker, job);
      auto result = decode(Link::Worker, frames);
      REQUIRE(result);
      decoded = result.value();
      for (auto& frame : frames) std::memset(frame.data(), 'Z', frame.size());  // scribble over the bytes read
    }
    const auto& back = std::get<Job>(decoded);
    CHECK(back.job_id == job.job_id);
    CHECK(back.study == job.study);
    CHECK(back.params == job.params);
  }
  SECTION("a body far larger than the buffers kept between messages, then small ones again") {
    Params wide;
    for (int i = 0; i < 900; ++i) wide["p" + std::to_string(i)] = std::string(200, static_cast<char>('a' + i % 26));
    const Submit big{"0123456789abcdef0123456789abcdef", "s", "o", wide, 0, 3};
    REQUIRE(encode(Link::Tuner, big)[2].size() > 128 * 1024);
    for (int round = 0; round < 3; ++round) {
      CHECK(round_trip(Link::Tuner, big).params == wide);
      CHECK(round_trip(Link::Tuner, ResultAck{"abc"}).job_id == "abc");
      CHECK(round_trip(Link::Worker, Result{sample_outcome(), 1, 9}).outcome.worker == "host-a/gpu0");
    }
  }
}

TEST_CASE("job ids are 128-bit random hex and epochs are never zero", "[protocol]") {
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) {
    const auto id = new_job_id();
    REQUIRE(id.size() == 32);
    REQUIRE(id.find_first_not_of("0123456789abcdef") == std::string::npos);
    ids.insert(id);
  }
  CHECK(ids.size() == 1000);
  CHECK(new_epoch() != 0);
}
