// What the service config parsers (broker_config, worker_config, tuner_config) share: a config
// error value that names the file and the key, and a reader over one TOML table that refuses
// unknown keys and values of the wrong type or out of range, naming the key (as the study file
// parser does). A key `a_b` of a config file is the command-line option `--a-b`.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include <toml++/toml.h>

#include "config_error.hpp"
#include "toml_guard.hpp"

namespace quante {

namespace config_detail {

// Thrown inside the parsers only, turned into a ConfigError at their boundary.
struct Fail {
  std::string message;
};

std::string option_of(const std::string& dotted_key);  // "security.secret_key_file" -> "--secret-key-file"
[[noreturn]] void fail(const std::string& source, const std::string& dotted_key, const std::string& what);

class TableReader {
 public:
  TableReader(const toml::table& table, std::string source, std::string prefix)
      : table_(table), source_(std::move(source)), prefix_(std::move(prefix)) {}
  void allow_only(const std::set<std::string>& keys) const;
  std::optional<std::string> string(const std::string& key) const;
  std::optional<std::int64_t> integer(const std::string& key, std::int64_t min, std::int64_t max) const;
  std::optional<double> number(const std::string& key, double min, double max) const;
  std::optional<bool> boolean(const std::string& key) const;
  const toml::table* table(const std::string& key) const;
  std::string key(const std::string& key) const { return prefix_ + key; }
  const std::string& source() const { return source_; }
  const toml::table& raw() const { return table_; }

 private:
  const toml::table& table_;
  std::string source_;
  std::string prefix_;
};

// Parses `text`, runs `body` on the root table, and turns any failure into a ConfigError.
template <class Config, class Body>
Expected<Config> parse_with(const std::string& text, const std::string& source, Body&& body) {
  if (auto unsafe = toml_unsafe_text(text)) return ConfigError{source + ":" + *unsafe};
  try {
    toml::table root = toml::parse(text, source);
    return body(root);
  } catch (const toml::parse_error& e) {
    return ConfigError{source + ":" + std::to_string(e.source().begin.line) + ":" +
                       std::to_string(e.source().begin.column) + ": " + std::string(e.description())};
  } catch (const Fail& f) {
    return ConfigError{f.message};
  }
}

std::optional<std::string> read_text_file(const std::string& path);

// Reads the file at `path` and parses it with `parse(text, path)`.
template <class Config, class Parse>
Expected<Config> load_with(const std::string& path, Parse&& parse) {
  const auto text = read_text_file(path);
  if (!text) return ConfigError{path + ": cannot open the config file"};
  return parse(*text, path);
}

// Runs a throwing `check(config, source)` and returns its failure as an error value.
template <class Config, class Check>
Expected<void> validate_with(const Config& config, const std::string& source, Check&& check) {
  try {
    check(config, source);
    return {};
  } catch (const Fail& f) {
    return ConfigError{f.message};
  }
}

// The value of --config FILE / --config=FILE in argv (the last one wins), read before the
// command line proper so that the file gives the defaults the command line then overrides.
std::optional<std::string> find_config_argument(int argc, const char* const* argv);

// Shared checks, also run on values that came from the command line.
void check_endpoint(const std::string& source, const std::string& key, const std::string& endpoint);
void check_log_level(const std::string& source, const std::string& key, const std::string& level);
void check_z85_key(const std::string& source, const std::string& key, const std::string& z85);

}  // namespace config_detail

}  // namespace quante
