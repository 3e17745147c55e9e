#include "protocol.hpp"

#include <cmath>
#include <cstring>
#include <random>
#include <set>

#include <msgpack.hpp>

namespace quante::protocol {

namespace {

// Limits from RELIABILITY.md (the OSS-Fuzz msgpack-c target's): array 10k, map 1k,
// str 64 KiB, bin 512 KiB, ext 512 KiB, depth 16.
const msgpack::unpack_limit kLimits(10000, 1000, 64 * 1024, 512 * 1024, 512 * 1024, 16);
constexpr std::size_t kKeptEncodeBuffer = 64 * 1024;
constexpr double kMaxTimeoutSeconds = 30 * 86400.0;  // as the worker config's longest timeout

const std::set<MessageType> kWorkerLinkTypes = {MessageType::Ready, MessageType::Job, MessageType::Result,
                                                MessageType::Heartbeat, MessageType::Disconnect};
const std::set<MessageType> kTunerLinkTypes = {MessageType::Submit, MessageType::SubmitAck, MessageType::JobResult,
                                               MessageType::ResultAck, MessageType::Heartbeat, MessageType::Cancel};

using Packer = msgpack::packer<msgpack::sbuffer>;

std::string fmt_hex(unsigned byte) {
  static constexpr char kHex[] = "0123456789abcdef";
  return {kHex[(byte >> 4) & 0xF], kHex[byte & 0xF]};
}

void pack_key(Packer& pk, const char* key) { pk.pack(std::string_view(key)); }

void pack_params(Packer& pk, const Params& params) {
  pk.pack_map(static_cast<std::uint32_t>(params.size()));
  for (const auto& [name, value] : params) {
    pk.pack(name);
    std::visit([&pk](const auto& v) { pk.pack(v); }, value);
  }
}

void pack_outcome_fields(Packer& pk, const Outcome& o) {
  pack_key(pk, "job_id"); pk.pack(o.job_id);
  pack_key(pk, "ok"); pk.pack(o.ok);
  pack_key(pk, "loss"); pk.pack(o.loss);
  pack_key(pk, "error"); pk.pack(o.error);
  pack_key(pk, "failure"); pk.pack(static_cast<std::uint8_t>(o.failure));
  pack_key(pk, "started_at"); pk.pack(o.started_at);
  pack_key(pk, "finished_at"); pk.pack(o.finished_at);
  pack_key(pk, "metrics"); pk.pack(o.metrics);
  pack_key(pk, "worker"); pk.pack(o.worker);
}
constexpr std::uint32_t kOutcomeFields = 9;

struct BodyPacker {
  Packer& pk;
  void operator()(const Ready& m) const {
    pk.pack_map(7);
    pack_key(pk, "name"); pk.pack(m.name);
    pack_key(pk, "host"); pk.pack(m.host);
    pack_key(pk, "gpu"); pk.pack(m.gpu);
    pack_key(pk, "device"); pk.pack(m.device);
    pack_key(pk, "pid"); pk.pack(m.pid);
    pack_key(pk, "objectives"); pk.pack(m.objectives);
    pack_key(pk, "running_job"); pk.pack(m.running_job);
  }
  void operator()(const Job& m) const {
    pk.pack_map(7);
    pack_key(pk, "job_id"); pk.pack(m.job_id);
    pack_key(pk, "study"); pk.pack(m.study);
    pack_key(pk, "objective"); pk.pack(m.objective);
    pack_key(pk, "params"); pack_params(pk, m.params);
    pack_key(pk, "attempt"); pk.pack(m.attempt);
    pack_key(pk, "epoch"); pk.pack(m.epoch);
    pack_key(pk, "timeout_s"); pk.pack(m.timeout_s);
  }
  void operator()(const Result& m) const {
    pk.pack_map(kOutcomeFields + 2);
    pack_outcome_fields(pk, m.outcome);
    pack_key(pk, "attempt"); pk.pack(m.attempt);
    pack_key(pk, "epoch"); pk.pack(m.epoch);
  }
  void operator()(const Heartbeat& m) const {
    pk.pack_map(4);
    pack_key(pk, "epoch"); pk.pack(m.epoch);
    pack_key(pk, "job_id"); pk.pack(m.job_id);
    pack_key(pk, "workers"); pk.pack(m.workers);
    pack_key(pk, "queued"); pk.pack(m.queued);
  }
  void operator()(const Disconnect& m) const {
    pk.pack_map(2);
    pack_key(pk, "reason"); pk.pack(m.reason);
    pack_key(pk, "job_id"); pk.pack(m.job_id);
  }
  void operator()(const Submit& m) const {
    pk.pack_map(6);
    pack_key(pk, "job_id"); pk.pack(m.job_id);
    pack_key(pk, "study"); pk.pack(m.study);
    pack_key(pk, "objective"); pk.pack(m.objective);
    pack_key(pk, "params"); pack_params(pk, m.params);
    pack_key(pk, "timeout_s"); pk.pack(m.timeout_s);
    pack_key(pk, "max_attempts"); pk.pack(m.max_attempts);
  }
  void operator()(const SubmitAck& m) const {
    pk.pack_map(4);
    pack_key(pk, "job_id"); pk.pack(m.job_id);
    pack_key(pk, "epoch"); pk.pack(m.epoch);
    pack_key(pk, "accepted"); pk.pack(m.accepted);
    pack_key(pk, "error"); pk.pack(m.error);
  }
  void operator()(const JobResult& m) const {
    pk.pack_map(kOutcomeFields + 2);
    pack_outcome_fields(pk, m.outcome);
    pack_key(pk, "study"); pk.pack(m.study);
    pack_key(pk, "attempts"); pk.pack(m.attempts);
  }
  void operator()(const ResultAck& m) const {
    pk.pack_map(1);
    pack_key(pk, "job_id"); pk.pack(m.job_id);
  }
  void operator()(const Cancel& m) const {
    pk.pack_map(1);
    pack_key(pk, "job_id"); pk.pack(m.job_id);
  }
};

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
  bool boolean(const char* key) {
    const msgpack::object* o = field(key, true);
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
  Outcome outcome() {
    Outcome o;
    o.job_id = id("job_id");
    o.ok = boolean("ok");
    o.loss = number("loss");
    o.error = str("error");
    const auto failure = integer<std::uint8_t>("failure");
    if (!error_ && failure > static_cast<std::uint8_t>(FailureClass::Cancelled)) error_ = "field 'failure' is not a known failure class";
    o.failure = static_cast<FailureClass>(failure);
    o.started_at = number("started_at");
    o.finished_at = number("finished_at");
    o.metrics = metrics("metrics");
    o.worker = str("worker", false);
    if (!error_ && o.ok && !std::isfinite(o.loss)) error_ = "field 'loss' must be finite when ok is true";
    if (!error_ && o.ok != (o.failure == FailureClass::None)) error_ = "fields 'ok' and 'failure' disagree";
    return o;
  }

 private:
  const msgpack::object* field(const char* key, bool required) {
    if (error_) return nullptr;
    const std::string_view wanted(key);
    // The first of repeated keys counts.
    for (std::uint32_t i = 0; i < map_.size; ++i) {
      const auto& kv = map_.ptr[i];
      if (std::string_view(kv.key.via.str.ptr, kv.key.via.str.size) == wanted) return &kv.val;
    }
    if (required) error_ = std::string("missing field '") + key + "'";
    return nullptr;
  }
  template <typename T>
  T fail(const char* key, const char* expected) {
    if (!error_) error_ = std::string("field '") + key + "' must be " + expected;
    return T{};
  }

  msgpack::object_map map_{0, nullptr};
  std::optional<std::string> error_;
};

Message decode_body(MessageType type, MapReader& r) {
  switch (type) {
    case MessageType::Ready: {
      Ready m;
      m.name = r.id("name");
      m.host = r.str("host");
      m.gpu = r.integer<std::int64_t>("gpu");
      m.device = r.str("device", false);  // optional: older workers do not send it
      m.pid = r.integer<std::int64_t>("pid");
      m.objectives = r.strings("objectives");
      m.running_job = r.str("running_job", false);
      return m;
    }
    case MessageType::Job: {
      Job m;
      m.job_id = r.id("job_id");
      m.study = r.str("study");
      m.objective = r.id("objective");
      m.params = r.params("params");
      m.attempt = r.integer<std::uint32_t>("attempt");
      m.epoch = r.integer<std::uint64_t>("epoch");
      m.timeout_s = r.timeout("timeout_s");
      return m;
    }
    case MessageType::Result: {
      Result m;
      m.outcome = r.outcome();
      m.attempt = r.integer<std::uint32_t>("attempt");
      m.epoch = r.integer<std::uint64_t>("epoch");
      return m;
    }
    case MessageType::Heartbeat: {
      Heartbeat m;
      m.epoch = r.integer<std::uint64_t>("epoch", false);
      m.job_id = r.str("job_id", false);
      m.workers = r.integer<std::uint32_t>("workers", false);
      m.queued = r.integer<std::uint32_t>("queued", false);
      return m;
    }
    case MessageType::Disconnect: {
      Disconnect m;
      m.reason = r.str("reason", false);
      m.job_id = r.str("job_id", false);
      return m;
    }
    case MessageType::Submit: {
      Submit m;
      m.job_id = r.id("job_id");
      m.study = r.id("study");
      m.objective = r.id("objective");
      m.params = r.params("params");
      m.timeout_s = r.timeout("timeout_s");
      m.max_attempts = r.integer<std::uint32_t>("max_attempts", false);
      return m;
    }
    case MessageType::SubmitAck: {
      SubmitAck m;
      m.job_id = r.id("job_id");
      m.epoch = r.integer<std::uint64_t>("epoch");
      m.accepted = r.boolean("accepted");
      m.error = r.str("error", false);
      return m;
    }
    case MessageType::JobResult: {
      JobResult m;
      m.outcome = r.outcome();
      m.study = r.str("study");
      m.attempts = r.integer<std::uint32_t>("attempts", false);
      return m;
    }
    case MessageType::ResultAck: return ResultAck{r.id("job_id")};
    case MessageType::Cancel: return Cancel{r.id("job_id")};
  }
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
  }
  return "unknown";
}

const char* to_string(MessageType type) {
  switch (type) {
    case MessageType::Ready: return "READY";
    case MessageType::Job: return "JOB";
    case MessageType::Result: return "RESULT";
    case MessageType::Heartbeat: return "HEARTBEAT";
    case MessageType::Disconnect: return "DISCONNECT";
    case MessageType::Submit: return "SUBMIT";
    case MessageType::SubmitAck: return "SUBMIT_ACK";
    case MessageType::JobResult: return "JOB_RESULT";
    case MessageType::ResultAck: return "RESULT_ACK";
    case MessageType::Cancel: return "CANCEL";
  }
  return "UNKNOWN";
}

MessageType type_of(const Message& message) {
  static constexpr MessageType kTypes[] = {MessageType::Ready,     MessageType::Job,       MessageType::Result,
                                           MessageType::Heartbeat, MessageType::Disconnect, MessageType::Submit,
                                           MessageType::SubmitAck, MessageType::JobResult, MessageType::ResultAck,
                                           MessageType::Cancel};
  return kTypes[message.index()];
}

std::vector<zmq::message_t> encode(Link link, const Message& message) {
  // Packed into a buffer kept per thread (the frame takes a copy): no allocation per message.
  static thread_local msgpack::sbuffer body;
  body.clear();
  Packer pk(body);
  std::visit(BodyPacker{pk}, message);
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

std::variant<Message, DecodeError> decode(Link link, const std::vector<zmq::message_t>& frames) {
  return decode(link, frames.data(), frames.size());
}

std::variant<Message, DecodeError> decode(Link link, const zmq::message_t* frames, std::size_t count) {
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
  const auto& allowed = link == Link::Worker ? kWorkerLinkTypes : kTunerLinkTypes;
  if (!allowed.count(type))
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
