// SIGTERM / SIGINT as an event a poll loop can wait on: the handler writes to a self-pipe whose
// read end goes into zmq::poll next to the sockets, so a stop wakes the loop at once without
// any busy-waiting or short polling timeouts.
#pragma once

namespace quante {

class StopSignal {
 public:
  // Installs the handlers (once per process); SIGPIPE is ignored as well.
  StopSignal();
  StopSignal(const StopSignal&) = delete;
  StopSignal& operator=(const StopSignal&) = delete;

  int fd() const;                    // readable once a stop was requested
  bool requested() const;
  void request();                    // the same, from code (tests, fatal paths)
  static int last_signal();          // the signal that asked for the stop, 0 if none
};

}  // namespace quante
