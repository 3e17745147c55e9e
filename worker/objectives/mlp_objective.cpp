// The builtin:mlp objective; see mlp_objective.hpp.
#include "mlp_objective.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <new>

#include <spdlog/spdlog.h>

#include "mlp_cpu.hpp"
#ifdef QUANTE_WITH_CUDA
#include "cuda/cuda_device.hpp"
#include "cuda/mlp_cuda.hpp"
#endif

namespace quante::worker {

namespace {

constexpr std::string_view kPrefix = "builtin:mlp";

}  // namespace

bool is_mlp_spec(const std::string& spec) {
  const std::string_view text(spec);
  return text == kPrefix || (text.starts_with(kPrefix) && text.size() > kPrefix.size() && text[kPrefix.size()] == '?');
}

ObjectiveOrError MlpObjective::make(const std::string& query, const ObjectiveContext& context) {
  auto parsed = mlp::parse_mlp_spec(query);
  if (auto* error = std::get_if<std::string>(&parsed)) return Error{"builtin:mlp: " + *error};
  mlp::MlpSpec spec = std::get<mlp::MlpSpec>(std::move(parsed));
  auto loaded = mlp::load_mlp_dataset(spec);
  if (auto* error = std::get_if<std::string>(&loaded)) return Error{"builtin:mlp: " + *error};
  auto data = std::make_shared<const mlp::MlpDataset>(std::get<mlp::MlpDataset>(std::move(loaded)));

  bool use_cuda = false;
  switch (spec.device) {
    case mlp::Device::Cpu:
      break;
    case mlp::Device::Cuda:
#ifdef QUANTE_WITH_CUDA
      use_cuda = true;
      if (const auto count = cuda::device_count(); count.count == 0)
        spdlog::warn("builtin:mlp: device=cuda but no GPU is usable now ({}); jobs will fail until one is", count.error);
#else
      return Error{"builtin:mlp: device=cuda, but this quante-worker was built without CUDA"};
#endif
      break;
    case mlp::Device::Auto:
#ifdef QUANTE_WITH_CUDA
      use_cuda = cuda::device_count().count > 0;
#endif
      break;
  }
  spdlog::info("builtin:mlp: data {}, training on {}", data->source, use_cuda ? "CUDA" : "the CPU");
  return std::make_unique<MlpObjective>(std::move(spec), std::move(data), use_cuda, context);
}

MlpObjective::MlpObjective(mlp::MlpSpec spec, std::shared_ptr<const mlp::MlpDataset> data, bool use_cuda,
                           const ObjectiveContext& context)
    : spec_(std::move(spec)), data_(std::move(data)), use_cuda_(use_cuda), context_(context) {}

MlpObjective::~MlpObjective() = default;

std::string MlpObjective::describe() const {
  return "builtin:mlp (" + data_->source + ", " + mlp::to_string(data_->task) + ", on " +
         (use_cuda_ ? std::string("cuda") : std::string("cpu")) + ")";
}

Evaluation MlpObjective::run(const std::string& /*job_id*/, const Params& params, TrialReporter& reporter) {
  const auto started = std::chrono::steady_clock::now();
  auto parsed = mlp::parse_mlp_hyper(params, spec_.defaults);
  if (auto* error = std::get_if<std::string>(&parsed)) return failed_evaluation(FailureKind::Objective, *error);
  mlp::MlpHyper hyper = std::get<mlp::MlpHyper>(parsed);
  // A step is an epoch: the study's step budget, when it gives one, is the number of epochs.
  if (const auto max_steps = reporter.max_steps(); max_steps && *max_steps >= 1)
    hyper.epochs = static_cast<int>(std::min<std::int64_t>(*max_steps, kMaxEpochs));
  const mlp::MlpEpochHook after_epoch = [&](const mlp::MlpEpoch& epoch) {
    StepReport report{epoch.epoch, epoch.val_loss, {{"train_loss", epoch.train_loss}}};
    if (epoch.val_accuracy >= 0.0) report.metrics["accuracy"] = epoch.val_accuracy;
    return reporter.report(report);
  };

  const auto deadline = started + context_.timeout;
  const mlp::MlpStopCheck stop = [&]() -> const char* {
    if (cancel_signal().raised()) return "cancelled";
    if (std::chrono::steady_clock::now() > deadline) return "timeout";
    return nullptr;
  };
  try {
    if (!trainer_) {
      if (use_cuda_) {
#ifdef QUANTE_WITH_CUDA
        trainer_ = mlp::make_cuda_trainer(data_);
        spdlog::info("builtin:mlp: data copied to {}", trainer_->device());
#else
        return failed_evaluation(FailureKind::Crashed, "this quante-worker was built without CUDA");
#endif
      } else {
        trainer_ = std::make_unique<mlp::CpuMlpTrainer>(data_);
      }
    }
    const mlp::MlpRunResult result = trainer_->train(hyper, stop, after_epoch);
    if (!std::isfinite(result.val_loss))
      return failed_evaluation(FailureKind::Objective, "the validation loss is not finite (" + mlp::describe(hyper) + ")");
    Evaluation evaluation;
    evaluation.ok = true;
    evaluation.loss = result.val_loss;
    if (result.val_accuracy >= 0.0) evaluation.metrics["accuracy"] = result.val_accuracy;
    if (!result.train_loss.empty()) evaluation.metrics["train_loss"] = result.train_loss.back();
    evaluation.metrics["train_seconds"] = result.train_seconds;
    evaluation.metrics["epoch_seconds"] = result.train_seconds / static_cast<double>(std::max(result.epochs_run, 1));
    return evaluation;
  } catch (const mlp::MlpStopped& stopped) {
    if (!stopped.interrupted()) return failed_evaluation(FailureKind::Objective, stopped.what());
    if (std::string(stopped.what()) == "cancelled") return failed_evaluation(FailureKind::Timeout, "cancelled");
    return failed_evaluation(FailureKind::Timeout,
                             "training overran the timeout of " + std::to_string(context_.timeout.count()) + " ms");
  } catch (const std::bad_alloc&) {
    return failed_evaluation(FailureKind::Crashed, "out of host memory while training (" + mlp::describe(hyper) + ")");
  } catch (const std::exception& e) {
    std::string why = std::string(trainer_ ? trainer_->device() : std::string("cuda")) + ": " + e.what();
    if (trainer_ && !trainer_->usable()) {
      spdlog::error("builtin:mlp: {}; the device is set up afresh for the next job", why);
      trainer_.reset();
    }
    return failed_evaluation(FailureKind::Crashed, why);
  }
}

}  // namespace quante::worker
