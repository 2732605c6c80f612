// mmu_core/scenarios/walk_free_2vcpu.h: walk-free-2vcpu, two lockless walkers against zap and free (brief §4)
//
// walk-free (race=zap) with a second vCPU: CPUs 0 and 1 each walk locklessly
// root -> child -> leaf (walk_shadow_page_lockless_begin/end, which set and
// clear the vCPU's mode); CPU 2 zaps the child (unlinking it from the root)
// and frees it after the remote flush, which must see and wait for both
// walkers, whatever each of them is doing. The flush reads the two modes one
// after the other, so one walker may begin after its mode was read while the
// other is still reading: what walk-free cannot show.
//
// Contract: walk-free's rows W1-W3 (mmu_core/scenarios/walk_free.h), for
// each walker:
//   row                                                 checked by
//   W1 no walker dereferences a freed table              Relacy: ACCESS TO FREED MEMORY
//   W2 the flush waits for every READING vCPU            W1 (M4.3)
//   W3 a table is freed only after the flush              W1 (M4.4)
//   W1 needs the walker's [B1] full barrier               W1 (M4.1: store buffering)
//
// Three threads: Relacy's full search did not end in 10 minutes (models/dpor/
// README "Figures"); the reduced search (models/dpor/) gives the full verdict.
#pragma once

#include "mmu_core/scenarios/vm_common.h"

namespace mmu::scenarios {

class WalkFree2Vcpu {
 public:
  static constexpr std::string_view kName = "walk-free-2vcpu";
  static constexpr std::string_view kSection = "§4";
  static constexpr std::string_view kInvariant = "neither lockless walker dereferences a freed shadow page";
  static constexpr int kThreads = 3;
  static constexpr std::string_view kConfigs[] = {"levels=2,entries=1,vcpus=2"};
  static constexpr Role kRoles[] = {
      {0,
       "walk_shadow_page_lockless_begin|walk_shadow_page_lockless|kvm_mmu_get_spte_hierarchy "
       "walk_shadow_page_lockless_end?"},
      {1,
       "walk_shadow_page_lockless_begin|walk_shadow_page_lockless|kvm_mmu_get_spte_hierarchy "
       "walk_shadow_page_lockless_end?"},
      {2, "kvm_mmu_prepare_zap_page|kvm_mmu_commit_zap_page kvm_mmu_commit_zap_page? kvm_flush_remote_tlbs?"},
  };
  static constexpr Twin kTwins[] = {
      {Mutation::M4_1, "", UseAfterFree()},
      {Mutation::M4_3, "", UseAfterFree()},
      {Mutation::M4_4, "", UseAfterFree()},
  };
  static constexpr Window kWindows[] = {
      {"the zap between begin and end of CPU 0's lockless walk", 0, "begin lockless walk", "end lockless walk", 2,
       "zap page"},
      {"the zap between begin and end of CPU 1's lockless walk", 1, "begin lockless walk", "end lockless walk", 2,
       "zap page"},
      {"the flush reads a mode during CPU 0's walk", 0, "begin lockless walk", "end lockless walk", 2, "read mode"},
      {"the flush reads a mode during CPU 1's walk", 1, "begin lockless walk", "end lockless walk", 2, "read mode"},
      {"CPU 1 begins its walk while CPU 0 walks", 0, "begin lockless walk", "end lockless walk", 1,
       "begin lockless walk"},
  };
  static constexpr ModelSearch kSearch = {
      "bound:3",
      "context bound 3 (31k executions, 0.3 s): bound 5 is 1.5M (11 s), bound 6 6.9M (70 s), and the full search "
      "did not end in 10 minutes",
      "dpor", "the reduced full search (models/dpor/): 78 executions (142 run), under 0.1 s"};

  struct Config {};
  static Config MakeConfig(const ConfigPairs& p) {
    p.Choice("levels", {"2"});
    p.Choice("entries", {"1"});
    p.Choice("vcpus", {"2"});
    return Config{};
  }

  WalkFree2Vcpu(const Config&, Mutations mut) : vm_(SmallVm(2, 1, 2), mut), depth_{}, seen_{} {
    vm_.MmuLoad(vm_.vcpu(0));
    vm_.MmuLoad(vm_.vcpu(1));  // the same root
    vm_.PageFault(vm_.vcpu(0), 0, /*write=*/true);
    child_ = vm_.FrameToPage(spte::Pfn(vm_.vcpu(0).root().load()->spt(0).ReadLocked()));
    // Only the table matters: drop the leaf now so the zap is short.
    MmuSpteClearTrackBits(child_->spt(0), vm_.spte_ctx());
  }

  void Thread(int cpu) {
    if (cpu < 2) {
      Vcpu& v = vm_.vcpu(cpu);
      Vm::WalkStep steps[4];
      vm_.WalkLocklessBegin(v);
      const int n = vm_.GetSpteHierarchy(v, 0, steps);
      vm_.WalkLocklessEnd(v);
      depth_[cpu].store(static_cast<u64>(n));
      seen_[cpu].store(n > 0 ? steps[n - 1].spte : 0);
      return;
    }
    InvalidList invalid;
    LockScope lock(vm_.mmu_lock());
    vm_.PrepareZapPage(child_, invalid);
    vm_.CommitZapPage(invalid);
  }
  void Check() {}
  void Observe(Observations& o) const {
    for (int cpu = 0; cpu < 2; ++cpu) {
      o.Add(cpu, "levels walked", depth_[cpu].load());
      o.Add(cpu, "last spte read", seen_[cpu].load());
    }
  }

 private:
  Vm vm_;
  ShadowPage* child_ = nullptr;
  sync::Var<u64> depth_[2];  // how many levels each walker read (the child's, if it was still linked)
  sync::Var<u64> seen_[2];
};

}  // namespace mmu::scenarios
