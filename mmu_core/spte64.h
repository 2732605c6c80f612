// mmu_core/spte64.h: the spte of an x86-64 host, one 64-bit word.
//
// Kernel: the CONFIG_X86_64 versions of __set_spte, __update_clear_spte_fast,
// __update_clear_spte_slow and __get_spte_lockless (brief §3), plus the
// fast page fault's try_cmpxchg64, the hardware A/D update and the TDP MMU's
// atomic bit clear (kvm_tdp_mmu_write_spte and friends use the same forms).
//
// The word is a plain u64 accessed atomically (boost::atomic_ref natively),
// like the kernel's READ_ONCE/WRITE_ONCE/xchg/cmpxchg64 on *sptep.
//
// Invariant: an update by the mmu_lock holder that may race with a lockless
// writer (fast page fault, hardware A/D) is an xchg, so the old value it
// returns has every bit those writers set (the volatile-bits rule, spte_ops.h).
//
// Ordering edges:
//   [S1] SetSpte stores with release: the contents of a freshly linked child
//        table are visible before the link. The kernel's WRITE_ONCE relies on
//        x86 TSO and the walker's address dependency; pairs with [G1].
//   [G1] GetLockless loads with acquire: the address dependency of the
//        lockless walk (consume, which both engines treat as acquire).
//   The slow update and the cmpxchg are the kernel's fully ordered xchg and
//   cmpxchg (sync::xchg, sync::cmpxchg: a full barrier on each side).
#pragma once

#include "mmu_core/spte.h"
#include "mmu_core/steps.h"
#include "mmu_core/sync.h"

namespace mmu {

class Spte64 {
 public:
  Spte64() = default;
  Spte64(const Spte64&) = delete;
  Spte64& operator=(const Spte64&) = delete;

  // Initial value, before any other thread runs.
  void Init(u64 v) { w_.store(v, std::memory_order_relaxed); }

  // __set_spte: WRITE_ONCE. `step` names it where a caller's vocabulary is
  // more precise (mark_mmio_spte: "write mmio spte").
  void SetSpte(u64 v, Step step = Step::WriteSpte) {
    At(step, [&] {
      w_.store(v, std::memory_order_release);  // [S1] table contents before link; pairs with [G1]
      return v;
    });
  }
  // __update_clear_spte_fast: WRITE_ONCE; nobody else may change the spte.
  void UpdateClearFast(u64 v) {
    At(Step::WriteSpte, [&] {
      w_.store(v, std::memory_order_relaxed);
      return v;
    });
  }
  // __update_clear_spte_slow: xchg, returning every bit set up to now.
  u64 UpdateClearSlow(u64 v) {
    return At(Step::XchgSpte, [&] { return sync::xchg(w_, v); });
  }
  // __get_spte_lockless: READ_ONCE (address-dependent use: consume).
  u64 GetLockless() const {
    return At(Step::ReadSpte, [&] { return w_.load(std::memory_order_acquire); });  // [G1] pairs with [S1]
  }
  // The hardware page walker's read: relaxed; what orders it with KVM's
  // later loads is the VM exit and the barrier KVM puts after it (unsync.h).
  u64 HwLoad() const {
    return At(Step::ReadSpte, [&] { return w_.load(std::memory_order_relaxed); });
  }
  // *sptep read by the mmu_lock holder.
  u64 ReadLocked() const {
    return At(Step::ReadSpte, [&] { return w_.load(std::memory_order_relaxed); });
  }
  // try_cmpxchg64: on failure `expected` holds the current value.
  bool Cmpxchg(u64& expected, u64 desired) {
    u64 seen = expected;
    const bool ok = At(Step::CmpxchgSpte, [&] { return sync::cmpxchg(w_, seen, desired); });
    expected = seen;
    return ok;
  }
  // atomic64_fetch_and(~mask): clear bits, returning the old value (the
  // TDP MMU's tdp_mmu_clear_spte_bits_atomic); fully ordered, one event.
  u64 ClearBitsAtomic(u64 mask, sync::Loc l = sync::Loc::current()) {
    return At(Step::ClearSpteBits, [&] {
      sync::fence(std::memory_order_seq_cst, l);
      return sync::rmw_then_mb([&] { return w_.fetch_and(~mask, std::memory_order_seq_cst, l); }, l);
    });
  }
  // A plain store of a lockless writer (mutation M5.2, never the correct core).
  void PlainStore(u64 v) {
    At(Step::WriteSpte, [&] {
      w_.store(v, std::memory_order_relaxed);
      return v;
    });
  }
  // Hardware sets A, and D if writable, in a present spte; returns the new value
  // (or the unchanged value when the spte is not present).
  u64 HwSetAccessedDirty(bool write) {
    return At(Step::HwSetAD, [&] {
      u64 s = w_.load(std::memory_order_relaxed);
      for (;;) {
        if (!spte::IsShadowPresent(s)) return s;
        u64 bits = spte::kAccessed;
        if (write && spte::IsWritable(s)) bits |= spte::kDirty;
        if ((s & bits) == bits) return s;
        if (sync::cmpxchg(w_, s, s | bits)) return s | bits;
        sync::pause();
      }
    });
  }

 private:
  sync::AtomicWord<u64> w_;
};

}  // namespace mmu
