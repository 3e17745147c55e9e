#include "durable_log.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <unistd.h>

namespace quante::tuner {

std::vector<JsonLine> read_json_lines(const std::string& path, int* torn_line) {
  std::vector<JsonLine> out;
  if (torn_line) *torn_line = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) return out;
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  std::size_t start = 0, good_end = 0;
  int line_number = 0;
  while (start < text.size()) {
    ++line_number;
    const std::size_t newline = text.find('\n', start);
    const bool complete = newline != std::string::npos;
    const std::string line = text.substr(start, (complete ? newline : text.size()) - start);
    const std::size_t next = complete ? newline + 1 : text.size();
    if (line.find_first_not_of(" \t\r") == std::string::npos) {
      start = next;
      if (complete) good_end = next;
      continue;
    }
    nlohmann::json value = nlohmann::json::parse(line, nullptr, false);
    if (value.is_discarded() || !value.is_object()) {
      if (next >= text.size()) break;  // a torn last line: cut below
      throw HistoryError(path + ":" + std::to_string(line_number) + ": not a JSON object (a corrupt line: " +
                         "fix or delete it; every line must be one JSON object)");
    }
    if (!complete) break;  // parsed, but no newline: treat as torn too
    out.push_back({line_number, std::move(value)});
    good_end = next;
    start = next;
  }
  if (good_end < text.size()) {
    if (torn_line) *torn_line = line_number;
    if (::truncate(path.c_str(), static_cast<off_t>(good_end)) != 0)
      throw std::runtime_error(path + ": cannot cut off a torn last line: " + std::strerror(errno));
  }
  return out;
}

DurableLog::DurableLog(std::string path) : path_(std::move(path)) {
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) throw std::runtime_error(path_ + ": cannot open for appending: " + std::strerror(errno));
}

DurableLog::~DurableLog() {
  if (fd_ >= 0) ::close(fd_);
}

void DurableLog::append(const nlohmann::json& line) {
  const std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd_, text.data() + written, text.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(path_ + ": write failed: " + std::strerror(errno));
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd_) != 0) throw std::runtime_error(path_ + ": fsync failed: " + std::strerror(errno));
}

}  // namespace quante::tuner
