// A byte relay between a listening loopback TCP port and an upstream endpoint (ipc:// path or
// tcp://host:port), for cutting a link without a reset: paused, it stops reading, writing and
// accepting, so both ends see silence and no FIN or RST; resumed, whatever the kernel buffered
// flows on, late data included.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace quante::test {

class LinkRelay {
 public:
  explicit LinkRelay(std::string upstream);
  ~LinkRelay();
  LinkRelay(const LinkRelay&) = delete;
  LinkRelay& operator=(const LinkRelay&) = delete;

  // tcp://127.0.0.1:PORT, for the side that connects through the relay.
  std::string endpoint() const;
  void pause();
  void resume();
  // Connections accepted so far (each is one downstream socket paired with one upstream socket).
  int connections() const { return connections_.load(); }

 private:
  struct Pair {
    int down = -1;
    int up = -1;
    std::string down_to_up, up_to_down;  // bytes read but not yet written on
  };
  void loop();
  void accept_one();
  int connect_upstream() const;
  void wake() const;

  std::string upstream_;
  int listener_ = -1;
  int port_ = 0;
  int wake_pipe_[2] = {-1, -1};
  std::atomic<bool> paused_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::vector<Pair> pairs_;
  std::thread thread_;
};

}  // namespace quante::test
