// An append-only JSON-lines file whose every line is on disk (write + fsync) before append()
// returns, so a record is never acted on or acknowledged before it would survive a crash.
// Reading tolerates a torn last line (a crash in the middle of a write) and cuts it off.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace quante::tuner {

struct JsonLine {
  int line_number;
  nlohmann::json value;
};

// A history or journal that cannot be read as one: the message names the file and line. The
// commands report it and exit 2 (bad input), unlike a failing disk (std::runtime_error).
class HistoryError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Reads every complete line; a torn final line (no newline, or not JSON) is dropped, its line
// number stored in *torn_line (0 when none), and the file truncated to the last complete line.
// Throws HistoryError naming the file and line for a malformed line elsewhere. A missing file
// reads as empty.
std::vector<JsonLine> read_json_lines(const std::string& path, int* torn_line = nullptr);

class DurableLog {
 public:
  explicit DurableLog(std::string path);   // opens (creates) for appending; throws on failure
  ~DurableLog();
  DurableLog(const DurableLog&) = delete;
  DurableLog& operator=(const DurableLog&) = delete;
  void append(const nlohmann::json& line);  // one line, then fsync; throws on I/O failure
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace quante::tuner
