// mmu_core/scenario.h: a race scenario, written once and driven by every engine.
//
// A scenario is a small, self-contained round of a lockless protocol: a few
// threads (CPUs, hardware, a zapper), the core objects they share, and the
// invariant that must hold. Each engine runs rounds of it:
//
//   Relacy (models/)   explores every interleaving of one round;
//   native (stress/)   runs millions of rounds on real threads, released
//                      together, with random delays at step points;
//   replay (replay/)   runs one round with the steps forced into a given order.
//
// A scenario owns every fact the engines need; none is repeated in a BUILD
// file or an engine. The concept `Scenario` below names them:
//
//   kName, kSection, kInvariant   "split-pnp", "§2b" of kvm-mmu.md, one line
//   kThreads                      CPUs (threads) of a round
//   kConfigs                      the family: each member as key=value pairs
//                                 ("clear=fast,cycles=1"); config.h parses them
//   Config, MakeConfig(pairs)     the member as the scenario's own struct
//   kRoles                        what each CPU runs, as kernel functions: the
//                                 column headers of its tables, and how replay
//                                 recognises a posted table's header
//   kTwins                        its negative twins: the catalogue mutation,
//                                 the members that show it, the failure expected
//   kSearch                       how the models search it, and why
//   kWindows                      the race windows its invariant is about
//                                 (windows.h): stress counts how often each opened
//   S(config, mutations)          set-up, single-threaded
//   Thread(cpu)                   body of CPU `cpu`
//   Check()                       after every thread: the final invariant
//   Observe(obs) const            what each CPU read, for reports
//
// and optionally kPosted (the values a posted table may give, split sptes).
//
// Invariants are checked with sync::fail(what) inside Thread() (on the spot)
// or in Check(); `what` is a string literal naming the invariant, and the
// engines report it verbatim. A scenario never allocates from a thread body.
//
// This header is engine-free (it does not include the core): the engines'
// front ends read the facts through ScenarioInfo (catalog/scenario_info.h).
#pragma once

#include <concepts>
#include <cstdint>
#include <span>
#include <string_view>
#include <type_traits>

#include "mmu_core/catalog/config.h"
#include "mmu_core/mutations.h"
#include "mmu_core/windows.h"
#include "mmu_core/windows.h"

namespace mmu {

// Values a round's CPUs read or returned, named for a report. Fixed size: no
// allocation, so it can be filled inside a Relacy simulation.
class Observations {
 public:
  static constexpr int kMax = 16;
  struct Entry {
    int cpu;
    const char* what;
    std::uint64_t value;
  };
  void Add(int cpu, const char* what, std::uint64_t value) {
    if (n_ < kMax) entries_[n_++] = Entry{cpu, what, value};
  }
  int size() const { return n_; }
  const Entry& operator[](int i) const { return entries_[i]; }
  void Clear() { n_ = 0; }

 private:
  Entry entries_[kMax] = {};
  int n_ = 0;
};

// What a negative twin must fail with, on every engine that can show it.
struct Failure {
  enum class Kind : std::uint8_t {
    kInvariant,     // sync::fail() in mmu_core/scenarios/, message starting with `message`
    kUseAfterFree,  // a freed shadow page is touched (Relacy: ACCESS TO FREED MEMORY)
    kLivelock,      // a CPU stops making progress (Relacy: LIVELOCK; stress: a stall)
    kDataRace,      // plain (Var) data read without happens-before from its writer (Relacy: DATA RACE)
  };
  Kind kind = Kind::kInvariant;
  std::string_view message = {};  // kInvariant: a prefix of the message; empty: any
};
inline constexpr Failure InvariantFails(std::string_view prefix = {}) { return {Failure::Kind::kInvariant, prefix}; }
inline constexpr Failure UseAfterFree() { return {Failure::Kind::kUseAfterFree, {}}; }
inline constexpr Failure Livelock() { return {Failure::Kind::kLivelock, {}}; }
inline constexpr Failure DataRace() { return {Failure::Kind::kDataRace, {}}; }

// A negative twin: the scenario with one catalogue mutation, which must fail.
struct Twin {
  Mutation mutation;
  std::string_view configs = {};  // the members that show it (a selector; "" every member)
  Failure expect = {};
};

// What a CPU runs in the members a selector picks ("" every member), as the
// kernel functions a posted table's header would name: items separated by
// blanks, alternative names of one item by '|', an item a header may leave
// out ends in '?'. "idle" is a CPU with nothing to do in that member.
//   {1, "__update_clear_spte_fast __set_spte", "clear=fast"}
struct Role {
  int cpu;
  std::string_view functions;
  std::string_view when = {};
};

// The search the models run (models/README.md): `search` in the default tests
// ("full" or "bound:N") and `ci_search` in the main job ("" = the same), with
// the reasons; figures are measured with that search.
struct ModelSearch {
  std::string_view search = "full";
  std::string_view why;
  std::string_view ci_search = {};
  std::string_view ci_why = {};
};

// The values a posted table may give instead of the scenario's own
// (`initial:` and `values:` lines; models/README "Replay"): the scenario's
// Config then has a `values` member with `initial` and `next`.
struct Posted {
  bool initial = false;  // an initial spte value
  int values = 0;        // how many values its writers store
};

template <class S>
concept Scenario =
    requires {
      requires std::convertible_to<decltype(S::kName), std::string_view>;
      requires std::convertible_to<decltype(S::kSection), std::string_view>;
      requires std::convertible_to<decltype(S::kInvariant), std::string_view>;
      requires std::convertible_to<decltype(S::kThreads), int>;
      requires std::convertible_to<decltype(S::kConfigs), std::span<const std::string_view>>;
      requires std::convertible_to<decltype(S::kRoles), std::span<const Role>>;
      requires std::convertible_to<decltype(S::kTwins), std::span<const Twin>>;
      requires std::convertible_to<decltype(S::kSearch), ModelSearch>;
      requires std::convertible_to<decltype(S::kWindows), std::span<const Window>>;
      typename S::Config;
      { S::MakeConfig(std::declval<const ConfigPairs&>()) } -> std::same_as<typename S::Config>;
    } &&
    std::constructible_from<S, const typename S::Config&, Mutations> &&
    requires(S& s, const S& cs, int cpu, Observations& o) {
      s.Thread(cpu);
      s.Check();
      cs.Observe(o);
    };

// What a posted table may give (S::kPosted, if declared).
template <class S>
constexpr Posted PostedOf() {
  if constexpr (requires { S::kPosted; }) {
    return S::kPosted;
  } else {
    return Posted{};
  }
}

// Is `target` the scenario's name with '-' turned into '_'? (all.h checks it.)
constexpr bool NameMatchesTarget(std::string_view name, std::string_view target) {
  if (name.size() != target.size()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if ((name[i] == '-' ? '_' : name[i]) != target[i]) return false;
  }
  return true;
}

// Does scenario S have a twin for mutation m?
template <class S>
constexpr bool ScenarioShows(Mutation m) {
  for (const Twin& t : S::kTwins) {
    if (t.mutation == m) return true;
  }
  return false;
}

}  // namespace mmu
