// mmu_core/split_spte.h: the spte of a 32-bit PAE host, two 32-bit halves.
//
// Kernel: arch/x86/kvm/mmu/mmu.c, the !CONFIG_X86_64 versions of __set_spte,
// __update_clear_spte_fast, __update_clear_spte_slow, count_spte_clear and
// __get_spte_lockless (same code in 3.11 and 6.10; brief §2).
//
// All writers hold mmu_lock. Lockless actors: readers (GetLockless), and
// hardware, which ORs A/D into the low word of a present spte. Every clear
// that leaves the spte non-present bumps the owning page's clear_spte_count
// after both halves are written.
//
// Invariant: a value returned by GetLockless that is shadow-present equals a
// value some writer stored (a torn value may be returned only when it is not
// present: presence is decided by the low word alone). It relies on two rules
// (the brief's R1 and R2; edge labels below are bracketed, rules are not):
//   rule R1  a present->present update never changes the high word;
//   rule R2  every high-word change goes through non-present (clear, count++, set).
//
// Ordering edges (smp_wmb = release fence, smp_rmb = acquire fence, brief §0):
//   [W1] SetSpte:          wmb between "write high" and "write low"  (pairs with L2)
//   [W2] UpdateClearFast:  wmb between "write low" and "write high"  (pairs with L3)
//   [W3] count_spte_clear: wmb before "update count"                 (pairs with L4)
//   [L1] GetLockless:      rmb after "read count"                    (pairs with W3)
//   [L2] GetLockless:      rmb after "read low"                      (pairs with W1)
//   [L3] GetLockless:      rmb after "read high"                     (pairs with W2)
//   [L4] GetLockless:      the recheck loads low before count in order (x86
//        TSO; no barrier in the kernel). Modelled as an acquire load of low,
//        pairing with W1/W3: a low word written by a later set implies the
//        count bump before it is visible. Found by Relacy; see README.
//   The slow clear's "write low" is a kernel xchg (sync::xchg, fully ordered):
//   it captures a hardware D bit set concurrently and orders "write high"
//   after it; without the trailing barrier a reader can see the new high word
//   and still the old low word on its recheck.
//
// Mutations: M2.1 (W1 order), M2.2 (W2 order), M2.3 (count before clear),
// M2.4 (no count recheck), M2.5 (no low recheck), M2.6 ([L2] dropped),
// M2.8 (xchg replaced by load+store). M2.7 lives in spte_ops.h.
#pragma once

#include "mmu_core/mutations.h"
#include "mmu_core/spte.h"
#include "mmu_core/steps.h"
#include "mmu_core/sync.h"

namespace mmu {

class SplitSpte {
 public:
  SplitSpte() = default;
  SplitSpte(const SplitSpte&) = delete;
  SplitSpte& operator=(const SplitSpte&) = delete;

  // The owning shadow page's clear_spte_count and mutations; set once before use.
  void Bind(sync::Atomic<int>* clear_spte_count, Mutations mut) {
    count_ = clear_spte_count;
    mut_ = mut;
  }
  // Initial value, before any other thread runs.
  void Init(u64 v) {
    high_.store(spte::High(v), std::memory_order_relaxed);
    low_.store(spte::Low(v), std::memory_order_relaxed);
  }

  // __set_spte: non-present -> present. High first, then P appears with low.
  void SetSpte(u64 v) {
    if (mut_.Has(Mutation::M2_1)) {
      WriteLow(spte::Low(v));
      sync::fence(std::memory_order_release);
      WriteHigh(spte::High(v));
      return;
    }
    WriteHigh(spte::High(v));
    sync::fence(std::memory_order_release);  // [W1] high before low; pairs with [L2]
    WriteLow(spte::Low(v));
  }

  // __update_clear_spte_fast: P disappears first (low), then high, then count.
  void UpdateClearFast(u64 v) {
    if (mut_.Has(Mutation::M2_3)) CountSpteClear(v);
    if (mut_.Has(Mutation::M2_2)) {
      WriteHigh(spte::High(v));
      sync::fence(std::memory_order_release);
      WriteLow(spte::Low(v));
    } else {
      WriteLow(spte::Low(v));
      sync::fence(std::memory_order_release);  // [W2] low before high; pairs with [L3]
      WriteHigh(spte::High(v));
    }
    if (!mut_.Has(Mutation::M2_3)) CountSpteClear(v);
  }

