// Settings of the broker, with the defaults RELIABILITY.md gives (heartbeat 1 s, liveness 5,
// 3 retries of a job whose worker died, 1 MiB messages).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "socket_security.hpp"

namespace quante::broker {

struct BrokerSettings {
  std::string frontend = "tcp://127.0.0.1:5555";  // tuners (ROUTER); plaintext stays on loopback
  std::string backend = "tcp://127.0.0.1:5556";   // workers (ROUTER)
  std::chrono::milliseconds heartbeat{1000};  // sent to every peer this often
  int liveness = 5;                           // a worker silent for liveness * heartbeat is lost
  std::uint32_t max_attempts = 3;             // a job that lost this many workers is failed
  std::chrono::milliseconds result_resend{3000};   // re-send an unacknowledged result after this
  std::chrono::milliseconds orphan_timeout{600000};  // forget jobs of a tuner silent this long
  std::size_t max_jobs = 100000;              // jobs held at once (queued + running + unacked)
  std::size_t max_jobs_per_tuner = 10000;     // of which one tuner (connection) may hold at most
  std::size_t max_workers = 4096;             // workers registered at once; more are refused
  int max_result_resends = 10;                // unacknowledged result re-sends before it is only held
  int job_silence_beats = 3;                  // worker heartbeats naming another job before its job is re-queued
  int send_high_water_mark = 10000;           // per peer, on both sockets
  ServerSecurity security;                    // plaintext unless keys are configured
  std::string metrics;                        // ADDR:PORT of the Prometheus endpoint; empty: none
  bool metrics_allow_remote = false;          // serve it on a non-loopback address
};

}  // namespace quante::broker
