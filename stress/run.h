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

struct RunSpec {
  int copies = 1;
  std::vector<int> configs;        // indices into the family, rotated per round; never empty
  mmu::Mutations mutations;
  double seconds = 0;              // time budget; 0 = none
  std::uint64_t rounds = 0;        // round budget; 0 = none
  std::uint64_t seed = 1;
  std::uint64_t max_delay_ns = 0;  // 0 = no delays (steps are still recorded)
  bool stop_on_violation = false;
  bool pin = true;  // pin workers to cores, round robin over the affinity mask
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
  std::string config;       // DescribeConfig
  std::vector<Observation> observations;
  std::vector<StepRecord> steps;  // every CPU's steps, ordered by timestamp
  int dropped_steps = 0;          // beyond a CPU's log capacity
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
};

}  // namespace stress
