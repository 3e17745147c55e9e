// CURVE pieces in one process: keys and key files, the endpoint rule for plaintext, the ZAP
// handler admitting allow-listed keys per role (and logging the rest), failing closed without a
// handler, and the bindings that keep one key from speaking for another.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <cstdlib>

#include "process.hpp"
#include "socket_security.hpp"
#include "zmq_util.hpp"

using namespace quante;
using namespace quante::test;
using namespace std::chrono_literals;

namespace {

struct Peer {
  KeyPair keys = generate_key_pair();
  std::string key_file;
};

Peer make_peer(const TempDir& dir, const std::string& name) {
  Peer p;
  write_key_pair(dir.path(), name, p.keys, false);
  p.key_file = dir.file(name + ".key");
  return p;
}

// A DEALER that sends one frame and reports whether a ROUTER got it within the deadline.
bool delivered(zmq::context_t& ctx, zmq::socket_t& router, const std::string& endpoint, const ClientSecurity& security,
               std::string* user_id = nullptr) {
  zmq::socket_t dealer(ctx, zmq::socket_type::dealer);
  dealer.set(zmq::sockopt::linger, 0);
  apply_client_security(dealer, security);
  dealer.connect(endpoint);
  dealer.send(zmq::str_buffer("hello"), zmq::send_flags::dontwait);
  std::optional<std::vector<zmq::message_t>> got;
  // A refused handshake never delivers: the deadline is the only way to say "nothing came".
  wait_until([&] { return (got = try_recv(router)).has_value(); }, 1500ms);
  if (got && user_id && got->size() == 2) *user_id = user_id_of((*got)[1]).value_or("");
  return got.has_value();
}

}  // namespace

TEST_CASE("keys: generate, encode, derive, refuse garbage", "[security]") {
  const auto keys = generate_key_pair();
  CHECK(keys.public_key.size() == 40);
  CHECK(public_key_of(keys.secret_key) == keys.public_key);
  REQUIRE(decode_key(keys.public_key));
  CHECK(encode_key(*decode_key(keys.public_key)) == keys.public_key);
  CHECK_FALSE(decode_key("short"));
  CHECK_FALSE(decode_key(std::string(40, ' ')));
  CHECK_THROWS(public_key_of("not a key"));
}

