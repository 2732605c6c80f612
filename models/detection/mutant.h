// models/detection/mutant.h: the switch of the logical-mutation schemata.
//
// The source mutator (mutator.cc) writes a copy of the core in which every
// mutation point is `::mmu::mutant::On(ID) ? <mutated> : <original>` (or the
// statement form of it). One build of that copy holds every mutant; a model
// binary built from it (//models:<target>_mutants) runs the one --mutant ID
// names, and records which points its rounds reached (--mutants-reached).
// Engine-free; in the ordinary models no point exists (kCount is 0).
#pragma once

#include <cstdint>
#include <type_traits>

namespace mmu::mutant {

inline constexpr int kMaxPoints = 8192;
inline int g_active = -1;                        // the mutant that runs; -1: none (the correct core)
inline int g_points = 0;                         // mutation points compiled in (set by the copy)
inline std::uint8_t g_reached[kMaxPoints] = {};  // points a round's threads evaluated
inline bool (*g_armed)() = nullptr;              // are a round's threads running (not its set-up)?

inline bool OnAtRunTime(int id) {
  if (g_armed == nullptr || g_armed()) g_reached[id] = 1;
  return id == g_active;
}
// Is mutant `id` the one running? Marks the point reached (by the threads)
// either way. A constant expression (a constexpr spte helper evaluated at
// compile time) always takes the original.
constexpr bool On(int id) {
  if (std::is_constant_evaluated()) return false;
  return OnAtRunTime(id);
}
// The copy registers its number of points before main (a static initialiser).
inline bool Register(int points) {
  g_points = points;
  return true;
}

}  // namespace mmu::mutant
