// replay/catalog.h: the scenarios an engine can replay.
//
// Catalog<Engine>() lists every scenario of mmu_core/scenarios/all.h (and
// any a test adds) with its facts (ScenarioInfo) and the engine's run
// function. Engine is a class with
//   template <Scenario S> static Outcome Run(const ScenarioInfo&, const Plan&, const RunOptions&);
// so the list is built once per engine binary; everything else in replay is
// engine-free.
#pragma once

#include "mmu_core/catalog/scenario_info.h"
#include "mmu_core/scenarios/all.h"
#include "replay/plan.h"

#include <string>
#include <vector>

namespace mmu::replay {

// The family member the table names, with its posted values (Posted).
template <Scenario S>
typename S::Config MakeConfig(const ScenarioInfo& info, const Resolved& r) {
  typename S::Config c = ConfigOf<S>(info, r.config);
  if constexpr (PostedOf<S>().initial) {
    if (r.initial) c.values.initial = *r.initial;
  }
  if constexpr (PostedOf<S>().values > 0) {
    if (!r.values.empty()) c.values.next = r.values.front();
  }
  return c;
}

template <class Engine, class... Extra>
std::vector<CatalogEntry> Catalog() {
  std::vector<CatalogEntry> out;
#define MMU_REPLAY_ENTRY(Type, target) \
  out.push_back(CatalogEntry{DescribeScenario<scenarios::Type>(), &Engine::template Run<scenarios::Type>});
  MMU_SCENARIOS(MMU_REPLAY_ENTRY)
#undef MMU_REPLAY_ENTRY
  (out.push_back(CatalogEntry{DescribeScenario<Extra>(), &Engine::template Run<Extra>}), ...);
  return out;
}

}  // namespace mmu::replay
