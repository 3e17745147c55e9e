// Which early-stopping rule a study uses: the value of the [fidelity] table's `scheduler` key.
// Names are exact lower case ("asha", "hyperband", "median", "none"), the same words the history
// records, so that what is written is what is read back; anything else is not a kind.
#pragma once

#include <optional>
#include <string_view>

namespace quante::tuner::scheduling {

enum class SchedulerKind { None, Asha, Hyperband, Median };

std::optional<SchedulerKind> parse_scheduler_kind(std::string_view name);
const char* to_string(SchedulerKind kind);

}  // namespace quante::tuner::scheduling
