// Single-threaded cases for kernel_rules.h, rwlock.h, rcu.h and tdp_mmu.h.
#pragma once

#include "mmu_core/kernel_rules.h"
#include "mmu_core/rcu.h"
#include "mmu_core/rwlock.h"
#include "mmu_core/tdp_mmu.h"
#include "mmu_core/testing/case_log.h"

namespace mmu::testing {

inline void CaseKernelRules(CaseLog& log) {
  using namespace spte;
  for (const KernelRules& r : kKernelRules) {
    // The cleared and frozen values are neither present nor MMIO.
    MMU_EXPECT(log, !r.IsPresent(r.nonpresent) && !r.IsMmio(r.nonpresent));
    if (r.frozen != 0) MMU_EXPECT(log, !r.IsPresent(r.frozen) && !r.IsMmio(r.frozen) && r.IsFrozen(r.frozen));
    MMU_EXPECT(log, !r.IsFrozen(r.nonpresent));
    // Leaves and non-leaves are present.
    MMU_EXPECT(log, r.IsPresent(MakeLeaf(0x1234, true, true, true, true)) && r.IsPresent(MakeNonLeaf(3)));
    // An MMIO spte of any generation is MMIO, not present, and gives its generation back.
    MMU_EXPECT(log, (r.mmio.SpteMask() & r.mmio_mask) == 0);
    for (u64 gen : {u64{0}, u64{1}, u64{0xff}, u64{0x100}, r.mmio.GenMask(), u64{0x5a5a5} & r.mmio.GenMask()}) {
      const u64 s = r.MakeMmio(0xabcd, kWritable, gen);
      MMU_EXPECT(log, r.IsMmio(s) && !r.IsPresent(s) && r.mmio.Decode(s) == gen);
    }
    MMU_EXPECT(log, KernelFromName(r.name) == r.kernel && &RulesOf(r.kernel) == &r);
  }
  MMU_EXPECT(log, !KernelFromName("4.19").has_value());
  MMU_EXPECT(log, RulesOf(Kernel::k3_11).mmio.Bits() == 19 && RulesOf(Kernel::k5_10).mmio.Bits() == 18 &&
                      RulesOf(Kernel::k6_10).mmio.Bits() == 19);
  // Why [6.x] moved the generation off bit 11: the [3.11] layout under the
  // [6.x] mask puts gen bit 8 on MMU-present, and the spte looks present.
  KernelRules mixed = RulesOf(Kernel::k6_10);
  mixed.mmio = kMmioLayout3_11;
  MMU_EXPECT(log, (mixed.mmio.SpteMask() & mixed.mmio_mask) != 0);
  MMU_EXPECT(log, mixed.IsPresent(mixed.MakeMmio(1, 0, 0x100)));
  // The present test: [3.11] needs P, [5.x] a non-zero value, [6.x] bit 11.
  MMU_EXPECT(log, !RulesOf(Kernel::k3_11).IsPresent(kMmuPresent) && RulesOf(Kernel::k6_10).IsPresent(kMmuPresent));
  MMU_EXPECT(log, RulesOf(Kernel::k5_10).IsPresent(Bit(59)) && !RulesOf(Kernel::k5_12).IsPresent(Bit(59)));
  // Volatile bits: a writable, accessed, dirty leaf is volatile only under
  // [3.11]'s "every MMU-writable spte"; an un-accessed one is volatile for
  // [6.x] and not for [6.15], which ignores A.
  const u64 wad = MakeLeaf(7, true, true, true, true) | kDirty;
  MMU_EXPECT(log, RulesOf(Kernel::k3_11).HasVolatileBits(wad, true) && !RulesOf(Kernel::k6_10).HasVolatileBits(wad, true));
  MMU_EXPECT(log, RulesOf(Kernel::k6_13).HasVolatileBits(wad & ~kAccessed, true) &&
                      !RulesOf(Kernel::k6_15).HasVolatileBits(wad & ~kAccessed, true));
  const u64 fastpf = MakeLeaf(7, true, true, false, true);  // (1,1,0): a fast page fault may set W
  for (const KernelRules& r : kKernelRules) MMU_EXPECT(log, r.HasVolatileBits(fastpf, true));
  // The flush rule on losing W only (dirty logging): [3.11] and [6.10] flush, [6.13] defers.
  const u64 w = MakeLeaf(7, true, true, true, true);
  MMU_EXPECT(log, RulesOf(Kernel::k3_11).NeedsTlbFlush(w, w & ~kWritable));
  MMU_EXPECT(log, RulesOf(Kernel::k6_10).NeedsTlbFlush(w, w & ~kWritable));
  MMU_EXPECT(log, !RulesOf(Kernel::k6_13).NeedsTlbFlush(w, w & ~kWritable));
  MMU_EXPECT(log, RulesOf(Kernel::k6_13).NeedsTlbFlush(w, w & ~(kWritable | kMmuWritable)));
  MMU_EXPECT(log, !RulesOf(Kernel::k3_11).NeedsTlbFlush(fastpf, fastpf & ~kMmuWritable));  // M5.4's rule
  // The TDP MMU's atomic-write rule: [6.15] every present leaf; before, volatile leaves.
  MMU_EXPECT(log, RulesOf(Kernel::k6_15).TdpNeedsAtomicWrite(wad, 1, true));
  MMU_EXPECT(log, !RulesOf(Kernel::k6_15).TdpNeedsAtomicWrite(wad, 1, true, /*volatile_only=*/true));
  MMU_EXPECT(log, !RulesOf(Kernel::k6_13).TdpNeedsAtomicWrite(wad, 1, true));
  MMU_EXPECT(log, RulesOf(Kernel::k6_13).TdpNeedsAtomicWrite(w, 1, true));          // W && !D
  MMU_EXPECT(log, !RulesOf(Kernel::k6_15).TdpNeedsAtomicWrite(MakeNonLeaf(3), 2, true));  // not a leaf
  MMU_EXPECT(log, !RulesOf(Kernel::k6_15).TdpNeedsAtomicWrite(RulesOf(Kernel::k6_15).frozen, 1, true));
}

inline void CaseRwLockRcu(CaseLog& log) {
  RwLock lock;
  ReadLockMmu(lock);
  ReadLockMmu(lock);
  MMU_EXPECT(log, lock.Holders() == 2);
  lock.ReadUnlock();
  lock.ReadUnlock();
  WriteLockMmu(lock);
  MMU_EXPECT(log, lock.Holders() == RwLock::kWriter);
  lock.WriteUnlock();
  MMU_EXPECT(log, lock.Holders() == 0);

  Rcu rcu(2);
  int runs = 0;
  auto count = [](void* ctx, void*) { ++*static_cast<int*>(ctx); };
  rcu.CallRcu(count, &runs, nullptr);  // outside a section: after a grace period, at once
  MMU_EXPECT(log, runs == 1);
  rcu.ReadLock();
  rcu.ReadLock();
  MMU_EXPECT(log, rcu.InReadSide());
  rcu.CallRcu(count, &runs, nullptr);
  rcu.ReadUnlock();
  MMU_EXPECT(log, runs == 1);  // still inside the outer section
  rcu.ReadUnlock();
  MMU_EXPECT(log, runs == 2 && !rcu.InReadSide());
  rcu.Synchronize();  // no other CPU is inside a section: returns
}

inline void CaseTdpMmu(CaseLog& log) {
  TdpParams p;
  p.levels = 2;
  p.entries = 2;
  p.kernel = Kernel::k6_10;
  TdpMmu mmu(p, Mutations());
  const KernelRules& r = mmu.rules();
  TdpPage* root = mmu.MakeRoot();
  MMU_EXPECT(log, mmu.nr_gfns() == 4 && root->spt(0).ReadLocked() == kShadowNonPresentValue);
  // A fault links a table from the vCPU's cache, then maps the leaf.
  TdpPage* cache = mmu.AllocPage(1, 0);
  ReadLockMmu(mmu.mmu_lock());
  mmu.rcu().ReadLock();
  MMU_EXPECT(log, mmu.Map(root, 1, 0x101, /*write=*/true, &cache) == TdpMmu::MapResult::kFixed);
  MMU_EXPECT(log, cache == nullptr);
  MMU_EXPECT(log, mmu.Map(root, 1, 0x101, /*write=*/true, &cache) == TdpMmu::MapResult::kSpurious);
  MMU_EXPECT(log, mmu.Map(root, 0, 0x100, /*write=*/false, &cache) == TdpMmu::MapResult::kFixed);
  // A stale old value: -EBUSY, refreshed, no change handled.
  TdpMmu::Iter it = mmu.Walk(root, 1);
  MMU_EXPECT(log, it.level == 1 && spte::Pfn(it.old_spte) == 0x101 && spte::IsWritable(it.old_spte));
  const u64 real = it.old_spte;
  it.old_spte = r.nonpresent;
  MMU_EXPECT(log, !mmu.SetSpteAtomic(it, mmu.MakeLeaf(0x102, false)) && it.old_spte == real);
  mmu.rcu().ReadUnlock();
  mmu.mmu_lock().ReadUnlock();
  MMU_EXPECT(log, mmu.Stats(1) == 2 && mmu.CountLeaves(root, 1) == 2);
  // Zapping the table freezes its entries, counts both leaves out and frees it after a grace period.
  const u64 pt_frame = mmu.Child(root->spt(0).ReadLocked())->frame();
  mmu.RecoverNxHugePage(root, 0, /*table_level=*/1);
  MMU_EXPECT(log, mmu.Stats(1) == 0 && mmu.CountLeaves(root, 1) == 0);
  MMU_EXPECT(log, mmu.FrameFreed(pt_frame) && r.IsPresent(root->spt(0).ReadLocked()) == false);
  MMU_EXPECT(log, mmu.pfns().Dirty(0x101) == false);  // mapped writable, never written (no D)
  // The root: a second reference, two puts; the last unlinks and frees it.
  const u64 root_frame = root->frame();
  mmu.rcu().ReadLock();
  TdpPage* first = mmu.FirstRoot();
  MMU_EXPECT(log, first == root && mmu.GetRoot(root));
  mmu.rcu().ReadUnlock();
  mmu.PutRoot(root);
  MMU_EXPECT(log, !mmu.FrameFreed(root_frame) && mmu.FirstRoot() == root);
  mmu.PutRoot(root);
  MMU_EXPECT(log, mmu.FrameFreed(root_frame) && mmu.FirstRoot() == nullptr);
}

inline void CaseTdpInvalidate(CaseLog& log) {
  TdpParams p;
  p.kernel = Kernel::k6_15;
  TdpMmu mmu(p, Mutations());
  TdpPage* root = mmu.MakeRoot();
  u64 seq = 0;
  const u64 pfn = mmu.FaultinPfn(0, &seq);
  MMU_EXPECT(log, pfn == p.pfn_base && seq == 0);
  WriteLockMmu(mmu.mmu_lock());
  mmu.InvalidateBegin();
  MMU_EXPECT(log, mmu.InvalidateRetry(seq));  // in progress
  mmu.mmu_lock().WriteUnlock();
  mmu.ChangeHostPte(0, 0x777);
  WriteLockMmu(mmu.mmu_lock());
  mmu.InvalidateEnd();
  MMU_EXPECT(log, mmu.InvalidateRetry(seq));   // the sequence moved
  MMU_EXPECT(log, !mmu.InvalidateRetry(seq + 1));
  mmu.mmu_lock().WriteUnlock();
  MMU_EXPECT(log, mmu.LookupPfn(0) == 0x777);
  // Aging and the dirty-log clear keep each other's bit changes ([6.15]: atomic).
  mmu.InitLeaf(root, 0, mmu.MakeLeaf(0x777, true) | spte::kDirty);
  TdpMmu::Iter it = mmu.Read(root, 0);
  MMU_EXPECT(log, spte::IsAccessed(root->spt(0).ClearBitsAtomic(spte::kAccessed)));
  mmu.ClearSpteBits(it, spte::kDirty);
  const u64 s = root->spt(0).ReadLocked();
  MMU_EXPECT(log, !spte::IsAccessed(s) && !spte::IsDirty(s) && spte::IsWritable(s));
}

}  // namespace mmu::testing
