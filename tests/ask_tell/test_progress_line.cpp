// The live status line fits the terminal's width (an 80-column terminal got ~190 characters and
// stale rows), names its worker count for what it is, and shows the best point's metrics; a
// file descriptor that is not a terminal reads as 80 columns.
#include <catch2/catch.hpp>

#include <unistd.h>

#include "progress.hpp"

using namespace quante;
using namespace quante::tuner;

namespace {
ProgressSnapshot busy() {
  ProgressSnapshot p;
  p.done = 123;
  p.budget = 500;
  p.running = 8;
  p.failed = 3;
  p.best = 0.0123456;
  p.best_params = {{"learning_rate", 0.000123456789}, {"hidden_layers", std::int64_t{4}},
                   {"activation", std::string("gelu")}, {"dropout", 0.123456}, {"weight_decay", 1.5e-5}};
  p.best_metrics = {{"accuracy", 0.9712}};
  p.elapsed_s = 3600;
  p.workers = 16;
  return p;
}
}  // namespace

TEST_CASE("the status line fits the width it is given", "[progress]") {
  const std::string full = format_progress(busy());
  CHECK(full.size() > 150);  // the case that wrapped on an 80-column terminal
  for (std::size_t width : {200u, 120u, 79u, 60u, 40u, 20u}) {
    const std::string line = format_progress(busy(), width);
    INFO(line);
    CHECK(line.size() <= width);
    CHECK(line.rfind("123/500 done", 0) == 0);  // the counts come first and stay
  }
  const std::string line79 = format_progress(busy(), 79);
  CHECK(line79.find("best 0.0123456") != std::string::npos);
  CHECK(line79.find("...") != std::string::npos);  // the point was shortened, not dropped
  CHECK(format_progress(busy(), full.size()) == full);  // nothing cut when it fits
}

TEST_CASE("the worker count says connected, and the best metrics are shown", "[progress]") {
  const std::string line = format_progress(busy());
  CHECK(line.find("16 workers connected") != std::string::npos);
  CHECK(line.find("accuracy=0.9712") != std::string::npos);
  CHECK(format_metrics({}).empty());
  CHECK(format_metrics({{"a", 1}, {"b", 0.5}}) == " a=1 b=0.5");
}

TEST_CASE("a descriptor that is not a terminal reads as 80 columns", "[progress]") {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  CHECK(terminal_width(fds[1]) == 80);
  ::close(fds[0]);
  ::close(fds[1]);
}
