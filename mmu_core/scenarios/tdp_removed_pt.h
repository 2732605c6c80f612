// mmu_core/scenarios/tdp_removed_pt.h: tdp-removed-pt, frozen sptes and
// handle_removed_pt (brief §9.3)
//
// The root's entry for gfn 0 points at a leaf table pt. CPU 1 unlinks pt and
// tears it down with handle_removed_pt while CPU 0 is already inside pt:
//
// teardown=shared: CPU 1 holds mmu_lock for read and RCU, cmpxchgs the root
//   entry to the cleared value (tdp_mmu_set_spte_atomic), then freezes each
//   entry of pt with xchg(FROZEN_SPTE) and hands its old value to
//   handle_changed_spte. CPU 0 is a fault (read lock, RCU) that read the root
//   entry before the unlink and installs a leaf in pt's empty entry with
//   cmpxchg(cleared -> leaf): it must either win before the freeze (and the
//   teardown counts its leaf out) or fail on FROZEN_SPTE and retry.
// teardown=exclusive: CPU 1 holds mmu_lock for write (kvm_tdp_mmu_zap_sp, as
//   NX recovery calls it) and writes FROZEN_SPTE over pt's writable, clean
//   leaf with kvm_tdp_mmu_write_spte; CPU 0 is the guest on a vCPU whose TLB
//   still caches the upper-level entry, so the hardware sets D in the leaf
//   until the remote flush (the race the kernel's comment in
//   handle_removed_pt describes).
//
// kernel=5.12 (REMOVED_SPTE 1<<59, cleared value 0) and 6.10 (FROZEN_SPTE
// SHADOW_NONPRESENT_VALUE | 0x5a0): the same teardown with each version's values.
#pragma once

#include "mmu_core/scenarios/tdp_common.h"

namespace mmu::scenarios {

class TdpRemovedPt {
 public:
  static constexpr std::string_view kName = "tdp-removed-pt";
  static constexpr std::string_view kSection = "§9.3";
  static constexpr std::string_view kInvariant =
      "every leaf that was present in a detached table is counted out exactly once, none is installed after its "
      "entry was frozen, and a hardware D bit set before the teardown reaches kvm_set_pfn_dirty";
  static constexpr int kThreads = 2;
  static constexpr std::string_view kConfigs[] = {
      "teardown=shared,kernel=6.10",
      "teardown=shared,kernel=5.12",
      "teardown=exclusive,kernel=6.10",
      "teardown=exclusive,kernel=5.12",
  };
  static constexpr Role kRoles[] = {
      {0, "kvm_tdp_mmu_map|tdp_mmu_set_spte_atomic", "teardown=shared"},
      {1, "tdp_mmu_set_spte_atomic|handle_removed_pt", "teardown=shared"},
      {0, "hardware", "teardown=exclusive"},
      {1, "kvm_tdp_mmu_zap_sp|kvm_recover_nx_huge_pages|handle_removed_pt", "teardown=exclusive"},
  };
  static constexpr Twin kTwins[] = {
      {Mutation::M9_5, "teardown=shared", InvariantFails("page stats")},
      {Mutation::M9_6, "teardown=shared", InvariantFails("page stats")},
      {Mutation::M3_2, "teardown=exclusive", InvariantFails("lost dirty bit")},
  };
  static constexpr Window kWindows[] = {
      {"the fault's cmpxchg into pt between its unlink and its freeze", 1, "cmpxchg spte", "xchg spte", 0,
       "cmpxchg spte"},
      {"the hardware's A/D update between the unlink of pt and the flush", 1, "write spte", "read mode", 0,
       "set a/d"},
  };
  static constexpr ModelSearch kSearch = {
      "full", "full search: 95k executions (teardown=shared, each kernel) and 4.0k (teardown=exclusive, each kernel)"};

  struct Config {
    bool shared = true;
    Kernel kernel = Kernel::k6_10;
  };
  static Config MakeConfig(const ConfigPairs& p) {
    Config c;
    c.shared = p.Choice("teardown", {"shared", "exclusive"}) == 0;
    c.kernel = KernelOf(p, {"6.10", "5.12"});
    return c;
  }

  TdpRemovedPt(const Config& c, Mutations mut) : cfg_(c), mmu_(SmallTdp(2, c.kernel), mut), hw_saw_(0) {
    root_ = mmu_.MakeRoot();
    pt_ = mmu_.AllocPage(1, 0);
    mmu_.InitLink(root_, 0, pt_);
    if (!c.shared) {
      // A writable, clean leaf: the hardware may still set D in it.
      mmu_.InitLeaf(pt_, 0, mmu_.MakeLeaf(mmu_.params().pfn_base, /*write=*/true));
      mmu_.vcpu(0).mode().store(TdpVcpu::kInGuestMode, std::memory_order_relaxed);
    }
  }

  void Thread(int cpu) {
    if (cfg_.shared) {
      ReadLockMmu(mmu_.mmu_lock());
      mmu_.rcu().ReadLock();
      if (cpu == 1) {
        TdpMmu::Iter it = mmu_.Read(root_, 0);
        if (mmu_.rules().IsPresent(it.old_spte)) mmu_.SetSpteAtomic(it, mmu_.rules().nonpresent);
      } else {
        // It finds the root entry cleared, or pt's entry frozen: RET_PF_RETRY.
        mmu_.Map(root_, 0, mmu_.params().pfn_base, /*write=*/true);
      }
      mmu_.rcu().ReadUnlock();
      mmu_.mmu_lock().ReadUnlock();
      return;
    }
    if (cpu == 1) {
      mmu_.RecoverNxHugePage(root_, 0, /*table_level=*/1);
      return;
    }
    // The guest writes through the TLB's cached upper-level entry: the
    // hardware's A/D assist reaches pt until the flush kicks the vCPU out.
    hw_saw_.store(pt_->spt(0).HwSetAccessedDirty(/*write=*/true));
    mmu_.ExitGuest(mmu_.vcpu(0));
  }
  void Check() {
    if (mmu_.Stats(1) != mmu_.CountLeaves(root_, 1))
      sync::fail("page stats disagree with the present leaves: a leaf was installed into a detached table or lost unaccounted");
    const u64 hw = hw_saw_.load();
    if (spte::IsShadowPresent(hw) && spte::IsDirty(hw) && !mmu_.pfns().Dirty(spte::Pfn(hw)))
      sync::fail("lost dirty bit: the guest wrote through the leaf but kvm_set_pfn_dirty never ran");
  }
  void Observe(Observations& o) const {
    TdpMmu& m = const_cast<TdpMmu&>(mmu_);
    o.Add(1, "leaf page stats", static_cast<u64>(m.Stats(1)));
    o.Add(1, "present leaves", static_cast<u64>(m.CountLeaves(root_, 1)));
    if (!cfg_.shared) {
      o.Add(0, "hardware saw", hw_saw_.load());
      o.Add(1, "pfn dirty", m.pfns().Dirty(m.params().pfn_base) ? 1 : 0);
    }
  }

 private:
  Config cfg_;
  TdpMmu mmu_;
  TdpPage* root_ = nullptr;
  TdpPage* pt_ = nullptr;     // the table torn down (the TLB's cached entry points at it)
  sync::Var<u64> hw_saw_;
};

}  // namespace mmu::scenarios
