// The study file: the ARCHITECTURE.md example parses with every key, defaults fill the rest,
// and each kind of bad file is refused with a message naming the key.
#include <catch2/catch.hpp>

#include <filesystem>

#include "study.hpp"

using namespace quante;

namespace {

const std::string kExample = R"TOML(
name = "hartmann6-demo"
objective = "hartmann6"
direction = "minimize"
budget = 60
batch = 4
initial = 12
mode = "async"
seed = 7

[space]
x0     = { type = "float", low = 0.0, high = 1.0 }
lr     = { type = "float", low = 1e-5, high = 1e-1, log = true }
layers = { type = "int", low = 1, high = 6 }
act    = { type = "categorical", choices = ["relu", "gelu", "tanh"] }

[model]
kernel = "Matern(nu=2.5) + WhiteKernel()"
acquisition = "qei"
)TOML";

Study parse_ok(const std::string& text) {
  auto parsed = parse_study(text, "study.toml");
  if (!parsed) FAIL(parsed.error().message);
  return parsed.value();
}

std::string parse_error(const std::string& text) {
  auto parsed = parse_study(text, "study.toml");
  REQUIRE_FALSE(parsed);
  return parsed.error().message;
}

std::string minimal(const std::string& top, const std::string& space = "x = { type = \"float\", low = 0.0, high = 1.0 }\n") {
  return top + "\n[space]\n" + space;
}

}  // namespace

TEST_CASE("the ARCHITECTURE.md example parses", "[study]") {
  const Study s = parse_ok(kExample);
  CHECK(s.name == "hartmann6-demo");
  CHECK(s.objective == "hartmann6");
  CHECK(s.direction == Direction::Minimize);
  CHECK(s.budget == 60);
  CHECK(s.batch == 4);
  CHECK(s.initial == 12);
  CHECK(s.mode == ProposalMode::Async);
  CHECK(s.seed == 7);
  REQUIRE(s.space.size() == 4);
  CHECK(s.space.encoded_dim() == 6);  // three one-hot coordinates for act
  const ParamSpec* lr = s.space.find("lr");
  REQUIRE(lr);
  CHECK(lr->log);
  CHECK(lr->low == Approx(1e-5));
  CHECK(s.space.find("layers")->type == ParamType::Int);
  CHECK(s.space.find("act")->choices == std::vector<std::string>{"relu", "gelu", "tanh"});
  CHECK(s.model.kernel == "Matern(nu=2.5) + WhiteKernel()");
  CHECK(s.model.acquisition == "qei");
}

TEST_CASE("defaults and optional tables", "[study]") {
  const Study s = parse_ok(minimal("name = \"n\"\nobjective = \"o\"\nbudget = 5"));
  CHECK(s.batch == 4);
  CHECK(s.initial == 2);
  CHECK(s.mode == ProposalMode::Async);
  CHECK(s.retries == 1);
  CHECK(s.queue_ahead == 1);
  CHECK(s.model.transform == "power");
  CHECK(s.model.prior_mean == "max");
  CHECK_FALSE(s.stop.max_seconds);

  const Study t = parse_ok(minimal(
      "name = \"n\"\nobjective = \"o\"\nbudget = 5\ndirection = \"maximize\"\nmode = \"sync\"\ntimeout = 30\nretries = 0\n"
      "queue_ahead = 0\n[stop]\nmax_seconds = 60\ntarget = 0.5\npatience = 10\nmin_qei = 1e-6\n"
      "[model]\ntransform = \"rank_normal\"\nprior_mean = \"mean\"\nacquisition = \"random_batches\"\ncandidates = 500\n"));
  CHECK(t.direction == Direction::Maximize);
  CHECK(t.sign() == -1.0);
  CHECK(t.better(2.0, 1.0));
  CHECK(t.mode == ProposalMode::Sync);
  CHECK(t.timeout_s == 30);
  CHECK(t.retries == 0);
  CHECK(t.queue_ahead == 0);
  CHECK(*t.stop.max_seconds == 60);
  CHECK(*t.stop.target == 0.5);
  CHECK(*t.stop.patience == 10);
  CHECK(*t.stop.min_qei == 1e-6);
  CHECK(t.model.transform == "rank_normal");
  CHECK(t.model.prior_mean == "mean");
  CHECK(t.model.candidates == 500);
}

