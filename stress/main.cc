// bazel run //stress:stress -- --scenario NAME [options]
//
// The native engine's driver: runs rounds of a scenario on real threads
// (stress/runner.h) for a time or round budget, checks the scenario's
// invariant in every round, and prints a summary: rounds, rounds/s,
// violating rounds per configuration, the first violation with the values
// observed and every CPU's steps, and the command that repeats the run.
// --list shows the scenarios and the mutations each can show.
//
// Exit status: 0 no violation, 1 an invariant was violated, 2 bad input,
// 3 a round stalled (the watchdog: a livelock or deadlock in the core; the
// run ends there), 4 a race window opened in fewer rounds than
// --min-window-hits, 130 interrupted (Ctrl-C) without a violation. A
// ThreadSanitizer build (//stress:stress_tsan) exits with TSan's code (66)
// when it reports.
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <random>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "stress/options.h"
#include "stress/registry.h"
#include "stress/report.h"
#include "stress/stall.h"
#include "stress/window_report.h"

namespace {

std::atomic<bool> g_interrupt{false};

extern "C" void OnInterrupt(int) { g_interrupt.store(true, std::memory_order_relaxed); }

bool WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(stress::UserPath(path), std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) {
    std::cerr << "stress: cannot write " << path << "\n";
    return false;
  }
  return true;
}

// A progress line on a terminal, for runs longer than a few seconds.
void ShowProgress(const std::string& name, const stress::RunSpec& spec, const stress::Progress& p) {
  const double rate = p.seconds > 0 ? static_cast<double>(p.rounds) / p.seconds : 0;
  std::string budget = spec.seconds > 0 ? fmt::format("{:.1f}/{:g} s", p.seconds, spec.seconds)
                                        : fmt::format("{:.1f} s", p.seconds);
  if (spec.rounds > 0) budget += fmt::format(", {:.0f}% of rounds", 100.0 * static_cast<double>(p.rounds) /
                                                                        static_cast<double>(spec.rounds));
  std::fprintf(stderr, "\r\033[K  %s  %s rounds  %s/s  %s violating  %s", name.c_str(),
               stress::Count(p.rounds).c_str(), stress::Rate(rate).c_str(), stress::Count(p.violating_rounds).c_str(),
               budget.c_str());
  std::fflush(stderr);
}

}  // namespace

int main(int argc, char** argv) {
  stress::ParseOutcome parsed = stress::ParseCommandLine(argc, argv);
  if (!parsed.options) {
    (parsed.exit_code == 0 ? std::cout : std::cerr) << parsed.message << "\n";
    return parsed.exit_code;
  }
  const stress::Options& o = *parsed.options;
  if (o.list) {
    std::cout << stress::ListText();
    return 0;
  }
  const std::uint64_t fresh_seed = (std::uint64_t{std::random_device{}()} << 20) ^ std::random_device{}();
  stress::Plan plan = stress::MakePlan(o, fresh_seed % 1000000007ULL);
  if (!plan.error.empty()) {
    std::cerr << plan.error << "\n";
    return 2;
  }

  std::signal(SIGINT, OnInterrupt);
  const bool terminal = isatty(STDERR_FILENO) != 0 && !o.quiet;
  nlohmann::json results = nlohmann::json::array();
  bool violated = false;
  bool interrupted = false;
  bool stalled = false;
  bool write_failed = false;
  bool windows_short = false;
  bool wrote_interleaving = false;
  for (stress::PlannedRun& run : plan.runs) {
    const stress::ScenarioInfo& s = run.scenario->info;
    const bool long_run = run.spec.seconds > 2 || run.spec.seconds == 0;
    if (terminal && long_run) {
      run.spec.on_progress = [&](const stress::Progress& p) { ShowProgress(s.name, run.spec, p); };
    }
    run.spec.interrupt = &g_interrupt;
    const stress::RunResult r = run.scenario->run(run.scenario->info, run.spec);
    if (terminal && long_run) std::fprintf(stderr, "\r\033[K");
    if (!results.empty()) std::cout << "\n";
    std::cout << stress::SummaryText(s, run.spec, r, run.command);
    const bool whole_run = !r.stall && !r.interrupted && !run.spec.stop_on_violation;
    std::cout << stress::WindowsText(r, run.spec.min_window_hits, whole_run);
    if (r.stall) std::cout << stress::StallText(s, run.spec, *r.stall);
    std::cout << std::flush;
    results.push_back(stress::RunJson(s, run.spec, r, run.command));
    results.back()["stall_limit_seconds"] = r.stall_limit;
    results.back()["slowest_progress_gap_seconds"] = r.slowest_progress_gap;
    results.back()["stall"] = r.stall ? stress::StallJson(*r.stall) : nlohmann::json(nullptr);
    results.back()["windows"] = stress::WindowsJson(r);
    results.back()["min_window_hits"] = run.spec.min_window_hits;
    // A window that opened too rarely is a finding of a completed run only
    // (a run stopped at a violation or by Ctrl-C has not had its budget).
    if (run.spec.min_window_hits > 0 && whole_run) {
      const auto short_windows = stress::WindowsShort(r, run.spec.min_window_hits);
      results.back()["windows_below_min"] = short_windows.size();
      windows_short = windows_short || !short_windows.empty();
    }
    violated = violated || r.violating_rounds > 0;
    interrupted = interrupted || r.interrupted;
    // The file gets the run's first finding: a violating round, or the
    // stalled round when no violation came before it.
    if (!o.interleaving_out.empty() && !wrote_interleaving && (r.first || r.stall)) {
      const stress::Violation v = r.first ? *r.first : stress::StallViolation(*r.stall);
      write_failed = !WriteFile(o.interleaving_out, stress::InterleavingFile(s, run.spec, v)) || write_failed;
      wrote_interleaving = true;
    }
    if (r.stall) {
      stalled = true;
      break;
    }
    if (r.interrupted) break;
  }
  if (!o.json.empty()) write_failed = !WriteFile(o.json, results.dump(2) + "\n") || write_failed;
  // The paths were checked before the run: a write that fails now (a full
  // disk) does not hide what the run found.
  int code = stalled          ? stress::kExitStall
             : violated       ? 1
             : windows_short  ? stress::kExitWindows
             : write_failed   ? 2
             : interrupted    ? 130
                              : 0;
  if (stalled) {
    // Threads stuck in the core cannot be joined, and static destructors must
    // not run under them: leave at once.
    std::cout << std::flush;
    std::cerr << std::flush;
    std::fflush(nullptr);
    std::_Exit(code);
  }
  return code;
}
