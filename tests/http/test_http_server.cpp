// The HTTP server over real loopback sockets: routes, 404 and 405, an oversized request head,
// a malformed request line, a slow client that must not hold the server, the refusal of a
// non-loopback address unless allowed, and a stop that returns at once.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <stdexcept>
#include <system_error>

#include "http_client.hpp"
#include "http_server.hpp"

using namespace quante;
using namespace quante::test;
using namespace std::chrono_literals;

namespace {

http::Server hello_server(std::size_t max_request_bytes = 8192) {
  http::ServerOptions options;
  options.address = "127.0.0.1:0";
  options.max_request_bytes = max_request_bytes;
  return http::Server(options);
}

}  // namespace

TEST_CASE("listen addresses: loopback, remote, malformed", "[http]") {
  auto loop = http::parse_listen_address("127.0.0.1:9464");
  REQUIRE(std::holds_alternative<http::ListenAddress>(loop));
  CHECK(std::get<http::ListenAddress>(loop).loopback);
  CHECK(std::get<http::ListenAddress>(loop).port == 9464);
  CHECK(std::get<http::ListenAddress>(http::parse_listen_address("[::1]:0")).loopback);
  CHECK(std::get<http::ListenAddress>(http::parse_listen_address("localhost:1")).loopback);
  CHECK_FALSE(std::get<http::ListenAddress>(http::parse_listen_address("0.0.0.0:9464")).loopback);
  CHECK_FALSE(std::get<http::ListenAddress>(http::parse_listen_address("[::]:9464")).loopback);
  for (const char* bad : {"9464", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1", "example.com:80",
                          "::1:80", "127.0.0.1:80x", ""})
    CHECK(std::holds_alternative<std::string>(http::parse_listen_address(bad)));
  CHECK(http::check_listen_address("127.0.0.1:0", false, "--x").empty());
  CHECK(http::check_listen_address("0.0.0.0:0", false, "--metrics-allow-remote").find("--metrics-allow-remote") !=
        std::string::npos);
  CHECK(http::check_listen_address("0.0.0.0:0", true, "--x").empty());
}

TEST_CASE("a non-loopback address is refused unless allowed", "[http]") {
  http::ServerOptions options;
  options.address = "0.0.0.0:0";
  CHECK_THROWS_AS(http::Server(options), std::invalid_argument);
  options.allow_remote = true;
  http::Server server(options);
  CHECK(server.port() != 0);
}

TEST_CASE("a port in use is a system error naming the address", "[http]") {
  auto first = hello_server();
  http::ServerOptions options;
  options.address = "127.0.0.1:" + std::to_string(first.port());
  try {
    http::Server second(options);
    FAIL("bound a port already in use");
  } catch (const std::system_error& e) {
    CHECK(std::string(e.what()).find(options.address) != std::string::npos);
  }
}

TEST_CASE("GET of a route, HEAD, 404, 405, a bad request line", "[http]") {
  auto server = hello_server();
  std::atomic<int> calls{0};
  server.route("/hello", [&](const http::Request& r) {
    ++calls;
    return http::Response{200, "text/plain; version=0.0.4", "hi " + r.query + "\n"};
  });
  server.start();
  REQUIRE(server.port() != 0);
  REQUIRE(server.address() == "127.0.0.1:" + std::to_string(server.port()));

  auto ok = http_get(server.port(), "/hello?x=1");
  REQUIRE(ok);
  CHECK(ok->status == 200);
  CHECK(ok->body == "hi x=1\n");
  CHECK(ok->headers.find("Content-Type: text/plain; version=0.0.4") != std::string::npos);
  CHECK(ok->headers.find("Content-Length: 7") != std::string::npos);

  auto head = http_raw(server.port(), "HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\n");
  REQUIRE(head);
  CHECK(head->status == 200);
  CHECK(head->body.empty());

  auto missing = http_get(server.port(), "/nothing");
  REQUIRE(missing);
  CHECK(missing->status == 404);

  auto post = http_raw(server.port(), "POST /hello HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc");
  REQUIRE(post);
  CHECK(post->status == 405);
  CHECK(post->headers.find("Allow: GET, HEAD") != std::string::npos);

  auto garbage = http_raw(server.port(), "hello there\r\n\r\n");
  REQUIRE(garbage);
  CHECK(garbage->status == 400);
  CHECK(calls == 2);
}

TEST_CASE("a request head larger than the limit is answered 431 and the server goes on", "[http]") {
  auto server = hello_server(1024);
  server.route("/", [](const http::Request&) { return http::Response{200, "text/plain", "ok"}; });
  server.start();
  const std::string huge = "GET / HTTP/1.1\r\nX-Padding: " + std::string(100000, 'a') + "\r\n\r\n";
  auto refused = http_raw(server.port(), huge);
  REQUIRE(refused);
  CHECK(refused->status == 431);
  auto ok = http_get(server.port(), "/");
  REQUIRE(ok);
  CHECK(ok->status == 200);
  CHECK(ok->body == "ok");
}

TEST_CASE("a client that never finishes its request does not block the others", "[http]") {
  auto server = hello_server();
  server.route("/", [](const http::Request&) { return http::Response{200, "text/plain", "ok"}; });
  server.start();
  const int slow = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(server.port());
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(slow, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::send(slow, "GET / HT", 8, 0) == 8);
  auto ok = http_get(server.port(), "/");
  ::close(slow);
  REQUIRE(ok);
  CHECK(ok->status == 200);
}

TEST_CASE("a handler that throws is answered 500", "[http]") {
  auto server = hello_server();
  server.route("/boom", [](const http::Request&) -> http::Response { throw std::runtime_error("boom"); });
  server.start();
  auto reply = http_get(server.port(), "/boom");
  REQUIRE(reply);
  CHECK(reply->status == 500);
}

TEST_CASE("routes are fixed once started, stop is idempotent and closes the port", "[http]") {
  auto server = hello_server();
  server.route("/", [](const http::Request&) { return http::Response{}; });
  server.start();
  CHECK_THROWS_AS(server.route("/late", [](const http::Request&) { return http::Response{}; }), std::logic_error);
  const auto port = server.port();
  server.stop();
  server.stop();
  CHECK_FALSE(http_get(port, "/"));  // refused: the port is closed
}
