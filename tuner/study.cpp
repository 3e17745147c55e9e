#include "study.hpp"

#include <cmath>

#include <fstream>
#include <set>
#include <sstream>

#include <toml++/toml.h>

#include "toml_guard.hpp"

namespace quante {

namespace {

struct Fail {
  std::string message;
};

class Reader {
 public:
  Reader(const toml::table& table, std::string where) : table_(table), where_(std::move(where)) {}

  void allow_only(const std::set<std::string>& keys) const {
    for (const auto& [key, value] : table_) {
      if (!keys.count(std::string(key.str())))
        throw Fail{where_ + "unknown key '" + std::string(key.str()) + "'"};
    }
  }
  const toml::node* node(const std::string& key) const { return table_.get(key); }

  std::optional<std::string> string(const std::string& key) const {
    const auto* n = node(key);
    if (!n) return std::nullopt;
    if (!n->is_string()) throw Fail{where_ + "'" + key + "' must be a string"};
    return n->value<std::string>();
  }
  std::optional<std::int64_t> integer(const std::string& key) const {
    const auto* n = node(key);
    if (!n) return std::nullopt;
    if (!n->is_integer()) throw Fail{where_ + "'" + key + "' must be an integer"};
    return n->value<std::int64_t>();
  }
  std::optional<double> number(const std::string& key) const {
    const auto* n = node(key);
    if (!n) return std::nullopt;
    if (!n->is_number()) throw Fail{where_ + "'" + key + "' must be a number"};
    return n->value<double>();
  }
  std::optional<bool> boolean(const std::string& key) const {
    const auto* n = node(key);
    if (!n) return std::nullopt;
    if (!n->is_boolean()) throw Fail{where_ + "'" + key + "' must be true or false"};
    return n->value<bool>();
  }
  const toml::table* table(const std::string& key) const {
    const auto* n = node(key);
    if (!n) return nullptr;
    if (!n->is_table()) throw Fail{where_ + "'" + key + "' must be a table"};
    return n->as_table();
  }
  std::string where() const { return where_; }

