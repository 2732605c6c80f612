// mmu_core/rcu.h: RCU as the brief models it: a reader count per CPU plus
// deferred free after a grace period (brief §0, §4 TDP MMU).
//
// Kernel: rcu_read_lock/rcu_read_unlock, synchronize_rcu, call_rcu, as the
// TDP MMU uses them: lockless walks and faults run inside read-side
// sections; a page table unlinked by handle_removed_pt, and a root dropped by
// kvm_tdp_mmu_put_root, is freed by an RCU callback.
//
// Built from the facade's atomics, not an engine primitive (mmu_core/sync.h):
// RCU is a protocol (who waits for whom), not a thing an engine schedules,
// and every engine already runs atomics and pause().
//
// Each CPU has a counter that is odd while it is inside a read-side section
// (outermost lock +1, outermost unlock +1; nesting is the CPU's own count).
// synchronize_rcu reads every other CPU's counter once and, for each one it
// found odd, waits until the counter moves: it waits for the sections that
// had begun when it looked, not for later ones, as real RCU does.
//
// Callbacks queued with call_rcu run on the CPU that queued them, at the
// earliest moment a grace period allows: when that CPU leaves its outermost
// read-side section (or at once when it queues outside one), after a
// synchronize_rcu. Real callbacks run later, from softirq or a kthread; the
// earliest free is the worst case for readers. The price: the queuing CPU
// waits there, which the kernel's call_rcu never does, so an interleaving in
// which that CPU's later steps overtake another CPU's read-side section is
// not explored (no scenario here has such a step that matters: the frees
// are its last accesses).
//
// Invariant: a callback queued while CPU c is inside a section that began
// before the queuing runs only after c has left that section.
//
// Ordering edges (store buffering, like the shadow MMU's walk vs the flush):
//   [C1] ReadLock: the counter increment and a full barrier are one event,
//        before the section's first load; pairs with [C3].
//   [C2] ReadUnlock: the increment is a release, after the section's loads;
//        pairs with [C4]: the section's loads happen before the free.
//   [C3] Synchronize: a full barrier between the caller's unlink and its
//        reads of the counters; pairs with [C1].
//   [C4] Synchronize reads each counter with acquire.
// [C1] stands for what the grace-period machinery does to a CPU that was
// running when the grace period began (an IPI or a context switch, each a
// full barrier); rcu_read_lock itself has no barrier.
//
// Mutations here: none (M4.8 and M4.9 are in the TDP MMU, tdp_mmu.h).
#pragma once

#include "mmu_core/steps.h"
#include "mmu_core/sync.h"

namespace mmu {

class Rcu {
 public:
  static constexpr int kMaxCpus = 4;
  static constexpr int kMaxCallbacks = 8;
  using Callback = void (*)(void* ctx, void* arg);

  explicit Rcu(int nr_cpus) : nr_cpus_(nr_cpus < kMaxCpus ? nr_cpus : kMaxCpus) {
    sync::check(nr_cpus <= kMaxCpus, "Rcu: more CPUs than kMaxCpus");
    for (int c = 0; c < kMaxCpus; ++c) {
      ctr_[c].store(0, std::memory_order_relaxed);
      depth_[c].store(0);
      queued_[c].store(0);
    }
  }
  Rcu(const Rcu&) = delete;
  Rcu& operator=(const Rcu&) = delete;
  ~Rcu() {
    // Callbacks still queued (an execution stopped early) are dropped: the
    // owner frees what is left.
  }

  // rcu_read_lock.
  void ReadLock(sync::Loc l = sync::Loc::current()) {
    const int c = sync::this_cpu();
    const int d = depth_[c].load();
    depth_[c].store(d + 1);
    if (d != 0) return;
    At(Step::RcuLock, [&] {
      return sync::rmw_then_mb([&] { return ctr_[c].fetch_add(1, std::memory_order_seq_cst, l); }, l) + 1;  // [C1]
    });
  }
  // rcu_read_unlock; the outermost one runs this CPU's callbacks after a grace period.
  void ReadUnlock(sync::Loc l = sync::Loc::current()) {
    const int c = sync::this_cpu();
    const int d = depth_[c].load();
    sync::check(d > 0, "rcu_read_unlock outside a read-side section");
    depth_[c].store(d - 1);
    if (d != 1) return;
    At(Step::RcuUnlock, [&] { return ctr_[c].fetch_add(1, std::memory_order_release, l) + 1; });  // [C2]
    RunCallbacks(l);
  }
  bool InReadSide() const { return depth_[sync::this_cpu()].load() != 0; }

  // synchronize_rcu: wait until every CPU that is inside a section now has left it.
  void Synchronize(sync::Loc l = sync::Loc::current()) {
    const int self = sync::this_cpu();
    sync::check(depth_[self].load() == 0, "synchronize_rcu inside a read-side section");
    At(Step::SyncRcu, [&] {
      sync::fence(std::memory_order_seq_cst, l);  // [C3] pairs with [C1]
      int waited = 0;
      for (int c = 0; c < nr_cpus_; ++c) {
        if (c == self) continue;
        const unsigned v = ctr_[c].load(std::memory_order_acquire, l);  // [C4] pairs with [C2]
        if ((v & 1) == 0) continue;
        StepHook* h = GetStepHook();
        if (h != nullptr) h->blocking(self, "an rcu grace period");
        while (ctr_[c].load(std::memory_order_acquire, l) == v) sync::pause(l);  // [C4]
        if (h != nullptr) h->unblocked(self);
        ++waited;
      }
      return waited;
    });
  }

  // call_rcu: fn(ctx, arg) runs after a grace period (see the file comment for when).
  void CallRcu(Callback fn, void* ctx, void* arg, sync::Loc l = sync::Loc::current()) {
    const int c = sync::this_cpu();
    const int n = queued_[c].load();
    sync::check(n < kMaxCallbacks, "Rcu: too many callbacks queued");
    if (n >= kMaxCallbacks) return;
    callbacks_[c][n] = Pending{fn, ctx, arg};
    queued_[c].store(n + 1);
    if (depth_[c].load() == 0) RunCallbacks(l);
  }

 private:
  struct Pending {
    Callback fn = nullptr;
    void* ctx = nullptr;
    void* arg = nullptr;
  };
  void RunCallbacks(const sync::Loc& l) {
    const int c = sync::this_cpu();
    const int n = queued_[c].load();
    if (n == 0) return;
    Synchronize(l);
    for (int i = 0; i < n; ++i) callbacks_[c][i].fn(callbacks_[c][i].ctx, callbacks_[c][i].arg);
    queued_[c].store(0);
  }

  int nr_cpus_;
  sync::Atomic<unsigned> ctr_[kMaxCpus];
  // The CPU's own: nesting depth and queued callbacks.
  sync::Var<int> depth_[kMaxCpus];
  sync::Var<int> queued_[kMaxCpus];
  Pending callbacks_[kMaxCpus][kMaxCallbacks];
};

}  // namespace mmu
