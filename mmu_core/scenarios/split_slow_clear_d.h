// mmu_core/scenarios/split_slow_clear_d.h: split-slow-clear-d, the slow
// clear's xchg against a hardware D bit (brief §2, M2.8).
//
// CPU 0 (mmu_lock) zaps a writable spte with mmu_spte_clear_track_bits while
// hardware (CPU 1, a guest write) sets D. The spte is volatile (W && !D), so
// the clear is the slow one: its xchg of the low word must capture D and
// hand it to kvm_set_pfn_dirty.
#pragma once

#include "mmu_core/scenarios/split_common.h"

namespace mmu::scenarios {

class SplitSlowClearD {
 public:
  static constexpr std::string_view kName = "split-slow-clear-d";
  static constexpr std::string_view kSection = "§2 slow clear";
  static constexpr std::string_view kInvariant =
      "a guest write through a present spte reaches kvm_set_pfn_dirty when the spte is cleared";
  static constexpr int kThreads = 2;
  static constexpr std::string_view kConfigs[] = {"ad=on"};
  static constexpr Role kRoles[] = {
      {0, "mmu_spte_clear_track_bits"},
      {1, "hardware"},
  };
  static constexpr Twin kTwins[] = {{Mutation::M2_8}};
  static constexpr Window kWindows[] = {
      {"hardware sets D before the slow clear's xchg of the low word", 0, "", "write low", 1, "set low a/d"},
  };
  static constexpr ModelSearch kSearch = {"full", "full search: 484 executions", "dpor",
                                          "the reduced full search (models/dpor/): 4 executions"};

  struct Config {};
  static Config MakeConfig(const ConfigPairs& p) {
    p.Choice("ad", {"on"});
    return Config{};
  }

  // The spte maps pfn 0, the only page the tracker knows.
  SplitSlowClearD(const Config&, Mutations mut)
      : page_(spte::MakeLeaf(0, true, true, true, true), mut), pfns_(1), hw_saw_(0) {
    ctx_.mut = mut;
    ctx_.pfns = &pfns_;
  }

  void Thread(int cpu) {
    if (cpu == 0) {
      MmuSpteClearTrackBits(page_.spte(), ctx_);
    } else {
      hw_saw_.store(page_.spte().HwSetAccessedDirty(/*write=*/true));
    }
  }
  void Check() {
    const u64 hw = hw_saw_.load();
    const bool wrote = spte::IsShadowPresent(hw) && spte::IsDirty(hw);
    if (wrote && !pfns_.Dirty(0)) sync::fail("lost dirty bit: the guest wrote but kvm_set_pfn_dirty never ran");
  }
  void Observe(Observations& o) const {
    o.Add(1, "hardware saw", hw_saw_.load());
    o.Add(0, "pfn dirty", pfns_.Dirty(0) ? 1 : 0);
  }

 private:
  SplitSptePage page_;
  PfnTracker pfns_;
  SpteOpsContext ctx_;
  sync::Var<u64> hw_saw_;
};

}  // namespace mmu::scenarios
