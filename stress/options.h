// stress/options.h: the stress driver's command line, checked.
//
// ParseCommandLine turns argv into Options (CLI11); MakePlan checks them
// against the scenario registry and turns them into one RunSpec per
// scenario to run. Every mistake becomes a message naming what is wrong;
// the driver prints it and exits with 2.
//
// --threads: a scenario's CPU count is fixed (S::kThreads), so --threads
// must be a positive multiple of it; N threads run N / kThreads independent
// copies of the scenario side by side (more rounds per second on a big host,
// and more cache traffic between them). The default is one copy.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "stress/registry.h"
#include "stress/run.h"

namespace stress {

inline constexpr double kDefaultSeconds = 3;
inline constexpr double kMaxSeconds = 7 * 24 * 3600;
inline constexpr std::uint64_t kDefaultMaxDelayNs = 2000;
inline constexpr std::uint64_t kMaxDelayNsLimit = 1000000;
inline constexpr int kMaxThreads = 256;
inline constexpr double kMinStallSeconds = 0.1;
inline constexpr long long kMaxWindowHits = 1000000000;
inline constexpr Timing kDefaultTiming = Timing::kDelays;
inline constexpr int kDefaultPctDepth = 3;

struct Options {
  std::string scenario;  // a name, or "all"
  std::string mutation = "none";
  std::string config = "all";
  std::optional<long long> threads;  // unset: one copy of each scenario
  std::optional<double> seconds;
  std::optional<long long> ops;  // signed, so that a negative count is an error
  std::optional<std::uint64_t> seed;
  std::string timing = "";                 // "delays" or "pct"; "" = kDefaultTiming
  std::optional<std::uint64_t> max_delay_ns;  // delays only
  std::optional<long long> pct_depth;         // pct only
  bool stop_on_violation = false;
  bool no_pin = false;
  std::optional<double> stall_seconds;  // unset: derived from the run's rounds
  std::optional<long long> min_window_hits;  // each race window must open in this many rounds
  std::string json;              // write the results here
  std::string interleaving_out;  // write the first violation here, as a table
  bool list = false;
  bool quiet = false;  // no progress line
};

struct ParseOutcome {
  std::optional<Options> options;  // set when the run should go ahead
  int exit_code = 0;               // otherwise: 0 (help) or 2 (bad input)
  std::string message;             // help text (stdout) or the error (stderr)
};
ParseOutcome ParseCommandLine(int argc, const char* const* argv);

struct PlannedRun {
  const ScenarioEntry* scenario = nullptr;
  RunSpec spec;
  std::string command;  // repeats this run exactly
};

struct Plan {
  std::vector<PlannedRun> runs;
  std::string error;  // non-empty: bad input
};
// `default_seed` is used when Options has none (the driver passes a fresh one).
Plan MakePlan(const Options& o, std::uint64_t default_seed);

// A path given on the command line, relative to where the user ran
// `bazel run` (BUILD_WORKING_DIRECTORY) rather than the runfiles tree.
std::string UserPath(const std::string& path);

}  // namespace stress
