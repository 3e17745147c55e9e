#include "socket_security.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

#include "rate_limit.hpp"
#include "zmq_util.hpp"

namespace quante {

namespace {

// Socket option 93: hidden behind ZMQ_BUILD_DRAFT_API in Debian's zmq.h, honoured by libzmq 4.3.
constexpr int kZapEnforceDomain = 93;
constexpr const char* kZapEndpoint = "inproc://zeromq.zap.01";
constexpr const char* kTunerDomain = "quante-tuner";
constexpr const char* kWorkerDomain = "quante-worker";

std::string trim(const std::string& text) {
  const auto begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return "";
  const auto end = text.find_last_not_of(" \t\r\n");
  return text.substr(begin, end - begin + 1);
}

// The non-comment, non-blank lines of a file, with their numbers. Throws naming the file.
std::vector<std::pair<int, std::string>> content_lines(const std::string& path, const std::string& what) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(what + " " + path + ": " + std::strerror(errno));
  std::vector<std::pair<int, std::string>> lines;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    // '#' starts a comment only at the start of a line: it is one of Z85's characters.
    line = trim(line);
    if (!line.empty() && line[0] != '#') lines.emplace_back(number, line);
  }
  return lines;
}

void set_curve_key(zmq::socket_t& socket, int option, const std::string& z85) {
  const auto binary = decode_key(z85);
  if (!binary) throw std::runtime_error("not a Z85 CURVE key");
  if (zmq_setsockopt(socket.handle(), option, binary->data(), binary->size()) != 0) throw zmq::error_t();
}

}  // namespace

const char* to_string(PeerRole role) { return role == PeerRole::Tuner ? "tuner" : "worker"; }

// ---- keys -----------------------------------------------------------------------------------

KeyPair generate_key_pair() {
  char public_key[41] = {};
  char secret_key[41] = {};
  if (zmq_curve_keypair(public_key, secret_key) != 0)
    throw std::runtime_error(std::string("zmq_curve_keypair: ") + zmq_strerror(zmq_errno()));
  return {public_key, secret_key};
}

std::optional<std::string> decode_key(const std::string& z85) {
  if (z85.size() != 40) return std::nullopt;
  std::string binary(32, '\0');
  if (!zmq_z85_decode(reinterpret_cast<std::uint8_t*>(binary.data()), z85.c_str())) return std::nullopt;
  return binary;
}

std::string encode_key(const std::string& binary32) {
  if (binary32.size() != 32) throw std::invalid_argument("a CURVE key has 32 bytes");
  char z85[41] = {};
  zmq_z85_encode(z85, reinterpret_cast<const std::uint8_t*>(binary32.data()), 32);
  return z85;
}

std::string public_key_of(const std::string& secret_z85) {
  if (!decode_key(secret_z85)) throw std::invalid_argument("not a Z85 CURVE key");
  char public_key[41] = {};
  if (zmq_curve_public(public_key, secret_z85.c_str()) != 0)
    throw std::invalid_argument(std::string("zmq_curve_public: ") + zmq_strerror(zmq_errno()));
  return public_key;
}

std::string resolve_key_path(const std::string& path) {
  if (path.empty() || path[0] == '/') return path;
  if (const char* credentials = std::getenv("CREDENTIALS_DIRECTORY"); credentials && *credentials)
    return std::string(credentials) + "/" + path;
  return path;
}

