// What a worker may send as a job's result, checked before it leaves (STYLE.md: limits that one
// side enforces are checked by the other before it sends). The broker refuses a message with a
// msgpack map over 1000 entries, a string over 64 KiB or more than 1 MiB in all; a result it
// refused would be lost, so the worker cuts metrics and error texts to well inside those limits.
// A loss the tuner's model cannot use (not finite, or so large that standardising it overflows)
// fails the job instead of reaching the tuner as a number.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

#include "objective.hpp"

namespace quante::worker {

inline constexpr std::size_t kMaxMetrics = 256;          // more are dropped (the last by name)
inline constexpr std::size_t kMaxMetricNameBytes = 128;  // longer names are cut
inline constexpr std::size_t kMaxErrorBytes = 4096;      // longer errors end in kCutMark
inline constexpr std::string_view kCutMark = "... (cut)";
inline constexpr double kDivergedLoss = 1e300;           // |loss| above this: the run diverged

// Cuts names to kMaxMetricNameBytes (at a UTF-8 character boundary; a cut name that collides with
// another keeps the first) and keeps the first kMaxMetrics by name. Returns how many metrics were
// dropped or renamed.
std::size_t limit_metrics(std::map<std::string, double>& metrics);

// text cut to at most max_bytes, at a UTF-8 character boundary, ending in kCutMark when cut.
std::string cut_text(std::string text, std::size_t max_bytes = kMaxErrorBytes);

// Makes an evaluation fit to send: an ok result with a non-finite loss, or one whose magnitude is
// above kDivergedLoss, becomes a FailureKind::Objective failure that says so; metrics are limited
// as above (one warning is logged, naming job_id, when any were dropped or cut); the error is cut
// to kMaxErrorBytes.
void enforce_result_limits(Evaluation& evaluation, std::string_view job_id = {});

}  // namespace quante::worker
