// stress/window_report.h: the race-window table of a run (stress/windows.h).
//
//   WindowsText   the table printed after a run's summary: per window, the
//                 rounds whose steps ran before, inside (the window opened)
//                 and after it, and those that did not run its steps; a
//                 warning under it for each window that never opened, which
//                 --min-window-hits N turns into a failure (exit 4) for a
//                 window opened in fewer than N rounds;
//   WindowsJson   the same, the run's "windows" member;
//   WindowsShort  fewer than `min_hits` openings (the windows that fail).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "stress/run.h"

namespace stress {

inline constexpr int kExitWindows = 4;

std::vector<const WindowTally*> WindowsShort(const RunResult& r, std::uint64_t min_hits);
// `enforced`: --min-window-hits applies to this run (it ran its budget).
std::string WindowsText(const RunResult& r, std::uint64_t min_hits, bool enforced);
nlohmann::json WindowsJson(const RunResult& r);

}  // namespace stress
