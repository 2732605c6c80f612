// stress/window_report.cc: the race-window table.
#include "stress/window_report.h"

#include <algorithm>

#include <fmt/format.h>

#include "stress/report.h"

namespace stress {
namespace {

// "CPU 2 read high" / "start" / "end".
std::string Span(const WindowTally& w) {
  const std::string open = w.open.empty() ? "the round's start" : fmt::format("CPU {} {}", w.outer_cpu + 1, w.open);
  const std::string close = w.close.empty() ? "the round's end" : w.close;
  return fmt::format("{} .. {}", open, close);
}

}  // namespace

std::vector<const WindowTally*> WindowsShort(const RunResult& r, std::uint64_t min_hits) {
  std::vector<const WindowTally*> out;
  for (const WindowTally& w : r.windows) {
    if (w.inside < std::max<std::uint64_t>(min_hits, 1)) out.push_back(&w);
  }
  return out;
}

std::string WindowsText(const RunResult& r, std::uint64_t min_hits, bool enforced) {
  if (r.windows.empty()) return "";
  std::size_t nw = std::string_view("window").size();
  for (const WindowTally& w : r.windows) nw = std::max(nw, w.name.size());
  std::string out =
      "\nrace windows: rounds in which the inner step ran before, inside (the window opened) or after the span\n";
  out += fmt::format("  {:<{}}  {:>12}  {:>12}  {:>12}  {:>12}\n", "window", nw, "before", "inside", "after",
                     "not run");
  for (const WindowTally& w : r.windows) {
    // An order the window's shape cannot give is "-".
    const std::string before = w.open.empty() ? "-" : Count(w.before);
    const std::string after = w.close.empty() ? "-" : Count(w.after);
    out += fmt::format("  {:<{}}  {:>12}  {:>12}  {:>12}  {:>12}\n", w.name, nw, before, Count(w.inside), after,
                       Count(w.not_run));
  }
  out += "  (span .. inner step:";
  for (std::size_t i = 0; i < r.windows.size(); ++i) {
    const WindowTally& w = r.windows[i];
    out += fmt::format("{} {} / CPU {} {}", i == 0 ? "" : ";", Span(w), w.inner_cpu + 1, w.inner);
  }
  out += ")\n";
  if (r.rounds == 0) {
    out += "  (no round finished: nothing was counted)\n";
    return out;
  }
  for (const WindowTally* w : WindowsShort(r, 1)) {
    out += fmt::format("  warning: '{}' never opened in {} rounds (a clean run is no evidence about it)\n", w->name,
                       Count(r.rounds));
  }
  if (min_hits > 1) {
    for (const WindowTally* w : WindowsShort(r, min_hits)) {
      if (w->inside == 0) continue;
      out += fmt::format("  '{}' opened in {} rounds, fewer than --min-window-hits {}\n", w->name, Count(w->inside),
                         min_hits);
    }
  }
  if (min_hits > 0) {
    const std::size_t n = WindowsShort(r, min_hits).size();
    if (!enforced) {
      out += fmt::format("  --min-window-hits {} not checked: the run did not use its whole budget\n", min_hits);
    } else if (n > 0) {
      out += fmt::format("  FAILED --min-window-hits {}: {} window{} opened in fewer rounds (exit {})\n", min_hits, n,
                         n == 1 ? "" : "s", kExitWindows);
    } else {
      out += fmt::format("  every window opened in at least {} round{} (--min-window-hits)\n", min_hits,
                         min_hits == 1 ? "" : "s");
    }
  }
  return out;
}

nlohmann::json WindowsJson(const RunResult& r) {
  nlohmann::json j = nlohmann::json::array();
  for (const WindowTally& w : r.windows) {
    j.push_back({{"name", w.name},
                 {"outer_thread", w.outer_cpu},
                 {"open", w.open},
                 {"close", w.close},
                 {"inner_thread", w.inner_cpu},
                 {"inner", w.inner},
                 {"before", w.before},
                 {"inside", w.inside},
                 {"after", w.after},
                 {"not_run", w.not_run}});
  }
  return j;
}

}  // namespace stress
