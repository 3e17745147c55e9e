// The exec objective's wire format, defined once: the job line the worker writes and the answer
// line the child writes (ARCHITECTURE.md, "exec objectives"). Plugins get the same params object.
//   worker -> child: {"id": "J42", "params": {"lr": 0.001, "layers": 3, "act": "relu"}, "gpu": 0}
//   child -> worker: {"id": "J42", "loss": 0.1834, "metrics": {"acc": 0.93}}
//   child -> worker: {"id": "J42", "error": "CUDA out of memory"}
// Integers travel as JSON integers, reals as JSON reals (always with a '.' or exponent),
// categoricals as strings. "gpu" is -1 when the worker has none.
#pragma once

#include <string>
#include <string_view>

#include "objective.hpp"

namespace quante::worker {

// The params as one JSON object, e.g. {"act":"relu","layers":3,"lr":0.001}.
std::string params_json(const Params& params);

// One job line, without the trailing newline.
std::string encode_job(const std::string& job_id, const Params& params, int gpu);

// Decodes one answer line (without its newline) for job_id. A well-formed answer gives ok with
// the loss, or an Objective failure with the child's "error" text; NaN or infinite losses
// (Python's json.dumps writes NaN, Infinity, -Infinity) are Objective failures; anything else
// malformed (not JSON, not an object, wrong or missing id, no numeric loss) is a Protocol failure.
Evaluation decode_answer(std::string_view line, const std::string& job_id);

// Child output made fit for an error message or a log: valid UTF-8 (an invalid byte becomes
// U+FFFD), control characters as '?', cut at a character boundary to about max_bytes with "...".
// Error texts end up in JSON history files, whose writer rejects invalid UTF-8.
std::string excerpt(std::string_view text, std::size_t max_bytes = 200);

}  // namespace quante::worker
