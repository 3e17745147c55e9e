// Parsing of the mlp spec and of each job's hyperparameters: values, defaults, errors as values.
#include <catch2/catch.hpp>

#include "mlp_spec.hpp"

using namespace quante;
using namespace quante::mlp;

TEST_CASE("mlp spec: keys, defaults and errors", "[mlp]") {
  auto parsed = parse_mlp_spec("data=/tmp/x.csv&label=y&task=regression&val_fraction=0.25&device=cpu&split_seed=3&epochs=7&activation=tanh");
  REQUIRE(std::holds_alternative<MlpSpec>(parsed));
  const auto& spec = std::get<MlpSpec>(parsed);
  CHECK(spec.data == "/tmp/x.csv");
  CHECK(spec.label == "y");
  CHECK(spec.task == Task::Regression);
  CHECK(spec.val_fraction == 0.25);
  CHECK(spec.device == Device::Cpu);
  CHECK(spec.split_seed == 3);
  CHECK(std::get<std::int64_t>(spec.defaults.at("epochs")) == 7);
  CHECK(std::get<std::string>(spec.defaults.at("activation")) == "tanh");

  auto with_space = parse_mlp_spec("data=/tmp/my%20data.csv");
  REQUIRE(std::holds_alternative<MlpSpec>(with_space));
  CHECK(std::get<MlpSpec>(with_space).data == "/tmp/my data.csv");

  for (const char* bad : {"", "label=y", "data=x&colour=red", "data=x&task=ranking", "data=x&val_fraction=0",
                          "data=x&val_fraction=abc", "data=x&device=tpu", "data=x&data=y", "data=x&epochs=0",
                          "data=x&activation=swish", "data=x&novalue"}) {
    INFO(bad);
    auto r = parse_mlp_spec(bad);
    REQUIRE(std::holds_alternative<std::string>(r));
    CHECK_FALSE(std::get<std::string>(r).empty());
  }
}

TEST_CASE("mlp hyperparameters: params over defaults, per-layer widths", "[mlp]") {
  const Params defaults = {{"epochs", std::int64_t{3}}, {"optimizer", std::string("sgd")}};
  auto parsed = parse_mlp_hyper({{"layers", std::int64_t{3}}, {"width", std::int64_t{32}}, {"width1", 16.0},
                                 {"lr", 0.01}, {"activation", std::string("gelu")}, {"dropout", 0.1}},
                                defaults);
  REQUIRE(std::holds_alternative<MlpHyper>(parsed));
  const auto& h = std::get<MlpHyper>(parsed);
  CHECK(h.widths == std::vector<int>{32, 16, 32});
  CHECK(h.lr == 0.01);
  CHECK(h.activation == Activation::Gelu);
  CHECK(h.epochs == 3);
  CHECK(h.optimizer == OptimizerKind::Sgd);
  CHECK(h.dropout == 0.1);

  auto none = parse_mlp_hyper({});
  REQUIRE(std::holds_alternative<MlpHyper>(none));
  CHECK(std::get<MlpHyper>(none).widths.size() == 2);
  CHECK(std::get<MlpHyper>(none).optimizer == OptimizerKind::Adam);

  auto linear = parse_mlp_hyper({{"layers", std::int64_t{0}}});
  REQUIRE(std::holds_alternative<MlpHyper>(linear));
  CHECK(std::get<MlpHyper>(linear).widths.empty());
}

TEST_CASE("mlp hyperparameters: every bad value is an error that names it", "[mlp]") {
  const std::vector<std::pair<Params, std::string>> bad = {
      {{{"layers", std::int64_t{-1}}}, "layers"},
      {{{"layers", std::int64_t{17}}}, "layers"},
      {{{"layers", 2.5}}, "layers"},
      {{{"width", std::int64_t{0}}}, "width"},
      {{{"width", std::string("wide")}}, "width"},
      {{{"activation", std::string("swish")}}, "activation"},
      {{{"activation", std::int64_t{1}}}, "activation"},
      {{{"lr", 0.0}}, "lr"},
      {{{"lr", -1e-3}}, "lr"},
      {{{"lr", std::nan("")}}, "lr"},
      {{{"batch_size", std::int64_t{0}}}, "batch_size"},
      {{{"weight_decay", -0.1}}, "weight_decay"},
      {{{"epochs", std::int64_t{0}}}, "epochs"},
      {{{"optimizer", std::string("lbfgs")}}, "optimizer"},
      {{{"dropout", 1.0}}, "dropout"},
      {{{"momentum", 1.5}}, "momentum"},
      {{{"seed", std::int64_t{-2}}}, "seed"},
      {{{"learning_rate", 0.1}}, "learning_rate"},
  };
  for (const auto& [params, name] : bad) {
    INFO(to_string(params));
    auto r = parse_mlp_hyper(params);
    REQUIRE(std::holds_alternative<std::string>(r));
    CHECK(std::get<std::string>(r).find(name) != std::string::npos);
  }
}
