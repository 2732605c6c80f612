// mmu_core/scenarios/walk_free.h: walk-free, lockless walks against zap and free (brief §4)
//
// CPU 0 walks locklessly root -> child -> leaf. race=zap: CPU 1 zaps the
// child (unlinking it from the root) and frees it after the remote flush.
// race=link: there is no child yet, and CPU 1 is another vCPU's page fault
// that allocates it and links it under mmu_lock while CPU 0 walks.
//
// Who races with a lockless walk (walk_shadow_page_lockless_begin/end:
// fast_page_fault, kvm_mmu_get_spte_hierarchy for MMIO faults,
// shadow_page_table_clear_flood; locking.rst "Lockless walks"):
//   - a zapper that unlinks and frees tables (kvm_mmu_prepare/commit_zap_page:
//     zap_gfn_range, kvm_mmu_zap_all_fast, mmu notifiers)   race=zap
//   - a page fault that links a fresh table (link_shadow_page) race=link
//   - a fault or write protection changing a leaf            fastpf-wp, spte-volatile
//   - the remote flush's IPI and wait (kvm_flush_remote_tlbs)  race=zap
//   - hardware A/D updates of the leaf                        spte-volatile
//
// Contract (what crosses the lock boundary, and who relies on it):
//   row                                                 checked by
//   W1 no walker dereferences a freed table              Relacy: ACCESS TO FREED MEMORY (race=zap)
//   W2 the flush waits for every READING vCPU            W1 (M4.3)
//   W3 a table is freed only after the flush              W1 (M4.4)
//   W4 a walker that follows a link sees the table the   Relacy's race check on the frame table
//      linker initialised ([S1] release / [G1] acquire)   (race=link, M4.5)
//   W5 the walk ends (mode OUTSIDE) after its loads [E1]  no Relacy model: load buffering (M4.2, litmus)
#pragma once

#include "mmu_core/scenarios/vm_common.h"

namespace mmu::scenarios {

class WalkFree {
 public:
  static constexpr std::string_view kName = "walk-free";
  static constexpr std::string_view kSection = "§4";
  static constexpr std::string_view kInvariant = "no lockless walker dereferences a freed shadow page";
  static constexpr int kThreads = 2;
  static constexpr std::string_view kConfigs[] = {"levels=2,entries=1,race=zap", "levels=2,entries=1,race=link"};
  static constexpr Role kRoles[] = {
      {0,
       "walk_shadow_page_lockless_begin|walk_shadow_page_lockless|kvm_mmu_get_spte_hierarchy "
       "walk_shadow_page_lockless_end?"},
      {1, "kvm_mmu_prepare_zap_page|kvm_mmu_commit_zap_page kvm_mmu_commit_zap_page? kvm_flush_remote_tlbs?",
       "race=zap"},
      {1, "kvm_mmu_page_fault|direct_page_fault|link_shadow_page", "race=link"},
  };
  static constexpr Twin kTwins[] = {
      {Mutation::M4_1, "race=zap", UseAfterFree()},
      {Mutation::M4_3, "race=zap", UseAfterFree()},
      {Mutation::M4_4, "race=zap", UseAfterFree()},
      {Mutation::M4_5, "race=link", DataRace()},
  };
  static constexpr Window kWindows[] = {
      {"the zap between begin and end of the lockless walk", 0, "begin lockless walk", "end lockless walk", 1,
       "zap page"},
      {"the flush reads the walker's mode during the walk", 0, "begin lockless walk", "end lockless walk", 1,
       "read mode"},
      {"the link between begin and end of the lockless walk", 0, "begin lockless walk", "end lockless walk", 1,
       "link page"},
  };
  static constexpr ModelSearch kSearch = {
      "full", "full search: 13k (race=zap) and 49k (race=link) executions, about 1 s", "dpor",
      "the reduced full search (models/dpor/): 6 (race=zap, 9 run) and 3 (race=link) executions"};

  struct Config {
    bool link = false;  // race=link: CPU 1 links the child instead of zapping it
  };
  static Config MakeConfig(const ConfigPairs& p) {
    p.Choice("levels", {"2"});
    p.Choice("entries", {"1"});
    return Config{p.Choice("race", {"zap", "link"}) == 1};
  }

  WalkFree(const Config& c, Mutations mut) : cfg_(c), vm_(SmallVm(2, 1, 1), mut), seen_(0) {
    vm_.MmuLoad(vm_.vcpu(0));
    if (c.link) return;  // the root alone: CPU 1's fault creates the child
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
    if (cfg_.link) {
      // Another vCPU's fault on gfn 0 (it shares the root): allocate the
      // child, link it, set the leaf.
      vm_.PageFault(vm_.vcpu(0), 0, /*write=*/false);
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
  Config cfg_;
  Vm vm_;
  ShadowPage* child_ = nullptr;
  sync::Var<u64> seen_;
};

}  // namespace mmu::scenarios
