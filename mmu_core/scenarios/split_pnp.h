// mmu_core/scenarios/split_pnp.h: split-pnp, present -> non-present -> present
// with the same low word (brief §2b).
//
// Xiao's scenario: CPU 1 clears value 0 and sets value 1 (same low word, new
// high word) while CPU 0 reads. Only clear_spte_count tells the reader.
#pragma once

#include "mmu_core/scenarios/split_common.h"

namespace mmu::scenarios {

class SplitPnp : public SplitReadRace {
 public:
  static constexpr std::string_view kName = "split-pnp";
  static constexpr std::string_view kSection = "§2b";
  static constexpr std::string_view kInvariant =
      "a present value returned by __get_spte_lockless was stored by a writer";
  static constexpr int kThreads = 2;
  static constexpr std::string_view kConfigs[] = {"clear=fast,cycles=1", "clear=slow,cycles=1"};
  static constexpr Role kRoles[] = {
      {0, "__get_spte_lockless"},
      {1, "__update_clear_spte_fast __set_spte", "clear=fast"},
      {1, "__update_clear_spte_slow __set_spte", "clear=slow"},
  };
  static constexpr Twin kTwins[] = {
      {Mutation::M2_1}, {Mutation::M2_2, "clear=fast"}, {Mutation::M2_3},
      {Mutation::M2_4}, {Mutation::M2_5},               {Mutation::M2_6},
  };
  static constexpr Window kWindows[] = {
      {"read high between the clear's write low and update count", 1, "write low", "update count", 0, "read high"},
      {"the clear's update count between read low and read high (Xiao's race)", 0, "read low", "read high", 1,
       "update count"},
  };
  static constexpr ModelSearch kSearch = {
      "full", "full search: 78k (clear=fast) and 216k (clear=slow) executions, about 1 s", "dpor",
      "the reduced full search (models/dpor/): 7 executions per configuration (26 run)"};
  static constexpr Posted kPosted = {.initial = true, .values = 1};

  struct Config {
    ClearKind clear = ClearKind::kFast;
    int cycles = 1;  // clear+set pairs by the writer
    SplitValues values;
  };
  static Config MakeConfig(const ConfigPairs& p) { return Config{ClearOf(p), 1 + p.Choice("cycles", {"1", "2"}), {}}; }

  SplitPnp(const Config& c, Mutations mut) : SplitReadRace(c.values, mut), cfg_(c) {}

  void Thread(int cpu) {
    if (cpu == 0) {
      Read(cfg_.values);
      return;
    }
    for (int i = 0; i < cfg_.cycles; ++i) {
      page_.Clear(cfg_.clear);
      page_.spte().SetSpte(cfg_.values.Next(i));
    }
  }
  void Check() {
    if (page_.clear_spte_count() != cfg_.cycles) sync::fail("clear_spte_count does not count the clears");
  }

 private:
  Config cfg_;
};

}  // namespace mmu::scenarios
