// replay/report.h: what a replay prints, and its exit code.
//
//   0  the invariant held (in every execution Relacy explored)
//   1  the invariant was violated
//   2  bad input: the file, the command line, or an order that cannot happen
//   3  the replay could not decide (Relacy ran out of time or executions,
//      or the native watchdog had to give up)
#pragma once

#include "replay/plan.h"
#include "mmu_core/catalog/interleaving.h"
#include "replay/outcome.h"
#include "replay/resolve.h"

#include <string>

#include <nlohmann/json.hpp>

namespace mmu::replay {

enum ExitCode { kHeld = 0, kViolated = 1, kBadInput = 2, kUndecided = 3 };

struct Report {
  const Interleaving& il;
  const Resolved& resolved;
  const ScenarioInfo& scenario;
  const Outcome& out;
};

int ExitCodeOf(const Outcome& out);

// The problem an order failure is, naming the table row (file:line).
// `resolved` adds what the file's rows say (a row between columns).
Problem FailureProblem(const Interleaving& il, const SeqFailure& f, double watchdog_s = 0,
                       const Resolved* resolved = nullptr);
// "this order cannot happen on the correct core: " + the failure
// ("... with M4.4: " when the core runs mutations).
std::string CannotHappen(const Resolved& r);

// The human report: the table with values, what the CPUs observed, the verdict.
std::string TextReport(const Report& r);
nlohmann::json JsonReport(const Report& r);

// How a step's value reads: the raw number and what it means
// ("0x00000e27  P W MMU-W A pfn 0x0", "3  READING_SHADOW_PAGE_TABLES",
// "passed"); "" for a step without a value.
std::string FormatStepValue(Step s, std::uint64_t v);
// How an observed value reads; an spte ("returned", "final spte", ...) shows
// both halves and whether it is present.
std::string FormatObserved(const char* what, std::uint64_t v);

// `replay --list`: scenarios, the step vocabulary, the mutation catalogue.
std::string ListText(const std::vector<ScenarioInfo>& cat);

}  // namespace mmu::replay
