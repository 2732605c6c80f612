// stress/stall.cc: the stall report.
#include "stress/stall.h"

#include <algorithm>

#include <fmt/format.h>

#include "stress/hook.h"
#include "stress/report.h"

namespace stress {
namespace {

std::string Cpu(int thread) { return fmt::format("CPU {}", thread + 1); }

// One line per CPU: what it was doing when the watchdog fired.
std::string Doing(const StalledCpu& c) {
  std::string out;
  if (c.phase == "at barrier") {
    out = "finished its part of the round; waits at the round's barrier for the others";
  } else if (c.phase == "final check") {
    out = "is in the round's final check (Check())";
  } else if (c.phase == "set-up") {
    out = "is checking the last batch or constructing the next (single-threaded)";
  } else if (c.phase == "starting") {
    out = "has not started a round";
  } else if (!c.waits_for.empty() && c.lock_holder >= 0 && c.in_step == "take lock") {
    out = fmt::format("waits for {}, held by {} (the last CPU to take it)", c.waits_for,
                      c.lock_holder == c.cpu ? "itself" : Cpu(c.lock_holder));
  } else if (!c.waits_for.empty() && c.in_step == "take lock") {
    out = fmt::format("waits for {} (no CPU of the round took it: held since before the round?)", c.waits_for);
  } else if (!c.in_step.empty() && !c.waits_for.empty()) {
    out = fmt::format("is inside '{}', waiting for {}", c.in_step, c.waits_for);
  } else if (!c.in_step.empty()) {
    out = fmt::format("is inside '{}'", c.in_step);
  } else {
    out = "runs between steps";
  }
  if (c.phase == "running") {
    out += c.steps_since_progress > 0
               ? fmt::format("; passed {} steps since progress stopped (it is not blocked: a livelock)",
                             Count(c.steps_since_progress))
               : "; passed no step since progress stopped";
  }
  return out;
}

}  // namespace

std::string StallText(const ScenarioInfo& s, const RunSpec& spec, const Stall& st) {
  std::string out = fmt::format(
      "\nSTALL: round {} ({}) made no progress for {:.1f} s (limit {:g} s{}), {:.1f} s into the run{}\n",
      Count(st.round), st.config, st.no_progress, st.limit,
      st.limit_derived ? fmt::format(", derived: the slowest wait for progress before it was {:.3f} s",
                                     st.slowest_progress_gap)
                       : ", --stall-seconds",
      st.seconds, spec.copies > 1 ? fmt::format(", copy {}", st.copy) : "");
  out += fmt::format("  seed {}, mutation {}, config {}\n", spec.seed, spec.mutations.ToString(), st.config);
  out += "  the round's CPUs when the watchdog fired:\n";
  for (const StalledCpu& c : st.cpus) {
    out += fmt::format("    {}  {}\n", Cpu(c.cpu), Doing(c));
    out += fmt::format("           last step this round: {}  ({} steps this round)\n",
                       c.last_step.empty() ? std::string("none") : c.last_step + " = " + Hex(c.last_value),
                       Count(c.round_steps));
  }
  if (!st.steps.empty()) {
    Violation v = StallViolation(st);
    out += "  the round's steps so far, in timestamp order (ns since its first step; each CPU's first\n"
           "  steps only, see below):\n";
    out += StepTable(s, v, true);
    if (st.dropped_steps > 0) {
      out += fmt::format("    ({} more steps passed and not recorded: a CPU's log keeps its first {})\n",
                         Count(static_cast<std::uint64_t>(st.dropped_steps)), StepLog::kCapacity);
    }
  } else {
    out += "  no step of the round was recorded\n";
  }
  out += fmt::format("  The stuck threads cannot be stopped: the run ends here (exit {}).\n", kExitStall);
  return out;
}

Violation StallViolation(const Stall& st) {
  Violation v;
  v.round = st.round;
  v.seconds = st.seconds;
  v.copy = st.copy;
  // The CPU to name: one that runs (a livelock), else one that waits.
  v.cpu = 0;
  for (const StalledCpu& c : st.cpus) {
    if (c.phase == "running" && c.steps_since_progress > 0) {
      v.cpu = c.cpu;
      break;
    }
  }
  v.what = "stall: the round made no progress (the partial round, up to the watchdog)";
  v.where = "";
  v.config_index = st.config_index;
  v.config = st.config;
  v.steps = st.steps;
  v.dropped_steps = st.dropped_steps;
  return v;
}

nlohmann::json StallJson(const Stall& st) {
  nlohmann::json j;
  j["round"] = st.round;
  j["seconds"] = st.seconds;
  j["no_progress_seconds"] = st.no_progress;
  j["limit_seconds"] = st.limit;
  j["limit_derived"] = st.limit_derived;
  j["slowest_progress_gap_seconds"] = st.slowest_progress_gap;
  j["copy"] = st.copy;
  j["config"] = st.config;
  nlohmann::json cpus = nlohmann::json::array();
  for (const StalledCpu& c : st.cpus) {
    cpus.push_back({{"thread", c.cpu},
                    {"phase", c.phase},
                    {"doing", Doing(c)},
                    {"last_step", c.last_step},
                    {"last_value", c.last_value},
                    {"round_steps", c.round_steps},
                    {"steps_since_progress", c.steps_since_progress},
                    {"in_step", c.in_step},
                    {"waits_for", c.waits_for},
                    {"lock_holder", c.lock_holder < 0 ? nlohmann::json(nullptr) : nlohmann::json(c.lock_holder)}});
  }
  j["cpus"] = cpus;
  nlohmann::json steps = nlohmann::json::array();
  for (const StepRecord& s : st.steps) {
    steps.push_back({{"thread", s.cpu}, {"step", s.step}, {"value", s.value}, {"ns", s.ns}});
  }
  j["steps"] = steps;
  j["dropped_steps"] = st.dropped_steps;
  return j;
}

}  // namespace stress