TEST_CASE("bad study files are refused with the key named", "[study]") {
  const std::string top = "name = \"n\"\nobjective = \"o\"\nbudget = 5\n";
  CHECK_THAT(parse_error("name = \"n\"\nbudget = 5\n[space]\nx = { type = \"float\", low = 0.0, high = 1.0 }"),
             Catch::Contains("'objective'"));
  CHECK_THAT(parse_error(minimal("objective = \"o\"\nbudget = 5")), Catch::Contains("'name'"));
  CHECK_THAT(parse_error(minimal("name = \"n\"\nobjective = \"o\"")), Catch::Contains("'budget'"));
  CHECK_THAT(parse_error(minimal(top + "budgett = 3")), Catch::Contains("unknown key 'budgett'"));
  CHECK_THAT(parse_error(minimal("name = \"n\"\nobjective = \"o\"\nbudget = 0")), Catch::Contains("'budget'"));
  CHECK_THAT(parse_error(minimal("name = \"n\"\nobjective = \"o\"\nbudget = \"ten\"")), Catch::Contains("'budget' must be an integer"));
  CHECK_THAT(parse_error(minimal(top + "batch = -1")), Catch::Contains("'batch'"));
  CHECK_THAT(parse_error(minimal(top + "direction = \"up\"")), Catch::Contains("'direction'"));
  CHECK_THAT(parse_error(minimal(top + "mode = \"fast\"")), Catch::Contains("'mode'"));
  CHECK_THAT(parse_error(minimal(top + "queue_ahead = -1")), Catch::Contains("'queue_ahead'"));
  CHECK_THAT(parse_error(minimal(top + "queue_ahead = 5000")), Catch::Contains("'queue_ahead' must be at most 256"));
  CHECK_THAT(parse_error(minimal(top + "timeout = -3")), Catch::Contains("'timeout'"));
  CHECK_THAT(parse_error(top), Catch::Contains("[space]"));
  CHECK_THAT(parse_error(minimal(top, "x = { type = \"float\", low = 1.0, high = 0.0 }")),
             Catch::Contains("'x'") && Catch::Contains("low must be less than high"));
  CHECK_THAT(parse_error(minimal(top, "x = { type = \"float\", low = 0.0, high = 1.0, log = true }")),
             Catch::Contains("'x'") && Catch::Contains("low > 0"));
  CHECK_THAT(parse_error(minimal(top, "x = { type = \"int\", low = 0.5, high = 3 }")), Catch::Contains("[space].x"));
  CHECK_THAT(parse_error(minimal(top, "x = { type = \"double\", low = 0.0, high = 1.0 }")), Catch::Contains("'type'"));
  CHECK_THAT(parse_error(minimal(top, "x = { low = 0.0, high = 1.0 }")), Catch::Contains("'type'"));
  CHECK_THAT(parse_error(minimal(top, "x = { type = \"float\", low = 0.0 }")), Catch::Contains("'high'"));
  CHECK_THAT(parse_error(minimal(top, "x = { type = \"float\", low = 0.0, high = 1.0, step = 2 }")),
             Catch::Contains("unknown key 'step'"));
  CHECK_THAT(parse_error(minimal(top, "c = { type = \"categorical\", choices = [] }")), Catch::Contains("'c'"));
  CHECK_THAT(parse_error(minimal(top, "c = { type = \"categorical\", choices = [\"a\", \"a\"] }")), Catch::Contains("distinct"));
  CHECK_THAT(parse_error(minimal(top, "c = { type = \"categorical\", choices = [1, 2] }")), Catch::Contains("'choices'"));
  CHECK_THAT(parse_error(minimal(top + "[model]\ntransform = \"sqrt\"\n")), Catch::Contains("'transform'"));
  CHECK_THAT(parse_error(minimal(top + "[model]\nprior_mean = \"zero\"\n")), Catch::Contains("'prior_mean'"));
  CHECK_THAT(parse_error(minimal(top + "[model]\nacquisition = \"ucb\"\n")), Catch::Contains("'acquisition'"));
  CHECK_THAT(parse_error(minimal(top + "[stop]\npatience = 0\n")), Catch::Contains("'patience'"));
  CHECK_THAT(parse_error(minimal(top + "[stop]\nwhen = 3\n")), Catch::Contains("unknown key 'when'"));
  // TOML syntax errors carry the line.
  CHECK_THAT(parse_error("name = \"n\nbudget = 3"), Catch::Contains("study.toml:1"));
}

