// mmu_core/spte_ops.h: mmu_spte_set/update/clear, the same on both hosts.
//
// Kernel: mmu_spte_set, mmu_spte_update_no_track, mmu_spte_update,
// mmu_spte_clear_track_bits, mmu_spte_clear_no_track (brief §3). They are
// templates over the spte slot: Spte64 (x86-64) or SplitSpte (32-bit PAE).
//
// Invariant (volatile-bits rule): when the old spte may be changed by someone
// without mmu_lock (HasVolatileBits), the update is an xchg and the returned
// old value is the real one, so no A/D or fast-page-fault W is lost: a guest
// write through a present spte is reflected (D, or the dirty bitmap set by the
// fast page fault) before the spte disappears.
//
// Mutations: M2.7 (a present->present update flips NX, breaking R1 of the
// split spte), M3.1 (!W && MMUW not volatile), M5.4 (flush rule on W).
#pragma once

#include "mmu_core/mutations.h"
#include "mmu_core/spte.h"
#include "mmu_core/sync.h"

namespace mmu {

// What the host does with the A/D information of a dropped spte
// (kvm_set_pfn_accessed / kvm_set_pfn_dirty): a per-pfn ghost record.
class PfnTracker {
 public:
  explicit PfnTracker(std::size_t nr_pfns) : n_(nr_pfns), dirty_(sync::make_array<sync::Atomic<int>>(nr_pfns)),
                                             accessed_(sync::make_array<sync::Atomic<int>>(nr_pfns)) {
    for (std::size_t i = 0; i < n_; ++i) {
      dirty_[i].store(0, std::memory_order_relaxed);
      accessed_[i].store(0, std::memory_order_relaxed);
    }
  }
  ~PfnTracker() {
    sync::destroy_array(dirty_);
    sync::destroy_array(accessed_);
  }
  PfnTracker(const PfnTracker&) = delete;
  PfnTracker& operator=(const PfnTracker&) = delete;

  void SetDirty(u64 pfn) {
    if (pfn < n_) dirty_[pfn].store(1, std::memory_order_relaxed);
  }
  void SetAccessed(u64 pfn) {
    if (pfn < n_) accessed_[pfn].store(1, std::memory_order_relaxed);
  }
  bool Dirty(u64 pfn) const { return pfn < n_ && dirty_[pfn].load(std::memory_order_relaxed) != 0; }
  bool Accessed(u64 pfn) const { return pfn < n_ && accessed_[pfn].load(std::memory_order_relaxed) != 0; }

 private:
  std::size_t n_;
  sync::Atomic<int>* dirty_;
  sync::Atomic<int>* accessed_;
};

struct SpteOpsContext {
  bool ad_enabled = true;      // hardware A/D bits in use
  Mutations mut;               // active mutations
  PfnTracker* pfns = nullptr;  // where dropped A/D information goes (optional)

  bool Volatile(u64 s) const { return spte::HasVolatileBits(s, ad_enabled, mut.Has(Mutation::M3_1)); }
  // is_dirty_spte: D, or W when A/D bits are off.
  bool DirtySpte(u64 s) const { return ad_enabled ? spte::IsDirty(s) : spte::IsWritable(s); }
};

// mmu_spte_set: non-present -> present.
template <class Slot>
void MmuSpteSet(Slot& slot, u64 new_spte, sync::Loc l = sync::Loc::current()) {
  sync::check(!spte::IsShadowPresent(slot.ReadLocked()), "mmu_spte_set on a present spte", l);
  slot.SetSpte(new_spte);
}

// mmu_spte_update_no_track: returns the old spte (the real one when volatile).
template <class Slot>
u64 MmuSpteUpdateNoTrack(Slot& slot, u64 new_spte, const SpteOpsContext& ctx) {
  u64 old_spte = slot.ReadLocked();
  if (!spte::IsShadowPresent(old_spte)) {
    MmuSpteSet(slot, new_spte);
    return old_spte;
  }
  if (ctx.mut.Has(Mutation::M2_7)) new_spte ^= spte::kNx;  // breaks R1: the high word moves
  if (!ctx.Volatile(old_spte)) {
    slot.UpdateClearFast(new_spte);
  } else {
    old_spte = slot.UpdateClearSlow(new_spte);
  }
  sync::check(spte::Pfn(old_spte) == spte::Pfn(new_spte), "mmu_spte_update changed the pfn");
  return old_spte;
}

// mmu_spte_update: returns whether a remote TLB flush is needed. A or D bits
// cleared here are handed to the pfn tracker (the pre-6.13 behaviour).
template <class Slot>
bool MmuSpteUpdate(Slot& slot, u64 new_spte, const SpteOpsContext& ctx, u64* old_out = nullptr) {
  const u64 old_spte = MmuSpteUpdateNoTrack(slot, new_spte, ctx);
  if (old_out != nullptr) *old_out = old_spte;
  if (!spte::IsShadowPresent(old_spte)) return false;
  if (ctx.pfns != nullptr) {
    if (spte::IsAccessed(old_spte) && !spte::IsAccessed(new_spte)) ctx.pfns->SetAccessed(spte::Pfn(old_spte));
    if (ctx.DirtySpte(old_spte) && !ctx.DirtySpte(new_spte)) ctx.pfns->SetDirty(spte::Pfn(old_spte));
  }
  return spte::ChangeNeedsTlbFlush(old_spte, new_spte, ctx.mut.Has(Mutation::M5_4));
}

// mmu_spte_clear_track_bits: clear, then report A/D of the old value.
template <class Slot>
u64 MmuSpteClearTrackBits(Slot& slot, const SpteOpsContext& ctx) {
  u64 old_spte = slot.ReadLocked();
  if (!ctx.Volatile(old_spte)) {
    slot.UpdateClearFast(spte::kNonPresent);
  } else {
    old_spte = slot.UpdateClearSlow(spte::kNonPresent);
  }
  if (!spte::IsShadowPresent(old_spte)) return old_spte;
  if (ctx.pfns != nullptr) {
    if (spte::IsAccessed(old_spte)) ctx.pfns->SetAccessed(spte::Pfn(old_spte));
    if (ctx.DirtySpte(old_spte)) ctx.pfns->SetDirty(spte::Pfn(old_spte));
  }
  return old_spte;
}

// mmu_spte_clear_no_track: for non-leaf sptes and MMIO sptes.
template <class Slot>
void MmuSpteClearNoTrack(Slot& slot) {
  slot.UpdateClearFast(spte::kNonPresent);
}

}  // namespace mmu
