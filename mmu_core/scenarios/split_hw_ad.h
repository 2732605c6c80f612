// mmu_core/scenarios/split_hw_ad.h: split-hw-ad, hardware A/D against a
// present -> present update (brief §2, rule R1).
//
// Hardware sets A/D in the low word while CPU 1 write-protects the spte (a
// present -> present update, which must keep the high word: R1) and CPU 0
// reads locklessly.
#pragma once

#include "mmu_core/scenarios/split_common.h"

namespace mmu::scenarios {

class SplitHwAd {
 public:
  static constexpr std::string_view kName = "split-hw-ad";
  static constexpr std::string_view kSection = "§2 R1";
  static constexpr std::string_view kInvariant =
      "a present value returned by __get_spte_lockless was stored (up to hardware A/D bits)";
  static constexpr int kThreads = 3;
  static constexpr std::string_view kConfigs[] = {"hw=write"};
  static constexpr Role kRoles[] = {
      {0, "__get_spte_lockless"},
      {1, "mmu_spte_update|spte_write_protect"},
      {2, "hardware"},
  };
  static constexpr Twin kTwins[] = {{Mutation::M2_7}};
  static constexpr Window kWindows[] = {
      {"read high between the update's write low and write high", 1, "write low", "write high", 0, "read high"},
      {"hardware sets A/D between read low and check low and count", 0, "read low", "check low and count", 2,
       "set low a/d"},
  };
  static constexpr ModelSearch kSearch = {
      "bound:4",
      "context bound 4 (101k executions, 0.4 s): three threads; the full search is 12.4M executions (40 s), too long "
      "for the default test",
      "dpor",
      "the reduced full search (models/dpor/): 18 executions (40 run); Relacy's full search is 12.4M (40 s alone)"};

  struct Config {
    bool hw_write = true;  // hardware sets D as well as A
  };
  static Config MakeConfig(const ConfigPairs& p) { return Config{p.Choice("hw", {"write", "read"}) == 0}; }

  SplitHwAd(const Config& c, Mutations mut)
      : cfg_(c), page_(SplitValue(0) & ~spte::kAccessed, mut), seen_(0) {
    ctx_.mut = mut;
  }

  void Thread(int cpu) {
    switch (cpu) {
      case 0:
        seen_.store(page_.spte().GetLockless());
        break;
      case 1:
        // spte_write_protect for dirty logging: W cleared, MMU-writable kept.
        MmuSpteUpdate(page_.spte(), SplitValue(0) & ~(spte::kAccessed | spte::kWritable), ctx_);
        break;
      default:
        page_.spte().HwSetAccessedDirty(cfg_.hw_write);
        break;
    }
  }
  void Check() {
    const u64 v = seen_.load();
    if (!spte::IsShadowPresent(v)) return;
    const u64 initial = SplitValue(0) & ~kAdMask;
    const u64 updated = page_.spte().ReadLocked() & ~kAdMask;
    const u64 got = v & ~kAdMask;
    if (got != initial && got != updated) sync::fail("torn present spte: a present->present update moved the high word");
  }
  void Observe(Observations& o) const {
    o.Add(0, "returned", seen_.load());
    o.Add(1, "final spte", page_.spte().ReadLocked());
  }

 private:
  Config cfg_;
  SplitSptePage page_;
  SpteOpsContext ctx_;
  sync::Var<u64> seen_;
};

}  // namespace mmu::scenarios
