// models/replay/catalog.h: the scenarios an engine can replay.
//
// Catalog<Engine>() lists every scenario of mmu_core/scenarios/all.h (and
// any a test adds) with the engine's run function. Engine is a class with
//   template <class S> static Outcome Run(const Plan&, const RunOptions&);
// so the list is built once per engine binary.
#pragma once

#include "mmu_core/scenario.h"
#include "mmu_core/scenarios/all.h"
#include "models/replay/interleaving.h"
#include "models/replay/outcome.h"
#include "models/replay/resolve.h"

#include <string>
#include <vector>

namespace mmu::replay {

// Limits and budgets of one run.
struct RunOptions {
  int step_budget = 10000;       // unlisted steps one turn may run
  double lock_wait_ms = 500;     // native: how long the CPU holding the turn may wait for mmu_lock
  double timeout_s = 0;          // native watchdog: no step for this long (default 10 s);
                                 // Relacy: the whole exploration (default 120 s)
  std::uint64_t max_executions = 2000000;  // Relacy
  bool progress = false;         // Relacy: progress on stderr
  bool history = false;          // Relacy: keep Relacy's report of a failing execution
};

// A resolved table, ready to run.
struct Plan {
  const Interleaving* il = nullptr;
  const Resolved* resolved = nullptr;
  std::vector<SeqRow> rows;
  int cpus = 0;
};

inline Plan MakePlan(const Interleaving& il, const Resolved& r, int cpus) {
  Plan p;
  p.il = &il;
  p.resolved = &r;
  p.cpus = cpus;
  for (const Row& row : il.rows) p.rows.push_back(SeqRow{row.thread, row.step});
  return p;
}

template <class S>
ScenarioInfo DescribeScenario() {
  ScenarioInfo i;
  i.name = std::string(S::kName);
  i.section = std::string(S::kSection);
  i.invariant = std::string(S::kInvariant);
  i.threads = S::kThreads;
  for (int k = 0; k < S::NumConfigs(); ++k) i.configs.push_back(S::DescribeConfig(S::GetConfig(k)));
  for (Mutation m : S::kMutations) i.mutations.push_back(m);
  using C = typename S::Config;
  i.takes_initial = requires(C c) { c.values.initial = 1; };
  i.max_values = requires(C c) { c.values.next = 1; } ? 1 : 0;
  return i;
}

// The family member the table names, with its posted values.
template <class S>
typename S::Config MakeConfig(const Resolved& r) {
  typename S::Config c = S::GetConfig(r.config);
  if constexpr (requires { c.values.initial = 1; }) {
    if (r.initial) c.values.initial = *r.initial;
  }
  if constexpr (requires { c.values.next = 1; }) {
    if (!r.values.empty()) c.values.next = r.values.front();
  }
  return c;
}

struct CatalogEntry {
  ScenarioInfo info;
  Outcome (*run)(const Plan&, const RunOptions&);
};

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

inline std::vector<ScenarioInfo> Infos(const std::vector<CatalogEntry>& cat) {
  std::vector<ScenarioInfo> out;
  for (const CatalogEntry& e : cat) out.push_back(e.info);
  return out;
}

}  // namespace mmu::replay
