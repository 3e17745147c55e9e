// One table per configuration surface (broker, worker, tuner): each key is described once (its
// dotted TOML name, the field it fills, its range or form check, its help) and everything else is
// derived from that row: reading the TOML file, refusing unknown keys and values of the wrong
// type, the range checks (on values from the file and from the command line alike), and the
// CLI11 options with their help text. The default is the config struct's own member initializer,
// so it too is written once; the help shows the value in effect (the file's, when one was given).
// Refusals are values naming the file, the key and its option (config_reader.hpp's format), and
// the command line writes into the same struct after the file: the command line wins.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>
#include <toml++/toml.h>

#include "config_reader.hpp"

namespace quante::config_detail {

// An inclusive range of an integer or number key (integer bounds are exact: far below 2^53).
struct Range {
  double min, max;
};

// A form check of a string key beyond its type (endpoint, log level, Z85 key...): throws via fail().
using TextCheck = void (*)(const std::string& source, const std::string& key, const std::string& value);

template <class T>
struct is_duration : std::false_type {};
template <class Rep, class Period>
struct is_duration<std::chrono::duration<Rep, Period>> : std::true_type {};

// The integer a field holds, in the unit its key names (heartbeat_ms: milliseconds).
template <class T>
std::int64_t as_integer(const T& v) {
  if constexpr (is_duration<T>::value) return static_cast<std::int64_t>(v.count());
  else return static_cast<std::int64_t>(v);
}
template <class T>
T from_integer(std::int64_t v) {
  if constexpr (is_duration<T>::value) return T(static_cast<typename T::rep>(v));
  else return static_cast<T>(v);
}

// Numbers given on the command line wait here until the parse is over, then are range-checked
// and stored (a value outside the field's type would otherwise be cut before it is checked).
// Each entry checks and stores one value, naming `source` when it refuses.
using PendingNumbers = std::shared_ptr<std::vector<std::function<void(const std::string& source)>>>;

template <class Config>
struct Key {
  std::string name;                  // dotted TOML key: "heartbeat_ms", "security.secret_key_file"
  std::string help;                  // the command-line help of its option
  bool in_file = true;               // false: a command-line option only (the worker's --slot)
  std::function<void(const toml::node&, Config&, const std::string& source)> read;
  std::function<void(const Config&, const std::string& source)> check;
  std::function<CLI::Option*(CLI::App&, Config&, const PendingNumbers&)> add_option;
  std::function<std::string(const Config&)> value_text;  // for the help; empty: none shown
};

// `access` is a pointer to a member of Config or a callable Config& -> field& (nested fields).
template <class Config, class Access>
decltype(auto) field_of(const Access& access, Config& config) {
  if constexpr (std::is_member_object_pointer_v<Access>) return (config.*access);
  else return access(config);
}

template <class Config>
class Table {
 public:
  using Check = std::function<void(const Config&, const std::string& source)>;
  using Section = std::function<void(const toml::table&, Config&, const std::string& source)>;

  // A string key, with an optional form check.
  template <class Access>
  Table& text(std::string name, Access access, std::string help, TextCheck form = nullptr) {
    Key<Config> k{std::move(name), std::move(help)};
    const std::string key = k.name;
    k.read = [access, key](const toml::node& n, Config& c, const std::string& source) {
      if (!n.is_string()) fail(source, key, "must be a string");
      field_of(access, c) = *n.value<std::string>();
    };
    k.check = [access, key, form](const Config& c, const std::string& source) {
      if (form) form(source, key, field_of(access, const_cast<Config&>(c)));
    };
    k.add_option = [access, key](CLI::App& app, Config& c, const PendingNumbers&) {
      return app.add_option(option_of(key), field_of(access, c));
    };
    k.value_text = [access](const Config& c) -> std::string { return field_of(access, const_cast<Config&>(c)); };
    keys_.push_back(std::move(k));
    return *this;
  }

  // A true/false key: a flag on the command line.
  template <class Access>
  Table& flag(std::string name, Access access, std::string help) {
    Key<Config> k{std::move(name), std::move(help)};
    const std::string key = k.name;
    k.read = [access, key](const toml::node& n, Config& c, const std::string& source) {
      if (!n.is_boolean()) fail(source, key, "must be true or false");
      field_of(access, c) = *n.value<bool>();
    };
    k.check = [](const Config&, const std::string&) {};
    k.add_option = [access, key](CLI::App& app, Config& c, const PendingNumbers&) {
      return app.add_flag(option_of(key), field_of(access, c));
    };
    keys_.push_back(std::move(k));
    return *this;
  }

