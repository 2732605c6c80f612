// mmu_core/scenarios/tdp_set_spte_atomic.h: tdp-set-spte-atomic, two TDP
// faults under the read lock racing with cmpxchg (brief §9.2)
//
// CPUs 0 and 1 are vCPUs faulting on gfn 0 at once, each holding mmu_lock
// for read and RCU (kvm_tdp_mmu_page_fault -> kvm_tdp_mmu_map). Each reads
// the entry and installs it with tdp_mmu_set_spte_atomic: one cmpxchg wins;
// the other gets -EBUSY with its old value refreshed, returns RET_PF_RETRY
// and faults again (at most twice here), finding the winner's leaf. Only the
// winner runs handle_changed_spte, which counts the leaf in the page stats.
// table=linked: the leaf table is already linked; table=missing: the two
// faults also race to link it, and the loser frees its unused table.
// kernel=5.12 (cleared value 0, REMOVED_SPTE) and 6.10 (SHADOW_NONPRESENT_VALUE,
// the MMU-present bit): the same protocol with each version's values.
#pragma once

#include "mmu_core/scenarios/tdp_common.h"

namespace mmu::scenarios {

class TdpSetSpteAtomic {
 public:
  static constexpr std::string_view kName = "tdp-set-spte-atomic";
  static constexpr std::string_view kSection = "§9.2";
  static constexpr std::string_view kInvariant =
      "the page stats count each present leaf exactly once: only the winner of the cmpxchg runs handle_changed_spte";
  static constexpr int kThreads = 2;
  static constexpr std::string_view kConfigs[] = {
      "table=linked,kernel=6.10",
      "table=linked,kernel=5.12",
      "table=missing,kernel=6.10",
  };
  static constexpr Role kRoles[] = {
      {0, "kvm_tdp_mmu_map|tdp_mmu_set_spte_atomic|kvm_tdp_mmu_page_fault"},
      {1, "kvm_tdp_mmu_map|tdp_mmu_set_spte_atomic|kvm_tdp_mmu_page_fault"},
  };
  static constexpr Twin kTwins[] = {
      {Mutation::M9_3, "", InvariantFails("page stats")},
      {Mutation::M9_4, "", InvariantFails("page stats")},
  };
  static constexpr Window kWindows[] = {
      {"the other fault's cmpxchg between this fault's read of the entry and its own cmpxchg", 0, "read spte",
       "cmpxchg spte", 1, "cmpxchg spte"},
  };
  static constexpr ModelSearch kSearch = {
      "full", "full search: 36k executions (table=linked, each kernel) and 186k (table=missing)"};

  struct Config {
    bool table_linked = true;
    Kernel kernel = Kernel::k6_10;
  };
  static Config MakeConfig(const ConfigPairs& p) {
    Config c;
    c.table_linked = p.Choice("table", {"linked", "missing"}) == 0;
    c.kernel = KernelOf(p, {"6.10", "5.12"});
    return c;
  }

  TdpSetSpteAtomic(const Config& c, Mutations mut) : mmu_(SmallTdp(2, c.kernel), mut), results_{} {
    root_ = mmu_.MakeRoot();
    if (c.table_linked) {
      mmu_.InitLink(root_, 0, mmu_.AllocPage(1, 0));
    } else {
      for (TdpPage*& cache : cache_) cache = mmu_.AllocPage(1, 0);  // mmu_topup_memory_caches
    }
    for (auto& r : results_) r.store(0);
  }

  void Thread(int cpu) {
    // kvm_tdp_mmu_page_fault, faulting again after RET_PF_RETRY.
    TdpMmu::MapResult r = TdpMmu::MapResult::kRetry;
    for (int attempt = 0; attempt < 2 && r == TdpMmu::MapResult::kRetry; ++attempt) {
      ReadLockMmu(mmu_.mmu_lock());
      mmu_.rcu().ReadLock();
      r = mmu_.Map(root_, /*gfn=*/0, mmu_.params().pfn_base, /*write=*/true, &cache_[cpu]);
      mmu_.rcu().ReadUnlock();
      mmu_.mmu_lock().ReadUnlock();
    }
    results_[cpu].store(static_cast<int>(r) + 1);
  }
  void Check() {
    const int counted = mmu_.Stats(1);
    const int present = mmu_.CountLeaves(root_, 1);
    if (counted != present)
      sync::fail("page stats disagree with the present leaves: a leaf was counted twice or not at all");
  }
  void Observe(Observations& o) const {
    TdpMmu& m = const_cast<TdpMmu&>(mmu_);
    o.Add(0, "fault result (1 fixed, 2 spurious, 3 retry)", static_cast<u64>(results_[0].load()));
    o.Add(1, "fault result (1 fixed, 2 spurious, 3 retry)", static_cast<u64>(results_[1].load()));
    o.Add(0, "leaf page stats", static_cast<u64>(m.Stats(1)));
    o.Add(0, "present leaves", static_cast<u64>(m.CountLeaves(root_, 1)));
  }

 private:
  TdpMmu mmu_;
  TdpPage* root_ = nullptr;
  TdpPage* cache_[2] = {};  // each vCPU's memory cache (its own)
  sync::Var<int> results_[2];
};

}  // namespace mmu::scenarios