TEST_CASE("key files: 0600 secret, public file, refusal of a readable secret", "[security]") {
  TempDir dir;
  const auto keys = generate_key_pair();
  write_key_pair(dir.path(), "w1", keys, false);
  struct stat info {};
  REQUIRE(::stat(dir.file("w1.key").c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
  CHECK(read_secret_key_file(dir.file("w1.key")).public_key == keys.public_key);
  CHECK(read_public_key_file(dir.file("w1.pub")) == keys.public_key);
  CHECK_THROWS_WITH(write_key_pair(dir.path(), "w1", keys, false), Catch::Contains("w1.key"));  // no overwrite

  ::chmod(dir.file("w1.key").c_str(), 0640);
  CHECK_THROWS_WITH(read_secret_key_file(dir.file("w1.key")), Catch::Contains("group or others may read it"));
  ::chmod(dir.file("w1.key").c_str(), 0604);
  CHECK_THROWS_WITH(read_secret_key_file(dir.file("w1.key")), Catch::Contains("mode 0604"));
  write_key_pair(dir.path(), "w1", keys, true);  // --force rewrites with mode 0600 again
  CHECK_NOTHROW(read_secret_key_file(dir.file("w1.key")));

  write_file(dir.file("garbage.key"), "hello\n");
  ::chmod(dir.file("garbage.key").c_str(), 0600);
  CHECK_THROWS_WITH(read_secret_key_file(dir.file("garbage.key")), Catch::Contains("does not hold one Z85 secret key"));
  CHECK_THROWS_WITH(read_secret_key_file(dir.file("absent.key")), Catch::Contains("absent.key"));
}

TEST_CASE("key files: relative names come from $CREDENTIALS_DIRECTORY", "[security]") {
  TempDir dir;
  const auto keys = generate_key_pair();
  write_key_pair(dir.path(), "worker", keys, false);
  // systemd's copies are 0400 plus an ACL for the service user (group bits = the ACL mask).
  ::chmod(dir.file("worker.key").c_str(), 0440);
  ::setenv("CREDENTIALS_DIRECTORY", dir.path().c_str(), 1);
  CHECK(resolve_key_path("worker.key") == dir.file("worker.key"));
  CHECK(resolve_key_path("/etc/x.key") == "/etc/x.key");
  CHECK(read_secret_key_file("worker.key").public_key == keys.public_key);
  ::chmod(dir.file("worker.key").c_str(), 0444);
  CHECK_THROWS(read_secret_key_file("worker.key"));
  write_file(dir.file("empty.key"), "# missing /etc/quante/keys/worker.key\n");
  ::chmod(dir.file("empty.key").c_str(), 0400);
  CHECK_THROWS_WITH(read_secret_key_file("empty.key"), Catch::Contains("holds no key"));
  ::unsetenv("CREDENTIALS_DIRECTORY");
}

TEST_CASE("allow-lists: keys with labels, comments, errors with line numbers", "[security]") {
  TempDir dir;
  const auto a = generate_key_pair(), b = generate_key_pair();
  write_file(dir.file("ok.allow"), "# workers\n" + a.public_key + "  host-a/gpu0\n\n" + b.public_key + "\n");
  const auto keys = read_allow_list(dir.file("ok.allow"));
  REQUIRE(keys.size() == 2);
  CHECK(keys.at(a.public_key) == "host-a/gpu0");
  CHECK(keys.at(b.public_key) == b.public_key);
  write_file(dir.file("bad.allow"), a.public_key + "\nnot-a-key\n");
  CHECK_THROWS_WITH(read_allow_list(dir.file("bad.allow")), Catch::Contains("line 2"));
}

TEST_CASE("plaintext only on loopback or ipc unless said in so many words", "[security]") {
  CHECK(is_local_endpoint("ipc:///tmp/x"));
  CHECK(is_local_endpoint("inproc://x"));
  CHECK(is_local_endpoint("tcp://127.0.0.1:5555"));
  CHECK(is_local_endpoint("tcp://127.1.2.3:*"));
  CHECK(is_local_endpoint("tcp://[::1]:5555"));
  CHECK(is_local_endpoint("tcp://localhost:5555"));
  CHECK_FALSE(is_local_endpoint("tcp://*:5555"));
  CHECK_FALSE(is_local_endpoint("tcp://0.0.0.0:5555"));
  CHECK_FALSE(is_local_endpoint("tcp://10.0.0.1:5555"));
  CHECK_FALSE(is_local_endpoint("tcp://eth0:5555"));

  zmq::context_t ctx(1);
  zmq::socket_t socket(ctx, zmq::socket_type::router);
  ServerSecurityContext plain(ctx, ServerSecurity{});
  CHECK_NOTHROW(plain.apply(socket, PeerRole::Worker, "tcp://127.0.0.1:5556"));
  CHECK_THROWS_WITH(plain.apply(socket, PeerRole::Worker, "tcp://*:5556"), Catch::Contains("refusing plaintext on tcp://*:5556"));
  ServerSecurity allow;
  allow.allow_plaintext_remote = true;
  ServerSecurityContext allowed(ctx, allow);
  CHECK_NOTHROW(allowed.apply(socket, PeerRole::Worker, "tcp://*:5556"));
}

TEST_CASE("the ZAP handler admits allow-listed keys per role and refuses the rest", "[security]") {
  TempDir dir;
  const Peer broker = make_peer(dir, "broker"), tuner = make_peer(dir, "tuner"), worker = make_peer(dir, "worker"),
             stranger = make_peer(dir, "stranger");
  write_file(dir.file("tuners.allow"), tuner.keys.public_key + " tuner-1\n");
  write_file(dir.file("workers.allow"), worker.keys.public_key + " host-a/gpu0\n");
  ServerSecurity settings{broker.key_file, dir.file("tuners.allow"), dir.file("workers.allow"), false};

  zmq::context_t ctx(1);
  ServerSecurityContext security(ctx, settings);
  REQUIRE(security.curve());
  CHECK(security.public_key() == broker.keys.public_key);
  zmq::socket_t frontend(ctx, zmq::socket_type::router), backend(ctx, zmq::socket_type::router);
  security.apply(frontend, PeerRole::Tuner, "tcp://*:0");
  security.apply(backend, PeerRole::Worker, "tcp://*:0");
  frontend.bind("tcp://127.0.0.1:*");
  backend.bind("tcp://127.0.0.1:*");
  const std::string fe = last_endpoint(frontend), be = last_endpoint(backend);
  auto as = [&](const Peer& p) { return ClientSecurity{broker.keys.public_key, "", p.key_file}; };

  std::string user;
  CHECK(delivered(ctx, backend, be, as(worker), &user));
  CHECK(user == "worker:" + worker.keys.public_key);
  CHECK(role_of_user_id(user) == PeerRole::Worker);
  CHECK(delivered(ctx, frontend, fe, as(tuner), &user));
  CHECK(user == "tuner:" + tuner.keys.public_key);

  const auto refused_before = security.refused();
  CHECK_FALSE(delivered(ctx, backend, be, as(stranger)));   // unknown key
  CHECK_FALSE(delivered(ctx, frontend, fe, as(worker)));    // a worker key cannot act as a tuner
  CHECK_FALSE(delivered(ctx, backend, be, as(tuner)));      // nor a tuner key as a worker
  CHECK_FALSE(delivered(ctx, backend, be, ClientSecurity{})); // plaintext
  ClientSecurity wrong_server = as(worker);
  wrong_server.server_public_key = stranger.keys.public_key;
  CHECK_FALSE(delivered(ctx, backend, be, wrong_server));
  CHECK(security.refused() >= refused_before + 3);
  frontend.close();
  backend.close();
}

TEST_CASE("a CURVE server with ZAP_ENFORCE_DOMAIN and no handler fails closed", "[security]") {
  // The platform fact the broker relies on (RELIABILITY.md): without option 93 a CURVE server
  // with no ZAP handler admits any key.
  TempDir dir;
  const Peer server = make_peer(dir, "server"), client = make_peer(dir, "client");
  zmq::context_t ctx(1);
  zmq::socket_t router(ctx, zmq::socket_type::router);
  router.set(zmq::sockopt::curve_server, 1);
  router.set(zmq::sockopt::curve_secretkey, server.keys.secret_key);
  router.set(zmq::sockopt::zap_domain, "quante-worker");
  const int one = 1;
  REQUIRE(zmq_setsockopt(router.handle(), 93, &one, sizeof one) == 0);
  router.bind("tcp://127.0.0.1:*");
  CHECK_FALSE(delivered(ctx, router, last_endpoint(router), ClientSecurity{server.keys.public_key, "", client.key_file}));
}

TEST_CASE("broken settings stop the server and the client at start", "[security]") {
  TempDir dir;
  const Peer broker = make_peer(dir, "broker");
  write_file(dir.file("empty.allow"), "");
  zmq::context_t ctx(1);
  CHECK_THROWS_WITH(ServerSecurityContext(ctx, ServerSecurity{broker.key_file, "", dir.file("empty.allow"), false}),
                    Catch::Contains("tuner_keys_file"));
  CHECK_THROWS_WITH(ServerSecurityContext(ctx, ServerSecurity{"", dir.file("empty.allow"), "", false}),
                    Catch::Contains("secret_key_file"));
  write_file(dir.file("both.allow"), broker.keys.public_key + "\n");
  CHECK_THROWS_WITH(ServerSecurityContext(ctx, ServerSecurity{broker.key_file, dir.file("both.allow"), dir.file("both.allow"), false}),
                    Catch::Contains("both allow-lists"));
  ::chmod(broker.key_file.c_str(), 0644);
  CHECK_THROWS_WITH(ServerSecurityContext(ctx, ServerSecurity{broker.key_file, dir.file("empty.allow"), dir.file("empty.allow"), false}),
                    Catch::Contains("group or others may read it"));

  zmq::socket_t dealer(ctx, zmq::socket_type::dealer);
  CHECK_THROWS_WITH(apply_client_security(dealer, ClientSecurity{"", "", broker.key_file}), Catch::Contains("public key"));
  CHECK_THROWS_WITH(apply_client_security(dealer, ClientSecurity{broker.keys.public_key, "", ""}),
                    Catch::Contains("secret_key_file"));
  CHECK_THROWS_WITH(apply_client_security(dealer, ClientSecurity{broker.keys.public_key, "", broker.key_file}),
                    Catch::Contains("group or others"));
}

TEST_CASE("peer bindings: an identity keeps its key, a worker name belongs to the first key", "[security]") {
  PeerBindings b;
  const auto t0 = PeerBindings::Clock::time_point{} + 1h;
  CHECK(b.admit_identity("id-1", "worker:A", t0));
  CHECK(b.admit_identity("id-1", "worker:A", t0 + 1s));
  CHECK_FALSE(b.admit_identity("id-1", "worker:B", t0 + 2s));
  CHECK(b.claim_name("host-a/gpu0", "worker:A"));
  CHECK(b.claim_name("host-a/gpu0", "worker:A"));
  CHECK_FALSE(b.claim_name("host-a/gpu0", "worker:B"));
  CHECK(b.claim_name("host-b/gpu0", "worker:B"));
  CHECK(b.admit_identity("id-2", "worker:B", t0 + 10s));
  b.prune(t0 + 5s);  // id-1 last seen at t0 + 1 s
  CHECK(b.size() == 1);
  CHECK(b.admit_identity("id-1", "worker:B", t0 + 11s));
}
