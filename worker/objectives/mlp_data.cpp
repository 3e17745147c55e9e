// CSV reading, split and standardisation of the mlp objective's data; see mlp_data.hpp.
#include "mlp_data.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <map>
#include <optional>
#include <random>

namespace quante::mlp {

namespace {

std::string trim(const std::string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r' || s[b] == '"')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r' || s[e - 1] == '"')) --e;
  return s.substr(b, e - b);
}

std::vector<std::string> split_line(const std::string& line) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const auto comma = line.find(',', start);
    out.push_back(trim(line.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::optional<double> number(const std::string& s) {
  if (s.empty()) return std::nullopt;
  double v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

std::variant<MlpDataset, std::string> load_mlp_dataset(const MlpSpec& spec) {
  std::ifstream in(spec.data);
  if (!in) return "cannot open the mlp data file \"" + spec.data + "\"";
  return parse_mlp_csv(in, spec, spec.data);
}

std::variant<MlpDataset, std::string> parse_mlp_csv(std::istream& in, const MlpSpec& spec,
                                                    const std::string& source) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::size_t> line_of;
  std::string line;
  std::size_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (trim(line).empty()) continue;
    rows.push_back(split_line(line));
    line_of.push_back(line_no);
  }
  if (rows.empty()) return source + ": no rows";
  const std::size_t columns = rows[0].size();
  if (columns < 2) return source + ": needs at least one feature column and a label column";

  bool header = false;
  for (const auto& field : rows[0]) header = header || !number(field);
  std::vector<std::string> names = header ? rows[0] : std::vector<std::string>{};

  // The label column.
  std::size_t label = columns - 1;
  if (!spec.label.empty()) {
    bool found = false;
    for (std::size_t c = 0; c < names.size() && !found; ++c)
      if (names[c] == spec.label) label = c, found = true;
    if (!found) {
      long long index = 0;
      const auto [ptr, ec] = std::from_chars(spec.label.data(), spec.label.data() + spec.label.size(), index);
      if (ec != std::errc() || ptr != spec.label.data() + spec.label.size())
        return source + ": no column named \"" + spec.label + "\"" + (header ? "" : " (the file has no header)");
      if (index < 0) index += static_cast<long long>(columns);
      if (index < 0 || index >= static_cast<long long>(columns))
        return source + ": label column " + spec.label + " is outside 0.." + std::to_string(columns - 1);
      label = static_cast<std::size_t>(index);
    }
  }

  const std::size_t first = header ? 1 : 0;
  const std::size_t n = rows.size() - first;
  if (n < 2) return source + ": needs at least 2 data rows";
  const int features = static_cast<int>(columns - 1);
  std::vector<float> x(static_cast<std::size_t>(features) * n);
  std::vector<std::string> labels(n);
  for (std::size_t r = 0; r < n; ++r) {
    const auto& row = rows[first + r];
    const std::string where = source + " line " + std::to_string(line_of[first + r]);
    if (row.size() != columns)
      return where + ": " + std::to_string(row.size()) + " fields, expected " + std::to_string(columns);
    std::size_t f = 0;
    for (std::size_t c = 0; c < columns; ++c) {
      if (c == label) {
        labels[r] = row[c];
        continue;
      }
      const auto v = number(row[c]);
      if (!v || !std::isfinite(*v))
        return where + " column " + std::to_string(c) + (header ? " (" + names[c] + ")" : "") +
               ": \"" + row[c] + "\" is not a finite number";
      x[r * static_cast<std::size_t>(features) + f++] = static_cast<float>(*v);
    }
  }

  MlpDataset data;
  data.task = spec.task;
  data.features = features;
  std::vector<float> y(n);
  if (spec.task == Task::Classification) {
    bool all_numeric = true;
    for (const auto& l : labels) all_numeric = all_numeric && number(l).has_value();
    std::vector<std::string> distinct = labels;
    std::sort(distinct.begin(), distinct.end(), [&](const std::string& a, const std::string& b) {
      return all_numeric ? *number(a) < *number(b) : a < b;
    });
    distinct.erase(std::unique(distinct.begin(), distinct.end(),
                               [&](const std::string& a, const std::string& b) {
                                 return all_numeric ? *number(a) == *number(b) : a == b;
                               }),
                   distinct.end());
    if (distinct.size() < 2) return source + ": classification needs at least 2 classes in the label column";
    if (distinct.size() > 4096) return source + ": more than 4096 classes in the label column";
    std::map<std::string, int> index;
    for (std::size_t i = 0; i < distinct.size(); ++i) index[distinct[i]] = static_cast<int>(i);
    for (std::size_t r = 0; r < n; ++r) {
      int c = -1;
      if (auto it = index.find(labels[r]); it != index.end()) c = it->second;
      else  // a numeric label spelt differently ("1.0" vs "1")
        for (std::size_t i = 0; i < distinct.size() && c < 0; ++i)
          if (*number(distinct[i]) == *number(labels[r])) c = static_cast<int>(i);
      y[r] = static_cast<float>(c);
    }
    data.classes = static_cast<int>(distinct.size());
    data.class_names = distinct;
  } else {
    for (std::size_t r = 0; r < n; ++r) {
      const auto v = number(labels[r]);
      if (!v || !std::isfinite(*v))
        return source + " line " + std::to_string(line_of[first + r]) + ": regression label \"" + labels[r] +
               "\" is not a finite number";
      y[r] = static_cast<float>(*v);
    }
  }

  // Seeded split (portable Fisher-Yates: std::shuffle's draws differ between libraries).
  std::vector<std::size_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = i;
  std::mt19937_64 rng(spec.split_seed);
  for (std::size_t i = n - 1; i > 0; --i) {
    const std::size_t j = static_cast<std::size_t>((rng() >> 11) % (i + 1));
    std::swap(order[i], order[j]);
  }
  const std::size_t n_val = std::clamp<std::size_t>(
      static_cast<std::size_t>(std::llround(spec.val_fraction * static_cast<double>(n))), 1, n - 1);
  const std::size_t n_train = n - n_val;
  data.n_train = static_cast<int>(n_train);
  data.n_val = static_cast<int>(n_val);
  const auto fs = static_cast<std::size_t>(features);
  auto take = [&](std::size_t from, std::size_t count, std::vector<float>& xs, std::vector<float>& ys) {
    xs.resize(fs * count);
    ys.resize(count);
    for (std::size_t i = 0; i < count; ++i) {
      const std::size_t r = order[from + i];
      std::copy_n(x.begin() + static_cast<std::ptrdiff_t>(r * fs), fs, xs.begin() + static_cast<std::ptrdiff_t>(i * fs));
      ys[i] = y[r];
    }
  };
  take(0, n_train, data.x_train, data.y_train);
  take(n_train, n_val, data.x_val, data.y_val);

  // Standardise with the training rows' statistics.
  for (std::size_t f = 0; f < fs; ++f) {
    double sum = 0, sum2 = 0;
    for (std::size_t i = 0; i < n_train; ++i) {
      const double v = data.x_train[i * fs + f];
      sum += v;
      sum2 += v * v;
    }
    const double mean = sum / static_cast<double>(n_train);
    const double var = std::max(0.0, sum2 / static_cast<double>(n_train) - mean * mean);
    const double sd = var > 1e-12 ? std::sqrt(var) : 1.0;
    for (std::size_t i = 0; i < n_train; ++i)
      data.x_train[i * fs + f] = static_cast<float>((data.x_train[i * fs + f] - mean) / sd);
    for (std::size_t i = 0; i < n_val; ++i)
      data.x_val[i * fs + f] = static_cast<float>((data.x_val[i * fs + f] - mean) / sd);
  }
  data.source = source + " (" + std::to_string(n) + " rows: " + std::to_string(n_train) + " train, " +
                std::to_string(n_val) + " validation; " + std::to_string(features) + " features; " +
                (spec.task == Task::Classification ? std::to_string(data.classes) + " classes" : "regression") + ")";
  return data;
}

}  // namespace quante::mlp
