// replay/resolve.h: which scenario, configuration and mutation a table
// means.
//
// A file may say `scenario:` and `config:`; otherwise the header's function
// names decide. Each scenario's roles (kRoles in its header; `replay --list`
// prints them) give, per member of its family, the functions each CPU column
// runs, e.g.
//
//   CPU 1                       CPU 2                                   CPU 3      scenario
//   __get_spte_lockless         __update_clear_spte_fast                           split-tear clear=fast
//   __get_spte_lockless         __update_clear_spte_slow                           split-tear clear=slow
//   __get_spte_lockless         __update_clear_spte_fast + __set_spte              split-pnp clear=fast
//   __get_spte_lockless         __update_clear_spte_slow + __set_spte              split-pnp clear=slow
//   __get_spte_lockless         mmu_spte_update | spte_write_protect    hardware   split-hw-ad
//   mmu_spte_clear_track_bits   hardware                                           split-slow-clear-d
//
// Function names are the identifiers in a column's header text (leading
// underscores and case do not matter; other words are ignored). Without a
// `scenario:` line every column must name exactly the functions of one form
// (a form's optional functions may be left out); with one, a column's known
// names must belong to that scenario's CPU (they then pick the
// configuration, e.g. clear=slow). A `config:` line holds some of the
// key=value pairs of a member (`replay --list`; mmu_core/catalog/config.h),
// enough to pick one. A header may leave out a CPU that is idle in a member
// (zap-root requests=1's CPU 3): that member is meant, the CPU is read as
// idle and Resolved::table has its column.
#pragma once

#include "mmu_core/catalog/interleaving.h"
#include "mmu_core/catalog/scenario_info.h"

#include <bitset>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mmu::replay {

// A header form: what each CPU runs in one member of a scenario's family,
// from the scenario's roles (kRoles). Members whose CPUs run the same
// functions share a form.
struct HeaderForm {
  int scenario = -1;         // index into the catalogue
  std::vector<int> configs;  // the members
  std::vector<std::string> threads;  // per CPU: the role's functions ("a|b c?")
};
std::vector<HeaderForm> HeaderForms(std::span<const ScenarioInfo> catalogue);

// "CPU 1: __get_spte_lockless   CPU 2: __update_clear_spte_slow + __set_spte"
// ("a | b": either name; "[c]": may be named).
std::string FormText(const HeaderForm& f);

// The steps a CPU can run, one bit per Step.
using StepSet = std::bitset<static_cast<std::size_t>(Step::kCount)>;

// Which steps each CPU of each scenario member can run, [scenario][config][cpu]
// (replay/step_facts.h derives them); a scenario without facts is empty.
struct StepFacts {
  std::vector<std::vector<std::vector<StepSet>>> sets;
  const StepSet* Of(int scenario, int config, int cpu) const;
};

// A row as the engines run it: its CPU, its step or a composite's steps,
// and the value its step must read when the table gives one.
struct ResolvedRow {
  int thread = 0;
  std::vector<Step> steps;  // one step; a composite row: each of its steps, once, in any order
  bool check_value = false;
  std::uint64_t value = 0;
  std::string value_note;  // a value the table gives that is not checked, and why
  std::string placed;      // a row between two columns: why it is in this one ("" when aligned)
  int other_column = -1;   // ... the column it was not put in (-1 when aligned)
};

struct Resolved {
  int scenario = -1;  // index into the catalogue
  int config = -1;    // family member
  Mutations mutations;
  std::string mutation_source;  // "the file", "the command line" or ""
  std::optional<std::uint64_t> initial;
  std::vector<std::uint64_t> values;
  bool inferred = false;           // the scenario came from the header
  std::vector<std::string> notes;  // warnings worth printing
  std::vector<ResolvedRow> rows;   // one per table row
  // The table with a column added for each CPU the header left out because
  // it is idle in the member (zap-root requests=1's CPU 3; a note says so),
  // rows renumbered to the scenario's CPUs: run and report this one.
  // Empty when the header has every CPU's column.
  std::optional<Interleaving> table;
};

// What the command line says instead of the file.
struct Overrides {
  std::optional<Mutations> mutations;
};

// The steps of a composite row for a CPU that runs `functions` (a role's
// text): "clear the spte" is every step of the clear the CPU runs
// (__update_clear_spte_fast or _slow), "set spte" every step of __set_spte
// (mmu_core/split_spte.h). Empty when the CPU runs no such function.
std::vector<Step> CompositeSteps(Phrase phrase, std::string_view functions);

// `facts` may be null (every CPU may run every step).
Parsed<Resolved> Resolve(const Interleaving& il, std::span<const ScenarioInfo> catalogue, const Overrides& ov,
                         const StepFacts* facts = nullptr);

}  // namespace mmu::replay
