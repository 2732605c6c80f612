// Single-threaded cases for spte.h, split_spte.h, spte64.h and spte_ops.h.
#pragma once

#include "mmu_core/split_spte.h"
#include "mmu_core/spte.h"
#include "mmu_core/spte64.h"
#include "mmu_core/spte_ops.h"
#include "mmu_core/testing/case_log.h"

namespace mmu::testing {

inline void CaseSpteFormat(CaseLog& log) {
  using namespace spte;
  const u64 leaf = MakeLeaf(0x1234, true, true, false, true);
  MMU_EXPECT(log, IsShadowPresent(leaf));
  MMU_EXPECT(log, Pfn(leaf) == 0x1234);
  MMU_EXPECT(log, !IsWritable(leaf) && IsMmuWritable(leaf) && IsHostWritable(leaf));
  MMU_EXPECT(log, WritableInvariantHolds(leaf));
  MMU_EXPECT(log, !WritableInvariantHolds((leaf & ~kMmuWritable) | kWritable));
  // (1,1,0) is volatile: a fast page fault may set W without the lock.
  MMU_EXPECT(log, HasVolatileBits(leaf, /*ad_enabled=*/false));
  MMU_EXPECT(log, !HasVolatileBits(leaf, false, /*ignore_fast_pf_writable=*/true));
  // (1,0,0) shadows a guest page table: nobody changes it without the lock,
  // but with A/D enabled and A clear, hardware may still set A.
  const u64 pt = MakeLeaf(7, true, false, false, true);
  MMU_EXPECT(log, !HasVolatileBits(pt, true));
  MMU_EXPECT(log, HasVolatileBits(pt & ~kAccessed, true));
  const u64 wr = MakeLeaf(7, true, true, true, true);
  MMU_EXPECT(log, HasVolatileBits(wr, true));            // W && !D: hardware may set D
  MMU_EXPECT(log, !HasVolatileBits(wr | kDirty, true));  // A and D already set
  // Flush rule: losing MMU-writable flushes; losing only W does not ([6.13]).
  MMU_EXPECT(log, ChangeNeedsTlbFlush(wr, wr & ~(kWritable | kMmuWritable)));
  MMU_EXPECT(log, !ChangeNeedsTlbFlush(wr, wr & ~kWritable));
  MMU_EXPECT(log, ChangeNeedsTlbFlush(wr, wr & ~kWritable, /*w_rule=*/true));
  MMU_EXPECT(log, !ChangeNeedsTlbFlush(leaf, leaf & ~kMmuWritable, /*w_rule=*/true));
  // Non-leaf sptes point at frames.
  MMU_EXPECT(log, Pfn(MakeNonLeaf(42)) == 42 && IsShadowPresent(MakeNonLeaf(42)));
  // Presence lives in the low word.
  MMU_EXPECT(log, IsShadowPresent(Low(leaf)) && !IsShadowPresent(High(leaf)));
  MMU_EXPECT(log, Join(High(leaf | kNx), Low(leaf)) == (leaf | kNx));
}

inline void CaseMmioFormat(CaseLog& log) {
  using namespace spte;
  const MmioFormat full{};  // 19 bits, [6.x]
  MMU_EXPECT(log, full.Valid() && full.LowBits() == 8 && full.HighBits() == 11);
  const u64 gen = 0x5a5a5 & full.GenMask();
  const u64 s = full.Make(0xabcde, kWritable, gen);
  MMU_EXPECT(log, MmioFormat::IsMmio(s));
  MMU_EXPECT(log, !IsShadowPresent(s));
  MMU_EXPECT(log, full.Gen(s) == gen);
  MMU_EXPECT(log, MmioFormat::Gfn(s) == 0xabcde);
  MMU_EXPECT(log, MmioFormat::Access(s) == kWritable);
  // The generation is split: its low part in the low word, the rest in the high word.
  MMU_EXPECT(log, ((s >> kMmioGenLowShift) & 0xff) == (gen & 0xff));
  MMU_EXPECT(log, ((s >> kMmioGenHighShift) & 0x7ff) == (gen >> 8));
  // A tiny generation wraps: gen 4 of a 2-bit field is stored as 0.
  const MmioFormat tiny{2};
  MMU_EXPECT(log, tiny.Valid() && tiny.GenMask() == 3);
  MMU_EXPECT(log, tiny.Gen(tiny.Make(1, 0, 4)) == 0);
  MMU_EXPECT(log, tiny.Gen(tiny.Make(1, 0, 3)) == 3);
  MMU_EXPECT(log, !MmioFormat{0}.Valid() && !MmioFormat{20}.Valid());
  // A present leaf, or a cleared spte, is never MMIO.
  MMU_EXPECT(log, !MmioFormat::IsMmio(MakeLeaf(1, true, true, true, true)));
  MMU_EXPECT(log, !MmioFormat::IsMmio(kNonPresent));
}

inline void CaseSplitSpte(CaseLog& log) {
  using namespace spte;
  sync::Atomic<int> count(0);
  SplitSpte s;
  s.Bind(&count, Mutations());
  s.Init(kNonPresent);
  const u64 v = MakeLeaf(0xa11110, true, true, true, true) | kNx;
  s.SetSpte(v);
  MMU_EXPECT(log, s.GetLockless() == v);
  MMU_EXPECT(log, s.ReadLocked() == v);
  MMU_EXPECT(log, count.load(std::memory_order_relaxed) == 0);
  // A present->present update does not bump the count.
  s.UpdateClearFast(v & ~kWritable);
  MMU_EXPECT(log, s.GetLockless() == (v & ~kWritable));
  MMU_EXPECT(log, count.load(std::memory_order_relaxed) == 0);
  // Clearing bumps it once.
  s.UpdateClearFast(kNonPresent);
  MMU_EXPECT(log, s.GetLockless() == kNonPresent);
  MMU_EXPECT(log, count.load(std::memory_order_relaxed) == 1);
  // The slow clear returns the old value, hardware A/D included.
  s.SetSpte(v & ~kDirty);
  MMU_EXPECT(log, (s.HwSetAccessedDirty(true) & kDirty) != 0);
  const u64 old = s.UpdateClearSlow(kNonPresent);
  MMU_EXPECT(log, old == (v | kDirty));
  MMU_EXPECT(log, count.load(std::memory_order_relaxed) == 2);
  // Hardware never touches a non-present spte.
  MMU_EXPECT(log, s.HwSetAccessedDirty(true) == 0);
  MMU_EXPECT(log, s.ReadLocked() == kNonPresent);
}

inline void CaseSpte64(CaseLog& log) {
  using namespace spte;
  Spte64 s;
  s.Init(kNonPresent);
  const u64 v = MakeLeaf(77, true, true, false, true);
  s.SetSpte(v);
  MMU_EXPECT(log, s.GetLockless() == v);
  u64 expected = v;
  MMU_EXPECT(log, s.Cmpxchg(expected, v | kWritable));
  MMU_EXPECT(log, s.GetLockless() == (v | kWritable));
  expected = v;  // stale
  MMU_EXPECT(log, !s.Cmpxchg(expected, v));
  MMU_EXPECT(log, expected == (v | kWritable));
  MMU_EXPECT(log, s.HwSetAccessedDirty(true) == (v | kWritable | kDirty));
  MMU_EXPECT(log, s.UpdateClearSlow(kNonPresent) == (v | kWritable | kDirty));
  MMU_EXPECT(log, s.HwSetAccessedDirty(true) == kNonPresent);
}

// mmu_spte_update / clear_track_bits on one slot type.
template <class Slot>
void CaseSpteOps(CaseLog& log, Slot& s) {
  using namespace spte;
  PfnTracker pfns(8);
  SpteOpsContext ctx;
  ctx.pfns = &pfns;
  const u64 v = MakeLeaf(3, true, true, true, true);
  MmuSpteSet(s, v);
  MMU_EXPECT(log, s.ReadLocked() == v);
  // Dirty-log write protection: W only, no immediate flush ([6.13]).
  MMU_EXPECT(log, !MmuSpteUpdate(s, v & ~kWritable, ctx));
  // Page-table protection: MMU-writable lost, flush.
  MMU_EXPECT(log, MmuSpteUpdate(s, v & ~(kWritable | kMmuWritable), ctx));
  // Clearing a dirty spte hands D to the pfn.
  const u64 d = MakeLeaf(5, true, true, true, true) | kDirty;
  MmuSpteClearTrackBits(s, ctx);
  MmuSpteSet(s, d);
  const u64 old = MmuSpteClearTrackBits(s, ctx);
  MMU_EXPECT(log, old == d);
  MMU_EXPECT(log, pfns.Dirty(5) && pfns.Accessed(5));
  MMU_EXPECT(log, !pfns.Dirty(3));
  MMU_EXPECT(log, s.ReadLocked() == kNonPresent);
  // Updating a non-present spte is a set.
  MMU_EXPECT(log, !MmuSpteUpdate(s, v, ctx));
  MMU_EXPECT(log, s.ReadLocked() == v);
}

inline void CaseSpteOps64(CaseLog& log) {
  Spte64 s;
  s.Init(spte::kNonPresent);
  CaseSpteOps(log, s);
}

inline void CaseSpteOpsSplit(CaseLog& log) {
  sync::Atomic<int> count(0);
  SplitSpte s;
  s.Bind(&count, Mutations());
  s.Init(spte::kNonPresent);
  CaseSpteOps(log, s);
  MMU_EXPECT(log, count.load(std::memory_order_relaxed) == 2);
}

// Mutations change behaviour only where they are injected.
inline void CaseSplitSpteMutations(CaseLog& log) {
  using namespace spte;
  sync::Atomic<int> count(0);
  SplitSpte s;
  s.Bind(&count, Mutations::Inject(Mutation::M2_8));
  s.Init(kNonPresent);
  const u64 v = MakeLeaf(9, true, true, true, true);
  s.SetSpte(v);
  // Single-threaded, the read+write clear still returns the old value.
  MMU_EXPECT(log, s.UpdateClearSlow(kNonPresent) == v);
  // M2.7 flips NX on a present->present update.
  SplitSpte t;
  t.Bind(&count, Mutations());
  t.Init(kNonPresent);
  SpteOpsContext ctx;
  ctx.mut = Mutations::Inject(Mutation::M2_7);
  MmuSpteSet(t, v);
  MmuSpteUpdate(t, v & ~kWritable, ctx);
  MMU_EXPECT(log, (t.ReadLocked() & kNx) != 0);
}

}  // namespace mmu::testing

namespace mmu::testing {

inline void CaseVocabulary(CaseLog& log) {
  for (const StepInfo& i : kSteps) MMU_EXPECT(log, StepFromName(i.name) == i.id);
  MMU_EXPECT(log, StepFromName("  Read   LOW ") == Step::ReadLow);
  MMU_EXPECT(log, StepFromName("xchg low") == Step::WriteLow);
  MMU_EXPECT(log, !StepFromName("read sideways").has_value());
  for (const MutationInfo& i : kMutations) MMU_EXPECT(log, MutationFromName(i.name) == i.id);
  MMU_EXPECT(log, MutationFromName("m2_4") == Mutation::M2_4);
  MMU_EXPECT(log, !MutationFromName("M9.9").has_value());
  MMU_EXPECT(log, Mutations().Empty() && Mutations().ToString() == "none");
  MMU_EXPECT(log, Mutations::Inject(Mutation::M2_4).Plus(Mutation::M5_2).ToString() == "M2.4+M5.2");
}

}  // namespace mmu::testing
