// The mlp objective's two sets of settings, both plain structs filled by parsers that return
// errors as values:
//   MlpSpec  from the spec, once per worker:  builtin:mlp?data=PATH&label=COL&task=classification
//            &val_fraction=0.2&device=auto&split_seed=0[&HYPERPARAMETER=DEFAULT ...]
//   MlpHyper from each job's params (missing ones take the spec's defaults, then the built-in
//            defaults below); a wrong type, an out-of-range value or an unknown name is an error.
//
// Hyperparameters (params): layers (hidden layers, int 0..16), width (int 1..4096, every hidden
// layer) or width0..width15 (per layer), activation (relu|gelu|tanh), lr (real > 0, log scale in
// the study), batch_size (int 1..65536), weight_decay (real >= 0, L2 on weights, not biases),
// epochs (int 1..10000), optimizer (sgd|adam), momentum (SGD, real in [0, 1)), dropout (hidden
// activations, real in [0, 0.95]), seed (int >= 0: initial weights, batch order, dropout).
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "params.hpp"

namespace quante::mlp {

enum class Task { Classification, Regression };
enum class Activation { Relu, Gelu, Tanh };
enum class OptimizerKind { Sgd, Adam };
enum class Device { Auto, Cpu, Cuda };

const char* to_string(Activation a);
const char* to_string(OptimizerKind o);
const char* to_string(Device d);
const char* to_string(Task t);

struct MlpHyper {
  std::vector<int> widths{64, 64};  // hidden layer widths (layers = widths.size())
  Activation activation = Activation::Relu;
  double lr = 1e-3;
  int batch_size = 64;
  double weight_decay = 0.0;
  int epochs = 10;
  OptimizerKind optimizer = OptimizerKind::Adam;
  double momentum = 0.9;
  double dropout = 0.0;
  std::uint64_t seed = 0;
};

struct MlpSpec {
  std::string data;              // CSV path (required)
  std::string label;             // column name or 0-based index; empty: the last column
  Task task = Task::Classification;
  double val_fraction = 0.2;     // in (0, 0.9]
  Device device = Device::Auto;
  std::uint64_t split_seed = 0;  // the train/validation split
  Params defaults;               // hyperparameters given in the spec: defaults for every job
};

// QUERY is what follows "mlp?" (may be empty only if it names no data: then an error).
std::variant<MlpSpec, std::string> parse_mlp_spec(const std::string& query);

// The job's hyperparameters over the spec's defaults.
std::variant<MlpHyper, std::string> parse_mlp_hyper(const Params& params, const Params& defaults = {});

std::string describe(const MlpHyper& h);

}  // namespace quante::mlp
