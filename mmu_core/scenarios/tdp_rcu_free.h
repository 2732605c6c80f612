// mmu_core/scenarios/tdp_rcu_free.h: tdp-rcu-free, page tables and roots
// freed through RCU (brief §4, TDP MMU)
//
// race=walk: CPU 0 walks root -> pt -> leaf locklessly inside rcu_read_lock
//   (kvm_tdp_mmu_get_walk, the fast page fault's walk); CPU 1 zaps pt under
//   mmu_lock for write and RCU (kvm_recover_nx_huge_pages ->
//   kvm_tdp_mmu_zap_sp): handle_removed_pt frees pt with call_rcu, so the
//   free waits for CPU 0's read-side section.
// race=hw-walk: CPU 0 is the guest's hardware walker on a vCPU in guest mode
//   (not an RCU reader): it may use pt until the remote flush kicks the vCPU
//   out, which is why the zapper flushes before rcu_read_unlock: the grace
//   period, and the free, come after the flush.
// race=root: CPU 1 drops the last reference to the root
//   (kvm_tdp_mmu_put_root: list_del_rcu, call_rcu); CPU 0 looks the root up
//   on tdp_mmu_roots under RCU, takes a reference with refcount_inc_not_zero
//   (kvm_tdp_mmu_get_root, as tdp_mmu_next_root does), uses it after leaving
//   RCU, and puts it.
#pragma once

#include "mmu_core/scenarios/tdp_common.h"

namespace mmu::scenarios {

class TdpRcuFree {
 public:
  static constexpr std::string_view kName = "tdp-rcu-free";
  static constexpr std::string_view kSection = "§4 TDP";
  static constexpr std::string_view kInvariant =
      "no walker, hardware walker or root user touches a page table after its free";
  static constexpr int kThreads = 2;
  static constexpr std::string_view kConfigs[] = {
      "race=walk,kernel=6.10",
      "race=hw-walk,kernel=6.10",
      "race=root,kernel=6.10",
  };
  static constexpr Role kRoles[] = {
      {0, "kvm_tdp_mmu_get_walk|kvm_tdp_mmu_walk_lockless_begin|kvm_tdp_mmu_fast_pf_get_last_sptep", "race=walk"},
      {0, "hardware", "race=hw-walk"},
      {1, "kvm_recover_nx_huge_pages|kvm_tdp_mmu_zap_sp", "race=walk; race=hw-walk"},
      {0, "tdp_mmu_next_root|kvm_tdp_mmu_get_root kvm_tdp_mmu_put_root?", "race=root"},
      {1, "kvm_tdp_mmu_put_root", "race=root"},
  };
  static constexpr Twin kTwins[] = {
      {Mutation::M4_7, "race=root", UseAfterFree()},
      {Mutation::M4_8, "race=hw-walk", UseAfterFree()},
      {Mutation::M4_9, "race=walk; race=hw-walk", UseAfterFree()},
  };
  static constexpr Window kWindows[] = {
      {"the zap unlinks pt during the walker's read-side section", 0, "rcu read lock", "rcu read unlock", 1,
       "write spte"},
      {"the zap unlinks pt during the hardware walk", 0, "", "exit guest", 1, "write spte"},
      {"the last put between the root lookup and the reference", 0, "read roots", "get root", 1, "put root"},
  };
  static constexpr ModelSearch kSearch = {
      "full", "full search: 10k executions (race=walk), 3.2k (race=hw-walk) and 4.0k (race=root)"};

  enum class Race { kWalk, kHwWalk, kRoot };
  struct Config {
    Race race = Race::kWalk;
    Kernel kernel = Kernel::k6_10;
  };
  static Config MakeConfig(const ConfigPairs& p) {
    Config c;
    c.race = static_cast<Race>(p.Choice("race", {"walk", "hw-walk", "root"}));
    c.kernel = KernelOf(p, {"6.10"});
    return c;
  }

  TdpRcuFree(const Config& c, Mutations mut) : cfg_(c), mmu_(SmallTdp(2, c.kernel), mut), seen_(0) {
    root_ = mmu_.MakeRoot();
    if (c.race == Race::kRoot) return;
    TdpPage* pt = mmu_.AllocPage(1, 0);
    mmu_.InitLink(root_, 0, pt);
    mmu_.InitLeaf(pt, 0, mmu_.MakeLeaf(mmu_.params().pfn_base, /*write=*/false));
    if (c.race == Race::kHwWalk) mmu_.vcpu(0).mode().store(TdpVcpu::kInGuestMode, std::memory_order_relaxed);
  }

  void Thread(int cpu) {
    switch (cfg_.race) {
      case Race::kWalk:
        if (cpu == 0) {
          mmu_.rcu().ReadLock();  // kvm_tdp_mmu_walk_lockless_begin
          seen_.store(mmu_.Walk(root_, 0).old_spte);
          mmu_.rcu().ReadUnlock();  // kvm_tdp_mmu_walk_lockless_end
        } else {
          mmu_.RecoverNxHugePage(root_, 0, /*table_level=*/1);
        }
        return;
      case Race::kHwWalk:
        if (cpu == 0) {
          seen_.store(mmu_.Walk(root_, 0).old_spte);  // the hardware page walk
          mmu_.ExitGuest(mmu_.vcpu(0));
        } else {
          mmu_.RecoverNxHugePage(root_, 0, /*table_level=*/1);
        }
        return;
      case Race::kRoot:
        if (cpu == 1) {
          mmu_.PutRoot(root_);  // the last reference
          return;
        }
        mmu_.rcu().ReadLock();
        TdpPage* root = mmu_.FirstRoot();
        const bool got = root != nullptr && mmu_.GetRoot(root);
        mmu_.rcu().ReadUnlock();
        if (!got) return;
        seen_.store(mmu_.Read(root, 0).old_spte);  // used under the reference, outside RCU
        mmu_.PutRoot(root);
        return;
    }
  }
  void Check() {}
  void Observe(Observations& o) const { o.Add(0, "last spte read", seen_.load()); }

 private:
  Config cfg_;
  TdpMmu mmu_;
  TdpPage* root_ = nullptr;
  sync::Var<u64> seen_;
};

}  // namespace mmu::scenarios
