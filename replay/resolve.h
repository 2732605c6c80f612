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
// enough to pick one.
#pragma once

#include "mmu_core/catalog/interleaving.h"
#include "mmu_core/catalog/scenario_info.h"

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

struct Resolved {
  int scenario = -1;  // index into the catalogue
  int config = -1;    // family member
  Mutations mutations;
  std::string mutation_source;  // "the file", "the command line" or ""
  std::optional<std::uint64_t> initial;
  std::vector<std::uint64_t> values;
  bool inferred = false;           // the scenario came from the header
  std::vector<std::string> notes;  // warnings worth printing
};

// What the command line says instead of the file.
struct Overrides {
  std::optional<Mutations> mutations;
};

Parsed<Resolved> Resolve(const Interleaving& il, std::span<const ScenarioInfo> catalogue, const Overrides& ov);

}  // namespace mmu::replay
