// The study file (TOML, ARCHITECTURE.md): what to tune, against which objective, with what
// budget. Parsed into a plain struct with defaults; every problem is returned as an error that
// names the file, the key and what is wrong, and unknown keys are refused (typos are caught).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "expected.hpp"
#include "fidelity_settings.hpp"
#include "space.hpp"

namespace quante {

enum class Direction { Minimize, Maximize };

// Bounds on what a proposal may be asked for, so that every accepted study can be proposed for:
// the batch optimizer's cost and memory grow steeply with q (points chosen together), and the
// space-filling design is a matrix of `initial` rows. See parse() for the keys they bound.
inline constexpr int kMaxBatch = 256;              // batch, queue_ahead, suggest --q
inline constexpr int kMaxInitial = 100000;         // initial
inline constexpr int kMaxCandidates = 100000;      // [model] candidates (random_batches)
enum class ProposalMode { Async, Sync };

struct StoppingRules {
  std::optional<double> max_seconds;   // wall-clock limit for the whole study
  std::optional<double> target;        // stop once a loss at least this good is seen
  std::optional<int> patience;         // stop after this many evaluations without improvement
  std::optional<double> min_qei;       // stop when the best batch's qEI falls below this
  // Stop after this many evaluations in a row failed with the same error (a broken objective
  // would otherwise burn the whole budget); 0: never.
  int max_failures_in_a_row = 10;
  int confirm = 0;                     // re-evaluate the best N once more at the end (tuner/confirmation.hpp)
};

struct ModelSettings {
  std::string kernel = "Matern(nu=2.5) + WhiteKernel()";
  std::string acquisition = "qei";      // "qei", "random_batches" (the original tool's method), "random"
  std::string transform = "power";      // "power" (Yeo-Johnson), "standardize", "rank_normal", "log"
  std::string prior_mean = "max";       // the GP's constant mean: "max" (the worst loss seen) or "mean"
  int candidates = 1000;                // random_batches: candidate batches drawn per proposal
};

struct Study {
  std::string name;
  std::string objective;
  Direction direction = Direction::Minimize;
  // Optimise this reported metric (an objective's "metrics": {...}) instead of its loss; `direction`
  // applies to it. A record's `loss` then holds the metric's value, the reported loss is kept as
  // metrics["loss"], and a result without the metric is recorded as failed. Empty: the loss.
  std::string objective_metric;
  int budget = 0;
  int batch = 4;
  int initial = 0;                      // 0 in the file means "2 * number of parameters"
  ProposalMode mode = ProposalMode::Async;
  // Async only: points submitted beyond `batch`, waiting at the broker, so that a worker that
  // finishes a job starts the next at once instead of waiting for the tuner's proposal. Each is
  // chosen with every running point pending; it misses at most the results of the jobs that
  // finish while it waits. 0 proposes only when a slot frees (the original tool's timing).
  int queue_ahead = 1;
  std::uint64_t seed = 0;
  double timeout_s = 0;                 // per evaluation; 0 = the worker's default
  int retries = 1;                      // re-evaluations of a point whose evaluation failed
  SearchSpace space;
  ModelSettings model;
  StoppingRules stop;
  // [fidelity]: trials report learning curves and may be stopped early. Absent: full-length trials.
  std::optional<tuner::scheduling::FidelitySettings> fidelity;
  // [resources] gpu_memory_gib: only workers whose GPU has at least this much memory run the
  // study's trials (0: any worker serving the objective).
  std::int64_t min_gpu_memory_mib = 0;

  // +1 for minimize, -1 for maximize: internal loss = sign * reported value.
  double sign() const { return direction == Direction::Minimize ? 1.0 : -1.0; }
  // True when `a` is a better reported value than `b` for this study's direction.
  bool better(double a, double b) const { return direction == Direction::Minimize ? a < b : a > b; }
  // Identity of what is being optimised: objective, direction and space. A history written
  // under another fingerprint belongs to another study.
  std::string fingerprint() const;
};

using StudyError = Error;

Expected<Study> parse_study(const std::string& toml_text, const std::string& source_name);
Expected<Study> load_study(const std::string& path);

}  // namespace quante
