// mmu_core/scenarios/write_flood.h: write-flood, the lockless reset of
// write_flooding_count against zap and free (brief §8)
//
// CPU 0 is a vCPU whose write fault hit a write-tracked gfn:
// shadow_page_table_clear_flood walks root -> child locklessly and resets the
// write_flooding_count of every shadow page on the path. CPU 1 zaps the
// child and frees it after the remote flush. Lost resets only weaken a
// heuristic; touching a freed page is a bug: the reset must happen inside
// the lockless walk, which the free waits for.
#pragma once

#include "mmu_core/scenarios/vm_common.h"

namespace mmu::scenarios {

class WriteFlood {
 public:
  static constexpr std::string_view kName = "write-flood";
  static constexpr std::string_view kSection = "§8";
  static constexpr std::string_view kInvariant = "the lockless write_flooding_count reset never touches a freed shadow page";
  static constexpr int kThreads = 2;
  static constexpr std::string_view kConfigs[] = {"levels=2,entries=1"};
  static constexpr Role kRoles[] = {
      {0, "shadow_page_table_clear_flood|clear_sp_write_flooding_count walk_shadow_page_lockless_begin? walk_shadow_page_lockless_end?"},
      {1, "kvm_mmu_prepare_zap_page|kvm_mmu_commit_zap_page kvm_mmu_commit_zap_page? kvm_flush_remote_tlbs?"},
  };
  static constexpr Twin kTwins[] = {{Mutation::M8_1, "", UseAfterFree()}};
  static constexpr Window kWindows[] = {
      {"the zap between the walk's begin and the last reset", 0, "begin lockless walk", "reset flooding count", 1,
       "zap page"},
  };
  static constexpr ModelSearch kSearch = {"full", "full search: 137k executions"};

  struct Config {};
  static Config MakeConfig(const ConfigPairs& p) {
    p.Choice("levels", {"2"});
    p.Choice("entries", {"1"});
    return Config{};
  }

  WriteFlood(const Config&, Mutations mut) : vm_(SmallVm(2, 1, 1), mut) {
    vm_.MmuLoad(vm_.vcpu(0));
    vm_.PageFault(vm_.vcpu(0), 0, /*write=*/true);
    child_ = vm_.FrameToPage(spte::Pfn(vm_.vcpu(0).root().load()->spt(0).ReadLocked()));
    // Only the table matters: drop the leaf now so the zap is short.
    MmuSpteClearTrackBits(child_->spt(0), vm_.spte_ctx());
    child_->write_flooding_count().store(2, std::memory_order_relaxed);  // two emulated writes so far
  }

  void Thread(int cpu) {
    if (cpu == 0) {
      vm_.ShadowPageTableClearFlood(vm_.vcpu(0), 0);
      return;
    }
    InvalidList invalid;
    LockMmu(vm_.mmu_lock());
    vm_.PrepareZapPage(child_, invalid);
    vm_.CommitZapPage(invalid);
    vm_.mmu_lock().unlock();
  }
  void Check() {}
  void Observe(Observations& o) const {
    o.Add(0, "root write_flooding_count",
          static_cast<u64>(const_cast<Vm&>(vm_).vcpu(0).root().load()->write_flooding_count().load(std::memory_order_relaxed)));
  }

 private:
  Vm vm_;
  ShadowPage* child_ = nullptr;
};

}  // namespace mmu::scenarios
