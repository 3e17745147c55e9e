// The CPU trainer on real data: the loss falls, digits are learnt, runs replay from their seed,
// dropout and both optimisers work, regression fits, and a stop request ends a run cleanly.
#include <catch2/catch.hpp>

#include "mlp_cpu.hpp"
#include "mlp_test_data.hpp"
#include "process.hpp"

using namespace quante;
using namespace quante::mlp;

namespace {

MlpHyper hyper(int epochs, OptimizerKind optimizer = OptimizerKind::Adam, double lr = 3e-3) {
  MlpHyper h;
  h.widths = {64, 64};
  h.epochs = epochs;
  h.optimizer = optimizer;
  h.lr = lr;
  h.batch_size = 32;
  h.seed = 5;
  return h;
}

}  // namespace

TEST_CASE("mlp cpu: the training loss falls over the epochs and digits are learnt", "[mlp]") {
  CpuMlpTrainer trainer(test::load_digits());
  const MlpRunResult r = trainer.train(hyper(15), {});
  REQUIRE(r.train_loss.size() == 15);
  CHECK(r.train_loss.back() < 0.5 * r.train_loss.front());
  for (std::size_t e = 1; e < 4; ++e) CHECK(r.train_loss[e] < r.train_loss[e - 1]);
  CHECK(r.val_loss < 0.3);  // ln(10) = 2.30 for a uniform guess
  CHECK(r.val_accuracy > 0.9);
  CHECK(r.device == "cpu");
  WARN("digits, 64-64 relu, adam, 15 epochs on the CPU: val loss " << r.val_loss << ", accuracy " << r.val_accuracy
                                                                    << ", " << r.train_seconds / 15 << " s per epoch");
}

TEST_CASE("mlp cpu: SGD with momentum, gelu, tanh and dropout all learn", "[mlp]") {
  CpuMlpTrainer trainer(test::load_digits());
  for (const Activation act : {Activation::Relu, Activation::Gelu, Activation::Tanh}) {
    MlpHyper h = hyper(6, OptimizerKind::Sgd, 0.05);
    h.activation = act;
    h.dropout = 0.2;
    h.weight_decay = 1e-4;
    const MlpRunResult r = trainer.train(h, {});
    INFO(to_string(act));
    CHECK(r.train_loss.back() < r.train_loss.front());
    CHECK(r.val_accuracy > 0.85);
  }
}

TEST_CASE("mlp cpu: a seed replays exactly, another seed differs", "[mlp]") {
  CpuMlpTrainer trainer(test::load_digits());
  MlpHyper h = hyper(2);
  h.dropout = 0.3;
  const MlpRunResult a = trainer.train(h, {});
  const MlpRunResult b = trainer.train(h, {});
  CHECK(a.val_loss == b.val_loss);
  CHECK(a.train_loss == b.train_loss);
  h.seed = 6;
  const MlpRunResult c = trainer.train(h, {});
  CHECK(c.val_loss != a.val_loss);
}

TEST_CASE("mlp cpu: regression with squared error beats predicting the mean", "[mlp]") {
  test::TempDir dir;
  const std::string path = dir.file("regression.csv");
  test::write_regression_csv(path);
  MlpSpec spec;
  spec.data = path;
  spec.task = Task::Regression;
  auto loaded = load_mlp_dataset(spec);
  REQUIRE(std::holds_alternative<MlpDataset>(loaded));
  auto data = std::make_shared<const MlpDataset>(std::get<MlpDataset>(std::move(loaded)));
  double mean = 0, var = 0;
  for (float y : data->y_val) mean += y;
  mean /= data->n_val;
  for (float y : data->y_val) var += (y - mean) * (y - mean);
  var /= data->n_val;
  CpuMlpTrainer trainer(data);
  MlpHyper h = hyper(40, OptimizerKind::Adam, 3e-3);
  h.activation = Activation::Tanh;
  const MlpRunResult r = trainer.train(h, {});
  CHECK(r.val_accuracy < 0);  // no accuracy for regression
  CHECK(r.val_loss < 0.1 * var);
}

TEST_CASE("mlp cpu: a stop request ends the run with MlpStopped, divergence is reported", "[mlp]") {
  CpuMlpTrainer trainer(test::load_digits());
  int steps = 0;
  const MlpStopCheck stop_after_3 = [&]() -> const char* { return ++steps > 3 ? "cancelled" : nullptr; };
  try {
    trainer.train(hyper(5), stop_after_3);
    FAIL("the run did not stop");
  } catch (const MlpStopped& stopped) {
    CHECK(stopped.interrupted());
    CHECK(std::string(stopped.what()) == "cancelled");
  }
  // A huge learning rate: either a clean divergence report or a finite (bad) result, never a crash.
  MlpHyper wild = hyper(3, OptimizerKind::Sgd, 10.0);
  wild.momentum = 0.99;
  try {
    const MlpRunResult r = trainer.train(wild, {});
    SUCCEED("finite result " << r.val_loss);
  } catch (const MlpStopped& stopped) {
    CHECK_FALSE(stopped.interrupted());
    CHECK(std::string(stopped.what()).find("diverged") != std::string::npos);
  }
}

TEST_CASE("mlp cpu: the epoch hook sees each epoch's validation and can end the run", "[mlp][curve]") {
  CpuMlpTrainer trainer(test::load_digits());
  const MlpRunResult plain = trainer.train(hyper(3), {});
  std::vector<MlpEpoch> seen;
  const MlpRunResult hooked = trainer.train(hyper(3), {}, [&](const MlpEpoch& e) {
    seen.push_back(e);
    return true;
  });
  REQUIRE(seen.size() == 3);
  CHECK(hooked.val_loss == plain.val_loss);  // validating each epoch does not change the run
  CHECK(seen.back().val_loss == plain.val_loss);
  CHECK(seen[0].epoch == 1);
  CHECK(seen[0].train_loss == plain.train_loss[0]);
  CHECK(seen[0].val_accuracy > 0.0);

  const MlpRunResult cut = trainer.train(hyper(10), {}, [](const MlpEpoch& e) { return e.epoch < 2; });
  CHECK(cut.epochs_run == 2);
  CHECK(cut.train_loss.size() == 2);
  CHECK(cut.val_loss == seen[1].val_loss);
}
