// mmu_core/scenario.h: a race scenario, written once and driven by every engine.
//
// A scenario is a small, self-contained round of a lockless protocol: a few
// threads (CPUs, hardware, a zapper), the core objects they share, and the
// invariant that must hold. Each engine runs rounds of it:
//
//   Relacy (models/)   explores every interleaving of one round;
//   native (stress/)   runs millions of rounds on real threads, released
//                      together, with random delays at step points;
//   replay             runs one round with the steps forced into a given order.
//
// A scenario type S provides:
//
//   static constexpr std::string_view kName;       // "split-pnp"
//   static constexpr std::string_view kSection;    // "§2" of kvm-mmu.md
//   static constexpr std::string_view kInvariant;  // one line
//   static constexpr int kThreads;                 // 2 or 3
//   static constexpr Mutation kMutations[];        // the catalogue entries it shows
//   struct Config;                                 // one member of the family
//   static int NumConfigs();                       // the family: 0..N-1
//   static Config GetConfig(int index);
//   static std::string DescribeConfig(const Config&);
//   S(const Config&, Mutations);                   // set-up, single-threaded
//   void Thread(int cpu);                          // body of CPU `cpu`
//   void Check();                                  // after every thread: final invariant
//   void Observe(Observations&) const;             // what each CPU read, for reports
//
// Invariants are checked with sync::fail(what) inside Thread() (on the spot)
// or in Check(). `what` is a string literal naming the invariant; the engines
// report it verbatim. A scenario never allocates from a thread body.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "mmu_core/mutations.h"
#include "mmu_core/sync.h"

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

// Does scenario S list mutation m as one it can show?
template <class S>
constexpr bool ScenarioShows(Mutation m) {
  for (Mutation x : S::kMutations) {
    if (x == m) return true;
  }
  return false;
}

}  // namespace mmu
