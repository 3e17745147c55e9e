#include "broker.hpp"

#include <malloc.h>

#include <spdlog/spdlog.h>

#include "rate_limit.hpp"
#include "service_notify.hpp"
#include "stats_line.hpp"
#include "zmq_util.hpp"

namespace quante::broker {

using namespace quante::protocol;

namespace {

void configure_router(zmq::socket_t& socket, int hwm) {
  socket.set(zmq::sockopt::router_mandatory, 1);
  socket.set(zmq::sockopt::maxmsgsize, static_cast<std::int64_t>(kMaxMessageBytes + 4096));
  socket.set(zmq::sockopt::sndhwm, hwm);
  socket.set(zmq::sockopt::rcvhwm, hwm);
  socket.set(zmq::sockopt::linger, 0);
}

RateLimit g_bad_message_log(10);

// Replies held before they are sent while a burst of messages is read (bounds the added latency).
constexpr std::size_t kFlushBurst = 64;

}  // namespace

Broker::Broker(BrokerConfig settings)
    : settings_(std::move(settings)),
      context_(1),
      security_(context_, settings_.security),
      frontend_(context_, zmq::socket_type::router),
      backend_(context_, zmq::socket_type::router),
      state_(settings_, new_epoch()) {
  configure_router(frontend_, settings_.send_high_water_mark);
  configure_router(backend_, settings_.send_high_water_mark);
  security_.apply(frontend_, PeerRole::Tuner, settings_.frontend);
  security_.apply(backend_, PeerRole::Worker, settings_.backend);
  frontend_.bind(settings_.frontend);
  backend_.bind(settings_.backend);
  spdlog::info("broker epoch {:016x}: tuners on {}, workers on {}", state_.epoch(), frontend_endpoint(),
               backend_endpoint());
  start_time_seconds_ = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  if (!settings_.metrics.empty()) {
    metrics_ = std::make_unique<MetricsEndpoint>(settings_.metrics, settings_.metrics_allow_remote);
    publish_metrics();
    spdlog::info("metrics on http://{}/metrics", metrics_->address());
  }
}

void Broker::publish_metrics() {
  if (!metrics_) return;
  BrokerMetrics m = state_.metrics();
  m.start_time_seconds = start_time_seconds_;
  m.malformed = malformed_;
  m.unauthenticated = unauthenticated_;
  m.connections_refused = security_.curve() ? security_.refused() : 0;
  metrics_->publish(m);
}

std::string Broker::frontend_endpoint() const { return last_endpoint(frontend_); }
std::string Broker::backend_endpoint() const { return last_endpoint(backend_); }

void Broker::receive(zmq::socket_t& socket, Link link) {
  // Drain a bounded number per wake-up so one busy side cannot starve the other.
  for (int n = 0; n < 1000; ++n) {
    auto frames = try_recv(socket);
    if (!frames) break;
    if (frames->size() < 2) continue;
    const std::string identity = (*frames)[0].to_string();
    const std::size_t body_frames = frames->size() - 1;
    auto decoded = decode(link, frames->data() + 1, body_frames);
    if (!decoded) {
      ++malformed_;
      if (g_bad_message_log.allow())
        spdlog::warn("dropped a bad message from a {} ({} frames): {}", link == Link::Worker ? "worker" : "tuner",
                     body_frames, decoded.error().what);
      continue;
    }
    const auto now = Clock::now();
    if (security_.curve() && !admitted(link, identity, (*frames)[1], *decoded, now)) {
      ++unauthenticated_;
      continue;
    }
    try {
      if (link == Link::Worker) state_.on_worker(identity, *decoded, now, outgoing_);
      else state_.on_tuner(identity, *decoded, now, outgoing_);
    } catch (const std::exception& e) {
      if (g_bad_message_log.allow()) spdlog::error("error while handling a message: {}", e.what());
    }
    // Replies go out in bursts: messages written back to back reach the I/O thread with one
    // wake-up, where a send after each message costs a wake-up (and syscalls) per message.
    if (outgoing_.size() >= kFlushBurst) flush();
  }
  flush();
}

bool Broker::admitted(Link link, const std::string& identity, zmq::message_t& first_frame, const Message& message,
                      Clock::time_point now) {
  // The ZAP handler admitted this peer for one role; bind what it says to the key it came with.
  const auto user_id = user_id_of(first_frame);
  const PeerRole expected = link == Link::Worker ? PeerRole::Worker : PeerRole::Tuner;
  if (!user_id || role_of_user_id(*user_id) != expected) {
    if (g_bad_message_log.allow())
      spdlog::error("dropped a message on the {} socket without a {} key ({})", to_string(expected), to_string(expected),
                    user_id.value_or("no user id"));
    return false;
  }
  if (!bindings_.admit_identity(identity, *user_id, now)) {
    if (g_bad_message_log.allow())
      spdlog::warn("dropped a message from {}: its connection identity belongs to another key", *user_id);
    return false;
  }
  if (const auto* ready = std::get_if<Ready>(&message); ready && !bindings_.claim_name(ready->name, *user_id)) {
    if (g_bad_message_log.allow())
      spdlog::warn("refused worker name '{}' from {}: another key registered it", ready->name, *user_id);
    return false;
  }
  return true;
}

void Broker::flush() {
  // Sending may reveal a lost worker, which may produce more to send: loop until quiet.
  while (!outgoing_.empty()) {
    sending_.swap(outgoing_);  // both keep their capacity from burst to burst
    for (auto& item : sending_) {
      auto frames = encode(item.link, item.message);
      frames.insert(frames.begin(), zmq::message_t(item.identity.data(), item.identity.size()));
      zmq::socket_t& socket = item.link == Link::Worker ? backend_ : frontend_;
      if (try_send(socket, frames)) continue;
      if (item.link == Link::Worker) {
        if (std::holds_alternative<Job>(item.message)) spdlog::warn("a job could not reach its worker; forgetting it");
        state_.on_worker_unreachable(item.identity, Clock::now(), outgoing_);
      }
      // A tuner that cannot take a message now keeps its results held here; they are re-sent.
    }
    sending_.clear();
  }
}

void Broker::run(const StopSignal& stop) {
  zmq::pollitem_t items[] = {
      {frontend_.handle(), 0, ZMQ_POLLIN, 0},
      {backend_.handle(), 0, ZMQ_POLLIN, 0},
      {nullptr, stop.fd(), ZMQ_POLLIN, 0},
  };
  auto last_stats = Clock::now();
  notify_ready();
  while (!stop.requested()) {
    notify_watchdog();
    const auto wait = std::max(std::chrono::milliseconds(0), std::chrono::duration_cast<std::chrono::milliseconds>(
                                                                   state_.next_deadline() - Clock::now()));
    poll_items(items, 3, wait + std::chrono::milliseconds(1));
    if (items[2].revents & ZMQ_POLLIN) break;
    if (items[0].revents & ZMQ_POLLIN) receive(frontend_, Link::Tuner);
    if (items[1].revents & ZMQ_POLLIN) receive(backend_, Link::Worker);
    const auto now = Clock::now();
    if (now >= state_.next_deadline()) {
      state_.tick(now, outgoing_);
      flush();
      const auto s = state_.stats();
      peak_state_size_ = std::max(peak_state_size_, s.workers + s.jobs);
      publish_metrics();  // once a heartbeat: scrapes read this copy, never the state
    }
    if (now - last_stats > std::chrono::seconds(30)) {
      last_stats = now;
      // An identity may be forgotten once the state can no longer hold anything for it.
      bindings_.prune(now - settings_.orphan_timeout - settings_.heartbeat * (settings_.liveness + 1));
      const auto s = state_.stats();
      // A crowd of peers that left (10,000 READYs, a flood of jobs) leaves freed heap that glibc
      // keeps; give it back once the state is much smaller than it was.
      const std::size_t size = s.workers + s.jobs;
      if (size * 2 < peak_state_size_) {
        ::malloc_trim(0);
        peak_state_size_ = size;
      }
      spdlog::info("workers {}, jobs held {} (queued {}), dispatched {}, completed {}, stale results {}", s.workers,
                   s.jobs, s.queued, s.dispatched, s.completed, s.stale_results);
    }
  }
  notify_stopping();
  spdlog::info("broker stopping");
  spdlog::info("stats {}", stats_json(state_.stats()));  // for tests and scripts: stats_line.hpp
}

}  // namespace quante::broker