KeyPair read_secret_key_file(const std::string& given) {
  const std::string path = resolve_key_path(given);
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0)
    throw std::runtime_error("secret key file " + path + ": " + std::strerror(errno));
  if (!S_ISREG(info.st_mode)) throw std::runtime_error("secret key file " + path + " is not a regular file");
  // systemd's credential copies are 0400 plus an ACL entry for the service user, which shows up
  // as group bits (the ACL mask): there only "others" must have no access.
  const char* credentials = std::getenv("CREDENTIALS_DIRECTORY");
  const bool from_credentials = credentials && *credentials && path.rfind(std::string(credentials) + "/", 0) == 0;
  if (info.st_mode & (from_credentials ? S_IRWXO : (S_IRWXG | S_IRWXO))) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(info.st_mode & 07777));
    throw std::runtime_error("secret key file " + path + " has mode " + mode +
                             ": group or others may read it; refusing to use it (chmod 600 " + path + ")");
  }
  const auto lines = content_lines(path, "secret key file");
  if (lines.empty())
    throw std::runtime_error("secret key file " + path + " holds no key (under systemd: is the file that LoadCredential= "
                             "names missing?)");
  if (lines.size() != 1 || !decode_key(lines[0].second.substr(0, lines[0].second.find_first_of(" \t"))))
    throw std::runtime_error("secret key file " + path + " does not hold one Z85 secret key (as quante-keygen writes)");
  KeyPair keys;
  keys.secret_key = lines[0].second.substr(0, 40);
  keys.public_key = public_key_of(keys.secret_key);
  return keys;
}

std::string read_public_key_file(const std::string& given) {
  const std::string path = resolve_key_path(given);
  const auto lines = content_lines(path, "public key file");
  if (lines.size() != 1) throw std::runtime_error("public key file " + path + " must hold exactly one key");
  const std::string key = lines[0].second.substr(0, lines[0].second.find_first_of(" \t"));
  if (!decode_key(key))
    throw std::runtime_error("public key file " + path + " line " + std::to_string(lines[0].first) +
                             ": not a 40-character Z85 key");
  return key;
}

std::map<std::string, std::string> read_allow_list(const std::string& given) {
  const std::string path = resolve_key_path(given);
  std::map<std::string, std::string> keys;
  for (const auto& [number, line] : content_lines(path, "allow-list")) {
    const auto space = line.find_first_of(" \t");
    const std::string key = line.substr(0, space);
    if (!decode_key(key))
      throw std::runtime_error("allow-list " + path + " line " + std::to_string(number) +
                               ": not a 40-character Z85 public key");
    const std::string label = space == std::string::npos ? key : trim(line.substr(space));
    keys[key] = label;
  }
  return keys;
}

void write_key_pair(const std::string& directory, const std::string& name, const KeyPair& keys, bool force) {
  const std::string base = (directory.empty() ? std::string(".") : directory) + "/" + name;
  auto write = [&](const std::string& path, const std::string& text, mode_t mode) {
    const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (force ? O_TRUNC : O_EXCL);
    const int fd = ::open(path.c_str(), flags, mode);
    if (fd < 0) throw std::runtime_error(path + ": " + std::strerror(errno));
    // An existing file keeps its mode under O_TRUNC: set it again.
    if (::fchmod(fd, mode) != 0 || ::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size()) ||
        ::fsync(fd) != 0) {
      const int saved = errno;
      ::close(fd);
      throw std::runtime_error(path + ": " + std::strerror(saved));
    }
    ::close(fd);
  };
  write(base + ".key", keys.secret_key + "\n", 0600);
  write(base + ".pub", keys.public_key + "  " + name + "\n", 0644);
}

