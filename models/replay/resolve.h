// models/replay/resolve.h: which scenario, configuration and mutation a table
// means.
//
// A file may say `scenario:` and `config:`; otherwise the header's function
// names decide. kHeaderForms (resolve.cc; `replay --list` prints it) lists,
// per scenario configuration, the functions each CPU column runs, e.g.
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
// tokens of a configuration's description (`replay --list`), enough to pick
// one. A scenario with no form (a new one) is replayed with `scenario:` only.
#pragma once

#include "models/replay/interleaving.h"

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mmu::replay {

// A scenario as the resolver sees it (catalog.h fills it from the type).
struct ScenarioInfo {
  std::string name;
  std::string section;
  std::string invariant;
  int threads = 0;
  std::vector<std::string> configs;  // DescribeConfig of each family member
  std::vector<Mutation> mutations;   // the catalogue entries it shows
  bool takes_initial = false;        // an `initial:` value replaces its first value
  int max_values = 0;                // how many `values:` its writers can store
};

// One row of the table above. A thread's functions are space-separated; '|'
// separates names of the same function.
struct HeaderForm {
  std::string_view scenario;
  std::string_view config;  // pairs every matching configuration has; "" for all
  std::array<std::string_view, 4> threads;
  int values;  // how many values the writers store (the `values:` line)
};
std::span<const HeaderForm> HeaderForms();

// "CPU 1: __get_spte_lockless   CPU 2: __update_clear_spte_slow + __set_spte"
// ("a|b": either name; "[c]": may be named).
std::string FormText(const HeaderForm& f);

// How many `values:` a scenario's writers store (its forms say; else its Config).
int ValuesTaken(const ScenarioInfo& s);

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

// A configuration as tokens: "clear=slow cycles=1" or "start=dirty-log-wp,flush-deferred"
// (commas inside parentheses, as in "leaf=(1,1,0)", do not split).
std::vector<std::string> ConfigTokens(std::string_view text);

}  // namespace mmu::replay
