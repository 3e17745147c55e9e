// parallel_for: every index exactly once for any thread count; a body's exception reaches the
// caller.
#include <catch2/catch.hpp>

#include <atomic>
#include <stdexcept>
#include <vector>

#include "parallel_for.hpp"

using namespace quante::opt;

TEST_CASE("parallel_for runs every index exactly once, whatever the thread count", "[parallel]") {
  for (int threads : {0, 1, 2, 3, 8}) {
    for (std::size_t count : {std::size_t{0}, std::size_t{1}, std::size_t{5}, std::size_t{100}}) {
      std::vector<std::atomic<int>> hits(count);
      parallel_for(count, threads, [&](std::size_t i) { ++hits[i]; });
      for (std::size_t i = 0; i < count; ++i) CHECK(hits[i] == 1);
    }
  }
}

TEST_CASE("parallel_for rethrows a body's exception on the caller", "[parallel]") {
  for (int threads : {1, 2, 4}) {
    std::atomic<int> ran{0};
    CHECK_THROWS_WITH(parallel_for(50, threads,
                                   [&](std::size_t i) {
                                     ++ran;
                                     if (i == 7) throw std::runtime_error("start 7 failed");
                                   }),
                      "start 7 failed");
    CHECK(ran >= 8);
    CHECK(ran <= 50);
  }
}
