// stress/registry.h: every scenario of mmu_core, as the stress tools see it.
//
// Built from MMU_SCENARIOS (mmu_core/scenarios/all.h), so a scenario the
// core adds is stressed, listed and put in the kill matrix without a change
// here. Each entry carries the scenario's static description and a function
// that runs it natively (stress/runner.h).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mmu_core/mutations.h"
#include "stress/run.h"

namespace stress {

struct ScenarioInfo {
  std::string name;    // kName, e.g. "split-pnp"
  std::string target;  // the Bazel target name, e.g. "split_pnp"
  std::string section;
  std::string invariant;
  int threads = 0;
  std::vector<mmu::Mutation> mutations;  // S::kMutations
  std::vector<std::string> configs;      // DescribeConfig of each member of the family

  bool Shows(mmu::Mutation m) const;
};

struct ScenarioEntry {
  ScenarioInfo info;
  RunResult (*run)(const RunSpec&);
};

const std::vector<ScenarioEntry>& Scenarios();

// By kName ("split-pnp") or target name ("split_pnp").
const ScenarioEntry* FindScenario(std::string_view name);

// Selects members of a family the way the interleaving format's `config:`
// line does: "all", an index ("1"), or space-separated key=value pairs that
// are a subset of exactly one member's DescribeConfig ("clear=slow").
// Returns the indices, or an error message naming what is wrong.
struct ConfigSelection {
  std::vector<int> indices;
  std::string error;
};
ConfigSelection SelectConfigs(const ScenarioInfo& s, std::string_view spec);

}  // namespace stress
