#include "scheduler_kind.hpp"

#include <array>
#include <utility>

namespace quante::tuner::scheduling {

namespace {

constexpr std::array<std::pair<SchedulerKind, std::string_view>, 4> kNames{{
    {SchedulerKind::None, "none"},
    {SchedulerKind::Asha, "asha"},
    {SchedulerKind::Hyperband, "hyperband"},
    {SchedulerKind::Median, "median"},
}};

}  // namespace

std::optional<SchedulerKind> parse_scheduler_kind(std::string_view name) {
  for (const auto& [kind, text] : kNames)
    if (text == name) return kind;
  return std::nullopt;
}

const char* to_string(SchedulerKind kind) {
  for (const auto& [k, text] : kNames)
    if (k == kind) return text.data();
  return "unknown";
}

}  // namespace quante::tuner::scheduling
