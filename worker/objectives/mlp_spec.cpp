// Parsing of the mlp objective's spec and per-job hyperparameters; see mlp_spec.hpp.
#include "mlp_spec.hpp"

#include <charconv>
#include <cmath>
#include <optional>
#include <set>
#include <sstream>

namespace quante::mlp {

namespace {

constexpr int kMaxLayers = 16;
constexpr int kMaxWidth = 4096;

const std::set<std::string, std::less<>> kHyperNames = {
    "layers", "width", "activation", "lr", "batch_size", "weight_decay", "epochs",
    "optimizer", "momentum", "dropout", "seed"};

bool is_width_name(std::string_view name, int* index) {
  if (!name.starts_with("width") || name.size() == 5) return false;
  int value = -1;
  const auto* begin = name.data() + 5;
  const auto* end = name.data() + name.size();
  const auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || ptr != end || value < 0 || value >= kMaxLayers) return false;
  if (index) *index = value;
  return true;
}

std::optional<double> parse_double(const std::string& text) {
  if (text.empty()) return std::nullopt;
  std::size_t used = 0;
  try {
    const double v = std::stod(text, &used);
    if (used != text.size()) return std::nullopt;
    return v;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// A spec value as a param: an integer if it reads as one, else a real, else a string.
ParamValue spec_value(const std::string& text) {
  std::int64_t i = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), i);
  if (ec == std::errc() && ptr == text.data() + text.size()) return i;
  if (const auto d = parse_double(text)) return *d;
  return text;
}

std::string percent_decode(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      int v = 0;
      const auto [ptr, ec] = std::from_chars(text.data() + i + 1, text.data() + i + 3, v, 16);
      if (ec == std::errc() && ptr == text.data() + i + 3) {
        out.push_back(static_cast<char>(v));
        i += 2;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

// Reads one hyperparameter; each returns an error message or empty.
struct HyperReader {
  const Params& params;
  const Params& defaults;

  const ParamValue* find(const std::string& name) const {
    if (auto it = params.find(name); it != params.end()) return &it->second;
    if (auto it = defaults.find(name); it != defaults.end()) return &it->second;
    return nullptr;
  }

  std::string integer(const std::string& name, long long low, long long high, long long& out) const {
    const ParamValue* v = find(name);
    if (!v) return {};
    double x;
    if (const auto* i = std::get_if<std::int64_t>(v)) {
      x = static_cast<double>(*i);
    } else if (const auto* d = std::get_if<double>(v)) {
      x = *d;
      if (!std::isfinite(x) || std::abs(x - std::round(x)) > 1e-6)
        return "parameter " + name + " must be an integer, got " + quante::to_string(*v);
      x = std::round(x);
    } else {
      return "parameter " + name + " must be an integer, got \"" + quante::to_string(*v) + "\"";
    }
    if (x < static_cast<double>(low) || x > static_cast<double>(high))
      return "parameter " + name + " = " + quante::to_string(*v) + " is outside [" + std::to_string(low) +
             ", " + std::to_string(high) + "]";
    out = static_cast<long long>(x);
    return {};
  }

  std::string real(const std::string& name, double low, double high, bool open_low, double& out) const {
    const ParamValue* v = find(name);
    if (!v) return {};
    double x;
    if (const auto* i = std::get_if<std::int64_t>(v)) x = static_cast<double>(*i);
    else if (const auto* d = std::get_if<double>(v)) x = *d;
    else return "parameter " + name + " must be a number, got \"" + quante::to_string(*v) + "\"";
    if (!std::isfinite(x) || x < low || x > high || (open_low && x == low)) {
      std::ostringstream range;
      range << (open_low ? "(" : "[") << low << ", " << high << "]";
      return "parameter " + name + " = " + quante::to_string(*v) + " is outside " + range.str();
    }
    out = x;
    return {};
  }

  std::string choice(const std::string& name, const std::vector<std::string>& choices, int& out) const {
    const ParamValue* v = find(name);
    if (!v) return {};
    const auto* s = std::get_if<std::string>(v);
    std::string known;
    for (std::size_t i = 0; i < choices.size(); ++i) {
      if (s && *s == choices[i]) {
        out = static_cast<int>(i);
        return {};
      }
      known += (i ? "|" : "") + choices[i];
    }
    return "parameter " + name + " = " + quante::to_string(*v) + " must be one of " + known;
  }
};

}  // namespace

const char* to_string(Activation a) {
  switch (a) {
    case Activation::Relu: return "relu";
    case Activation::Gelu: return "gelu";
    case Activation::Tanh: return "tanh";
  }
  return "?";
}
const char* to_string(OptimizerKind o) { return o == OptimizerKind::Sgd ? "sgd" : "adam"; }
const char* to_string(Device d) {
  switch (d) {
    case Device::Auto: return "auto";
    case Device::Cpu: return "cpu";
    case Device::Cuda: return "cuda";
  }
  return "?";
}
const char* to_string(Task t) { return t == Task::Classification ? "classification" : "regression"; }

std::variant<MlpSpec, std::string> parse_mlp_spec(const std::string& query) {
  MlpSpec spec;
  std::set<std::string> seen;
  std::size_t start = 0;
  while (start <= query.size()) {
    std::size_t end = query.find('&', start);
    if (end == std::string::npos) end = query.size();
    const std::string item = query.substr(start, end - start);
    start = end + 1;
    if (item.empty()) continue;
    const auto eq = item.find('=');
    if (eq == std::string::npos) return "mlp spec item \"" + item + "\" is not KEY=VALUE";
    const std::string key = item.substr(0, eq);
    const std::string value = percent_decode(item.substr(eq + 1));
    if (!seen.insert(key).second) return "mlp spec key \"" + key + "\" is given twice";
    if (key == "data") {
      spec.data = value;
    } else if (key == "label") {
      spec.label = value;
    } else if (key == "task") {
      if (value == "classification") spec.task = Task::Classification;
      else if (value == "regression") spec.task = Task::Regression;
      else return "mlp spec task=" + value + ": expected classification or regression";
    } else if (key == "val_fraction") {
      const auto v = parse_double(value);
      if (!v || !(*v > 0.0 && *v <= 0.9)) return "mlp spec val_fraction=" + value + ": expected a number in (0, 0.9]";
      spec.val_fraction = *v;
    } else if (key == "device") {
      if (value == "auto") spec.device = Device::Auto;
      else if (value == "cpu") spec.device = Device::Cpu;
      else if (value == "cuda" || value == "gpu") spec.device = Device::Cuda;
      else return "mlp spec device=" + value + ": expected auto, cpu or cuda";
    } else if (key == "split_seed") {
      std::uint64_t s = 0;
      const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), s);
      if (ec != std::errc() || ptr != value.data() + value.size())
        return "mlp spec split_seed=" + value + ": expected an integer >= 0";
      spec.split_seed = s;
    } else if (kHyperNames.count(key) || is_width_name(key, nullptr)) {
      spec.defaults[key] = spec_value(value);
    } else {
      return "unknown mlp spec key \"" + key +
             "\"; known: data, label, task, val_fraction, device, split_seed and the hyperparameters "
             "layers, width, widthN, activation, lr, batch_size, weight_decay, epochs, optimizer, momentum, "
             "dropout, seed";
    }
  }
  if (spec.data.empty()) return "mlp spec needs data=PATH (a CSV file)";
  // The defaults must themselves be valid hyperparameters.
  auto checked = parse_mlp_hyper({}, spec.defaults);
  if (const auto* error = std::get_if<std::string>(&checked)) return "mlp spec default: " + *error;
  return spec;
}