  // An integer key (int, std::int64_t, std::size_t, or a std::chrono duration counted in the
  // unit its name says) within `range`.
  template <class Access>
  Table& integer(std::string name, Access access, Range range, std::string help) {
    return numeric<std::int64_t>(std::move(name), access, range, std::move(help));
  }

  // A number key (double) within `range`.
  template <class Access>
  Table& number(std::string name, Access access, Range range, std::string help) {
    return numeric<double>(std::move(name), access, range, std::move(help));
  }

  // The last key added is an option of the command line only, not a key of the file.
  Table& command_line_only() {
    keys_.back().in_file = false;
    return *this;
  }

  // A table of the file read by hand (the worker's [objectives]); it has no option.
  Table& section(std::string name, Section read) {
    sections_.emplace_back(std::move(name), std::move(read));
    return *this;
  }

  // Checks across keys (frontend differs from backend...), run after every key's own check.
  Table& cross_check(Check check) {
    cross_checks_.push_back(std::move(check));
    return *this;
  }

  const std::vector<Key<Config>>& keys() const { return keys_; }

  Expected<Config> parse(const std::string& text, const std::string& source) const {
    return parse_with<Config>(text, source, [&](const toml::table& root) {
      Config c;
      read(root, c, source);
      check(c, source);
      return c;
    });
  }

  Expected<Config> load(const std::string& path) const {
    return load_with<Config>(path, [this](const std::string& text, const std::string& source) { return parse(text, source); });
  }

  Expected<void> validate(const Config& config, const std::string& source) const {
    return validate_with(config, source, [this](const Config& c, const std::string& s) { check(c, s); });
  }

  // Every key that is an option, except those in `skip`, as options of `app`, bound to `config`.
  // finish() (CommandLine below) then stores the numbers and validates.
  void add_options(CLI::App& app, Config& config, const PendingNumbers& pending, const std::set<std::string>& skip) const {
    for (const auto& k : keys_) {
      if (skip.count(k.name)) continue;
      CLI::Option* option = k.add_option(app, config, pending);
      option->description(k.help);
      if (k.value_text)
        if (const std::string value = k.value_text(config); !value.empty()) option->default_str(value);
    }
  }

 private:
  // V is std::int64_t for integer keys and double for number keys: values are checked as V, so
  // an integer is never rounded through a double nor cut to the field's type before its check.
  template <class V, class Access>
  Table& numeric(std::string name, Access access, Range range, std::string help) {
    Key<Config> k{std::move(name), std::move(help)};
    const std::string key = k.name;
    using Field = std::remove_reference_t<decltype(field_of(access, std::declval<Config&>()))>;
    auto store = [access](Config& c, V v) {
      if constexpr (std::is_floating_point_v<Field>) field_of(access, c) = v;
      else field_of(access, c) = from_integer<Field>(v);
    };
    auto value = [access](const Config& c) -> V {
      const Field& f = field_of(access, const_cast<Config&>(c));
      if constexpr (std::is_floating_point_v<Field>) return f;
      else return as_integer(f);
    };
    k.read = [key, range, store](const toml::node& n, Config& c, const std::string& source) {
      if constexpr (std::is_integral_v<V>) {
        if (!n.is_integer()) fail(source, key, "must be an integer");
      } else if (!n.is_number()) {
        fail(source, key, "must be a number");
      }
      const V v = *n.value<V>();
      check_range(source, key, range, v);
      store(c, v);
    };
    k.check = [key, range, value](const Config& c, const std::string& source) { check_range(source, key, range, value(c)); };
    k.add_option = [key, range, store](CLI::App& app, Config& c, const PendingNumbers& pending) {
      Config* target = &c;
      return app.add_option_function<V>(option_of(key), [key, range, pending, target, store](const V& v) {
        pending->push_back([=](const std::string& source) {
          check_range(source, key, range, v);
          store(*target, v);
        });
      });
    };
    k.value_text = [value](const Config& c) {
      std::ostringstream text;
      text << value(c);
      return text.str();
    };
    keys_.push_back(std::move(k));
    return *this;
  }