TEST_CASE("a missing study file is reported with its path", "[study]") {
  auto loaded = load_study("/nonexistent/study.toml");
  REQUIRE_FALSE(loaded);
  CHECK_THAT(loaded.error().message, Catch::Contains("/nonexistent/study.toml"));
}

TEST_CASE("the fingerprint tells studies apart", "[study]") {
  const Study a = parse_ok(kExample);
  Study b = parse_ok(kExample);
  CHECK(a.fingerprint() == b.fingerprint());
  b.objective = "other";
  CHECK(a.fingerprint() != b.fingerprint());
  const Study c = parse_ok(minimal("name = \"hartmann6-demo\"\nobjective = \"hartmann6\"\nbudget = 60"));
  CHECK(a.fingerprint() != c.fingerprint());
}

TEST_CASE("the [fidelity] table is read and checked", "[study]") {
  const std::string base =
      "name = \"f\"\nobjective = \"o\"\nbudget = 10\n[space]\nx = { type = \"float\", low = 0.0, high = 1.0 }\n";
  auto ok = quante::parse_study(base + "[fidelity]\nstep_max = 52\nstep_min = 2\neta = 3\nscheduler = \"hyperband\"\nbudget_steps = 2600\n", "s.toml");
  REQUIRE(ok);
  const auto& f = *ok.value().fidelity;
  CHECK(f.step_max == 52);
  CHECK(f.step_min == 2);
  CHECK(f.eta == 3.0);
  CHECK(f.scheduler == quante::tuner::scheduling::SchedulerKind::Hyperband);
  CHECK(f.budget_steps == 2600);
  CHECK(f.model_input == quante::tuner::scheduling::ModelInput::Joint);
  auto forecast = quante::parse_study(base + "[fidelity]\nstep_max = 9\nmodel_input = \"forecast\"\n", "s.toml");
  REQUIRE(forecast);
  CHECK(forecast.value().fidelity->model_input == quante::tuner::scheduling::ModelInput::Forecast);
  CHECK_FALSE(forecast.value().fidelity->eta);  // left out: effective_eta's default for the scheduler
  CHECK(effective_eta(forecast.value().fidelity.value()) == 5.0);  // asha
  auto rung = quante::parse_study(base + "[fidelity]\nstep_max = 9\nmodel_input = \"rung\"\n", "s.toml");
  REQUIRE(rung);
  CHECK(rung.value().fidelity->model_input == quante::tuner::scheduling::ModelInput::Rung);
  CHECK_FALSE(f.joint_kernel);
  CHECK(effective_joint_kernel(f) == quante::tuner::scheduling::JointKernel::Stationary);  // hyperband
  CHECK(effective_joint_kernel(rung.value().fidelity.value()) == quante::tuner::scheduling::JointKernel::Decay);  // asha
  auto stationary = quante::parse_study(base + "[fidelity]\nstep_max = 9\njoint_kernel = \"stationary\"\n", "s.toml");
  REQUIRE(stationary);
  CHECK(stationary.value().fidelity->joint_kernel == quante::tuner::scheduling::JointKernel::Stationary);
  CHECK(f.keep_probability == 0.0);
  auto keeping = quante::parse_study(base + "[fidelity]\nstep_max = 9\nkeep_probability = 0.3\n", "s.toml");
  REQUIRE(keeping);
  CHECK(keeping.value().fidelity->keep_probability == 0.3);
  CHECK_FALSE(quante::parse_study(base, "s.toml").value().fidelity);
  auto error_of = [&](const std::string& table) {
    auto parsed = quante::parse_study(base + "[fidelity]\n" + table, "s.toml");
    REQUIRE_FALSE(parsed);
    return parsed.error().message;
  };
  CHECK_THAT(error_of("step_min = 1\n"), Catch::Contains("step_max"));
  CHECK_THAT(error_of("step_max = 10\nscheduler = \"bohb\"\n"), Catch::Contains("'scheduler' must be"));
  CHECK_THAT(error_of("step_max = 10\neta = 1.0\n"), Catch::Contains("eta"));
  CHECK_THAT(error_of("step_max = 10\nstep_min = 20\n"), Catch::Contains("step_min"));
  CHECK_THAT(error_of("step_max = 10\nbudget_steps = 5\n"), Catch::Contains("budget_steps"));
  CHECK_THAT(error_of("step_max = 10\nepochs = 5\n"), Catch::Contains("epochs"));
  CHECK_THAT(error_of("step_max = 10\nmodel_input = \"freeze-thaw\"\n"),
             Catch::Contains("'model_input' must be \"rung\", \"forecast\" or \"joint\", not \"freeze-thaw\""));
  CHECK_THAT(error_of("step_max = 10\nkeep_probability = 1.5\n"),
             Catch::Contains("fidelity.keep_probability must be between 0 and 1, not 1.5"));
  CHECK_THAT(error_of("step_max = 10\njoint_kernel = \"exponential\"\n"),
             Catch::Contains("'joint_kernel' must be \"decay\" or \"stationary\", not \"exponential\""));
}

