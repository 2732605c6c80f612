// Where the Relacy engine's verdict may differ from LKMM's, found statically.
//
// Relacy explores a C++ memory model with known gaps (toolchain.md), and the
// engine maps a few kernel primitives onto stronger C++ ones. Either can hide
// outcomes LKMM allows, so a "Never" from the model is trustworthy only when
// no rule below fires. Every rule over-approximates: it may flag a test whose
// verdict is in fact exact, never the other way round.
//
// The static picture: each process's memory events (loads, stores, RMWs, and
// spinlock and RCU operations as accesses to a lock word or a per-reader
// word) in program order (po), with every possible reads-from (rf: a store to
// a load of the same location) and coherence (co: two stores to the same
// location in different processes) edge. Accesses through a register may
// touch any location.
//
//   kLoadBuffering  Relacy executes each process in program order and a load
//       only reads a store that has already executed, so its modification
//       order follows the interleaving: no execution has a cycle in
//       po | rf | co. Flagged when such a cycle exists statically and LKMM
//       need not forbid it: the cycle has a po edge LKMM leaves unordered
//       (different locations, no barrier, acquire, release or dependency), or
//       it has a co edge and a po edge that is ordered but not by a full
//       barrier (smp_wmb, release: LKMM forbids 2+2W only with smp_mb).
//       LB+poonceonces, S+poonceonces and 2+2W+poonceonces are the shapes.
//   kShortHistory   Under sched_full a Relacy load reads the newest store or
//       the one before it, never older. Flagged for a load L of x when some
//       store S2 to x in another process may be forced to run before L by a
//       po|rf|co path that does not give happens-before (so L may still read
//       older than S2), and another store to x by a process other than L's
//       may come before S2 in coherence order.
//   kConsumeAsAcquire  A READ_ONCE/rcu_dereference whose value reaches an
//       address is run as an acquire load (LKMM orders address dependencies;
//       Relacy's consume is acquire anyway). Flagged when a later access in
//       that process neither depends on the load's address nor is ordered
//       after it by other means.
//   kFenceStrength  smp_rmb/smp_wmb run as acquire/release fences, which also
//       order an earlier load before a later store (and carry that through
//       happens-before); LKMM's do not. Flagged when a load, then one of these
//       fences, then a store occur in a process with nothing else ordering
//       the load before the store.
//   kFailedCmpxchg  A full cmpxchg runs a seq_cst fence before the CAS even
//       when it fails (failure is only known afterwards); LKMM's failed
//       cmpxchg orders nothing. Flagged when accesses before and after it are
//       otherwise unordered.
//   kStandaloneMb   smp_mb__before_atomic/after_atomic (and
//       smp_mb__after_spinlock) run as smp_mb; LKMM orders only through the
//       adjacent atomic (lock). Flagged when another access sits between.
//   kNoreturnRmb    smp_rmb() runs as an acquire fence, which orders the
//       read of a non-value-returning atomic (atomic_inc() & co) before
//       later reads; LKMM's rmb orders only reads that return a value (its
//       R4rmb leaves out Noreturn). Flagged when such an atomic is followed
//       by smp_rmb() and a read.
//   kRcu            RCU is a per-reader lock (model_engine.cc). For one
//       grace period and read-side critical sections that do not nest, the
//       lock gives exactly LKMM's guarantee (a critical section ends before
//       the grace period ends or starts after it begins); more grace
//       periods or nested sections are flagged.
#ifndef LITMUS_GAPS_H_
#define LITMUS_GAPS_H_

#include <string>
#include <vector>

#include "litmus/program.h"

namespace litmus {

enum class GapKind {
  kLoadBuffering,
  kShortHistory,
  kConsumeAsAcquire,
  kFenceStrength,
  kFailedCmpxchg,
  kStandaloneMb,
  kRcu,
  kNoreturnRmb,
};

struct Gap {
  GapKind kind;
  SourcePos pos;
  std::string message;
};

const char* GapName(GapKind k);

// Every rule that fires, at most one Gap per rule and process.
std::vector<Gap> FindGaps(const Program& p);

}  // namespace litmus

#endif  // LITMUS_GAPS_H_
