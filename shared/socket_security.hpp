// Transport security of the farm's sockets. Plaintext unless CURVE keys are configured: the
// broker is a CURVE server whose ZAP handler admits only allow-listed public keys, the frontend
// for tuners and the backend for workers (the role comes from the allow-list, never from a
// message); workers and tuners are CURVE clients that know the broker's public key.
//
// Keys are ZeroMQ's Z85 text (40 characters for 32 bytes), as `quante-keygen` writes them:
//   NAME.key  the secret key, one line (mode 0600; a file that group or others may read is
//             refused, as ssh refuses a private key that others can read)
//   NAME.pub  the public key, one line, safe to copy to the broker's allow-list
// An allow-list holds one public key a line, optionally followed by a label for the logs
// ("KEY  host-a/gpu0"); a line starting with '#' is a comment ('#' is also a Z85 character, so
// only a whole line can be one).
//
// A relative key path is looked up in $CREDENTIALS_DIRECTORY when that is set (systemd's
// LoadCredential=), so units name credentials and never the files behind them.
//
// Plaintext is refused on any endpoint other than ipc://, inproc:// and loopback tcp:// unless
// ServerSecurity::allow_plaintext_remote says so in so many words.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <zmq.hpp>

namespace quante {

struct ServerSecurity {
  std::string secret_key_file;      // the broker's key pair; empty: plaintext
  std::string tuner_keys_file;      // allow-list of tuner public keys, one Z85 key a line
  std::string worker_keys_file;     // allow-list of worker public keys
  bool allow_plaintext_remote = false;  // plaintext on a non-loopback endpoint, said in so many words
  bool curve() const { return !secret_key_file.empty(); }
};

struct ClientSecurity {
  std::string server_public_key;       // Z85; empty (and no file): plaintext
  std::string server_public_key_file;  // or the broker's NAME.pub
  std::string secret_key_file;         // this peer's key pair
  bool curve() const { return !server_public_key.empty() || !server_public_key_file.empty(); }
};

enum class PeerRole { Tuner, Worker };
const char* to_string(PeerRole role);

// ---- keys -----------------------------------------------------------------------------------

struct KeyPair {
  std::string public_key;  // Z85
  std::string secret_key;  // Z85
};

KeyPair generate_key_pair();
// The 32 bytes behind a 40-character Z85 key; nullopt when `z85` is not one.
std::optional<std::string> decode_key(const std::string& z85);
std::string encode_key(const std::string& binary32);
// The public key of a secret key (both Z85). Throws std::invalid_argument for a bad key.
std::string public_key_of(const std::string& secret_z85);

// A relative path is taken from $CREDENTIALS_DIRECTORY when that is set.
std::string resolve_key_path(const std::string& path);
// Reads a secret key file (path resolved as above). Throws std::runtime_error when it is missing,
// readable by group or others, or holds no valid key; the message names the file.
KeyPair read_secret_key_file(const std::string& path);
// Reads a one-key file (NAME.pub). Throws std::runtime_error naming the file and line.
std::string read_public_key_file(const std::string& path);
// Public key -> label (the label is the key itself when the line has none). Throws
// std::runtime_error naming the file and line of a bad entry.
std::map<std::string, std::string> read_allow_list(const std::string& path);
// Writes DIR/NAME.key (0600) and DIR/NAME.pub (0644); refuses to overwrite unless `force`.
// Throws std::runtime_error with the system's reason.
void write_key_pair(const std::string& directory, const std::string& name, const KeyPair& keys, bool force);

// ipc://, inproc://, tcp:// on 127.0.0.0/8, ::1 or localhost.
bool is_local_endpoint(const std::string& endpoint);

// ---- sockets --------------------------------------------------------------------------------

// Owns what a secured server needs for as long as its sockets live: the ZAP handler thread,
// which admits allow-listed keys per role and logs each refusal with the key, and socket monitors
// that log failed handshakes (a plaintext peer, a peer with the wrong server key).
// Destroy it before the context (declare it after the context, before the sockets).
class ServerSecurityContext {
 public:
  ServerSecurityContext(zmq::context_t& context, ServerSecurity settings);
  ~ServerSecurityContext();
  ServerSecurityContext(const ServerSecurityContext&) = delete;
  ServerSecurityContext& operator=(const ServerSecurityContext&) = delete;
  // Sets up `socket` (before bind) to serve peers of `role` at `endpoint`. Throws
  // std::runtime_error when the settings are unsafe or broken (for example plaintext on a
  // public endpoint, or a secret key file readable by others).
  void apply(zmq::socket_t& socket, PeerRole role, const std::string& endpoint);
  bool curve() const;
  const std::string& public_key() const;  // Z85; empty in plaintext
  // How many connections the ZAP handler refused so far (tests, stats).
  std::uint64_t refused() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Sets up a DEALER (before connect). Throws std::runtime_error for broken settings.
void apply_client_security(zmq::socket_t& socket, const ClientSecurity& settings);

// The ZAP user id a CURVE server gave the sender of `message` ("worker:KEY" or "tuner:KEY"),
// nullopt on plaintext sockets.
std::optional<std::string> user_id_of(zmq::message_t& message);
// The role a ZAP user id stands for; nullopt for anything else.
std::optional<PeerRole> role_of_user_id(const std::string& user_id);

// Binds what a peer says about itself to the key that authenticated it, so that one key cannot
// speak for another: a ROUTER identity keeps the user id it first came with, and a worker name
// belongs to the first key that registered it (a worker key cannot take over another key's
// worker and its lease). Entries of identities unseen for a while are pruned.
class PeerBindings {
 public:
  using Clock = std::chrono::steady_clock;
  // True when `identity` may speak as `user_id` (and remembers the pair).
  bool admit_identity(const std::string& identity, const std::string& user_id, Clock::time_point now);
  // True when `user_id` may use the worker name `name` (the first to claim it owns it).
  bool claim_name(const std::string& name, const std::string& user_id);
  void prune(Clock::time_point cutoff);
  std::size_t size() const { return identities_.size(); }

 private:
  struct Seen {
    std::string user_id;
    Clock::time_point last;
  };
  std::map<std::string, Seen> identities_;
  std::map<std::string, std::string> names_;
};

}  // namespace quante
