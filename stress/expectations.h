// stress/expectations.h: what each catalogue mutation can do on an x86 host.
//
// x86-64 is TSO: it never reorders a load with an older load, nor a store
// with an older load or an older store; the only reordering is a load
// passing an older store to another address (store buffering). So smp_rmb,
// smp_wmb, smp_load_acquire and smp_store_release compile to compiler
// barriers (plain movs), and only smp_mb (and xchg/cmpxchg, locked
// instructions) emit a fence. A mutation that only weakens a barrier the
// hardware never needed cannot be seen by native stress on x86, whatever the
// budget; only the Relacy model (or a weaker host) can catch it.
//
// `tsan_race` marks the mutations that turn a correct hand-over of plain
// memory into a plain data race, which ThreadSanitizer reports as such
// (rather than through the scenario's invariant). This is what the kill
// matrix and the README's TSO notes are printed from; a mutation missing
// here is treated as visible, with no race expected.
#pragma once

#include <string_view>

#include "mmu_core/mutations.h"

namespace stress {

struct MutationExpectation {
  std::string_view mutation;
  bool x86_visible;
  std::string_view why;
  bool tsan_race;
  // Native stress catches it within seconds (measured: README "Kill
  // matrix"); each scenario's stress test then asserts that it does. An
  // x86-visible bug can still be too narrow a window for stress (M4.1).
  bool stress_catches = x86_visible;
};

inline constexpr MutationExpectation kExpectations[] = {
    {"M2.1", true, "program order of the two stores is swapped; TSO keeps the swapped order", false},
    {"M2.2", true, "program order of the two stores is swapped; TSO keeps the swapped order", false},
    {"M2.3", true, "program order: the count is bumped before the halves are written", false},
    {"M2.4", true, "a recheck is removed: no ordering involved", false},
    {"M2.5", true, "a recheck is removed: no ordering involved", false},
    {"M2.6", false,
     "drops the rmb between two loads: x86 never reorders a load with an older load, and smp_rmb is "
     "only a compiler barrier there",
     false},
    {"M2.7", true, "logic: a present->present update moves the high word (R1)", false},
    {"M2.8", true, "atomicity: load+store instead of xchg loses a concurrent hardware D bit", false},
    {"M3.1", true, "logic: a stale old value chooses the non-atomic update", false},
    {"M3.2", true, "atomicity: a plain write of a stale value loses a bit set meanwhile (hardware D, aging's A clear)",
     false},
    {"M3.3", true, "logic: the atomic-write rule ignores aging without mmu_lock; the plain write is a stale value", false},
    {"M4.1", true,
     "store buffering, the one reordering x86 performs: the walker's READING store may wait in its store "
     "buffer while it loads the root spte, but the zapper must clear that spte and read the mode inside "
     "those few tens of ns; litmus/MMU-WalkBegin+nomb shows the bare pattern on this host",
     true, /*stress_catches=*/false},
    {"M4.2", false,
     "load->store reordering (load buffering): x86 never lets a store pass an older load, and "
     "smp_store_release is a plain mov",
     false},
    {"M4.3", true, "logic: the free does not wait for a lockless walker", true},
    {"M4.4", true, "logic: the page is freed before the remote flush", true},
    {"M4.5", false,
     "store->store reordering: the link is a relaxed store after the child table's initialisation, which x86 "
     "never makes visible out of order (and the walker's address dependency orders its loads); ThreadSanitizer "
     "still sees no happens-before from the table's initialisation to the walker's read of it",
     true},
    {"M4.6", true, "atomicity: a plain read and store of vcpu->requests loses a bit another CPU sets in between",
     false},
    {"M4.7", true, "logic: a root whose count reached zero is taken again and used after its free", true},
    {"M4.8", true, "logic: the grace period, and the free, may end before the flush that stops the hardware walker",
     true},
    {"M4.9", true, "logic: the page table is freed with no grace period for the lockless walker", true},
    {"M5.1", true, "logic: ABA on the pfn (cmpxchg guards the value, not the gfn)", false},
    {"M5.2", true, "atomicity: a plain store instead of cmpxchg", false},
    {"M5.3", true, "atomicity and a stale flush decision", false},
    {"M5.4", true, "logic: the flush rule tests W instead of MMU-writable", false},
    {"M5.5", true, "program order: the gfn is marked dirty before the cmpxchg makes the spte writable", false},
    {"M6.1", true, "logic: two zappers without slots_lock", false},
    {"M6.2", true, "logic: list order", false},
    {"M6.3", true, "logic: a missing obsolete-root check", false},
    {"M6.4", true, "logic: invalid is marked after the request", false},
    {"M6.6", true, "logic: a livelock (the zap walk restarts for ever): no invariant fails, the round never ends",
     false},
    {"M6.7", true, "logic: a leak (the zapped pages are never freed); the scenario's check counts them every round",
     false},
    {"M7.1", true, "logic: generation protocol (race A)", false},
    {"M7.2", true, "logic: generation protocol (in-progress flag ignored)", false},
    {"M7.3", true, "logic: generation protocol (single increment)", false},
    {"M7.4", true, "logic: generation protocol (zap after publish, race C)", false},
    {"M7.5", true, "logic: generation protocol (race B)", false},
    {"M7.6", true, "logic: the update never completes (the final generation is never published); the check after "
     "the round sees it every time", false},
    {"M8.1", true, "logic: the reset runs after the lockless walk that kept the page alive has ended", true},
    {"M9.1", false,
     "drops the smp_wmb between two stores (sp->unsync, then the spte's W): x86 never reorders a store with an "
     "older store",
     false},
    {"M9.2", false,
     "drops the smp_rmb between two loads (the spte's W, then sp->unsync): x86 never reorders a load with an older "
     "load",
     false},
    {"M9.3", true, "atomicity: a plain store instead of cmpxchg: both faults win", false},
    {"M9.4", true, "logic: the loser of the cmpxchg runs the change handler too", false},
    {"M9.5", true, "logic: the cleared value does not stop the fault's cmpxchg", false},
    {"M9.6", true, "atomicity: read then write instead of xchg loses the fault's leaf", false},
    {"M9.7", true, "logic: the cleared value is written before the flush", false},
    {"M9.8", true, "logic: the retry check is made before mmu_lock is taken", false},
    {"M9.10", false,
     "drops the smp_rmb between two loads (the invalidate seq, then the host pte): x86 never reorders a load with "
     "an older load",
     false},
};

inline MutationExpectation ExpectationFor(mmu::Mutation m) {
  const std::string_view name = mmu::Describe(m).name;
  for (const MutationExpectation& e : kExpectations) {
    if (e.mutation == name) return e;
  }
  return MutationExpectation{name, true, "(no note yet)", false, true};
}

}  // namespace stress