bool is_local_endpoint(const std::string& endpoint) {
  if (endpoint.rfind("ipc://", 0) == 0 || endpoint.rfind("inproc://", 0) == 0) return true;
  if (endpoint.rfind("tcp://", 0) != 0) return false;
  std::string host = endpoint.substr(6);
  // tcp://[::1]:5555, tcp://127.0.0.1:5555, tcp://localhost:5555; a source address before ';'
  // (connect syntax) is not used by the broker's binds.
  if (host.rfind('[', 0) == 0) {
    const auto close = host.find(']');
    if (close == std::string::npos) return false;
    host = host.substr(1, close - 1);
  } else {
    const auto colon = host.rfind(':');
    if (colon == std::string::npos) return false;
    host = host.substr(0, colon);
  }
  if (host == "localhost") return true;
  in_addr v4{};
  if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (::inet_pton(AF_INET6, host.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
  return false;
}

// ---- the server side -------------------------------------------------------------------------

struct ServerSecurityContext::Impl {
  zmq::context_t& context;
  ServerSecurity settings;
  KeyPair keys;
  std::map<std::string, std::string> tuner_keys;
  std::map<std::string, std::string> worker_keys;

  std::optional<zmq::socket_t> zap;
  std::thread thread;
  std::atomic<bool> stopping{false};
  std::atomic<std::uint64_t> refused{0};
  std::mutex monitors_mutex;
  std::vector<zmq::socket_t> new_monitors;  // handed to the thread, which owns them from then on
  int monitor_count = 0;
  RateLimit refusal_log{10};
  RateLimit handshake_log{5};

  Impl(zmq::context_t& c, ServerSecurity s) : context(c), settings(std::move(s)) {}

  void serve() {
    std::vector<zmq::socket_t> monitors;
    while (!stopping.load()) {
      {
        std::lock_guard lock(monitors_mutex);
        for (auto& m : new_monitors) monitors.push_back(std::move(m));
        new_monitors.clear();
      }
      std::vector<zmq::pollitem_t> items;
      items.push_back({zap->handle(), 0, ZMQ_POLLIN, 0});
      for (auto& m : monitors) items.push_back({m.handle(), 0, ZMQ_POLLIN, 0});
      try {
        zmq::poll(items.data(), items.size(), std::chrono::milliseconds(100));
        if (items[0].revents & ZMQ_POLLIN) answer_zap();
        for (std::size_t i = 1; i < items.size(); ++i)
          if (items[i].revents & ZMQ_POLLIN) read_monitor(monitors[i - 1]);
      } catch (const zmq::error_t& e) {
        if (e.num() == ETERM) break;
        spdlog::error("ZAP handler: {}", e.what());
      }
    }
    for (auto& m : monitors) {
      m.set(zmq::sockopt::linger, 0);
      m.close();
    }
  }

  void answer_zap() {
    auto received = try_recv(*zap);
    if (!received) return;
    std::vector<zmq::message_t>& request = *received;
    auto reply = [&](const std::string& code, const std::string& text, const std::string& user_id) {
      std::vector<zmq::message_t> frames;
      frames.emplace_back(std::string("1.0"));
      frames.emplace_back(request.size() > 1 ? request[1].to_string() : std::string());
      frames.emplace_back(code);
      frames.emplace_back(text);
      frames.emplace_back(user_id);
      frames.emplace_back();
      if (!try_send(*zap, frames)) spdlog::error("ZAP handler: could not answer a request");
    };
    // RFC 27: version, request id, domain, address, identity, mechanism, credentials...
    if (request.size() < 6 || request[0].to_string() != "1.0") {
      reply("500", "malformed ZAP request", "");
      return;
    }
    const std::string domain = request[2].to_string();
    const std::string address = request[3].to_string();
    const std::string mechanism = request[5].to_string();
    const bool tuner_side = domain == kTunerDomain;
    if ((!tuner_side && domain != kWorkerDomain) || mechanism != "CURVE" || request.size() != 7 ||
        request[6].size() != 32) {
      ++refused;
      if (refusal_log.allow())
        spdlog::warn("refused a connection from {} (domain '{}', mechanism {}): not a CURVE peer of this broker",
                     address, domain, mechanism);
      reply("400", "not allowed", "");
      return;
    }
    const std::string key = encode_key(request[6].to_string());
    const auto& allowed = tuner_side ? tuner_keys : worker_keys;
    const auto& other = tuner_side ? worker_keys : tuner_keys;
    const char* role = tuner_side ? "tuner" : "worker";
    if (auto it = allowed.find(key); it != allowed.end()) {
      spdlog::debug("admitted {} {} ({}) from {}", role, it->second, key, address);
      reply("200", "OK", std::string(role) + ":" + key);
      return;
    }
    ++refused;
    if (refusal_log.allow())
      spdlog::warn("refused a {} connection from {}: key {} is not in the {} allow-list{}", role, address, key, role,
                   other.count(key) ? fmt::format(" (it is the {} key '{}')", tuner_side ? "worker" : "tuner",
                                                  other.at(key))
                                    : "");
    reply("400", "key not allowed", "");
  }

  void read_monitor(zmq::socket_t& monitor) {
    auto received = try_recv(monitor);
    if (!received) return;
    std::vector<zmq::message_t>& event = *received;
    if (event.size() < 2 || event[0].size() < 6) return;
    std::uint16_t id = 0;
    std::uint32_t value = 0;
    std::memcpy(&id, event[0].data(), 2);
    std::memcpy(&value, static_cast<const char*>(event[0].data()) + 2, 4);
    const std::string endpoint = event[1].to_string();
    std::string why;
    if (id == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL) {
      why = value == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH ? "it does not speak CURVE (a plaintext peer?)"
            : value == ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC   ? "cryptographic error (wrong broker public key?)"
                                                               : fmt::format("protocol error {:#x}", value);
    } else if (id == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) {
      why = fmt::format("no detail (errno {})", value);
    } else {
      return;  // AUTH failures were logged, with the key, by the ZAP handler
    }
    if (handshake_log.allow()) spdlog::warn("refused a peer on {}: CURVE handshake failed: {}", endpoint, why);
  }
};

ServerSecurityContext::ServerSecurityContext(zmq::context_t& context, ServerSecurity settings)
    : impl_(std::make_unique<Impl>(context, std::move(settings))) {
  const ServerSecurity& s = impl_->settings;
  if (!s.curve()) {
    if (!s.tuner_keys_file.empty() || !s.worker_keys_file.empty())
      throw std::runtime_error("allow-lists are configured but no secret key file: set security.secret_key_file");
    return;
  }
  if (s.tuner_keys_file.empty()) throw std::runtime_error("CURVE needs security.tuner_keys_file (the tuners' public keys)");
  if (s.worker_keys_file.empty()) throw std::runtime_error("CURVE needs security.worker_keys_file (the workers' public keys)");
  impl_->keys = read_secret_key_file(s.secret_key_file);
  impl_->tuner_keys = read_allow_list(s.tuner_keys_file);
  impl_->worker_keys = read_allow_list(s.worker_keys_file);
  for (const auto& [key, label] : impl_->tuner_keys)
    if (impl_->worker_keys.count(key))
      throw std::runtime_error("key " + key + " is in both allow-lists; a peer has one role");
  if (impl_->tuner_keys.empty()) spdlog::warn("the tuner allow-list {} is empty: no tuner can connect", s.tuner_keys_file);
  if (impl_->worker_keys.empty()) spdlog::warn("the worker allow-list {} is empty: no worker can connect", s.worker_keys_file);
  impl_->zap.emplace(context, zmq::socket_type::rep);
  impl_->zap->set(zmq::sockopt::linger, 0);
  impl_->zap->bind(kZapEndpoint);  // throws EADDRINUSE if this context already has a handler
  impl_->thread = std::thread([impl = impl_.get()] { impl->serve(); });
  spdlog::info("CURVE on: broker public key {}, {} tuner and {} worker keys allowed", impl_->keys.public_key,
               impl_->tuner_keys.size(), impl_->worker_keys.size());
}

ServerSecurityContext::~ServerSecurityContext() {
  if (impl_->thread.joinable()) {
    impl_->stopping = true;
    impl_->thread.join();
  }
  if (impl_->zap) impl_->zap->close();
  for (auto& m : impl_->new_monitors) m.close();
}

bool ServerSecurityContext::curve() const { return impl_->settings.curve(); }
const std::string& ServerSecurityContext::public_key() const { return impl_->keys.public_key; }
std::uint64_t ServerSecurityContext::refused() const { return impl_->refused.load(); }

void ServerSecurityContext::apply(zmq::socket_t& socket, PeerRole role, const std::string& endpoint) {
  const ServerSecurity& s = impl_->settings;
  if (!s.curve()) {
    if (is_local_endpoint(endpoint)) return;
    if (!s.allow_plaintext_remote)
      throw std::runtime_error("refusing plaintext on " + endpoint +
                               ", which is not loopback or ipc: configure CURVE keys (security.secret_key_file, "
                               "see quante-keygen), bind to 127.0.0.1, or set security.allow_plaintext_remote = true");
    spdlog::warn("plaintext on {} ({}s): anyone who can reach it can {}", endpoint, to_string(role),
                 role == PeerRole::Tuner ? "submit jobs" : "take jobs and post results");
    return;
  }
  socket.set(zmq::sockopt::curve_server, 1);
  set_curve_key(socket, ZMQ_CURVE_SECRETKEY, impl_->keys.secret_key);
  socket.set(zmq::sockopt::zap_domain, role == PeerRole::Tuner ? kTunerDomain : kWorkerDomain);
  const int enforce = 1;
  if (zmq_setsockopt(socket.handle(), kZapEnforceDomain, &enforce, sizeof enforce) != 0)  // fail closed
    throw std::runtime_error(std::string("ZMQ_ZAP_ENFORCE_DOMAIN: ") + zmq_strerror(zmq_errno()));

  // Log failed handshakes (plaintext peers, wrong server key) from the ZAP thread.
  const std::string monitor_endpoint =
      fmt::format("inproc://quante-security-monitor-{}-{}", static_cast<const void*>(this), impl_->monitor_count++);
  if (zmq_socket_monitor(socket.handle(), monitor_endpoint.c_str(),
                         ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL) != 0)
    throw zmq::error_t();
  zmq::socket_t monitor(impl_->context, zmq::socket_type::pair);
  monitor.connect(monitor_endpoint);
  std::lock_guard lock(impl_->monitors_mutex);
  impl_->new_monitors.push_back(std::move(monitor));
}

// ---- the client side -------------------------------------------------------------------------

void apply_client_security(zmq::socket_t& socket, const ClientSecurity& settings) {
  if (!settings.curve()) {
    if (!settings.secret_key_file.empty())
      throw std::runtime_error("a secret key file is configured but not the broker's public key "
                               "(security.broker_public_key or security.broker_public_key_file)");
    return;
  }
  if (!settings.server_public_key.empty() && !settings.server_public_key_file.empty())
    throw std::runtime_error("give the broker's public key once: as a key or as a file, not both");
  const std::string server_key = settings.server_public_key.empty() ? read_public_key_file(settings.server_public_key_file)
                                                                    : settings.server_public_key;
  if (!decode_key(server_key)) throw std::runtime_error("the broker's public key is not a 40-character Z85 key");
  if (settings.secret_key_file.empty())
    throw std::runtime_error("CURVE needs this peer's own key pair (security.secret_key_file, see quante-keygen)");
  const KeyPair keys = read_secret_key_file(settings.secret_key_file);
  set_curve_key(socket, ZMQ_CURVE_SERVERKEY, server_key);
  set_curve_key(socket, ZMQ_CURVE_PUBLICKEY, keys.public_key);
  set_curve_key(socket, ZMQ_CURVE_SECRETKEY, keys.secret_key);
}

std::optional<std::string> user_id_of(zmq::message_t& message) {
  const char* value = zmq_msg_gets(message.handle(), "User-Id");
  if (!value || !*value) return std::nullopt;
  return std::string(value);
}

std::optional<PeerRole> role_of_user_id(const std::string& user_id) {
  if (user_id.rfind("tuner:", 0) == 0) return PeerRole::Tuner;
  if (user_id.rfind("worker:", 0) == 0) return PeerRole::Worker;
  return std::nullopt;
}

// ---- bindings ---------------------------------------------------------------------------------

bool PeerBindings::admit_identity(const std::string& identity, const std::string& user_id, Clock::time_point now) {
  auto [it, inserted] = identities_.try_emplace(identity, Seen{user_id, now});
  if (!inserted && it->second.user_id != user_id) return false;
  it->second.last = now;
  return true;
}

bool PeerBindings::claim_name(const std::string& name, const std::string& user_id) {
  auto [it, inserted] = names_.try_emplace(name, user_id);
  return inserted || it->second == user_id;
}

void PeerBindings::prune(Clock::time_point cutoff) {
  std::erase_if(identities_, [&](const auto& entry) { return entry.second.last < cutoff; });
}

}  // namespace quante
