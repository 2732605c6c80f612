// mmu_core/windows.h: the race windows a scenario is about, by name.
//
// A scenario's invariant is about a few interleavings: "the reader's read
// high between the writer's write low and update count", "a fault between
// zap's lock break and its relock". A clean run is evidence only if those
// windows were open in some of its rounds, so each scenario names them
// (S::kWindows, a fact of the Scenario concept, scenario.h) and the engines
// count them: stress counts, per window, in how many rounds the inner step
// fell before, inside or after the outer CPU's span (stress/README.md, "Race
// windows").
//
// A window is a span of one CPU's steps, from `open` to the first `close`
// after it, and one step of another CPU, `inner`:
//
//   outer_cpu:   ... open ......... close ...
//   inner_cpu:             inner               <- inside: the window opened
//
// Steps are named as in mmu_core/steps.h ("read high"), so this header needs
// no engine. An empty `open` is the start of the round and an empty `close`
// its end ("set low a/d before the slow clear's xchg": open is empty). When
// the outer CPU takes `open` several times, each occurrence opens a span up to
// the next `close`; the inner step counts as inside if any occurrence of it
// falls inside any span.
#pragma once

#include <string_view>

namespace mmu {

struct Window {
  std::string_view name;   // what the window is, in the words of the scenario's race
  int outer_cpu;           // scenario thread whose steps bound the window
  std::string_view open;   // step that opens it ("" = the start of the round)
  std::string_view close;  // the first such step after `open` closes it ("" = the end of the round)
  int inner_cpu;           // scenario thread whose step may fall inside
  std::string_view inner;  // that step
};

}  // namespace mmu