  template <class V>
  static void check_range(const std::string& source, const std::string& key, Range r, V v) {
    std::ostringstream what;
    if constexpr (std::is_integral_v<V>) {
      const auto min = static_cast<std::int64_t>(r.min), max = static_cast<std::int64_t>(r.max);
      if (v >= min && v <= max) return;
      what << "must be between " << min << " and " << max << ", not " << v;
    } else {
      if (v >= r.min && v <= r.max) return;  // NaN is refused too
      what << "must be between " << r.min << " and " << r.max << ", not " << v;
    }
    fail(source, key, what.str());
  }

  void read(const toml::table& root, Config& c, const std::string& source) const {
    std::set<std::string> top;  // the names the root table may hold
    for (const auto& k : keys_)
      if (k.in_file) top.insert(k.name.substr(0, k.name.find('.')));
    for (const auto& [name, section] : sections_) top.insert(name);
    TableReader(root, source, "").allow_only(top);
    std::set<std::string> checked_tables;
    for (const auto& k : keys_) {
      if (!k.in_file) continue;
      const auto dot = k.name.find('.');
      const toml::table* table = &root;
      if (dot != std::string::npos) {
        const std::string prefix = k.name.substr(0, dot);
        table = TableReader(root, source, "").table(prefix);
        if (!table) continue;
        if (checked_tables.insert(prefix).second) {
          std::set<std::string> allowed;
          for (const auto& other : keys_)
            if (other.in_file && other.name.rfind(prefix + ".", 0) == 0) allowed.insert(other.name.substr(dot + 1));
          TableReader(*table, source, prefix + ".").allow_only(allowed);
        }
      }
      if (const toml::node* node = table->get(dot == std::string::npos ? k.name : k.name.substr(dot + 1)))
        k.read(*node, c, source);
    }
    for (const auto& [name, read_section] : sections_)
      if (const toml::table* table = TableReader(root, source, "").table(name)) read_section(*table, c, source);
  }

  void check(const Config& c, const std::string& source) const {
    for (const auto& k : keys_) k.check(c, source);
    for (const auto& cross : cross_checks_) cross(c, source);
  }

  std::vector<Key<Config>> keys_;
  std::vector<std::pair<std::string, Section>> sections_;
  std::vector<Check> cross_checks_;
};

// The command line of one process over a table: options bound to a config that the file (if
// any) filled first; finish() stores the numbers given, then validates the whole config.
template <class Config>
class CommandLine {
 public:
  CommandLine(const Table<Config>& table, Config& config) : table_(table), config_(config) {}
  CommandLine& add_options(CLI::App& app, const std::set<std::string>& skip = {}) {
    table_.add_options(app, config_, pending_, skip);
    return *this;
  }
  // Only the keys named, on `app` (the tuner's --log-level sits before its subcommands).
  CommandLine& add_options_only(CLI::App& app, const std::set<std::string>& only) {
    std::set<std::string> skip;
    for (const auto& k : table_.keys())
      if (!only.count(k.name)) skip.insert(k.name);
    return add_options(app, skip);
  }
  Expected<void> finish(const std::string& source) {
    try {
      for (const auto& store : *pending_) store(source);
    } catch (const Fail& f) {
      return ConfigError{f.message};
    }
    pending_->clear();
    return table_.validate(config_, source);
  }

 private:
  const Table<Config>& table_;
  Config& config_;
  PendingNumbers pending_ = std::make_shared<PendingNumbers::element_type>();
};

// Fills `config` from the file that --config names in argv, if any, before the command line is
// parsed (so that the file gives the defaults the command line then overrides). On a refused
// file it prints "PROGRAM: bad config: ..." and returns false (the main then exits 2).
template <class Config>
bool load_config_argument(int argc, const char* const* argv, const Table<Config>& table, Config& config,
                          std::string& path, const char* program) {
  const auto found = find_config_argument(argc, argv);
  if (!found) return true;
  auto loaded = table.load(*found);
  if (!loaded) {
    std::cerr << program << ": bad config: " << loaded.error().message << "\n";
    return false;
  }
  config = std::move(loaded).value();
  path = *found;
  return true;
}

}  // namespace quante::config_detail
