#include "protocol.hpp"

#include <cmath>
#include <cstring>
#include <random>
#include <optional>
#include <set>

#include <msgpack.hpp>

namespace quante::protocol {

namespace {

// Limits from RELIABILITY.md (the OSS-Fuzz msgpack-c target's): array 10k, map 1k,
// str 64 KiB, bin 512 KiB, ext 512 KiB, depth 16.
const msgpack::unpack_limit kLimits(10000, 1000, 64 * 1024, 512 * 1024, 512 * 1024, 16);
constexpr std::size_t kKeptEncodeBuffer = 64 * 1024;
constexpr double kMaxTimeoutSeconds = 30 * 86400.0;  // as the worker config's longest timeout

using Packer = msgpack::packer<msgpack::sbuffer>;

std::string fmt_hex(unsigned byte) {
  static constexpr char kHex[] = "0123456789abcdef";
  return {kHex[(byte >> 4) & 0xF], kHex[byte & 0xF]};
}

// Strings in a body are read where they lie in the frame (which outlives the decoding) rather
// than copied into the zone.
bool refer_to_frame(msgpack::type::object_type, std::size_t, void*) { return true; }

// The unpacked tree of one body lives in a zone kept per thread and emptied after each decoding,
// so a message costs no zone allocation (the first chunk stays; a huge body's extra ones go).
class ScratchZone {
 public:
  ScratchZone() = default;
  ScratchZone(const ScratchZone&) = delete;
  ScratchZone& operator=(const ScratchZone&) = delete;
  ~ScratchZone() { zone().clear(); }
  msgpack::zone& get() { return zone(); }

 private:
  static msgpack::zone& zone() {
    static thread_local msgpack::zone z;
    return z;
  }
};

// Reads typed fields out of a msgpack map, collecting the first error.
class MapReader {
 public:
  // Keys are checked here and looked up in place: a body has about ten fields, where a scan of
  // the msgpack map beats building a std::map of copied keys for every message.
  explicit MapReader(const msgpack::object& obj) {
    if (obj.type != msgpack::type::MAP) {
      error_ = "body is not a map";
      return;
    }
    map_ = obj.via.map;
    for (std::uint32_t i = 0; i < map_.size; ++i)
      if (map_.ptr[i].key.type != msgpack::type::STR) {
        error_ = "body has a non-string key";
        return;
      }
  }

  const std::optional<std::string>& error() const { return error_; }

