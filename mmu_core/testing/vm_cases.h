// Single-threaded cases for shadow_page.h, vm.h, fast_pf.h, zap_all.h,
// mmio.h, and every scenario run with its threads one after another.
#pragma once

#include "mmu_core/catalog/scenario_info.h"
#include "mmu_core/fast_pf.h"
#include "mmu_core/mmio.h"
#include "mmu_core/scenarios/all.h"
#include "mmu_core/shadow_page.h"
#include "mmu_core/testing/case_log.h"
#include "mmu_core/vm.h"
#include "mmu_core/zap_all.h"

namespace mmu::testing {

inline void CaseParentPtes(CaseLog& log) {
  Spte64 a, b, c, d, e;
  ParentPtes pp;
  MMU_EXPECT(log, pp.Count() == 0 && !pp.IsList());
  pp.Add(&a);
  MMU_EXPECT(log, pp.Count() == 1 && !pp.IsList() && pp.Get(0) == &a);  // bit 0 clear: one spte
  pp.Add(&b);
  MMU_EXPECT(log, pp.Count() == 2 && pp.IsList());                      // bit 0 set: a descriptor
  pp.Add(&c);
  pp.Add(&d);  // spills into a second descriptor
  pp.Add(&e);
  MMU_EXPECT(log, pp.Count() == 5);
  MMU_EXPECT(log, pp.Remove(&c) && pp.Count() == 4);
  MMU_EXPECT(log, !pp.Remove(&c));
  MMU_EXPECT(log, pp.Remove(&a) && pp.Remove(&b) && pp.Remove(&d));
  MMU_EXPECT(log, pp.Count() == 1 && !pp.IsList() && pp.Get(0) == &e);  // back to the single form
  MMU_EXPECT(log, pp.Remove(&e) && pp.Count() == 0);
}

inline void CaseVmFaultWalkZap(CaseLog& log) {
  VmParams p;
  p.levels = 3;
  p.entries = 2;
  p.max_frames = 16;
  Vm vm(p, Mutations());
  Vcpu& v = vm.vcpu(0);
  MMU_EXPECT(log, vm.nr_gfns() == 8);
  vm.MmuLoad(v);
  ShadowPage* root = v.root().load();
  MMU_EXPECT(log, root != nullptr && root->level() == 3 && root->root_count().load() == 1);
  MMU_EXPECT(log, vm.PageFault(v, 5, /*write=*/true) == PfResult::kFixed);
  MMU_EXPECT(log, vm.ListLength() == 3);  // root, level 2, level 1
  Vm::WalkStep steps[4];
  vm.WalkLocklessBegin(v);
  MMU_EXPECT(log, v.mode().load(std::memory_order_relaxed) == kReadingShadowPageTables);
  const int n = vm.GetSpteHierarchy(v, 5, steps);
  vm.WalkLocklessEnd(v);
  MMU_EXPECT(log, v.mode().load(std::memory_order_relaxed) == kOutsideGuestMode);
  MMU_EXPECT(log, n == 3);
  MMU_EXPECT(log, spte::Pfn(steps[2].spte) == vm.PfnOf(5) && spte::IsWritable(steps[2].spte));
  // gfn 4 shares the level-2 and level-1 tables with gfn 5.
  MMU_EXPECT(log, vm.PageFault(v, 4, false) == PfResult::kFixed && vm.ListLength() == 3);
  ShadowPage* leaf_table = steps[2].sp;
  MMU_EXPECT(log, leaf_table->parent_ptes().Count() == 1);
  // Zap the leaf table: its parent spte is cleared, it goes to the invalid
  // list and is freed at commit.
  InvalidList invalid;
  LockMmu(vm.mmu_lock());
  MMU_EXPECT(log, vm.PrepareZapPage(leaf_table, invalid) == 1);
  MMU_EXPECT(log, leaf_table->invalid() && invalid.size() == 1);
  MMU_EXPECT(log, !spte::IsShadowPresent(steps[1].sp->spt(steps[1].index).ReadLocked()));
  vm.CommitZapPage(invalid);
  vm.mmu_lock().unlock();
  MMU_EXPECT(log, vm.ListLength() == 2);
  // The zapped leaves reported their dirty state (gfn 5 was mapped writable; D unset).
  MMU_EXPECT(log, vm.pfns().Accessed(vm.PfnOf(5)) && !vm.pfns().Dirty(vm.PfnOf(5)));
  // A new fault rebuilds the path.
  MMU_EXPECT(log, vm.PageFault(v, 5, true) == PfResult::kFixed && vm.ListLength() == 3);
  // Write flooding: three emulated writes to a non-leaf page say "zap it".
  LockMmu(vm.mmu_lock());
  MMU_EXPECT(log, !vm.DetectWriteFlooding(root) && !vm.DetectWriteFlooding(root) && vm.DetectWriteFlooding(root));
  vm.mmu_lock().unlock();
  vm.ShadowPageTableClearFlood(v, 5);
  MMU_EXPECT(log, root->write_flooding_count().load(std::memory_order_relaxed) == 0);
}

inline void CaseFastPageFault(CaseLog& log) {
  VmParams p;
  p.levels = 1;
  p.entries = 2;
  Vm vm(p, Mutations());
  Vcpu& v = vm.vcpu(0);
  vm.MmuLoad(v);
  vm.PageFault(v, 1, /*write=*/false);  // (1,1,0)
  GuestAccess a = GuestAccessOnce(vm, v, 1, /*write=*/true);
  MMU_EXPECT(log, !a.done);  // write fault
  FastPfOutcome f = FastPageFault(vm, v, 1);
  MMU_EXPECT(log, f.result == PfResult::kFixed && f.attempts == 1);
  MMU_EXPECT(log, f.marked_gfn == 1 && vm.Dirty(1) && !vm.Dirty(0));
  MMU_EXPECT(log, FastPageFault(vm, v, 1).result == PfResult::kSpurious);
  a = GuestAccessOnce(vm, v, 1, /*write=*/true);
  MMU_EXPECT(log, a.done && !a.via_tlb && spte::IsDirty(a.spte));
  MMU_EXPECT(log, (v.tlb().Lookup(1) & Tlb::kWritable) != 0);
  MMU_EXPECT(log, GuestAccessOnce(vm, v, 1, true).via_tlb);
  // Page-table write protection clears W and MMU-writable and flushes; the
  // vCPU serves the flush at its next entry.
  MMU_EXPECT(log, !WriteProtectGfn(vm, 1, /*pt_protect=*/true));
  const u64 s = v.root().load()->spt(1).ReadLocked();
  MMU_EXPECT(log, !spte::IsWritable(s) && !spte::IsMmuWritable(s) && spte::IsHostWritable(s));
  MMU_EXPECT(log, (v.requests().load(std::memory_order_relaxed) & kReqTlbFlush) != 0);
  MMU_EXPECT(log, !GuestAccessOnce(vm, v, 1, true).done);
  MMU_EXPECT(log, v.tlb().Lookup(1) == 0 || (v.tlb().Lookup(1) & Tlb::kWritable) == 0);
  // A write-tracked spte takes the slow path.
  MMU_EXPECT(log, FastPageFault(vm, v, 1).result == PfResult::kSlowPath);
  // Dirty-log protection defers its flush.
  vm.PageFault(v, 0, true);
  MMU_EXPECT(log, WriteProtectGfn(vm, 0, /*pt_protect=*/false, /*defer_flush=*/true));
}

inline void CaseZapAllFast(CaseLog& log) {
  VmParams p;
  p.levels = 2;
  p.entries = 2;
  p.max_frames = 16;
  p.zap_batch = 1;
  Vm vm(p, Mutations());
  Vcpu& v = vm.vcpu(0);
  vm.MmuLoad(v);
  vm.PageFault(v, 0, true);
  vm.PageFault(v, 3, true);
  MMU_EXPECT(log, vm.ListLength() == 3);
  ShadowPage* old_root = v.root().load();
  const u64 old_frame = old_root->frame();
  ZapAllFast(vm);
  MMU_EXPECT(log, vm.mmu_valid_gen() == 1 && vm.zaps_started() == 1);
  // The pinned root is off the list and invalid; its children were freed.
  MMU_EXPECT(log, vm.ListLength() == 0 && old_root->invalid());
  MMU_EXPECT(log, (v.requests().load(std::memory_order_relaxed) & kReqFreeObsoleteRoots) != 0);
  // The vCPU serves the request: frees the old root, loads a new one.
  vm.ServiceRequests(v);
  // (Compare frames: under TSan freed memory is really freed and may be reused.)
  MMU_EXPECT(log, v.root().load()->frame() != old_frame && !vm.IsObsolete(v.root().load()));
  MMU_EXPECT(log, vm.PageFault(v, 1, true) == PfResult::kFixed && vm.ListLength() == 2);
  // A second zap toggles back to 0.
  ZapAllFast(vm);
  MMU_EXPECT(log, vm.mmu_valid_gen() == 0 && vm.ListLength() == 0);
  MMU_EXPECT(log, vm.PageFault(v, 1, true) == PfResult::kRetry);  // obsolete root: is_page_fault_stale
}

// The structures kernel scale needs, at a size every engine runs: the
// mmu_page_hash, the list length, an invalid list longer than any fixed
// array, and gfns beyond the per-gfn state (VmParams::nr_gfns).
inline void CaseKernelScaleVm(CaseLog& log) {
  for (const int buckets : {1, 4}) {
    VmParams p;
    p.levels = 3;
    p.entries = 8;  // 512 gfns; a leaf table spans 8, a level-2 table 64
    p.nr_gfns = 16;
    p.hash_buckets = buckets;
    p.max_frames = 128;
    p.zap_batch = 2;
    Vm vm(p, Mutations());
    Vcpu& v = vm.vcpu(0);
    MMU_EXPECT(log, vm.nr_gfns() == 16 && v.tlb().size() == 16);
    vm.MmuLoad(v);
    // Natively more leaf tables than the old fixed invalid list held (32);
    // Relacy calls a single thread this long a livelock, so fewer there.
    const u64 leaves = sync::kRelacy ? 9 : 40;
    const int pages = static_cast<int>(1 + (leaves + 7) / 8 + leaves);  // root, level-2 tables, leaf tables
    for (u64 t = 0; t < leaves; ++t) MMU_EXPECT(log, vm.PageFault(v, t * 8, /*write=*/true) == PfResult::kFixed);
    MMU_EXPECT(log, vm.ListLength() == pages);
    // A fault sharing a leaf table finds it in the hash: nothing new.
    const u64 last = 8 * (leaves - 1);
    MMU_EXPECT(log, vm.PageFault(v, last + 1, /*write=*/false) == PfResult::kFixed && vm.ListLength() == pages);
    // Beyond nr_gfns a leaf is writable (no write tracking) and not dirty-logged.
    Vm::WalkStep steps[4];
    vm.WalkLocklessBegin(v);
    const int n = vm.GetSpteHierarchy(v, last, steps);
    vm.WalkLocklessEnd(v);
    MMU_EXPECT(log, n == 3 && spte::IsWritable(steps[2].spte) && spte::Pfn(steps[2].spte) == vm.PfnOf(last));
    // Every page but the pinned root queued on one invalid list, freed at commit.
    ZapAllFast(vm);
    MMU_EXPECT(log, vm.ListLength() == 0 && vm.pfns().Accessed(vm.PfnOf(0)));
    vm.ServiceRequests(v);
    MMU_EXPECT(log, vm.ListLength() == 1 && vm.PageFault(v, 8, true) == PfResult::kFixed && vm.ListLength() == 3);
  }
}

inline void CaseMmioGeneration(CaseLog& log) {
  Memslots old_slots(0, /*g_has_slot=*/false, 0);
  Memslots new_slots(0, /*g_has_slot=*/true, 1);
  MmioVm vm(MmioParams{}, Mutations(), &old_slots);
  MMU_EXPECT(log, vm.FaultCreateMmioSpte());
  MMU_EXPECT(log, spte::IsMmio(vm.spte().ReadLocked()));
  MMU_EXPECT(log, vm.params().format.Gen(vm.spte().ReadLocked()) == 0);
  MMU_EXPECT(log, vm.SpteHit() && vm.CacheHit());
  vm.InstallNewMemslots(&new_slots);
  MMU_EXPECT(log, new_slots.generation.load(std::memory_order_relaxed) == 2);
  MMU_EXPECT(log, !vm.SpteHit() && !vm.CacheHit());  // generation mismatch: slow path
  // Generation 2 -> 4 wraps the 2-bit field to 0: every MMIO spte is zapped.
  Memslots newer(0, /*g_has_slot=*/false, 2);
  vm.PlantMmioSpte(0, 1);
  vm.InstallNewMemslots(&newer);
  MMU_EXPECT(log, newer.generation.load(std::memory_order_relaxed) == 4);
  MMU_EXPECT(log, !spte::IsMmio(vm.spte().ReadLocked()));
}

// Every scenario, every configuration, threads run one after another:
// the correct core must satisfy each invariant.
template <class S>
void RunScenarioSequentially(CaseLog& log) {
  const ScenarioInfo info = DescribeScenario<S>();
  for (int c = 0; c < static_cast<int>(info.configs.size()); ++c) {
    S* s = sync::make<S>(ConfigOf<S>(info, c), Mutations());
    for (int t = 0; t < S::kThreads; ++t) s->Thread(t);
    s->Check();
    Observations o;
    s->Observe(o);
    MMU_EXPECT(log, o.size() > 0);
    sync::destroy(s);
  }
}

inline void CaseScenariosSequential(CaseLog& log) {
#define MMU_RUN_SEQUENTIALLY(T, target) RunScenarioSequentially<scenarios::T>(log);
  MMU_SCENARIOS(MMU_RUN_SEQUENTIALLY)
#undef MMU_RUN_SEQUENTIALLY
}

}  // namespace mmu::testing
