// mmu_core/scenarios/walk_free.h: walk-free, lockless walks against zap and free (brief §4)
//
// CPU 0 walks locklessly root -> child -> leaf; CPU 1 zaps
// the child (unlinking it from the root) and frees it after the remote flush.
#pragma once

#include "mmu_core/scenarios/vm_common.h"

namespace mmu::scenarios {

class WalkFree {
 public:
  static constexpr std::string_view kName = "walk-free";
  static constexpr std::string_view kSection = "§4";
  static constexpr std::string_view kInvariant = "no lockless walker dereferences a freed shadow page";
  static constexpr int kThreads = 2;
  static constexpr std::string_view kConfigs[] = {"levels=2,entries=1"};
  static constexpr Role kRoles[] = {
      {0,
       "walk_shadow_page_lockless_begin|walk_shadow_page_lockless|kvm_mmu_get_spte_hierarchy "
       "walk_shadow_page_lockless_end?"},
      {1, "kvm_mmu_prepare_zap_page|kvm_mmu_commit_zap_page kvm_mmu_commit_zap_page? kvm_flush_remote_tlbs?"},
  };
  static constexpr Twin kTwins[] = {
      {Mutation::M4_1, "", UseAfterFree()},
      {Mutation::M4_3, "", UseAfterFree()},
      {Mutation::M4_4, "", UseAfterFree()},
  };
  static constexpr Window kWindows[] = {
      {"the zap between begin and end of the lockless walk", 0, "begin lockless walk", "end lockless walk", 1,
       "zap page"},
      {"the flush reads the walker's mode during the walk", 0, "begin lockless walk", "end lockless walk", 1,
       "read mode"},
  };
  static constexpr ModelSearch kSearch = {"full", "full search: 13k executions"};

  struct Config {};
  static Config MakeConfig(const ConfigPairs& p) {
    p.Choice("levels", {"2"});
    p.Choice("entries", {"1"});
    return Config{};
  }

  WalkFree(const Config&, Mutations mut) : vm_(SmallVm(2, 1, 1), mut), seen_(0) {
    vm_.MmuLoad(vm_.vcpu(0));
    vm_.PageFault(vm_.vcpu(0), 0, /*write=*/true);
    child_ = vm_.FrameToPage(spte::Pfn(vm_.vcpu(0).root().load()->spt(0).ReadLocked()));
    // Only the table matters: drop the leaf now so the zap is short.
    MmuSpteClearTrackBits(child_->spt(0), vm_.spte_ctx());
  }

  void Thread(int cpu) {
    if (cpu == 0) {
      Vcpu& v = vm_.vcpu(0);
      Vm::WalkStep steps[4];
      vm_.WalkLocklessBegin(v);
      const int n = vm_.GetSpteHierarchy(v, 0, steps);
      vm_.WalkLocklessEnd(v);
      seen_.store(n > 0 ? steps[n - 1].spte : 0);
      return;
    }
    InvalidList invalid;
    LockScope lock(vm_.mmu_lock());
    vm_.PrepareZapPage(child_, invalid);
    vm_.CommitZapPage(invalid);
  }
  void Check() {}
  void Observe(Observations& o) const { o.Add(0, "last spte read", seen_.load()); }

 private:
  Vm vm_;
  ShadowPage* child_ = nullptr;
  sync::Var<u64> seen_;
};

}  // namespace mmu::scenarios