  // __update_clear_spte_slow: xchg the low word (capturing a concurrent A/D),
  // then high; returns the old value.
  u64 UpdateClearSlow(u64 v) {
    if (mut_.Has(Mutation::M2_3)) CountSpteClear(v);
    u32 old_low;
    if (mut_.Has(Mutation::M2_8)) {
      old_low = At(Step::ReadLow, [&] { return low_.load(std::memory_order_relaxed); });
      WriteLow(spte::Low(v));
    } else {
      old_low = At(Step::WriteLow, [&] { return sync::xchg(low_, spte::Low(v)); });
    }
    const u32 old_high = At(Step::ReadHigh, [&] { return high_.load(std::memory_order_relaxed); });
    WriteHigh(spte::High(v));
    if (!mut_.Has(Mutation::M2_3)) CountSpteClear(v);
    return spte::Join(old_high, old_low);
  }

  // __get_spte_lockless: sample count, low, high; retry if low or count moved.
  u64 GetLockless() const {
    for (;;) {
      const int count = At(Step::ReadCount, [&] { return count_->load(std::memory_order_relaxed); });
      sync::fence(std::memory_order_acquire);  // [L1] count before halves; pairs with [W3]
      const u32 lo = At(Step::ReadLow, [&] { return low_.load(std::memory_order_relaxed); });
      if (!mut_.Has(Mutation::M2_6)) {
        sync::fence(std::memory_order_acquire);  // [L2] low before high; pairs with [W1]
      }
      const u32 hi = At(Step::ReadHigh, [&] { return high_.load(std::memory_order_relaxed); });
      sync::fence(std::memory_order_acquire);  // [L3] halves before recheck; pairs with [W2]
      const bool same = At(Step::CheckLowAndCount, [&] {
        // [L4] acquire: the kernel has no barrier between the recheck's two
        // loads and relies on x86 keeping loads in order (TSO). With two
        // relaxed loads Relacy returns a new low word with a stale count.
        const bool low_same = mut_.Has(Mutation::M2_5) || lo == low_.load(std::memory_order_acquire);
        const bool count_same = mut_.Has(Mutation::M2_4) || count == count_->load(std::memory_order_relaxed);
        return low_same && count_same;
      });
      if (same) return spte::Join(hi, lo);
      sync::pause();
    }
  }

  // A plain read by the mmu_lock holder (the kernel's *sptep).
  u64 ReadLocked() const {
    const u32 lo = low_.load(std::memory_order_relaxed);
    const u32 hi = high_.load(std::memory_order_relaxed);
    return spte::Join(hi, lo);
  }

  // Hardware sets A, and D if writable, in the low word of a present spte.
  // Returns the low word it saw (0 bits set when the spte was not present).
  u32 HwSetAccessedDirty(bool write) {
    return At(Step::HwSetLowAD, [&] {
      u32 lo = low_.load(std::memory_order_relaxed);
      for (;;) {
        if (!spte::IsShadowPresent(lo)) return lo;
        u32 bits = static_cast<u32>(spte::kAccessed);
        if (write && spte::IsWritable(lo)) bits |= static_cast<u32>(spte::kDirty);
        if ((lo & bits) == bits) return lo;
        if (sync::cmpxchg(low_, lo, lo | bits)) return lo | bits;
        sync::pause();
      }
    });
  }

 private:
  void WriteLow(u32 v) {
    At(Step::WriteLow, [&] {
      low_.store(v, std::memory_order_relaxed);
      return v;
    });
  }
  void WriteHigh(u32 v) {
    At(Step::WriteHigh, [&] {
      high_.store(v, std::memory_order_relaxed);
      return v;
    });
  }
  // count_spte_clear: a clear to non-present bumps the count after both halves.
  void CountSpteClear(u64 v) {
    if (spte::IsShadowPresent(v)) return;
    sync::fence(std::memory_order_release);  // [W3] halves before count; pairs with [L1]
    At(Step::UpdateCount, [&] {
      const int c = count_->load(std::memory_order_relaxed) + 1;  // plain ++ under mmu_lock
      count_->store(c, std::memory_order_relaxed);
      return c;
    });
  }

  sync::AtomicWord<u32> low_;
  sync::AtomicWord<u32> high_;
  sync::Atomic<int>* count_ = nullptr;
  Mutations mut_;
};

}  // namespace mmu
