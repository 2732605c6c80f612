// mmu_core/fast_pf.h: the fast page fault, write protection, guest accesses.
//
// Kernel: fast_page_fault, fast_pf_fix_direct_spte, is_access_allowed,
// spte_write_protect / rmap write protection (mmu.c), mark_page_dirty_in_slot;
// brief §5. The guest side (TLB fill, hardware A/D) follows brief §0.
//
// A fast page fault fixes a write fault on a present, write-protected but
// MMU-writable (1,1,0) spte without mmu_lock: one cmpxchg of the spte, then
// the dirty bitmap is marked (after the cmpxchg) when W went 0 -> 1. It only
// runs on direct shadow pages, where the gfn is a fixed function of the page
// and the index; the cmpxchg guards the spte's value, not its meaning (ABA).
//
// Invariants:
//  - every W 0 -> 1 transition of an spte mapping gfn g sets bitmap[g];
//  - after write protection and its flush, no spte and no usable TLB entry
//    for the gfn is writable;
//  - at most 5 cmpxchg attempts per fault (4 retries).
//
// Ordering edges (the kernel's xchg/cmpxchg are fully ordered: sync::xchg,
// sync::cmpxchg; the lockless walk's edges [B1]/[E1] are in vm.h):
//   [C1] fast_pf_fix_direct_spte: one fully ordered cmpxchg of the spte
//        against the value the walk read; it fails if anyone changed the
//        spte meanwhile (W, MMU-writable, pfn), so it pairs with [C2].
//   [C2] spte_write_protect -> mmu_spte_update: the spte is volatile
//        ((1,1,0) may be made writable without the lock), so the update is
//        an xchg and the flush is decided on the value it replaced.
//   [D1] mark_page_dirty_in_slot comes after a successful [C1] in program
//        order: the dirty bit is set for the W 0 -> 1 that happened.
// Mutations: M5.1 (indirect pages, gfn from the gpte), M5.2 (plain store),
// M5.3 (write protection without xchg, flush on the stale W), M5.4 (flush
// rule on W(old), in spte.h), M5.5 (the gfn marked before the cmpxchg).
#pragma once

#include "mmu_core/mutations.h"
#include "mmu_core/spte.h"
#include "mmu_core/spte_ops.h"
#include "mmu_core/steps.h"
#include "mmu_core/sync.h"
#include "mmu_core/vm.h"

