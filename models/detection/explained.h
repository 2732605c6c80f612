// models/detection/explained.h: why each survivor of the sweep survives.
//
// A weakening (barrier table) or a logical mutant that no model catches is a
// survivor. Each one is here with the reason it is allowed to survive, or the
// sweep fails. An entry matches a survivor in `file` whose text contains
// `match` (barrier rows: the edge label and the statement at the site;
// logical rows: the function, the original text, the operator and the
// mutated text) and whose weakening (or operator) is in `how` ("*": any).
// An entry that matches nothing any more is stale, and fails the sweep too.
#pragma once

#include <string_view>

namespace mmu::models::detection {

enum class Reason {
  kRedundant,    // another edge or the lock already gives this ordering (named in `why`)
  kWeakerArch,   // needed only on an architecture weaker than the model's (C++/LKMM vs ...)
  kCheckerGap,   // an outcome Relacy's search cannot produce (named in `why`)
  kEquivalent,   // the mutant computes the same thing in every state the core can reach
  kNotModelled,  // the code's effect lies outside every modelled contract (named in `why`)
};
inline constexpr std::string_view ReasonName(Reason r) {
  switch (r) {
    case Reason::kRedundant: return "redundant";
    case Reason::kWeakerArch: return "weaker architecture";
    case Reason::kCheckerGap: return "checker gap";
    case Reason::kEquivalent: return "equivalent";
    case Reason::kNotModelled: return "not modelled";
  }
  return "";
}

struct Explanation {
  bool logical;  // a logical-mutation row (else a barrier row)
  std::string_view file;
  std::string_view match;
  std::string_view how;
  Reason reason;
  std::string_view why;
};

inline constexpr Explanation kExplained[] = {
    // ---- barrier table: the split spte (brief §2) ----
    {false, "mmu_core/split_spte.h", "[W3]", "drop", Reason::kRedundant,
     "the count bump follows [W2] (fast clear) or the xchg's barrier (slow clear), which already order the low "
     "word's clear before it, and presence is decided by the low word alone"},
    {false, "mmu_core/split_spte.h", "return sync::xchg(low_", "no-mb-before", Reason::kRedundant,
     "before the slow clear its CPU only read the spte under mmu_lock (and a previous set ordered its own stores "
     "with [W1]); the barrier the reader's recheck needs is the trailing one (no-mb-after is killed)"},
    {false, "mmu_core/split_spte.h", "sync::cmpxchg(low_, lo, lo | bits)", "no-mb-before,no-mb-after,no-mb,relaxed",
     Reason::kNotModelled,
     "the hardware's locked A/D update: only its atomicity is modelled (split is killed); the hardware thread has "
     "no other access that a barrier could order"},
};

}  // namespace mmu::models::detection
