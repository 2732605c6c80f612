// The LKMM engine: decides a litmus test under the Linux-kernel memory model
// itself, the way herd7 does with tools/memory-model (linux-kernel.bell,
// linux-kernel.cat, lock.cat and linux-kernel.def as the kernel has them
// now, which herd7 reads with its lkmmv2 variant: the read and write of a
// fully ordered RMW are tagged MB, a failed RMW orders nothing).
//
// LKMM is axiomatic. The engine
//   1. runs each process on its own with every value a read may return
//      (the values the test can write, found by a fixpoint), giving the
//      per-process event traces with their addr/data/ctrl dependencies;
//   2. for each choice of one trace per process, enumerates reads-from (rf)
//      and coherence order (co) per location, spinlock critical sections in
//      co order, and the RCU/SRCU read-side critical sections;
//   3. computes the model's relations (lkmm_relations.cc, one function per
//      relation of the .cat file, named as there) and keeps the candidate
//      when every axiom holds: coherence, atomic, happens-before,
//      propagation, rcu, plain-coherence.
// The final states of the kept candidates are the allowed states; a
// `data-race` flag is raised when some kept candidate has a data race.
//
// --drop-relation NAME empties one relation (or skips one axiom) so the
// tests can show each one matters.
#ifndef LITMUS_LKMM_H_
#define LITMUS_LKMM_H_

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "litmus/parser.h"
#include "litmus/program.h"
#include "litmus/state_table.h"

namespace litmus {

struct LkmmOptions {
  std::set<std::string> drop;      // relation or axiom names to leave out
  double timeout_seconds = 300;    // give up (with an error) after this long
  uint64_t max_candidates = uint64_t{1} << 32;
};

struct LkmmResult {
  std::optional<Diagnostic> error;
  StateTable states{0, 16, false};  // final states of consistent candidates
  uint64_t candidates = 0;          // candidate executions examined
  uint64_t consistent = 0;          // of which every axiom held
  double seconds = 0;
  std::vector<std::string> flags;   // e.g. "data-race", raised by a consistent candidate
};

LkmmResult RunLkmm(const Program& p, const LkmmOptions& opt);

// Why LKMM forbids final state `state` (one the C++ model reaches): the
// axiom that rejected its candidates and, for a cycle, the cycle with each
// edge named by the relation that contributes it. Empty if LKMM allows it.
std::string ExplainForbidden(const Program& p, const std::vector<int64_t>& state, const LkmmOptions& opt);

// Every relation and axiom name --drop-relation accepts.
const std::vector<std::string>& LkmmDroppableNames();

}  // namespace litmus

#endif  // LITMUS_LKMM_H_
