// mmu_core/scenarios/tdp_age.h: tdp-age, A-bit aging against a write-lock
// holder (brief §3 M3.2, §9.5)
//
// gfn 0 is mapped by a writable, accessed, dirty leaf. CPU 0 ages it
// (kvm_tdp_mmu_age_gfn_range: clear A with an atomic AND, "young" if it was
// set); CPU 1 clears the dirty log's D bit under mmu_lock held for write
// (clear_dirty_pt_masked -> tdp_mmu_clear_spte_bits).
//
// kernel=6.15: aging runs under RCU alone, so the write-lock holder must
// update every present leaf atomically (kvm_tdp_mmu_spte_need_atomic_write
// = present && leaf): a plain write of its stale value would bring A back.
// kernel=6.13: aging takes mmu_lock for write; the two are serialised, and
// the volatile-bits test is the rule (this leaf is not volatile).
#pragma once

#include "mmu_core/scenarios/tdp_common.h"

namespace mmu::scenarios {

class TdpAge {
 public:
  static constexpr std::string_view kName = "tdp-age";
  static constexpr std::string_view kSection = "§9.5";
  static constexpr std::string_view kInvariant =
      "an A bit cleared by aging stays clear until the guest uses the page again, and the dirty log's D clear is "
      "kept";
  static constexpr int kThreads = 2;
  static constexpr std::string_view kConfigs[] = {"kernel=6.15", "kernel=6.13"};
  static constexpr Role kRoles[] = {
      {0, "kvm_tdp_mmu_age_gfn_range|kvm_tdp_mmu_age_spte|tdp_mmu_clear_spte_bits_atomic"},
      {1, "clear_dirty_pt_masked|tdp_mmu_clear_spte_bits"},
  };
  static constexpr Twin kTwins[] = {
      {Mutation::M3_2, "kernel=6.15", InvariantFails("lost A clear")},
      {Mutation::M3_3, "kernel=6.15", InvariantFails("lost A clear")},
  };
  static constexpr Window kWindows[] = {
      {"aging clears A between the write-lock holder's read of the leaf and its D clear", 1, "read spte",
       "clear spte bits", 0, "clear spte bits"},
  };
  static constexpr ModelSearch kSearch = {"full", "full search: 280 (kernel=6.15) and 642 (kernel=6.13) executions"};

  struct Config {
    Kernel kernel = Kernel::k6_15;
  };
  static Config MakeConfig(const ConfigPairs& p) { return Config{KernelOf(p, {"6.15", "6.13"})}; }

  TdpAge(const Config& c, Mutations mut) : mmu_(SmallTdp(1, c.kernel), mut), young_(false) {
    root_ = mmu_.MakeRoot();
    mmu_.InitLeaf(root_, 0, mmu_.MakeLeaf(mmu_.params().pfn_base, /*write=*/true) | spte::kDirty);
  }

  void Thread(int cpu) {
    const bool lockless_aging = mmu_.rules().lockless_aging;
    if (cpu == 0) {
      if (!lockless_aging) WriteLockMmu(mmu_.mmu_lock());
      mmu_.rcu().ReadLock();
      TdpMmu::Iter it = mmu_.Read(root_, 0);
      bool young = false;
      if (mmu_.rules().IsPresent(it.old_spte) && spte::IsAccessed(it.old_spte)) {
        const u64 old = lockless_aging ? it.sptep().ClearBitsAtomic(spte::kAccessed)
                                       : mmu_.ClearSpteBits(it, spte::kAccessed);
        young = spte::IsAccessed(old);
      }
      mmu_.rcu().ReadUnlock();
      if (!lockless_aging) mmu_.mmu_lock().WriteUnlock();
      young_.store(young);
      return;
    }
    WriteLockMmu(mmu_.mmu_lock());
    mmu_.rcu().ReadLock();
    TdpMmu::Iter it = mmu_.Read(root_, 0);
    if (mmu_.rules().IsPresent(it.old_spte) && spte::IsDirty(it.old_spte)) mmu_.ClearSpteBits(it, spte::kDirty);
    mmu_.rcu().ReadUnlock();
    mmu_.mmu_lock().WriteUnlock();
  }
  void Check() {
    const u64 s = mmu_.root_spte(root_);
    if (young_.load() && spte::IsAccessed(s))
      sync::fail("lost A clear: aging cleared A, and a write-lock holder's stale value brought it back");
    if (spte::IsDirty(s)) sync::fail("lost D clear: the dirty log cleared D, and it came back");
  }
  void Observe(Observations& o) const {
    o.Add(0, "young", young_.load() ? 1 : 0);
    o.Add(1, "final spte", const_cast<TdpMmu&>(mmu_).root_spte(root_));
  }

 private:
  TdpMmu mmu_;
  TdpPage* root_ = nullptr;
  sync::Var<bool> young_;
};

}  // namespace mmu::scenarios