TEST_CASE("[resources] gpu_memory_gib: MiB for the broker, refused out of range or misspelt", "[study]") {
  const std::string base =
      "name = \"f\"\nobjective = \"o\"\nbudget = 10\n[space]\nx = { type = \"float\", low = 0.0, high = 1.0 }\n";
  CHECK(quante::parse_study(base, "s.toml").value().min_gpu_memory_mib == 0);
  CHECK(quante::parse_study(base + "[resources]\ngpu_memory_gib = 16\n", "s.toml").value().min_gpu_memory_mib ==
        16384);
  CHECK(quante::parse_study(base + "[resources]\ngpu_memory_gib = 0.5\n", "s.toml").value().min_gpu_memory_mib ==
        512);
  auto error_of = [&](const std::string& table) {
    auto parsed = quante::parse_study(base + "[resources]\n" + table, "s.toml");
    REQUIRE_FALSE(parsed);
    return parsed.error().message;
  };
  CHECK_THAT(error_of("gpu_memory_gib = -1\n"),
             Catch::Contains("s.toml: [resources]: 'gpu_memory_gib' must be between 0 and 65536"));
  CHECK_THAT(error_of("gpu_memory_gib = \"16G\"\n"), Catch::Contains("'gpu_memory_gib' must be a number"));
  CHECK_THAT(error_of("gpu_memory = 16\n"), Catch::Contains("gpu_memory"));
}

