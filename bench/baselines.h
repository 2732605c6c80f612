// bench/baselines.h: what the kernel did before each lockless trick, built
// from the core's own primitives, so that each comparison changes one thing.
//
//   trick (the core)                       before it (here)
//   -------------------------------------  ------------------------------------------
//   kvm_mmu_zap_all_fast: generation,      ZapAllHoldingLock: kvm_mmu_zap_all as in
//   lock break every 10 pages (zap_all.h)  3.10 and before: every page, one mmu_lock hold
//   MMIO generation in every MMIO spte     ZapMmioSptesWalking: kvm_mmu_zap_mmio_sptes,
//   (mmio.h: InstallNewMemslots)           every shadow page walked under mmu_lock
//   lockless walk (vm.h: WalkLockless*)    WalkUnderLock: kvm_mmu_get_spte_hierarchy
//                                          under mmu_lock, as before c2a2ac2b563c (2011)
//   fast page fault (fast_pf.h)            Vm::PageFault, the core's own slow path
//   split spte read (split_spte.h)         Spte64::GetLockless, one 64-bit load
//
// Each returns the work it did, so a comparison can check that both sides
// did the same.
#pragma once

#include <cstdint>

#include "mmu_core/spte.h"
#include "mmu_core/spte_ops.h"
#include "mmu_core/steps.h"
#include "mmu_core/sync.h"
#include "mmu_core/vm.h"

namespace mmu::bench {

// kvm_mmu_zap_all before the lock break: under one mmu_lock hold, prepare
// every page of active_mmu_pages for zapping (newest first,
// list_for_each_entry_safe, restarting when a zap changed the list beyond
// the page itself), then commit (flush, free). Pinned roots become invalid
// and their vCPUs are asked to reload. Returns the pages prepared.
inline u64 ZapAllHoldingLock(Vm& vm) {
  InvalidList invalid;
  u64 zapped = 0;
  LockMmu(vm.mmu_lock());
restart:
  for (ShadowPage* sp = vm.ListHead(); sp != nullptr;) {
    ShadowPage* next = sp->next().load();
    const int before = vm.ListLength();
    vm.PrepareZapPage(sp, invalid);
    ++zapped;
    if (vm.ListLength() != before - 1) goto restart;
    sp = next;
  }
  vm.CommitZapPage(invalid);
  vm.mmu_lock().unlock();
  return zapped;
}

// kvm_mmu_zap_mmio_sptes: under mmu_lock, walk every shadow page on
// active_mmu_pages and drop its MMIO sptes (mmu_spte_clear_no_track). The
// kernel's version zapped each page that had cached an MMIO spte, RAM
// mappings included; dropping only the MMIO sptes is the cheaper reading,
// so the baseline errs in its own favour. Returns the MMIO sptes dropped.
inline u64 ZapMmioSptesWalking(Vm& vm) {
  u64 dropped = 0;
  LockMmu(vm.mmu_lock());
  for (ShadowPage* sp = vm.ListHead(); sp != nullptr; sp = sp->next().load()) {
    for (int i = 0; i < sp->entries(); ++i) {
      if (!spte::IsMmio(sp->spt(i).ReadLocked())) continue;
      MmuSpteClearNoTrack(sp->spt(i));
      ++dropped;
    }
  }
  vm.mmu_lock().unlock();
  return dropped;
}

// kvm_mmu_get_spte_hierarchy before lockless walks: the same walk, inside
// mmu_lock instead of walk_shadow_page_lockless_begin/end.
inline int WalkUnderLock(Vm& vm, Vcpu& v, u64 gfn, Vm::WalkStep* steps) {
  LockMmu(vm.mmu_lock());
  const int n = vm.GetSpteHierarchy(v, gfn, steps);
  vm.mmu_lock().unlock();
  return n;
}

// The lockless walk as the core has it.
inline int WalkLockless(Vm& vm, Vcpu& v, u64 gfn, Vm::WalkStep* steps) {
  vm.WalkLocklessBegin(v);
  const int n = vm.GetSpteHierarchy(v, gfn, steps);
  vm.WalkLocklessEnd(v);
  return n;
}

}  // namespace mmu::bench
