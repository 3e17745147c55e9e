#include "config_reader.hpp"

#include <cmath>
#include <fstream>
#include <sstream>

#include "socket_security.hpp"

namespace quante::config_detail {

std::string option_of(const std::string& dotted_key) {
  if (dotted_key.rfind("objectives.", 0) == 0) return "--objective";
  std::string leaf = dotted_key.substr(dotted_key.rfind('.') == std::string::npos ? 0 : dotted_key.rfind('.') + 1);
  for (char& c : leaf)
    if (c == '_') c = '-';
  return "--" + leaf;
}

void fail(const std::string& source, const std::string& dotted_key, const std::string& what) {
  throw Fail{source + ": key '" + dotted_key + "' (" + option_of(dotted_key) + "): " + what};
}

void TableReader::allow_only(const std::set<std::string>& keys) const {
  for (const auto& [name, value] : table_) {
    const std::string k(name.str());
    if (!keys.count(k)) throw Fail{source_ + ": unknown key '" + prefix_ + k + "'"};
  }
}

std::optional<std::string> TableReader::string(const std::string& name) const {
  const auto* n = table_.get(name);
  if (!n) return std::nullopt;
  if (!n->is_string()) fail(source_, key(name), "must be a string");
  return n->value<std::string>();
}

std::optional<std::int64_t> TableReader::integer(const std::string& name, std::int64_t min, std::int64_t max) const {
  const auto* n = table_.get(name);
  if (!n) return std::nullopt;
  if (!n->is_integer()) fail(source_, key(name), "must be an integer");
  const auto v = *n->value<std::int64_t>();
  if (v < min || v > max)
    fail(source_, key(name), "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", not " +
                                 std::to_string(v));
  return v;
}

std::optional<double> TableReader::number(const std::string& name, double min, double max) const {
  const auto* n = table_.get(name);
  if (!n) return std::nullopt;
  if (!n->is_number()) fail(source_, key(name), "must be a number");
  const double v = *n->value<double>();
  if (!std::isfinite(v) || v < min || v > max) {
    std::ostringstream what;
    what << "must be between " << min << " and " << max << ", not " << v;
    fail(source_, key(name), what.str());
  }
  return v;
}

std::optional<bool> TableReader::boolean(const std::string& name) const {
  const auto* n = table_.get(name);
  if (!n) return std::nullopt;
  if (!n->is_boolean()) fail(source_, key(name), "must be true or false");
  return n->value<bool>();
}

const toml::table* TableReader::table(const std::string& name) const {
  const auto* n = table_.get(name);
  if (!n) return nullptr;
  if (!n->is_table()) fail(source_, key(name), "must be a table");
  return n->as_table();
}

std::optional<std::string> find_config_argument(int argc, const char* const* argv) {
  std::optional<std::string> found;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--") break;
    if (arg == "--config" && i + 1 < argc) found = argv[++i];
    else if (arg.rfind("--config=", 0) == 0) found = arg.substr(9);
  }
  return found;
}

std::optional<std::string> read_text_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void check_endpoint(const std::string& source, const std::string& key, const std::string& endpoint) {
  for (const char* scheme : {"tcp://", "ipc://", "inproc://"})
    if (endpoint.rfind(scheme, 0) == 0 && endpoint.size() > std::string(scheme).size()) return;
  fail(source, key, "'" + endpoint + "' is not a ZeroMQ endpoint (tcp://HOST:PORT or ipc://PATH)");
}

void check_log_level(const std::string& source, const std::string& key, const std::string& level) {
  static const std::set<std::string> levels = {"", "trace", "debug", "info", "warn", "error", "critical", "off"};
  if (!levels.count(level)) fail(source, key, "'" + level + "' is not one of trace, debug, info, warn, error, critical, off");
}

void check_z85_key(const std::string& source, const std::string& key, const std::string& z85) {
  if (!z85.empty() && !decode_key(z85)) fail(source, key, "not a 40-character Z85 public key (as quante-keygen writes)");
}

}  // namespace quante::config_detail
