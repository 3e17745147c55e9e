// Runs one quante-tuner command (suggest, tell, report, list, ...) as a real process in a test's
// folder, and returns its exit status and what it printed.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "process.hpp"

namespace quante::test {

struct TunerCommandResult {
  int status = -1;
  std::string output;  // stdout and stderr
};

inline TunerCommandResult run_tuner_command(const TempDir& dir, std::vector<std::string> args) {
  static int n = 0;
  args.insert(args.begin(), std::string(QUANTE_BIN_DIR) + "/quante-tuner");
  ChildProcess child(args, dir.file("tuner-cmd-" + std::to_string(n++) + ".log"));
  const auto status = child.wait(std::chrono::seconds(120));
  REQUIRE(status);
  return {*status, child.log()};
}

}  // namespace quante::test
