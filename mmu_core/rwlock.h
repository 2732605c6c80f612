// mmu_core/rwlock.h: mmu_lock as an rwlock (since 5.12), built from the facade's atomics.
//
// Kernel: kvm->mmu_lock is an rwlock_t on x86 (qrwlock): the shadow MMU and
// zaps that free page tables take it for write, TDP MMU faults and other
// "shared" paths take it for read and then race each other with cmpxchg on
// the sptes (brief §0, §9). The kernel's qrwlock is itself a word updated
// with atomics, and so is this one; it is not an engine primitive in
// mmu_core/sync.h because every engine (Relacy, native threads, replay, the
// reduced search being built in models/) already understands atomics and
// pause(), so no engine has to learn a new kind of lock. What it costs: a
// waiter spins (pause() is a scheduling point under Relacy, whose full
// search runs a yielding thread only when no other can run), where
// rl::mutex would park it.
//
// Word layout of cnts_: -1 a writer holds it; n >= 0 n readers hold it.
// No fairness: a writer waits until the readers are gone (qrwlock queues
// waiters; no scenario here depends on the order in which waiters get it).
//
// Ordering edges:
//   [L1] ReadLock/WriteLock: the cmpxchg that takes it is an acquire.
//   [L2] ReadUnlock: fetch_sub with release; pairs with [L1] of a writer.
//   [L3] WriteUnlock: store 0 with release; pairs with [L1] of anyone.
// So a writer's critical section happens before the next holder's and after
// every earlier reader's, as a lock must; readers are not ordered with each
// other (their races are the cmpxchg's business).
//
// Taking it is a step ("take lock" for write, as for the spinlock; "take read
// lock" for read), told to the step hook as blocking on "mmu_lock", so a
// table lists who got the lock when and replay knows who waits for whom.
#pragma once

#include "mmu_core/steps.h"
#include "mmu_core/sync.h"

namespace mmu {

class RwLock {
 public:
  static constexpr int kWriter = -1;
  RwLock() : cnts_(0) {}
  RwLock(const RwLock&) = delete;
  RwLock& operator=(const RwLock&) = delete;

  void ReadLock(sync::Loc l = sync::Loc::current()) {
    int c = 0;  // the uncontended case needs one cmpxchg
    for (;;) {
      if (c != kWriter && cnts_.compare_exchange_strong(c, c + 1, std::memory_order_acquire, l)) return;  // [L1]
      sync::pause(l);
      if (c == kWriter) c = cnts_.load(std::memory_order_relaxed, l);
    }
  }
  void ReadUnlock(sync::Loc l = sync::Loc::current()) { cnts_.fetch_sub(1, std::memory_order_release, l); }  // [L2]
  void WriteLock(sync::Loc l = sync::Loc::current()) {
    for (;;) {
      int c = 0;
      if (cnts_.compare_exchange_strong(c, kWriter, std::memory_order_acquire, l)) return;  // [L1]
      sync::pause(l);
    }
  }
  void WriteUnlock(sync::Loc l = sync::Loc::current()) { cnts_.store(0, std::memory_order_release, l); }  // [L3]

  // For checks (lockdep_assert_held): who holds it now.
  int Holders() const { return cnts_.load(std::memory_order_relaxed); }

 private:
  sync::Atomic<int> cnts_;
};

// read_lock(&kvm->mmu_lock) / write_lock(&kvm->mmu_lock) as steps.
inline void ReadLockMmu(RwLock& lock, sync::Loc l = sync::Loc::current()) {
  At(Step::TakeReadLock, [&] {
    StepHook* h = GetStepHook();
    if (h != nullptr) h->blocking(sync::this_cpu(), "mmu_lock");
    lock.ReadLock(l);
    if (h != nullptr) h->unblocked(sync::this_cpu());
  });
}
inline void WriteLockMmu(RwLock& lock, sync::Loc l = sync::Loc::current()) {
  At(Step::TakeLock, [&] {
    StepHook* h = GetStepHook();
    if (h != nullptr) h->blocking(sync::this_cpu(), "mmu_lock");
    lock.WriteLock(l);
    if (h != nullptr) h->unblocked(sync::this_cpu());
  });
}

}  // namespace mmu
