// stress/registry.h: every scenario of mmu_core, as the stress tools see it.
//
// Built from MMU_SCENARIOS (mmu_core/scenarios/all.h), so a scenario the
// core adds is stressed, listed and put in the kill matrix without a change
// here. Each entry carries the scenario's facts (mmu::ScenarioInfo, the same
// the models and replay read) and a function that runs it natively
// (stress/runner.h).
#pragma once

#include <string_view>
#include <vector>

#include "mmu_core/catalog/config.h"
#include "mmu_core/catalog/scenario_info.h"
#include "stress/run.h"

namespace stress {

using mmu::ScenarioInfo;

struct ScenarioEntry {
  ScenarioInfo info;
  RunResult (*run)(const ScenarioInfo&, const RunSpec&);
};

const std::vector<ScenarioEntry>& Scenarios();

// By kName ("split-pnp") or target name ("split_pnp").
const ScenarioEntry* FindScenario(std::string_view name);

}  // namespace stress
