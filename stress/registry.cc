// stress/registry.cc: the scenario table, one native instantiation each.
#include "stress/registry.h"

#include "mmu_core/scenarios/all.h"
#include "stress/runner.h"

namespace stress {

const std::vector<ScenarioEntry>& Scenarios() {
  static const std::vector<ScenarioEntry> all = [] {
    std::vector<ScenarioEntry> v;
#define STRESS_SCENARIO_ENTRY(Type, target) \
  v.push_back(ScenarioEntry{mmu::DescribeScenario<mmu::scenarios::Type>(), &RunScenario<mmu::scenarios::Type>});
    MMU_SCENARIOS(STRESS_SCENARIO_ENTRY)
#undef STRESS_SCENARIO_ENTRY
    return v;
  }();
  return all;
}

const ScenarioEntry* FindScenario(std::string_view name) {
  for (const ScenarioEntry& e : Scenarios()) {
    if (e.info.name == name || e.info.target == name) return &e;
  }
  return nullptr;
}

}  // namespace stress
