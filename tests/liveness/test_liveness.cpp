// Liveness and Backoff (shared/liveness.hpp) on a fake clock: time is a value the test moves, so
// "silent after liveness beats" and "1 s doubling to 32 s" are checked exactly, without sleeping.
#include <catch2/catch.hpp>

#include <vector>

#include "liveness.hpp"

using namespace quante;
using namespace std::chrono_literals;

namespace {
struct FakeClock {
  Liveness::Clock::time_point now{};  // an arbitrary epoch; only differences matter
  void advance(std::chrono::milliseconds d) { now += d; }
};
}  // namespace

TEST_CASE("liveness: a peer is silent after liveness heartbeats without a word, not before", "[liveness]") {
  FakeClock clock;
  Liveness peer(1000ms, 5);
  peer.connected(clock.now);
  CHECK(peer.beat_due(clock.now));  // after a connect our first beat is due at once
  peer.beat_sent(clock.now);
  clock.advance(5000ms);
  CHECK_FALSE(peer.silent(clock.now));  // exactly liveness beats: not yet
  clock.advance(1ms);
  CHECK(peer.silent(clock.now));
  CHECK(Liveness::silent_since(clock.now - 5001ms, clock.now, 1000ms, 5));
  CHECK_FALSE(Liveness::silent_since(clock.now - 5000ms, clock.now, 1000ms, 5));
  peer.heard(clock.now);  // anything from the peer counts
  CHECK_FALSE(peer.silent(clock.now));
  CHECK(peer.silent_at() == clock.now + 5000ms);
}

TEST_CASE("liveness: heartbeats fall due every interval, and the wake-up is the earlier deadline", "[liveness]") {
  FakeClock clock;
  Liveness peer(200ms, 3);
  peer.connected(clock.now);
  peer.beat_sent(clock.now);
  CHECK_FALSE(peer.beat_due(clock.now + 199ms));
  CHECK(peer.beat_due(clock.now + 200ms));
  CHECK(peer.next_deadline() == clock.now + 200ms);  // the beat comes before the silence (600 ms)
  clock.advance(500ms);
  peer.beat_sent(clock.now);  // next beat at 700 ms, silence at 600 ms
  CHECK(peer.next_deadline() == peer.silent_at());
  CHECK(peer.next_deadline() == clock.now + 100ms);
}

TEST_CASE("backoff: the first value, doubling, capped, and back to the first after a reset", "[liveness]") {
  Backoff backoff(1000ms, 32000ms);
  std::vector<std::chrono::milliseconds> waits;
  for (int i = 0; i < 8; ++i) waits.push_back(backoff.next());
  CHECK(waits == std::vector<std::chrono::milliseconds>{1000ms, 2000ms, 4000ms, 8000ms, 16000ms, 32000ms, 32000ms, 32000ms});
  CHECK(backoff.current() == 32000ms);
  backoff.reset();
  CHECK(backoff.next() == 1000ms);
  CHECK(backoff.current() == 2000ms);
}

TEST_CASE("backoff: a ceiling below the first value is the first value; a ceiling that is not a power of two holds", "[liveness]") {
  Backoff low(500ms, 100ms);
  CHECK(low.next() == 500ms);
  CHECK(low.next() == 500ms);
  Backoff odd(100ms, 350ms);
  CHECK(odd.next() == 100ms);
  CHECK(odd.next() == 200ms);
  CHECK(odd.next() == 350ms);
  CHECK(odd.next() == 350ms);
}
