// mmu_core/scenarios/tdp_zap_spte_atomic.h: tdp-zap-spte-atomic, the old
// tdp_mmu_zap_spte_atomic order: freeze, flush, clear (brief §9.4, 5.13-6.13)
//
// gfn 0 is mapped to pfn P, and vCPU 0's TLB caches gfn 0 -> P (the vCPU is
// not running). The host now backs gfn 0 with pfn Q. CPU 0 zaps the leaf
// under mmu_lock for read: cmpxchg to FROZEN_SPTE, kvm_flush_remote_tlbs_gfn,
// then the cleared value, then handle_changed_spte. CPU 1 is a fault under
// the read lock that maps gfn 0 to Q: it retries while it finds the entry
// frozen, and may install Q only once the cleared value is there, by which
// time the TLB entry is gone.
#pragma once

#include "mmu_core/scenarios/tdp_common.h"

namespace mmu::scenarios {

class TdpZapSpteAtomic {
 public:
  static constexpr std::string_view kName = "tdp-zap-spte-atomic";
  static constexpr std::string_view kSection = "§9.4";
  static constexpr std::string_view kInvariant =
      "a TLB entry gfn -> P coexists only with spte(gfn) = P or a frozen or cleared spte whose flush is still due";
  static constexpr int kThreads = 2;
  static constexpr std::string_view kConfigs[] = {"kernel=6.10"};
  static constexpr Role kRoles[] = {
      {0, "tdp_mmu_zap_spte_atomic|zap_collapsible_spte_range"},
      {1, "kvm_tdp_mmu_map|kvm_tdp_mmu_page_fault"},
  };
  static constexpr Twin kTwins[] = {{Mutation::M9_7, "", InvariantFails("stale TLB entry")}};
  static constexpr Window kWindows[] = {
      {"the fault reads the entry while it is frozen, before the flush and the clear", 0, "cmpxchg spte",
       "write spte", 1, "read spte"},
  };
  static constexpr ModelSearch kSearch = {
      "bound:4",
      "context bound 4 (2.0k executions): the full search is 413k executions, about 20 s on the loaded machine, too "
      "long for a default test",
      "full", "413k executions, about 20 s on the loaded machine"};

  struct Config {
    Kernel kernel = Kernel::k6_10;
  };
  static Config MakeConfig(const ConfigPairs& p) { return Config{KernelOf(p, {"6.10"})}; }

  static constexpr u64 kNewPfn = 0x200;

  TdpZapSpteAtomic(const Config& c, Mutations mut) : mmu_(SmallTdp(1, c.kernel), mut), result_(0) {
    root_ = mmu_.MakeRoot();
    const u64 old_pfn = mmu_.params().pfn_base;
    mmu_.InitLeaf(root_, 0, mmu_.MakeLeaf(old_pfn, /*write=*/false));
    mmu_.vcpu(0).tlb(0).store((old_pfn << spte::kPfnShift) | TdpVcpu::kTlbValid, std::memory_order_relaxed);
    mmu_.InitHostPfn(0, kNewPfn);
  }

  void Thread(int cpu) {
    if (cpu == 0) {
      ReadLockMmu(mmu_.mmu_lock());
      mmu_.rcu().ReadLock();
      TdpMmu::Iter it = mmu_.Read(root_, 0);
      // On -EBUSY the refreshed old value says whether there is still a leaf to zap.
      for (int attempt = 0; attempt < 2 && mmu_.rules().IsPresent(it.old_spte); ++attempt) {
        if (mmu_.ZapSpteAtomic(it)) break;
      }
      mmu_.rcu().ReadUnlock();
      mmu_.mmu_lock().ReadUnlock();
      return;
    }
    TdpMmu::MapResult r = TdpMmu::MapResult::kRetry;
    for (int attempt = 0; attempt < 2 && r == TdpMmu::MapResult::kRetry; ++attempt) {
      ReadLockMmu(mmu_.mmu_lock());
      mmu_.rcu().ReadLock();
      r = mmu_.Map(root_, 0, kNewPfn, /*write=*/false);
      if (r == TdpMmu::MapResult::kFixed) {
        const u64 e = mmu_.vcpu(0).tlb(0).load(std::memory_order_relaxed);
        if ((e & TdpVcpu::kTlbValid) != 0 && spte::Pfn(e) != kNewPfn)
          sync::fail("stale TLB entry: a TLB maps the gfn to the old pfn while the spte maps the new one");
      }
      mmu_.rcu().ReadUnlock();
      mmu_.mmu_lock().ReadUnlock();
    }
    result_.store(static_cast<int>(r) + 1);
  }
  void Check() {
    if (mmu_.Stats(1) != mmu_.CountLeaves(root_, 1))
      sync::fail("page stats disagree with the present leaves: a leaf was counted twice or not at all");
  }
  void Observe(Observations& o) const {
    TdpMmu& m = const_cast<TdpMmu&>(mmu_);
    o.Add(1, "fault result (1 fixed, 2 spurious, 3 retry)", static_cast<u64>(result_.load()));
    o.Add(0, "final spte", m.root_spte(root_));
    o.Add(0, "vcpu 0 tlb entry", m.vcpu(0).tlb(0).load(std::memory_order_relaxed));
  }

 private:
  TdpMmu mmu_;
  TdpPage* root_ = nullptr;
  sync::Var<int> result_;
};

}  // namespace mmu::scenarios