namespace mmu {

inline constexpr int kFastPfMaxRetries = 4;

// What a fast page fault did, for checkers and reports.
struct FastPfOutcome {
  PfResult result = PfResult::kSlowPath;
  int attempts = 0;        // cmpxchg attempts
  u64 old_spte = 0;        // the value replaced (when fixed)
  u64 new_spte = 0;
  u64 marked_gfn = ~u64{0};  // the gfn marked dirty, if any
};

// is_access_allowed for a write.
inline bool WriteAllowed(u64 s) { return spte::IsShadowPresent(s) && spte::IsWritable(s); }

// fast_page_fault for a write fault on gfn by vCPU v.
inline FastPfOutcome FastPageFault(Vm& vm, Vcpu& v, u64 gfn) {
  FastPfOutcome out;
  const Mutations mut = vm.mutations();
  Vm::WalkStep steps[8];
  vm.WalkLocklessBegin(v);
  for (int retry = 0;; ++retry) {
    const int n = vm.GetSpteHierarchy(v, gfn, steps);
    if (n == 0) break;
    const Vm::WalkStep last = steps[n - 1];
    u64 spte = last.spte;
    // Not present, or not a leaf: the slow path creates it.
    if (!spte::IsShadowPresent(spte) || (last.sp->level() > 1 && !spte::IsLarge(spte))) break;
    if (WriteAllowed(spte)) {
      out.result = PfResult::kSpurious;
      break;
    }
    if (!spte::IsMmuWritable(spte)) break;  // write-tracked: only mmu_lock holders change it
    const u64 new_spte = spte | spte::kWritable;
    // fast_page_fault runs only for direct MMUs; M5.1 lets indirect pages in.
    if (!last.sp->direct() && !mut.Has(Mutation::M5_1)) break;
    // The gfn to log: fixed by (sp, index) for direct pages; M5.1 reads the
    // guest pte before the cmpxchg, which the cmpxchg does not protect.
    u64 gfn_to_mark;
    if (last.sp->direct()) {
      gfn_to_mark = last.sp->gfn() + static_cast<u64>(last.index) * vm.Span(last.sp->level());
    } else {
      gfn_to_mark = At(Step::ReadGpte, [&] { return last.sp->gpte(last.index).load(std::memory_order_relaxed); });
    }
    ++out.attempts;
    sync::check(out.attempts <= kFastPfMaxRetries + 1, "fast page fault made more than 5 cmpxchg attempts");
    const bool marks = !spte::IsWritable(last.spte) && spte::IsWritable(new_spte);
    if (marks && mut.Has(Mutation::M5_5)) {
      At(Step::MarkDirty, [&] {
        vm.set_dirty(gfn_to_mark);  // before the cmpxchg
        return gfn_to_mark;
      });
      out.marked_gfn = gfn_to_mark;
    }
    bool fixed;
    if (mut.Has(Mutation::M5_2)) {
      last.sp->spt(last.index).PlainStore(new_spte);
      fixed = true;
    } else {
      fixed = last.sp->spt(last.index).Cmpxchg(spte, new_spte);  // [C1] fast_pf_fix_direct_spte; pairs with [C2]
    }
    if (fixed) {
      if (marks && !mut.Has(Mutation::M5_5)) {
        At(Step::MarkDirty, [&] {
          vm.set_dirty(gfn_to_mark);  // [D1] mark_page_dirty_in_slot, after the cmpxchg
          return gfn_to_mark;
        });
        out.marked_gfn = gfn_to_mark;
      }
      out.result = PfResult::kFixed;
      out.old_spte = last.spte;
      out.new_spte = new_spte;
      break;
    }
    if (retry + 1 > kFastPfMaxRetries) break;  // "fast page fault retried too many times": slow path
    sync::pause();
  }
  vm.WalkLocklessEnd(v);
  return out;
}

// spte_write_protect: clear W (and MMU-writable when pt_protect). Under
// mmu_lock. Returns whether a TLB flush is needed now; `changed` says
// whether the spte was write-protected at all.
inline bool SpteWriteProtect(Vm& vm, Spte64& slot, bool pt_protect, bool* changed = nullptr) {
  const u64 spte = slot.ReadLocked();
  if (changed != nullptr) *changed = false;
  if (!spte::IsShadowPresent(spte)) return false;
  if (!spte::IsWritable(spte) && !(pt_protect && spte::IsMmuWritable(spte))) return false;
  if (changed != nullptr) *changed = true;
  u64 new_spte = spte & ~spte::kWritable;
  if (pt_protect) new_spte &= ~spte::kMmuWritable;
  if (vm.mutations().Has(Mutation::M5_3)) {
    // [3.11]-style: no xchg, and the flush decided on the value read above.
    slot.UpdateClearFast(new_spte);
    return spte::IsWritable(spte) && !spte::IsWritable(new_spte);
  }
  return MmuSpteUpdate(slot, new_spte, vm.spte_ctx());  // [C2] an xchg: the spte is volatile; pairs with [C1]
}

// Write-protect every spte mapping gfn (rmap write protection) under
// mmu_lock, taken here.
//  - pt_protect (account_shadowed): flush at once when an spte lost
//    MMU-writable (mmu_spte_update says so);
//  - dirty logging (defer_flush): clear W only; the caller owes one flush
//    for the whole slot later (kvm_flush_remote_tlbs_memslot). Returns
//    whether that flush is owed (some spte was write-protected).
inline bool WriteProtectGfn(Vm& vm, u64 gfn, bool pt_protect, bool defer_flush = false) {
  LockScope lock(vm.mmu_lock());
  if (pt_protect) vm.SetWriteTracked(gfn, true);
  bool flush = false;
  bool changed_any = false;
  for (ShadowPage* sp = vm.ListHead(); sp != nullptr; sp = sp->next().load()) {
    if (sp->level() != 1) continue;
    for (int i = 0; i < sp->entries(); ++i) {
      const u64 s = sp->spt(i).ReadLocked();
      if (!spte::IsShadowPresent(s)) continue;
      if (spte::Pfn(s) != vm.PfnOf(gfn)) continue;
      bool changed = false;
      flush |= SpteWriteProtect(vm, sp->spt(i), pt_protect, &changed);
      changed_any |= changed;
    }
  }
  if (flush && !defer_flush) vm.FlushRemoteTlbs();
  return defer_flush && changed_any;
}

// KVM_GET_DIRTY_LOG for one gfn (kvm_get_dirty_log_protect): take the
// bitmap word with xchg; if the gfn was dirty, write-protect its sptes for
// dirty logging (W only, under mmu_lock) and flush before returning, so that
// every later guest write faults and marks the gfn again. Returns the word
// taken (the log userspace gets).
inline int GetDirtyLogProtect(Vm& vm, u64 gfn) {
  const int mask = vm.HarvestDirty(gfn);
  if (mask != 0 && WriteProtectGfn(vm, gfn, /*pt_protect=*/false, /*defer_flush=*/true)) vm.FlushRemoteTlbs();
  return mask;
}

// A guest access as the hardware performs it, inside guest mode.
struct GuestAccess {
  bool done = false;       // false: the access faulted (a VM exit)
  bool via_tlb = false;    // satisfied by a cached translation
  u64 spte = 0;            // the leaf spte the page walk read (when not via TLB)
  u64 pfn = 0;
};

// The guest writes (or reads) gfn on vCPU v: a TLB hit, or a page walk that
// fills the TLB and sets A/D. Faults when no writable translation exists.
inline GuestAccess GuestAccessOnce(Vm& vm, Vcpu& v, u64 gfn, bool write) {
  GuestAccess a;
  vm.EnterGuest(v);
  const u64 e = v.tlb().Lookup(gfn);
  if ((e & Tlb::kValid) != 0 && (!write || (e & Tlb::kWritable) != 0)) {
    a.done = true;
    a.via_tlb = true;
    a.pfn = e >> spte::kPfnShift;
  } else {
    Vm::WalkStep steps[8];
    const int n = vm.GetSpteHierarchy(v, gfn, steps);
    const u64 s = n > 0 ? steps[n - 1].spte : 0;
    a.spte = s;
    if (n > 0 && spte::IsShadowPresent(s) && steps[n - 1].sp->level() == 1 && (!write || spte::IsWritable(s))) {
      v.tlb().Fill(gfn, spte::Pfn(s), spte::IsWritable(s));
      a.spte = steps[n - 1].sp->spt(steps[n - 1].index).HwSetAccessedDirty(write);
      a.done = spte::IsShadowPresent(a.spte);
      a.pfn = spte::Pfn(s);
    }
  }
  if (a.done && write) At(Step::GuestWrite, [&] { return gfn; });
  vm.ExitGuest(v);
  return a;
}

}  // namespace mmu