TEST_CASE("settings whose proposals could not finish are refused with the key named", "[study]") {
  const std::string top = "name = \"n\"\nobjective = \"o\"\nbudget = 5\n";
  CHECK(parse_ok(minimal(top + "batch = 256\nqueue_ahead = 256")).batch == 256);
  CHECK_THAT(parse_error(minimal(top + "batch = 257")), Catch::Contains("'batch' must be at most 256"));
  // Not narrowed to int first: 2^32 + 4 is not a batch of 4.
  CHECK_THAT(parse_error(minimal(top + "batch = 4294967300")), Catch::Contains("'batch' must be at most 256"));
  CHECK_THAT(parse_error(minimal(top + "queue_ahead = 257")), Catch::Contains("'queue_ahead' must be at most 256"));
  CHECK_THAT(parse_error(minimal(top + "initial = 100001")), Catch::Contains("'initial' must be at most 100000"));
  CHECK_THAT(parse_error(minimal(top + "retries = 4294967296")), Catch::Contains("'retries' must be at most 100"));
  CHECK_THAT(parse_error(minimal(top + "[model]\ncandidates = 1000000000")), Catch::Contains("'candidates' must be at most 100000"));
  CHECK_THAT(parse_error(minimal(top + "[stop]\npatience = 4294967297")), Catch::Contains("'patience' must be at most"));
}

TEST_CASE("objective_metric, max_failures_in_a_row and confirm are read and checked", "[study]") {
  const std::string top = "name = \"n\"\nobjective = \"o\"\nbudget = 5\n";
  const Study plain = parse_ok(minimal(top));
  CHECK(plain.objective_metric.empty());
  CHECK(plain.stop.max_failures_in_a_row == 10);
  const Study metric = parse_ok(minimal(top + "objective_metric = \"accuracy\"\ndirection = \"maximize\"\n[stop]\nmax_failures_in_a_row = 0\n"));
  CHECK(metric.objective_metric == "accuracy");
  CHECK(metric.stop.max_failures_in_a_row == 0);
  // Optimising a metric is another study: a history of the loss is not taken for it.
  CHECK(metric.fingerprint() != parse_ok(minimal(top + "direction = \"maximize\"\n")).fingerprint());
  CHECK(plain.fingerprint().find("metric") == std::string::npos);  // old histories keep their fingerprint
  CHECK_THAT(parse_error(minimal(top + "objective_metric = \"\"")), Catch::Contains("'objective_metric'"));
  CHECK_THAT(parse_error(minimal(top + "objective_metric = 3")), Catch::Contains("'objective_metric'"));
  CHECK_THAT(parse_error(minimal(top + "[stop]\nmax_failures_in_a_row = -1\n")), Catch::Contains("'max_failures_in_a_row'"));
  CHECK_THAT(parse_error(minimal(top + "objective_metric = \"acc\"\n[fidelity]\nstep_max = 9\n")),
             Catch::Contains("'objective_metric'") && Catch::Contains("[fidelity]"));  CHECK(plain.stop.confirm == 0);
  CHECK(parse_ok(minimal(top + "[stop]\nconfirm = 3\n")).stop.confirm == 3);
  CHECK(parse_ok(minimal(top + "[stop]\nconfirm = 3\n")).fingerprint() == plain.fingerprint());  // resumes the same history
  CHECK_THAT(parse_error(minimal(top + "[stop]\nconfirm = 101\n")), Catch::Contains("'confirm' must be between 0 and 100"));
  CHECK_THAT(parse_error(minimal(top + "[stop]\nconfirm = -1\n")), Catch::Contains("'confirm'"));
}

TEST_CASE("every example study parses, the mlp and PyTorch examples have theirs, with [fidelity]", "[study][examples]") {
  const std::string examples = std::string(QUANTE_SOURCE_DIR) + "/examples/";
  int studies = 0;
  for (const auto& entry : std::filesystem::directory_iterator(examples)) {
    if (entry.path().extension() != ".toml") continue;
    INFO(entry.path().string());
    auto loaded = load_study(entry.path().string());
    if (!loaded) FAIL(loaded.error().message);
    ++studies;
  }
  CHECK(studies >= 5);
  for (const char* name : {"mlp-digits.toml", "pytorch.toml"}) {
    auto loaded = load_study(examples + name);
    REQUIRE(loaded);
    CHECK(loaded.value().fidelity);
  }
  CHECK(load_study(examples + "mlp-digits.toml").value().objective == "digits");
  CHECK(load_study(examples + "pytorch.toml").value().objective == "digits_torch");
}
