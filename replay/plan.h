// replay/plan.h: what a replay runs (engine-free): a resolved table, its
// budgets, and the catalogue entry of its scenario.
#pragma once

#include "mmu_core/catalog/interleaving.h"
#include "mmu_core/catalog/scenario_info.h"
#include "replay/outcome.h"
#include "replay/resolve.h"
#include "replay/sequencer.h"

#include <cstdint>
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
  std::vector<int> final_order;  // after the table, the order of the CPUs (empty: column order)
  int rotate_every = 0;          // after the table, a round robin of this many steps (0: none)
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
  for (const ResolvedRow& rr : r.rows) {
    SeqRow s;
    s.cpu = rr.thread;
    s.step = rr.steps.front();
    if (rr.steps.size() > 1) {
      for (Step step : rr.steps) {
        if (s.ngroup < kMaxGroup) s.group[s.ngroup++] = step;
      }
    }
    s.check_value = rr.check_value;
    s.value = rr.value;
    p.rows.push_back(s);
  }
  return p;
}

struct CatalogEntry {
  ScenarioInfo info;
  Outcome (*run)(const ScenarioInfo&, const Plan&, const RunOptions&);
  // Which steps each CPU of each member can run, [config][cpu] (empty: not known).
  std::vector<std::vector<StepSet>> steps = {};
};

inline std::vector<ScenarioInfo> Infos(const std::vector<CatalogEntry>& cat) {
  std::vector<ScenarioInfo> out;
  for (const CatalogEntry& e : cat) out.push_back(e.info);
  return out;
}

inline StepFacts Facts(const std::vector<CatalogEntry>& cat) {
  StepFacts f;
  for (const CatalogEntry& e : cat) f.sets.push_back(e.steps);
  return f;
}

}  // namespace mmu::replay
