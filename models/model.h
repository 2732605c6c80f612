// models/model.h: what a Relacy model of one scenario offers its driver.
//
// A model binary (//models:<target>) is a scenario compiled against the
// Relacy engine (relacy_model.h) plus the engine-free driver (driver.cc):
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

#include "mmu_core/mutations.h"

namespace mmu::models {

// How a run explores the interleavings: Relacy's full search, a context-bound
// search (at most n preemptive context switches per execution; exhaustive up
// to that bound), or n random schedules (a smoke run, never a verdict).
struct Search {
  enum class Kind { kFull, kBound, kRandom };
  Kind kind = Kind::kFull;
  unsigned n = 0;

  // "full", "bound:N", "random:N"; nullopt on anything else.
  static std::optional<Search> Parse(std::string_view text);
  std::string ToString() const;
  // Full and bounded searches are trees that shards can split.
  bool IsTree() const { return kind != Kind::kRandom; }
};

// This process's part of the work: shard `index` of `total` (Bazel's
// TEST_SHARD_INDEX / TEST_TOTAL_SHARDS, or --shard).
struct Shard {
  int index = 0;
  int total = 1;
};

// A model's declaration in models/BUILD (mmu_model() in defs.bzl generates it).
struct Declaration {
  std::string_view target;  // "split_pnp"
  std::string_view search;  // the declared search, "full" or "bound:N"
  std::string_view why;     // why that search
  // Column headers "CPU N: <role>", one per thread; "{key}" is replaced by
  // the configuration's value for key ("__update_clear_spte_{clear}").
  std::vector<std::string_view> roles;
  // The negative twins, which must be the scenario's kMutations.
  std::vector<std::string_view> twins;
  // Expected error per mutation, where it is not the default (a "USER ASSERT
  // FAILED" raised in mmu_core/scenarios/): "KIND" or "KIND: message prefix".
  std::vector<std::pair<std::string_view, std::string_view>> expect;
  // The configurations (indices, comma-separated) a twin runs, where the
  // scenario does not say (S::Shows) and not every configuration applies.
  std::vector<std::pair<std::string_view, std::string_view>> twin_configs;
  // The stronger search ci/models.sh runs (--search ci), and why; empty:
  // the main job runs the declared search.
  std::string_view ci_search;
  std::string_view ci_why;
};

inline constexpr std::string_view kUserAssert = "USER ASSERT FAILED";

struct RunRequest {
  int config = 0;
  std::optional<Mutation> mutation;  // nullopt: the correct core
  Search search;
  Shard shard;                     // split the search tree (full/bound only)
  unsigned split_depth = 8;        // scheduling decisions that name a subtree
  bool relacy_scheduler = false;   // Relacy's own scheduler classes (no split)
  bool progress = false;           // progress line on stderr
  std::string label;               // for the progress line
};

// One step as the StepHook saw it complete, in global time order.
struct StepEvent {
  int cpu;
  std::string step;
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
  std::string where;           // file(line) that raised it, from the history
  std::uint64_t iterations = 0;  // interleavings explored (this shard's part)
  std::uint64_t found_at = 0;    // iteration of the error (Relacy's numbering)
  std::uint64_t probes = 0;      // iterations spent locating other shards' subtrees
  std::uint64_t digest = 0;      // sum of a hash of each explored execution's decisions
  std::uint64_t subtrees = 0;    // subtrees this shard explored
  double seconds = 0;
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
  virtual std::string_view Name() const = 0;  // kName
  virtual std::string_view Section() const = 0;
  virtual std::string_view Invariant() const = 0;
  virtual int Threads() const = 0;
  virtual std::vector<Mutation> Mutations() const = 0;
  virtual int NumConfigs() const = 0;
  virtual std::string DescribeConfig(int config) const = 0;
  // Does the mutation apply to this configuration? (S::Shows, if declared.)
  virtual std::optional<bool> Shows(Mutation m, int config) const = 0;
  // The role of a thread, if the scenario names it (S::ThreadRole).
  virtual std::optional<std::string> Role(int config, int cpu) const = 0;
  // The expected error kind of a twin, if the scenario declares it (S::ExpectedError).
  virtual std::optional<std::string> ExpectedError(Mutation m) const = 0;
  virtual RunOutcome Run(const RunRequest& request) = 0;
};

// Fills out.message and out.where from Relacy's report of a failing
// execution: it starts "KIND (message)", and the history line carrying the
// same text ends with the location that raised it.
void ParseFailure(std::string_view report, RunOutcome& out);

// The model binary's main: see README.md "Command line".
int ModelMain(Model& model, const Declaration& declaration, int argc, char** argv);

}  // namespace mmu::models