 private:
  const toml::table& table_;
  std::string where_;
};

std::int64_t positive(std::int64_t v, const std::string& where, const std::string& key, std::int64_t min) {
  if (v < min) throw Fail{where + "'" + key + "' must be at least " + std::to_string(min)};
  return v;
}

ParamSpec parse_param(const std::string& name, const toml::node& node, const std::string& file) {
  const std::string where = file + ": [space]." + name + ": ";
  if (!node.is_table()) throw Fail{where + "must be an inline table such as { type = \"float\", low = 0.0, high = 1.0 }"};
  Reader r(*node.as_table(), where);
  ParamSpec p;
  p.name = name;
  const auto type = r.string("type");
  if (!type) throw Fail{where + "missing key 'type' (float, int or categorical)"};
  if (*type == "float" || *type == "int") {
    r.allow_only({"type", "low", "high", "log"});
    p.type = *type == "float" ? ParamType::Float : ParamType::Int;
    auto bound = [&](const std::string& key) -> std::optional<double> {
      if (p.type == ParamType::Float) return r.number(key);
      if (auto v = r.integer(key)) return static_cast<double>(*v);
      return std::nullopt;
    };
    const auto low = bound("low");
    const auto high = bound("high");
    if (!low) throw Fail{where + "missing key 'low'"};
    if (!high) throw Fail{where + "missing key 'high'"};
    p.low = *low;
    p.high = *high;
    p.log = r.boolean("log").value_or(false);
  } else if (*type == "categorical") {
    r.allow_only({"type", "choices"});
    p.type = ParamType::Categorical;
    const auto* choices = r.node("choices");
    if (!choices || !choices->is_array()) throw Fail{where + "'choices' must be an array of strings"};
    for (const auto& c : *choices->as_array()) {
      if (!c.is_string()) throw Fail{where + "'choices' must be an array of strings"};
      p.choices.push_back(*c.value<std::string>());
    }
  } else {
    throw Fail{where + "'type' must be \"float\", \"int\" or \"categorical\", not \"" + *type + "\""};
  }
  if (auto error = SearchSpace::check({p})) throw Fail{file + ": [space]: " + *error};
  return p;
}

tuner::scheduling::FidelitySettings parse_fidelity(const toml::table& table, const std::string& file) {
  namespace sch = tuner::scheduling;
  Reader f(table, file + ": [fidelity]: ");
  f.allow_only({"step_max", "step_min", "eta", "scheduler", "budget_steps", "min_trials_at_rung", "model_input", "joint_kernel",
                "keep_probability"});
  sch::FidelitySettings settings;
  const auto step_max = f.integer("step_max");
  if (!step_max) throw Fail{f.where() + "missing key 'step_max' (the steps, e.g. epochs, of a full-length trial)"};
  settings.step_max = *step_max;
  if (auto v = f.integer("step_min")) settings.step_min = *v;
  if (auto v = f.number("eta")) settings.eta = *v;
  if (auto name = f.string("scheduler")) {
    auto kind = sch::parse_scheduler_kind(*name);
    if (!kind) throw Fail{f.where() + "'scheduler' must be \"asha\", \"hyperband\", \"median\" or \"none\", not \"" + *name + "\""};
    settings.scheduler = *kind;
  }
  if (auto v = f.integer("budget_steps")) settings.budget_steps = *v;
  if (auto v = f.integer("min_trials_at_rung")) {
    if (*v < 0 || *v > 100000) throw Fail{f.where() + "'min_trials_at_rung' must be between 0 and 100000"};
    settings.min_trials_at_rung = static_cast<int>(*v);
  }
  if (auto input = f.string("model_input")) {
    if (*input == "forecast") settings.model_input = sch::ModelInput::Forecast;
    else if (*input == "rung") settings.model_input = sch::ModelInput::Rung;
    else if (*input == "joint") settings.model_input = sch::ModelInput::Joint;
    else throw Fail{f.where() + "'model_input' must be \"rung\", \"forecast\" or \"joint\", not \"" + *input + "\""};
  }
  if (auto v = f.number("keep_probability")) settings.keep_probability = *v;
  if (auto kernel = f.string("joint_kernel")) {
    if (*kernel == "decay") settings.joint_kernel = sch::JointKernel::Decay;
    else if (*kernel == "stationary") settings.joint_kernel = sch::JointKernel::Stationary;
    else throw Fail{f.where() + "'joint_kernel' must be \"decay\" or \"stationary\", not \"" + *kernel + "\""};
  }
  if (auto problem = sch::validate(settings)) throw Fail{file + ": [fidelity]: " + *problem};
  return settings;
}

Study parse(const toml::table& root, const std::string& file) {
  Reader r(root, file + ": ");
  r.allow_only({"name", "objective", "direction", "budget", "batch", "initial", "mode", "queue_ahead", "seed", "timeout", "retries",
                "space", "model", "stop", "fidelity", "resources", "objective_metric"});
  Study s;
  s.name = r.string("name").value_or("");
  if (s.name.empty()) throw Fail{file + ": missing key 'name'"};
  if (s.name.size() > 200) throw Fail{file + ": 'name' is longer than 200 characters"};
  s.objective = r.string("objective").value_or("");
  if (s.objective.empty()) throw Fail{file + ": missing key 'objective' (an objective name that workers serve)"};
  if (auto d = r.string("direction")) {
    if (*d == "minimize") s.direction = Direction::Minimize;
    else if (*d == "maximize") s.direction = Direction::Maximize;
    else throw Fail{file + ": 'direction' must be \"minimize\" or \"maximize\", not \"" + *d + "\""};
  }
  if (auto m = r.string("objective_metric")) {
    if (m->empty() || m->size() > 200)
      throw Fail{file + ": 'objective_metric' must name a metric the objective reports (1 to 200 characters)"};
    s.objective_metric = *m;
  }
  const auto budget = r.integer("budget");
  if (!budget) throw Fail{file + ": missing key 'budget' (evaluations in all)"};
  s.budget = static_cast<int>(positive(*budget, file + ": ", "budget", 1));
  if (*budget > 1000000) throw Fail{file + ": 'budget' must be at most 1000000"};
  if (auto b = r.integer("batch")) {
    // Checked before the narrowing to int, so that 2^32 + 4 is not read as 4.
    if (*b > kMaxBatch)
      throw Fail{file + ": 'batch' must be at most " + std::to_string(kMaxBatch) +
                 " (points proposed together: a larger batch's proposal would not finish)"};
    s.batch = static_cast<int>(positive(*b, file + ": ", "batch", 1));
  }
  if (auto i = r.integer("initial")) {
    if (*i > kMaxInitial) throw Fail{file + ": 'initial' must be at most " + std::to_string(kMaxInitial)};
    s.initial = static_cast<int>(positive(*i, file + ": ", "initial", 1));
  }
  if (auto m = r.string("mode")) {
    if (*m == "async") s.mode = ProposalMode::Async;
    else if (*m == "sync") s.mode = ProposalMode::Sync;
    else throw Fail{file + ": 'mode' must be \"async\" or \"sync\", not \"" + *m + "\""};
  }
  if (auto a = r.integer("queue_ahead")) {
    if (*a > kMaxBatch) throw Fail{file + ": 'queue_ahead' must be at most " + std::to_string(kMaxBatch)};
    s.queue_ahead = static_cast<int>(positive(*a, file + ": ", "queue_ahead", 0));
  }
  if (auto seed = r.integer("seed")) s.seed = static_cast<std::uint64_t>(positive(*seed, file + ": ", "seed", 0));
  if (auto t = r.number("timeout")) {
    if (!(*t > 0 && *t <= 30 * 86400.0))
      throw Fail{file + ": 'timeout' must be a positive number of seconds, at most 2592000 (30 days)"};
    s.timeout_s = *t;
  }
  if (auto retries = r.integer("retries")) {
    if (*retries > 100) throw Fail{file + ": 'retries' must be at most 100"};
    s.retries = static_cast<int>(positive(*retries, file + ": ", "retries", 0));
  }

  const toml::table* space = r.table("space");
  if (!space || space->empty()) throw Fail{file + ": missing table [space] (the parameters to tune)"};
  std::vector<ParamSpec> specs;
  for (const auto& [key, node] : *space) specs.push_back(parse_param(std::string(key.str()), node, file));
  if (auto error = SearchSpace::check(specs)) throw Fail{file + ": [space]: " + *error};
  s.space = SearchSpace(std::move(specs));
  if (s.initial == 0) s.initial = static_cast<int>(std::max<std::size_t>(2, 2 * s.space.size()));

  if (const toml::table* model = r.table("model")) {
    Reader m(*model, file + ": [model]: ");
    m.allow_only({"kernel", "acquisition", "transform", "prior_mean", "candidates"});
    if (auto k = m.string("kernel")) s.model.kernel = *k;
    if (auto a = m.string("acquisition")) {
      if (*a != "qei" && *a != "random_batches" && *a != "random")
        throw Fail{file + ": [model]: 'acquisition' must be \"qei\", \"random_batches\" or \"random\", not \"" + *a + "\""};
      s.model.acquisition = *a;
    }
    if (auto t = m.string("transform")) {
      if (*t != "power" && *t != "standardize" && *t != "rank_normal" && *t != "log")
        throw Fail{file + ": [model]: 'transform' must be \"power\", \"standardize\", \"rank_normal\" or \"log\", not \"" +
                   *t + "\""};
      s.model.transform = *t;
    }
    if (auto pm = m.string("prior_mean")) {
      if (*pm != "max" && *pm != "mean")
        throw Fail{file + ": [model]: 'prior_mean' must be \"max\" or \"mean\", not \"" + *pm + "\""};
      s.model.prior_mean = *pm;
    }
    if (auto c = m.integer("candidates")) {
      if (*c > kMaxCandidates) throw Fail{m.where() + "'candidates' must be at most " + std::to_string(kMaxCandidates)};
      s.model.candidates = static_cast<int>(positive(*c, m.where(), "candidates", 1));
    }
  }
  if (const toml::table* stop = r.table("stop")) {
    Reader st(*stop, file + ": [stop]: ");
    st.allow_only({"max_seconds", "target", "patience", "min_qei", "max_failures_in_a_row", "confirm"});
    if (auto v = st.number("max_seconds")) {
      if (!(*v > 0)) throw Fail{st.where() + "'max_seconds' must be positive"};
      s.stop.max_seconds = *v;
    }
    s.stop.target = st.number("target");
    if (auto p = st.integer("patience")) {
      if (*p > 1000000) throw Fail{st.where() + "'patience' must be at most 1000000"};
      s.stop.patience = static_cast<int>(positive(*p, st.where(), "patience", 1));
    }
    if (auto q = st.number("min_qei")) {
      if (!(*q >= 0)) throw Fail{st.where() + "'min_qei' must be non-negative"};
      s.stop.min_qei = *q;
    }
    if (auto f = st.integer("max_failures_in_a_row")) {
      if (*f > 1000000) throw Fail{st.where() + "'max_failures_in_a_row' must be at most 1000000 (0: never stop)"};
      s.stop.max_failures_in_a_row = static_cast<int>(positive(*f, st.where(), "max_failures_in_a_row", 0));
    }
    if (auto c = st.integer("confirm")) {
      if (*c < 0 || *c > 100) throw Fail{st.where() + "'confirm' must be between 0 and 100 (the best points re-evaluated at the end)"};
      s.stop.confirm = static_cast<int>(*c);
    }
  }
  if (const toml::table* fidelity = r.table("fidelity")) s.fidelity = parse_fidelity(*fidelity, file);
  if (const toml::table* resources = r.table("resources")) {
    Reader res(*resources, file + ": [resources]: ");
    res.allow_only({"gpu_memory_gib"});
    if (auto gib = res.number("gpu_memory_gib")) {
      if (!(*gib >= 0 && *gib <= 65536)) throw Fail{res.where() + "'gpu_memory_gib' must be between 0 and 65536"};
      s.min_gpu_memory_mib = static_cast<std::int64_t>(std::ceil(*gib * 1024.0));
    }
  }
  if (s.fidelity && !s.objective_metric.empty())
    throw Fail{file + ": 'objective_metric' cannot be used with [fidelity]: rung reports carry the loss, which the "
                      "early-stopping scheduler compares; optimise the loss, or drop [fidelity]"};
  return s;
}

}  // namespace

std::string Study::fingerprint() const {
  return "objective=" + objective + ";direction=" + (direction == Direction::Minimize ? "minimize" : "maximize") +
         ";space=" + space.fingerprint() + (objective_metric.empty() ? "" : ";metric=" + objective_metric);
}

Expected<Study> parse_study(const std::string& toml_text, const std::string& source_name) {
  if (auto unsafe = toml_unsafe_text(toml_text)) return StudyError{source_name + ":" + *unsafe};
  try {
    toml::table root = toml::parse(toml_text, source_name);
    return parse(root, source_name);
  } catch (const toml::parse_error& e) {
    std::ostringstream out;
    out << source_name << ":" << e.source().begin.line << ":" << e.source().begin.column << ": " << e.description();
    return StudyError{out.str()};
  } catch (const Fail& f) {
    return StudyError{f.message};
  } catch (const std::exception& e) {
    return StudyError{source_name + ": " + e.what()};
  }
}

Expected<Study> load_study(const std::string& path) {
  std::ifstream in(path);
  if (!in) return StudyError{path + ": cannot open the study file"};
  std::stringstream text;
  text << in.rdbuf();
  return parse_study(text.str(), path);
}

}  // namespace quante
