// models/model.h: what a Relacy model of one scenario offers its driver.
//
// A model binary (//models:<target>) is a scenario compiled against the
// Relacy engine (relacy_model.h, model_main.cc) plus the engine-free driver
// (driver.cc), which takes every fact from the scenario (ScenarioInfo):
// the driver parses the command line, decides which runs to make (variants,
// configurations, this shard's part of the search), prints the results and
// writes JSON and counterexamples; the model runs one Relacy search at a time.
// Nothing here includes the engine, so the driver is compiled once and linked
// into every model.
//
// A run is one search of one configuration with the correct core (variant
// "none") or with one catalogue mutation (a negative twin).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mmu_core/catalog/scenario_info.h"
#include "mmu_core/mutations.h"
#include "mmu_core/step_names.h"

namespace mmu::models {

// How a run explores the interleavings: Relacy's full search, a context-bound
// search (at most n preemptive context switches per execution; exhaustive up
// to that bound), n random schedules (a smoke run, never a verdict), or the
// reduced search (models/dpor/: unbounded, every interleaving up to the
// reordering of independent steps, every relaxed-memory outcome Relacy
// models).
struct Search {
  enum class Kind { kFull, kBound, kRandom, kDpor };
  Kind kind = Kind::kFull;
  unsigned n = 0;

  // "full", "bound:N", "random:N", "dpor"; nullopt on anything else.
  static std::optional<Search> Parse(std::string_view text);
  std::string ToString() const;
  // Full, bounded and reduced searches are trees that shards can split.
  bool IsTree() const { return kind != Kind::kRandom; }
};

// This process's part of the work: shard `index` of `total` (Bazel's
// TEST_SHARD_INDEX / TEST_TOTAL_SHARDS, or --shard).
struct Shard {
  int index = 0;
  int total = 1;
};

inline constexpr std::string_view kUserAssert = "USER ASSERT FAILED";

struct RunRequest {
  int config = 0;
  std::optional<Mutation> mutation;  // nullopt: the correct core
  Search search;
  Shard shard;                     // split the search tree (full/bound only)
  unsigned split_depth = 8;        // scheduling decisions that name a subtree
  bool relacy_scheduler = false;   // Relacy's own scheduler classes (no split)
  unsigned dpor_split_depth = 0;   // reduced search: thread choices that branch fully
  bool dpor_keep_retries = false;  // reduced search: count executions with failed load-only loop iterations
  bool collect_outcomes = false;   // fill RunOutcome::outcomes
  bool progress = false;           // progress line on stderr
  std::string label;               // for the progress line
};

// One step as the StepHook saw it complete, in global time order.
struct StepEvent {
  int cpu;
  Step step;
  std::uint64_t value;
};

struct Observation {
  int cpu;
  std::string what;
  std::uint64_t value;
};

struct RunOutcome {
  bool found = false;          // Relacy reported an error
  std::string error_kind;      // rl::test_result_str, e.g. "USER ASSERT FAILED"
  std::string message;         // the text in parentheses, e.g. the invariant
  std::string where;           // file:line that raised it, from the history
  std::uint64_t iterations = 0;  // interleavings explored (this shard's part)
  std::uint64_t found_at = 0;    // iteration of the error (Relacy's numbering)
  std::uint64_t probes = 0;      // iterations spent locating other shards' subtrees
  std::uint64_t digest = 0;      // sum of a hash of each explored execution's decisions
  std::uint64_t subtrees = 0;    // subtrees this shard explored
  std::uint64_t blocked = 0;     // reduced search: sleep-blocked executions (not counted)
  std::uint64_t discarded = 0;   // reduced search: executions with a failed load-only loop iteration (not counted)
  double seconds = 0;
  // With collect_outcomes: digests of what the scenario observed at the end
  // of each counted execution (sorted, unique); overflow if there were too many.
  std::vector<std::uint64_t> outcomes;
  std::vector<std::uint64_t> reads;  // digests of the values each CPU's steps read, in its order
  bool outcomes_overflow = false;
  std::vector<StepEvent> trace;  // the failing execution's steps
  bool trace_truncated = false;
  std::vector<Observation> observations;  // S::Observe, when the round reached Check()
  bool observed = false;
  std::string history;  // Relacy's raw report of the failing execution
};

// One scenario on the Relacy engine.
class Model {
 public:
  virtual ~Model() = default;
  // The scenario's facts (mmu_core/scenario.h): name, family, roles, twins, search.
  virtual const ScenarioInfo& Info() const = 0;
  virtual RunOutcome Run(const RunRequest& request) = 0;
};

// The model binary's main: see README.md "Command line".
int ModelMain(Model& model, int argc, char** argv);

}  // namespace mmu::models
