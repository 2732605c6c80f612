// mmu_core/scenarios/split_tear.h: split-tear, the benign tear (brief §2a).
//
// CPU 0 reads the spte locklessly while CPU 1 clears a present spte. Paolo's
// table: the reader may see the new low word and the old high word; that
// torn value is benign because it is not present.
#pragma once

#include "mmu_core/scenarios/split_common.h"

namespace mmu::scenarios {

class SplitTear : public SplitReadRace {
 public:
  static constexpr std::string_view kName = "split-tear";
  static constexpr std::string_view kSection = "§2a";
  static constexpr std::string_view kInvariant =
      "a present value returned by __get_spte_lockless was stored by a writer";
  static constexpr int kThreads = 2;
  static constexpr std::string_view kConfigs[] = {"clear=fast", "clear=slow"};
  static constexpr Role kRoles[] = {
      {0, "__get_spte_lockless"},
      {1, "__update_clear_spte_fast", "clear=fast"},
      {1, "__update_clear_spte_slow", "clear=slow"},
  };
  static constexpr Twin kTwins[] = {
      {Mutation::M2_2, "clear=fast"},  // it mutates the fast clear
      {Mutation::M2_5},
  };
  static constexpr Window kWindows[] = {
      {"read high between the clear's write low and write high (Paolo's torn read)", 1, "write low", "write high", 0,
       "read high"},
      {"the clear's write high between read low and read high", 0, "read low", "read high", 1, "write high"},
  };
  static constexpr ModelSearch kSearch = {
      "full", "full search: 3.6k (clear=fast) and 8.8k (clear=slow) executions", "dpor",
      "the reduced full search (models/dpor/): 4 executions per configuration (11 run)"};
  static constexpr Posted kPosted = {.initial = true, .values = 0};

  struct Config {
    ClearKind clear = ClearKind::kFast;
    SplitValues values;
  };
  static Config MakeConfig(const ConfigPairs& p) { return Config{ClearOf(p), {}}; }

  SplitTear(const Config& c, Mutations mut) : SplitReadRace(c.values, mut), cfg_(c) {}

  void Thread(int cpu) {
    if (cpu == 0) {
      Read(cfg_.values);
    } else {
      page_.Clear(cfg_.clear);
    }
  }
  void Check() {
    if (page_.spte().ReadLocked() != spte::kNonPresent) sync::fail("the clear did not leave the spte non-present");
  }

 private:
  Config cfg_;
};

}  // namespace mmu::scenarios
