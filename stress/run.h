// stress/run.h: what a stress run is asked to do, and what it found.
//
// A run drives one scenario: `copies` independent groups of S::kThreads
// worker threads, each group running rounds (a fresh scenario object per
// round) until the time or round budget is spent, or at the first violation
// when asked to stop there. Configurations of the family are rotated round
// by round.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "mmu_core/mutations.h"

namespace stress {

struct Progress {
  std::uint64_t rounds = 0;
  std::uint64_t violating_rounds = 0;
  double seconds = 0;
};

// How the rounds' timing is varied: random delays between steps (timing.h),
// PCT's priorities and change points (pct.h), or both, round by round
// (mixed: even rounds delays, odd rounds PCT).
enum class Timing { kDelays, kPct, kMixed };
inline const char* TimingName(Timing t) {
  return t == Timing::kPct ? "pct" : t == Timing::kMixed ? "mixed" : "delays";
}
inline bool UsesPct(Timing t) { return t != Timing::kDelays; }
inline bool UsesDelays(Timing t) { return t != Timing::kPct; }

struct RunSpec {
  int copies = 1;
  std::vector<int> configs;        // indices into the family, rotated per round; never empty
  mmu::Mutations mutations;
  double seconds = 0;              // time budget; 0 = none
  std::uint64_t rounds = 0;        // round budget; 0 = none
  std::uint64_t seed = 1;
  Timing timing = Timing::kDelays;
  std::uint64_t max_delay_ns = 0;  // delays, mixed; 0 = no delays (steps are still recorded)
  int pct_depth = 3;               // pct, mixed: d (d-1 change points per round)
  bool stop_on_violation = false;
  bool pin = true;  // pin workers to cores, round robin over the affinity mask
  // The stall watchdog's limit: a copy whose rounds make no progress for this
  // long has stalled (a livelock or deadlock in the core) and the run ends.
  // 0: derived from the run's own slowest rounds (stress/runner.h).
  double stall_seconds = 0;
  // Each race window must open in at least this many rounds (0: a window
  // that never opens is only a warning). Checked by the driver after the run.
  std::uint64_t min_window_hits = 0;
  // Called about four times a second from the thread that started the run.
  std::function<void(const Progress&)> on_progress;
  // Set by a signal handler: end the run early, keep what was found.
  const std::atomic<bool>* interrupt = nullptr;
};

struct Observation {
  int cpu;  // scenario thread (0-based)
  std::string what;
  std::uint64_t value;
};

struct StepRecord {
  int cpu;                 // scenario thread (0-based)
  std::string step;        // the core's step name
  std::uint64_t value;     // read or written (see StepHook::after)
  std::int64_t ns;         // timestamp relative to the round's first step
};

// The first violating round of a run, with everything needed to read it.
struct Violation {
  std::uint64_t round = 0;  // 0-based, in the order rounds were started
  double seconds = 0;       // into the run
  int copy = 0;
  int cpu = 0;              // scenario thread that called fail(); -1 = the final Check()
  std::string what;
  std::string where;        // file:line in the core
  int config_index = 0;
  std::string config;       // the member of the family (key=value pairs)
  std::vector<Observation> observations;
  std::vector<StepRecord> steps;  // every CPU's steps, ordered by timestamp
  int dropped_steps = 0;          // beyond a CPU's log capacity
};

// What one CPU of a stalled round was doing (stress/watchdog.h).
struct StalledCpu {
  int cpu = 0;                  // scenario thread (0-based)
  std::string phase;            // "running", "at barrier", "final check", ...
  std::string last_step;        // the last step it passed ("" if none this round)
  std::uint64_t last_value = 0;
  std::uint64_t round_steps = 0;       // steps passed in the stalled round
  std::uint64_t steps_since_progress = 0;  // steps passed since the copy last made progress
  std::string in_step;          // a step begun and not finished ("" if none)
  std::string waits_for;        // "mmu_lock", or what the step it is in waits for ("" if nothing)
  int lock_holder = -1;         // for a lock: the CPU that last took it (-1 unknown)
};

// A round that made no progress for the stall limit.
struct Stall {
  double seconds = 0;          // into the run, when the watchdog fired
  double no_progress = 0;      // seconds the copy went without progress
  double limit = 0;            // the stall limit in force
  bool limit_derived = false;  // from the run's rounds (no --stall-seconds)
  double slowest_progress_gap = 0;  // the longest wait for progress before the stall
  std::uint64_t round = 0;
  int copy = 0;
  int config_index = 0;
  std::string config;
  std::vector<StalledCpu> cpus;
  std::vector<StepRecord> steps;  // the partial round, ordered by timestamp
  int dropped_steps = 0;
};

// One race window of the scenario (mmu_core/windows.h) and, per order, the
// rounds in which its steps ran that way (stress/windows.h).
struct WindowTally {
  std::string name;
  int outer_cpu = 0;
  std::string open, close;  // "" = the start / the end of the round
  int inner_cpu = 0;
  std::string inner;
  std::uint64_t before = 0, inside = 0, after = 0, not_run = 0;
};

struct ConfigTally {
  int index = 0;
  std::string config;
  std::uint64_t rounds = 0;
  std::uint64_t violating_rounds = 0;
};

struct RunResult {
  std::uint64_t rounds = 0;
  double seconds = 0;
  std::uint64_t violations = 0;        // sync::fail calls
  std::uint64_t violating_rounds = 0;  // rounds with at least one
  // Rounds in which two CPUs' steps overlapped in time (by their stamps). A
  // race needs overlap: on a loaded machine the CPUs of a round often run
  // one after the other, and this share drops.
  std::uint64_t overlapping_rounds = 0;
  std::vector<ConfigTally> per_config;
  std::optional<Violation> first;
  bool interrupted = false;
  // The longest time a copy went without progress (a round finishing, a
  // batch set up), as the watchdog sampled it: a bound on the slowest round.
  double slowest_progress_gap = 0;
  double stall_limit = 0;          // the limit in force at the end
  int max_round_steps = 0;         // the most steps a round took (PCT's k)
  std::vector<WindowTally> windows;  // the scenario's race windows, counted
  std::optional<Stall> stall;      // set: the run ended on a stall; its threads were left running
};

}  // namespace stress