std::variant<MlpHyper, std::string> parse_mlp_hyper(const Params& params, const Params& defaults) {
  for (const auto& [name, value] : params) {
    if (!kHyperNames.count(name) && !is_width_name(name, nullptr))
      return "unexpected parameter " + name +
             " (mlp takes layers, width, widthN, activation, lr, batch_size, weight_decay, epochs, optimizer, "
             "momentum, dropout, seed)";
  }
  const HyperReader r{params, defaults};
  MlpHyper h;
  std::string e;
  long long layers = static_cast<long long>(h.widths.size());
  long long width = 64;
  if (!(e = r.integer("layers", 0, kMaxLayers, layers)).empty()) return e;
  if (!(e = r.integer("width", 1, kMaxWidth, width)).empty()) return e;
  h.widths.assign(static_cast<std::size_t>(layers), static_cast<int>(width));
  for (long long i = 0; i < layers; ++i) {
    long long w = width;
    if (!(e = r.integer("width" + std::to_string(i), 1, kMaxWidth, w)).empty()) return e;
    h.widths[static_cast<std::size_t>(i)] = static_cast<int>(w);
  }
  int act = 0;
  if (!(e = r.choice("activation", {"relu", "gelu", "tanh"}, act)).empty()) return e;
  h.activation = static_cast<Activation>(act);
  if (!(e = r.real("lr", 0.0, 10.0, true, h.lr)).empty()) return e;
  long long batch = h.batch_size;
  if (!(e = r.integer("batch_size", 1, 65536, batch)).empty()) return e;
  h.batch_size = static_cast<int>(batch);
  if (!(e = r.real("weight_decay", 0.0, 10.0, false, h.weight_decay)).empty()) return e;
  long long epochs = h.epochs;
  if (!(e = r.integer("epochs", 1, 10000, epochs)).empty()) return e;
  h.epochs = static_cast<int>(epochs);
  int opt = 1;
  if (!(e = r.choice("optimizer", {"sgd", "adam"}, opt)).empty()) return e;
  h.optimizer = static_cast<OptimizerKind>(opt);
  if (!(e = r.real("momentum", 0.0, 0.999, false, h.momentum)).empty()) return e;
  if (!(e = r.real("dropout", 0.0, 0.95, false, h.dropout)).empty()) return e;
  long long seed = 0;
  if (!(e = r.integer("seed", 0, (1LL << 53), seed)).empty()) return e;
  h.seed = static_cast<std::uint64_t>(seed);
  return h;
}

std::string describe(const MlpHyper& h) {
  std::ostringstream out;
  out << "widths=[";
  for (std::size_t i = 0; i < h.widths.size(); ++i) out << (i ? "," : "") << h.widths[i];
  out << "] activation=" << to_string(h.activation) << " lr=" << h.lr << " batch_size=" << h.batch_size
      << " weight_decay=" << h.weight_decay << " epochs=" << h.epochs << " optimizer=" << to_string(h.optimizer)
      << " dropout=" << h.dropout << " seed=" << h.seed;
  return out.str();
}

}  // namespace quante::mlp
