// The exec objective's wire format, defined once: the job line the worker writes and the answer
// line the child writes (ARCHITECTURE.md, "exec objectives"). Plugins get the same params object.
//   worker -> child: {"id": "J42", "params": {"lr": 0.001, "layers": 3, "act": "relu"}, "gpu": 0}
//   child -> worker: {"id": "J42", "loss": 0.1834, "metrics": {"acc": 0.93}}
//   child -> worker: {"id": "J42", "error": "CUDA out of memory"}
// Integers travel as JSON integers, reals as JSON reals (always with a '.' or exponent),
// categoricals as strings. "gpu" is -1 when the worker has none.
//
// Learning curves (ARCHITECTURE.md, "Contracts added for learning curves"): the job line carries
// "max_steps": N when the study has a step budget; before its final line the child may write step
// lines, each answered by the worker on the child's stdin:
//   child -> worker: {"id": "J42", "step": 3, "loss": 0.61, "metrics": {"acc": 0.8}}
//   worker -> child: {"id": "J42", "step": 3, "continue": false}
// A line is a step line when it has the key "step". "step" in the answer names the report it
// answers (a child that gave up waiting for one answer can skip it later).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "objective.hpp"
#include "trial_reporter.hpp"

namespace quante::worker {

// The params as one JSON object, e.g. {"act":"relu","layers":3,"lr":0.001}.
std::string params_json(const Params& params);

// One job line, without the trailing newline; "max_steps" only when given.
std::string encode_job(const std::string& job_id, const Params& params, int gpu,
                       std::optional<std::int64_t> max_steps = std::nullopt);

// The worker's answer to a step line, without the trailing newline; "step" only when given (a step
// line with a bad step is answered without one).
std::string encode_continue(const std::string& job_id, std::optional<std::int64_t> step, bool go_on);

// One line from the child while a job runs, classified.
struct ChildLine {
  enum class Kind {
    Final,     // the job's final line: `final` holds the result (ok, or an Objective failure)
    Step,      // a well-formed step line for this job: `step`
    BadStep,   // a step line for this job with a bad step or loss: answer continue, log `problem`
    OtherJob,  // a line for another job id (a late answer, a grandchild): discard, log `problem`
    Invalid    // garbage: `final` holds the Protocol failure
  };
  Kind kind = Kind::Invalid;
  Evaluation final;
  StepReport step;
  std::string problem;
};
ChildLine decode_child_line(std::string_view line, const std::string& job_id);

// Decodes one answer line (without its newline) for job_id. A well-formed answer gives ok with
// the loss, or an Objective failure with the child's "error" text; NaN or infinite losses
// (Python's json.dumps writes NaN, Infinity, -Infinity; a number too large for a double such as
// 1e999 counts as infinite) are Objective failures; anything else malformed (not JSON, not an
// object, wrong or missing id, no numeric loss) is a Protocol failure. The exec loop uses
// decode_child_line, which also tells step lines and other jobs' lines apart.
Evaluation decode_answer(std::string_view line, const std::string& job_id);

// Child output made fit for an error message or a log: valid UTF-8 (an invalid byte becomes
// U+FFFD), control characters as '?', cut at a character boundary to about max_bytes with "...".
// Error texts end up in JSON history files, whose writer rejects invalid UTF-8.
std::string excerpt(std::string_view text, std::size_t max_bytes = 200);

}  // namespace quante::worker