  std::string str(const char* key, bool required = true) {
    const msgpack::object* o = field(key, required);
    if (!o) return {};
    if (o->type != msgpack::type::STR) return fail<std::string>(key, "a string");
    return std::string(o->via.str.ptr, o->via.str.size);
  }
  // Non-empty string, at most 256 bytes (ids and names).
  std::string id(const char* key) {
    std::string s = str(key);
    if (!error_ && (s.empty() || s.size() > 256)) error_ = std::string("field '") + key + "' must be 1-256 bytes";
    return s;
  }
  template <typename Int>
  Int integer(const char* key, bool required = true) {
    const msgpack::object* o = field(key, required);
    if (!o) return Int{};
    if (o->type == msgpack::type::POSITIVE_INTEGER) {
      if (o->via.u64 > static_cast<std::uint64_t>(std::numeric_limits<Int>::max())) return fail<Int>(key, "in range");
      return static_cast<Int>(o->via.u64);
    }
    if (o->type == msgpack::type::NEGATIVE_INTEGER && std::numeric_limits<Int>::is_signed) {
      if (o->via.i64 < static_cast<std::int64_t>(std::numeric_limits<Int>::min())) return fail<Int>(key, "in range");
      return static_cast<Int>(o->via.i64);
    }
    return fail<Int>(key, "an integer");
  }
  double number(const char* key, bool required = true) {
    const msgpack::object* o = field(key, required);
    if (!o) return 0;
    if (o->type == msgpack::type::FLOAT32 || o->type == msgpack::type::FLOAT64) return o->via.f64;
    if (o->type == msgpack::type::POSITIVE_INTEGER) return static_cast<double>(o->via.u64);
    if (o->type == msgpack::type::NEGATIVE_INTEGER) return static_cast<double>(o->via.i64);
    return fail<double>(key, "a number");
  }
  // A per-job timeout in seconds, optional: finite and 0 (the worker's default) to 30 days. The
  // worker turns it into a std::chrono deadline, where 1e300 or infinity is undefined behaviour.
  double timeout(const char* key) {
    const double seconds = number(key, false);
    if (!error_ && !(seconds >= 0 && seconds <= kMaxTimeoutSeconds))
      error_ = std::string("field '") + key + "' must be 0 to 2592000 seconds";
    return seconds;
  }
  bool boolean(const char* key, bool required = true) {
    const msgpack::object* o = field(key, required);
    if (!o) return false;
    if (o->type != msgpack::type::BOOLEAN) return fail<bool>(key, "a boolean");
    return o->via.boolean;
  }
  std::vector<std::string> strings(const char* key) {
    const msgpack::object* o = field(key, true);
    std::vector<std::string> out;
    if (!o) return out;
    if (o->type != msgpack::type::ARRAY) return fail<std::vector<std::string>>(key, "an array of strings");
    for (std::uint32_t i = 0; i < o->via.array.size; ++i) {
      const auto& e = o->via.array.ptr[i];
      if (e.type != msgpack::type::STR || e.via.str.size == 0) return fail<std::vector<std::string>>(key, "an array of non-empty strings");
      out.emplace_back(e.via.str.ptr, e.via.str.size);
    }
    return out;
  }
  Params params(const char* key) {
    const msgpack::object* o = field(key, true);
    Params out;
    if (!o) return out;
    if (o->type != msgpack::type::MAP) return fail<Params>(key, "a map");
    for (std::uint32_t i = 0; i < o->via.map.size; ++i) {
      const auto& kv = o->via.map.ptr[i];
      if (kv.key.type != msgpack::type::STR || kv.key.via.str.size == 0) return fail<Params>(key, "a map with non-empty string keys");
      std::string name(kv.key.via.str.ptr, kv.key.via.str.size);
      const auto& v = kv.val;
      switch (v.type) {
        case msgpack::type::POSITIVE_INTEGER:
          if (v.via.u64 > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
            return fail<Params>(key, "integers in range");
          out[name] = static_cast<std::int64_t>(v.via.u64);
          break;
        case msgpack::type::NEGATIVE_INTEGER: out[name] = v.via.i64; break;
        case msgpack::type::FLOAT32:
        case msgpack::type::FLOAT64:
          if (!std::isfinite(v.via.f64)) return fail<Params>(key, "finite numbers");
          out[name] = v.via.f64;
          break;
        case msgpack::type::STR: out[name] = std::string(v.via.str.ptr, v.via.str.size); break;
        default: return fail<Params>(key, "a map of integers, numbers and strings");
      }
    }
    return out;
  }
  std::map<std::string, double> metrics(const char* key) {
    const msgpack::object* o = field(key, false);
    std::map<std::string, double> out;
    if (!o) return out;
    if (o->type != msgpack::type::MAP) return fail<std::map<std::string, double>>(key, "a map");
    for (std::uint32_t i = 0; i < o->via.map.size; ++i) {
      const auto& kv = o->via.map.ptr[i];
      if (kv.key.type != msgpack::type::STR) return fail<std::map<std::string, double>>(key, "a map with string keys");
      double value = 0;
      if (kv.val.type == msgpack::type::FLOAT32 || kv.val.type == msgpack::type::FLOAT64) value = kv.val.via.f64;
      else if (kv.val.type == msgpack::type::POSITIVE_INTEGER) value = static_cast<double>(kv.val.via.u64);
      else if (kv.val.type == msgpack::type::NEGATIVE_INTEGER) value = static_cast<double>(kv.val.via.i64);
      else return fail<std::map<std::string, double>>(key, "a map of numbers");
      out[std::string(kv.key.via.str.ptr, kv.key.via.str.size)] = value;
    }
    return out;
  }
  bool has(const char* key) const { return !error_ && find(key) != nullptr; }
  void set_error(std::string what) {
    if (!error_) error_ = std::move(what);
  }
  // Optional: increasing positive steps, at most kMaxRungs of them.
  std::vector<std::int64_t> steps(const char* key) {
    const msgpack::object* o = field(key, false);
    std::vector<std::int64_t> out;
    if (!o) return out;
    if (o->type != msgpack::type::ARRAY || o->via.array.size > kMaxRungs)
      return fail<std::vector<std::int64_t>>(key, "an array of at most 64 steps");
    for (std::uint32_t i = 0; i < o->via.array.size; ++i) {
      const auto& e = o->via.array.ptr[i];
      if (e.type != msgpack::type::POSITIVE_INTEGER || e.via.u64 == 0 || e.via.u64 > (1ULL << 53) ||
          (!out.empty() && static_cast<std::int64_t>(e.via.u64) <= out.back()))
        return fail<std::vector<std::int64_t>>(key, "increasing positive steps");
      out.push_back(static_cast<std::int64_t>(e.via.u64));
    }
    return out;
  }
  // Optional: [[step, loss], ...], at most kMaxCurvePoints points; a loss may be NaN or infinite.
  Curve curve(const char* key) {
    const msgpack::object* o = field(key, false);
    Curve out;
    if (!o) return out;
    if (o->type != msgpack::type::ARRAY || o->via.array.size > kMaxCurvePoints)
      return fail<Curve>(key, "an array of at most 1000 [step, loss] pairs");
    for (std::uint32_t i = 0; i < o->via.array.size; ++i) {
      const auto& e = o->via.array.ptr[i];
      if (e.type != msgpack::type::ARRAY || e.via.array.size != 2) return fail<Curve>(key, "[step, loss] pairs");
      const auto& step = e.via.array.ptr[0];
      const auto& loss = e.via.array.ptr[1];
      if (step.type != msgpack::type::POSITIVE_INTEGER || step.via.u64 > (1ULL << 53))
        return fail<Curve>(key, "[step, loss] pairs with non-negative integer steps");
      double value = 0;
      if (loss.type == msgpack::type::FLOAT32 || loss.type == msgpack::type::FLOAT64) value = loss.via.f64;
      else if (loss.type == msgpack::type::POSITIVE_INTEGER) value = static_cast<double>(loss.via.u64);
      else if (loss.type == msgpack::type::NEGATIVE_INTEGER) value = static_cast<double>(loss.via.i64);
      else return fail<Curve>(key, "[step, loss] pairs with numeric losses");
      out.emplace_back(static_cast<std::int64_t>(step.via.u64), value);
    }
    return out;
  }

 private:
  const msgpack::object* find(const char* key) const {
    const std::string_view wanted(key);
    // The first of repeated keys counts.
    for (std::uint32_t i = 0; i < map_.size; ++i) {
      const auto& kv = map_.ptr[i];
      if (std::string_view(kv.key.via.str.ptr, kv.key.via.str.size) == wanted) return &kv.val;
    }
    return nullptr;
  }
  const msgpack::object* field(const char* key, bool required) {
    if (error_) return nullptr;
    const msgpack::object* found = find(key);
    if (!found && required) error_ = std::string("missing field '") + key + "'";
    return found;
  }
  template <typename T>
  T fail(const char* key, const char* expected) {
    if (!error_) error_ = std::string("field '") + key + "' must be " + expected;
    return T{};
  }

  msgpack::object_map map_{0, nullptr};
  std::optional<std::string> error_;
};

// ---- One schema per message, used by the encoder and the decoder alike ----
// Schema<M>::fields(visitor, message) names each field once, with its kind and whether it must
// be present; the packer (const message), the field counter and the reader all walk that list.

enum class Presence { Required, Optional };
constexpr Presence kRequired = Presence::Required;
constexpr Presence kOptional = Presence::Optional;

template <typename M>
struct Schema;

template <typename F, typename O>
void outcome_fields(F& f, O& o) {
  f.id("job_id", o.job_id);
  f.boolean("ok", o.ok, kRequired);
  f.number("loss", o.loss, kRequired);
  f.str("error", o.error, kRequired);
  f.failure("failure", o.failure);
  f.number("started_at", o.started_at, kRequired);
  f.number("finished_at", o.finished_at, kRequired);
  f.metrics("metrics", o.metrics);
  f.str("worker", o.worker, kOptional);
  f.curve("curve", o.curve);
  f.integer("stopped_at", o.stopped_at, kOptional);
}

template <>
struct Schema<Ready> {
  template <typename F, typename M>
  static void fields(F& f, M& m) {
    f.id("name", m.name);
    f.str("host", m.host, kRequired);
    f.integer("gpu", m.gpu, kRequired);
    f.str("device", m.device, kOptional);  // older workers do not send it
    f.integer("slot", m.slot, kOptional);
    f.integer("gpu_memory_mib", m.gpu_memory_mib, kOptional);
    f.integer("pid", m.pid, kRequired);
    f.strings("objectives", m.objectives);
    f.str("running_job", m.running_job, kOptional);
  }
};

template <>
struct Schema<Job> {
  template <typename F, typename M>
  static void fields(F& f, M& m) {
    f.id("job_id", m.job_id);
    f.str("study", m.study, kRequired);
    f.id("objective", m.objective);
    f.params("params", m.params);
    f.integer("attempt", m.attempt, kRequired);
    f.integer("epoch", m.epoch, kRequired);
    f.timeout("timeout_s", m.timeout_s);
    f.integer("max_steps", m.max_steps, kOptional);
    f.steps("rungs", m.rungs);
  }
};

template <>
struct Schema<Result> {
  template <typename F, typename M>
  static void fields(F& f, M& m) {
    outcome_fields(f, m.outcome);
    f.integer("attempt", m.attempt, kRequired);
    f.integer("epoch", m.epoch, kRequired);
  }
};

template <>
struct Schema<Heartbeat> {
  template <typename F, typename M>
  static void fields(F& f, M& m) {
    f.integer("epoch", m.epoch, kOptional);
    f.str("job_id", m.job_id, kOptional);
    f.integer("workers", m.workers, kOptional);
    f.integer("queued", m.queued, kOptional);
  }
};

template <>
struct Schema<Disconnect> {
  template <typename F, typename M>
  static void fields(F& f, M& m) {
    f.str("reason", m.reason, kOptional);
    f.str("job_id", m.job_id, kOptional);
    f.boolean("refused", m.refused, kOptional);
  }
};

template <>
struct Schema<Submit> {
  template <typename F, typename M>
  static void fields(F& f, M& m) {
    f.id("job_id", m.job_id);
    f.id("study", m.study);
    f.id("objective", m.objective);
    f.params("params", m.params);
    f.timeout("timeout_s", m.timeout_s);
    f.integer("max_attempts", m.max_attempts, kOptional);
    f.integer("max_steps", m.max_steps, kOptional);
    f.steps("rungs", m.rungs);
    f.integer("min_gpu_memory_mib", m.min_gpu_memory_mib, kOptional);
    f.boolean("notify_started", m.notify_started, kOptional);
  }
};

template <>
struct Schema<SubmitAck> {
  template <typename F, typename M>
  static void fields(F& f, M& m) {
    f.id("job_id", m.job_id);
    f.integer("epoch", m.epoch, kRequired);
    f.boolean("accepted", m.accepted, kRequired);
    f.str("error", m.error, kOptional);
    f.str("unservable", m.unservable, kOptional);
  }
};

template <>
struct Schema<JobResult> {
  template <typename F, typename M>
  static void fields(F& f, M& m) {
    outcome_fields(f, m.outcome);
    f.str("study", m.study, kRequired);
    f.integer("attempts", m.attempts, kOptional);
  }
};

template <>
struct Schema<ResultAck> {
  template <typename F, typename M>
  static void fields(F& f, M& m) { f.id("job_id", m.job_id); }
};

template <>
struct Schema<Cancel> {
  template <typename F, typename M>
  static void fields(F& f, M& m) { f.id("job_id", m.job_id); }
};

template <>
struct Schema<Report> {
  template <typename F, typename M>
  static void fields(F& f, M& m) {
    f.id("job_id", m.job_id);
    f.integer("attempt", m.attempt, kRequired);
    f.integer("epoch", m.epoch, kRequired);
    f.integer("step", m.step, kRequired);
    f.number("loss", m.loss, kRequired);
    f.metrics("metrics", m.metrics);
  }
};

// DECISION (worker link) and TRIAL_DECISION (tuner link) carry the same fields.
template <typename F, typename M>
void decision_fields(F& f, M& m) {
  f.id("job_id", m.job_id);
  f.integer("attempt", m.attempt, kRequired);
  f.integer("step", m.step, kRequired);
  f.boolean("continue", m.go_on, kRequired);
}

template <>
struct Schema<Decision> {
  template <typename F, typename M>
  static void fields(F& f, M& m) { decision_fields(f, m); }
};

template <>
struct Schema<TrialReport> {
  template <typename F, typename M>
  static void fields(F& f, M& m) {
    f.id("job_id", m.job_id);
    f.integer("attempt", m.attempt, kRequired);
    f.integer("step", m.step, kRequired);
    f.number("loss", m.loss, kRequired);
    f.metrics("metrics", m.metrics);
    f.str("worker", m.worker, kOptional);
  }
};

template <>
struct Schema<TrialDecision> {
  template <typename F, typename M>
  static void fields(F& f, M& m) { decision_fields(f, m); }
};

template <>
struct Schema<JobStarted> {
  template <typename F, typename M>
  static void fields(F& f, M& m) {
    f.id("job_id", m.job_id);
    f.integer("attempt", m.attempt, kRequired);
    f.str("worker", m.worker, kOptional);
    f.integer("gpu", m.gpu, kOptional);
  }
};

// Counts the fields (msgpack maps are prefixed by their size).
struct FieldCounter {
  std::uint32_t count = 0;
  void id(const char*, const std::string&) { ++count; }
  void str(const char*, const std::string&, Presence) { ++count; }
  template <typename Int>
  void integer(const char*, const Int&, Presence) { ++count; }
  void number(const char*, const double&, Presence) { ++count; }
  void timeout(const char*, const double&) { ++count; }
  void boolean(const char*, const bool&, Presence) { ++count; }
  void strings(const char*, const std::vector<std::string>&) { ++count; }
  void params(const char*, const Params&) { ++count; }
  void metrics(const char*, const std::map<std::string, double>&) { ++count; }
  void steps(const char*, const std::vector<std::int64_t>&) { ++count; }
  void curve(const char*, const Curve&) { ++count; }
  void failure(const char*, const FailureClass&) { ++count; }
};

struct FieldPacker {
  Packer& pk;
  void key(const char* k) { pk.pack(std::string_view(k)); }
  void id(const char* k, const std::string& v) { key(k); pk.pack(v); }
  void str(const char* k, const std::string& v, Presence) { key(k); pk.pack(v); }
  template <typename Int>
  void integer(const char* k, const Int& v, Presence) { key(k); pk.pack(v); }
  void number(const char* k, const double& v, Presence) { key(k); pk.pack(v); }
  void timeout(const char* k, const double& v) { key(k); pk.pack(v); }
  void boolean(const char* k, const bool& v, Presence) { key(k); pk.pack(v); }
  void strings(const char* k, const std::vector<std::string>& v) { key(k); pk.pack(v); }
  void params(const char* k, const Params& v) {
    key(k);
    pk.pack_map(static_cast<std::uint32_t>(v.size()));
    for (const auto& [name, value] : v) {
      pk.pack(name);
      std::visit([this](const auto& x) { pk.pack(x); }, value);
    }
  }
  void metrics(const char* k, const std::map<std::string, double>& v) { key(k); pk.pack(v); }
  void steps(const char* k, const std::vector<std::int64_t>& v) { key(k); pk.pack(v); }
  void curve(const char* k, const Curve& v) {
    key(k);
    pk.pack_array(static_cast<std::uint32_t>(v.size()));
    for (const auto& [step, loss] : v) {
      pk.pack_array(2);
      pk.pack(step);
      pk.pack(loss);
    }
  }
  void failure(const char* k, const FailureClass& v) { key(k); pk.pack(static_cast<std::uint8_t>(v)); }
};

// Fills a message from a MapReader; absent optional fields keep the struct's defaults.
struct FieldReader {
  MapReader& r;
  static bool required(Presence p) { return p == kRequired; }
  void id(const char* k, std::string& v) { v = r.id(k); }
  void str(const char* k, std::string& v, Presence p) {
    if (required(p) || r.has(k)) v = r.str(k);
  }
  template <typename Int>
  void integer(const char* k, Int& v, Presence p) {
    if (required(p) || r.has(k)) v = r.template integer<Int>(k);
  }
  void number(const char* k, double& v, Presence p) {
    if (required(p) || r.has(k)) v = r.number(k);
  }
  void timeout(const char* k, double& v) { v = r.timeout(k); }
  void boolean(const char* k, bool& v, Presence p) {
    if (required(p) || r.has(k)) v = r.boolean(k);
  }
  void strings(const char* k, std::vector<std::string>& v) { v = r.strings(k); }
  void params(const char* k, Params& v) { v = r.params(k); }
  void metrics(const char* k, std::map<std::string, double>& v) { v = r.metrics(k); }
  void steps(const char* k, std::vector<std::int64_t>& v) { v = r.steps(k); }
  void curve(const char* k, Curve& v) { v = r.curve(k); }
  void failure(const char* k, FailureClass& v) {
    const auto code = r.template integer<std::uint8_t>(k);
    if (code > static_cast<std::uint8_t>(FailureClass::OutOfMemory)) r.set_error("field 'failure' is not a known failure class");
    v = static_cast<FailureClass>(code);
  }
};

// Checks across fields, after reading.
std::optional<std::string> check_outcome(const Outcome& o) {
  if (o.ok && !std::isfinite(o.loss)) return "field 'loss' must be finite when ok is true";
  if (o.ok != (o.failure == FailureClass::None)) return "fields 'ok' and 'failure' disagree";
  if (o.stopped_at < 0) return "field 'stopped_at' must not be negative";
  return std::nullopt;
}
template <typename M>
std::optional<std::string> check(const M&) { return std::nullopt; }
std::optional<std::string> check(const Result& m) { return check_outcome(m.outcome); }
std::optional<std::string> check(const JobResult& m) { return check_outcome(m.outcome); }
std::optional<std::string> check(const Job& m) {
  if (m.max_steps < 0) return "field 'max_steps' must not be negative";
  return std::nullopt;
}
std::optional<std::string> check(const Submit& m) {
  if (m.max_steps < 0) return "field 'max_steps' must not be negative";
  return std::nullopt;
}

// Each message type: its command byte, its link, and its position in the Message variant.
struct MessageInfo {
  MessageType type;
  Link link;
  const char* name;
};
constexpr MessageInfo kMessageTypes[] = {
    {MessageType::Ready, Link::Worker, "READY"},
    {MessageType::Job, Link::Worker, "JOB"},
    {MessageType::Result, Link::Worker, "RESULT"},
    {MessageType::Heartbeat, Link::Worker, "HEARTBEAT"},  // on both links
    {MessageType::Disconnect, Link::Worker, "DISCONNECT"},
    {MessageType::Submit, Link::Tuner, "SUBMIT"},
    {MessageType::SubmitAck, Link::Tuner, "SUBMIT_ACK"},
    {MessageType::JobResult, Link::Tuner, "JOB_RESULT"},
    {MessageType::ResultAck, Link::Tuner, "RESULT_ACK"},
    {MessageType::Cancel, Link::Tuner, "CANCEL"},
    {MessageType::Report, Link::Worker, "REPORT"},
    {MessageType::Decision, Link::Worker, "DECISION"},
    {MessageType::TrialReport, Link::Tuner, "TRIAL_REPORT"},
    {MessageType::TrialDecision, Link::Tuner, "TRIAL_DECISION"},
    {MessageType::JobStarted, Link::Tuner, "JOB_STARTED"},
};
static_assert(std::size(kMessageTypes) == std::variant_size_v<Message>);

const MessageInfo* info_of(std::uint8_t code) {
  for (const auto& info : kMessageTypes)
    if (static_cast<std::uint8_t>(info.type) == code) return &info;
  return nullptr;
}

bool belongs_on(const MessageInfo& info, Link link) { return info.link == link || info.type == MessageType::Heartbeat; }

template <std::size_t I = 0>
Message read_alternative(std::size_t index, MapReader& reader) {
  if constexpr (I < std::variant_size_v<Message>) {
    if (index != I) return read_alternative<I + 1>(index, reader);
    using M = std::variant_alternative_t<I, Message>;
    M message;
    FieldReader fields{reader};
    Schema<M>::fields(fields, message);
    if (!reader.error())
      if (auto problem = check(message)) reader.set_error(*problem);
    return message;
  } else {
    return Heartbeat{};
  }
}

Message decode_body(MessageType type, MapReader& r) {
  for (std::size_t i = 0; i < std::size(kMessageTypes); ++i)
    if (kMessageTypes[i].type == type) return read_alternative(i, r);
  return Heartbeat{};
}

}  // namespace

const char* to_string(FailureClass failure) {
  switch (failure) {
    case FailureClass::None: return "none";
    case FailureClass::Objective: return "objective";
    case FailureClass::Timeout: return "timeout";
    case FailureClass::Crashed: return "crashed";
    case FailureClass::Protocol: return "protocol";
    case FailureClass::WorkerLost: return "worker-lost";
    case FailureClass::Rejected: return "rejected";
    case FailureClass::Cancelled: return "cancelled";
    case FailureClass::OutOfMemory: return "out-of-memory";
  }
  return "unknown";
}

const char* to_string(MessageType type) {
  const MessageInfo* info = info_of(static_cast<std::uint8_t>(type));
  return info ? info->name : "UNKNOWN";
}

MessageType type_of(const Message& message) { return kMessageTypes[message.index()].type; }

std::vector<zmq::message_t> encode(Link link, const Message& message) {
  // Packed into a buffer kept per thread (the frame takes a copy): no allocation per message.
  static thread_local msgpack::sbuffer body;
  body.clear();
  Packer pk(body);
  std::visit(
      [&pk](const auto& m) {
        using M = std::decay_t<decltype(m)>;
        FieldCounter counter;
        Schema<M>::fields(counter, m);
        pk.pack_map(counter.count);
        FieldPacker packer{pk};
        Schema<M>::fields(packer, m);
      },
      message);
  std::vector<zmq::message_t> frames;
  frames.reserve(4);  // room for the identity a ROUTER puts in front
  const char* signature = link == Link::Worker ? kWorkerSignature : kTunerSignature;
  frames.emplace_back(signature, std::strlen(signature));
  const auto command = static_cast<std::uint8_t>(type_of(message));
  frames.emplace_back(&command, 1);
  frames.emplace_back(body.data(), body.size());
  if (body.size() > kKeptEncodeBuffer) body = msgpack::sbuffer();  // one huge body does not stay
  return frames;
}

Expected<Message, DecodeError> decode(Link link, const std::vector<zmq::message_t>& frames) {
  return decode(link, frames.data(), frames.size());
}

Expected<Message, DecodeError> decode(Link link, const zmq::message_t* frames, std::size_t count) {
  if (count != 3) return DecodeError{"expected 3 frames, got " + std::to_string(count)};
  const std::string_view expected = link == Link::Worker ? kWorkerSignature : kTunerSignature;
  const auto signature = frames[0].to_string_view();
  if (signature != expected) {
    if (signature.size() == 4 && signature.substr(0, 3) == expected.substr(0, 3))
      return DecodeError{"unsupported protocol version '" + std::string(signature) + "', expected '" +
                         std::string(expected) + "'"};
    return DecodeError{"bad signature (expected '" + std::string(expected) + "')"};
  }
  if (frames[1].size() != 1) return DecodeError{"command frame must be one byte"};
  const auto type = static_cast<MessageType>(*frames[1].data<std::uint8_t>());
  const MessageInfo* info = info_of(*frames[1].data<std::uint8_t>());
  if (!info || !belongs_on(*info, link))
    return DecodeError{"unknown command 0x" + fmt_hex(static_cast<unsigned>(*frames[1].data<std::uint8_t>())) + " on the " +
                       (link == Link::Worker ? "worker" : "tuner") + " link"};
  if (frames[2].size() > kMaxMessageBytes) return DecodeError{"body over " + std::to_string(kMaxMessageBytes) + " bytes"};
  try {
    ScratchZone zone;
    std::size_t offset = 0;
    const msgpack::object body =
        msgpack::unpack(zone.get(), frames[2].data<char>(), frames[2].size(), offset, refer_to_frame, nullptr, kLimits);
    if (offset != frames[2].size()) return DecodeError{std::string(to_string(type)) + ": trailing bytes after the body"};
    MapReader reader(body);
    Message message = reader.error() ? Message{Heartbeat{}} : decode_body(type, reader);
    if (reader.error()) return DecodeError{std::string(to_string(type)) + ": " + *reader.error()};
    return message;
  } catch (const std::bad_alloc&) {
    return DecodeError{std::string(to_string(type)) + ": body too large to unpack"};
  } catch (const std::exception& e) {
    return DecodeError{std::string(to_string(type)) + ": malformed msgpack (" + e.what() + ")"};
  }
}

std::string new_job_id() {
  static thread_local std::mt19937_64 rng{std::random_device{}() ^ (static_cast<std::uint64_t>(std::random_device{}()) << 32)};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(32, '0');
  for (int half = 0; half < 2; ++half) {
    std::uint64_t bits = rng();
    for (int i = 0; i < 16; ++i, bits >>= 4) id[static_cast<std::size_t>(half * 16 + i)] = kHex[bits & 0xF];
  }
  return id;
}

std::uint64_t new_epoch() {
  std::random_device rd;
  std::uint64_t epoch = 0;
  while (epoch == 0) epoch = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  return epoch;
}

}  // namespace quante::protocol
