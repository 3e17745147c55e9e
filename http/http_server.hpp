// A small HTTP/1.1 server for read-only endpoints: GET (and HEAD) routes registered as
// path -> handler, answered on one thread that poll()s the listening socket, its connections
// and an eventfd that stop() writes to, so it sleeps until there is work and stops at once.
//
// What it is for: a process that owns some data (the broker's counters, a tuner's study) shows
// it to a scraper or a browser on loopback. What it is not: a general web server. Each
// connection carries one request and is closed after the answer (Connection: close); a request
// head larger than max_request_bytes is answered 431, a request body is never read, a client
// that has not finished within request_timeout is dropped, and at most max_connections are
// open at once (more wait in the listen backlog).
//
// Thread-safety: handlers run on the server thread, one at a time. A handler that reads data
// another thread owns must synchronise with it (the broker publishes a snapshot under a mutex
// for its handler to copy), and must be quick: the server answers nobody else meanwhile.
// Routes are registered before start(); route() after it throws std::logic_error.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <thread>

#include "listen_address.hpp"

namespace quante::http {

struct Request {
  std::string method;  // GET or HEAD (others never reach a handler)
  std::string path;    // without the query
  std::string query;   // after '?', undecoded; empty when none
};

struct Response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

using Handler = std::function<Response(const Request&)>;

struct ServerOptions {
  std::string address = "127.0.0.1:0";  // ADDR:PORT; port 0: the system picks one (see port())
  bool allow_remote = false;            // bind a non-loopback address
  std::string allow_option = "allow_remote";  // named in the refusal, e.g. "--metrics-allow-remote"
  std::size_t max_request_bytes = 8192;
  std::size_t max_connections = 32;
  std::chrono::milliseconds request_timeout{10000};
  std::string name = "http";            // in log lines
};

class Server {
 public:
  // Parses the address and binds it. Throws std::invalid_argument for a bad or refused address
  // (the message says why), std::system_error with the system's reason when binding fails.
  explicit Server(ServerOptions options);
  ~Server();  // stop()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  void route(const std::string& path, Handler handler);
  void start();  // starts the server thread
  void stop();   // wakes and joins it; idempotent

  std::uint16_t port() const { return port_; }
  // "127.0.0.1:PORT" / "[::1]:PORT" with the port actually bound.
  std::string address() const;

 private:
  struct Connection;
  void serve();
  Response answer(const std::string& head) const;

  ServerOptions options_;
  ListenAddress bound_;
  std::uint16_t port_ = 0;
  int listen_fd_ = -1;
  int wake_fd_ = -1;
  std::map<std::string, Handler> routes_;
  std::thread thread_;
  bool started_ = false;
};

// The reason phrase of a status code ("Not Found").
const char* reason_phrase(int status);

}  // namespace quante::http
