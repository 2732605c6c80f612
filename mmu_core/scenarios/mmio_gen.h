// mmu_core/scenarios/mmio_gen.h: mmio-gen, MMIO sptes tagged with the memslots generation (brief §7)
//
// CPU 1 installs new memslots in which gfn 1 is RAM; CPU 0 is a
// vCPU. Config race=A: it faults (deciding "MMIO" from the old memslots) and
// then accesses gfn 1 again through the MMIO spte. race=B: the same, through
// the per-vCPU MMIO cache. race=C: the generation wraps; the vCPU hits an
// ancient MMIO spte whose generation field is 0.
//
// Who races with an MMIO access (handle_mmio_page_fault, check_mmio_spte,
// vcpu_match_mmio_gen; locking.rst, the brief §7):
//   - the memslot update (install_new_memslots,                  CPU 1, every config
//     kvm_swap_active_memslots) and its SRCU grace period
//   - the wrap's zap of every MMIO spte                          race=C (inside the update)
//     (kvm_mmu_invalidate_mmio_sptes)
//   - another vCPU creating or hitting MMIO sptes                left out: a second reader of the
//                                                                same generation writes nothing the
//                                                                first one reads but the spte (race=A)
//
// Contract:
//   row                                                       checked by
//   G1 an MMIO hit (spte or cache) uses a decision made from  SpteHit/CacheHit: "stale MMIO hit"
//      the memslots the vCPU sees, with no update in progress   (M7.1, M7.2, M7.3, M7.4, M7.5)
//   G2 when the update returns, the new memslots are active   Check (M7.6)
//      and their generation has no update-in-progress flag
//   G3 an MMIO spte read before the wrap's zap may still hit  counted (residual-window hits), not
//      once (the kernel's residual window, mmio.h)              failed
//   G4 a gfn with a memslot never gets an MMIO spte           not checked (the sweep lists it:
//                                                               UNCHECKED, FaultCreateMmioSpte)
#pragma once

#include "mmu_core/scenarios/vm_common.h"

namespace mmu::scenarios {

class MmioGen {
 public:
  static constexpr std::string_view kName = "mmio-gen";
  static constexpr std::string_view kSection = "§7";
  static constexpr std::string_view kInvariant =
      "an MMIO hit uses a decision made from the memslots the vCPU sees, with no update in progress";
  static constexpr int kThreads = 2;
  static constexpr std::string_view kConfigs[] = {"race=A", "race=B", "race=C"};
  static constexpr Role kRoles[] = {
      {0, "handle_mmio_page_fault|kvm_mmu_page_fault|mark_mmio_spte|vcpu_cache_mmio_info"},
      {1, "install_new_memslots|kvm_swap_active_memslots|kvm_set_memslot"},
  };
  static constexpr Twin kTwins[] = {
      {Mutation::M7_1, "race=A", InvariantFails("stale MMIO hit")},
      {Mutation::M7_2, "race=A", InvariantFails("stale MMIO hit")},
      {Mutation::M7_3, "race=B", InvariantFails("stale MMIO hit")},
      {Mutation::M7_4, "race=C", InvariantFails("stale MMIO hit")},
      {Mutation::M7_5, "race=B", InvariantFails("stale MMIO hit")},
      {Mutation::M7_6, "race=A", InvariantFails("memslot update incomplete")},
  };
  static constexpr Window kWindows[] = {
      {"the vCPU reads the generation while the memslot update is in progress", 1, "publish gen", "publish gen", 0,
       "read gen"},
      {"publish slots inside the vCPU's SRCU read-side section", 0, "srcu read lock", "srcu read unlock", 1,
       "publish slots"},
  };
  static constexpr ModelSearch kSearch = {
      "bound:4",
      "context bound 4 (219k executions, 1.5 s): bound 6 is 6.5M (40 s), and the full search did not end in 90 s",
      "dpor",
      "the reduced full search (models/dpor/): 131 (race=A), 72 (race=B) and 14 (race=C) executions (171, 97 and 19 "
      "run); Relacy's full search did not end in 90 s"};

  enum class Race { kA, kB, kC };
  struct Config {
    Race race = Race::kA;
  };
  static Config MakeConfig(const ConfigPairs& p) { return Config{static_cast<Race>(p.Choice("race", {"A", "B", "C"}))}; }

  static constexpr u64 kAncientVersion = 99;

  MmioGen(const Config& c, Mutations mut)
      : cfg_(c),
        old_(c.race == Race::kC ? 2 : 0, /*g_has_slot=*/false, 0),
        new_(0, /*g_has_slot=*/true, 1),
        vm_(MmioParams{}, mut, &old_),
        hits_(0) {
    if (c.race == Race::kC) vm_.PlantMmioSpte(/*gen=*/0, kAncientVersion);
  }

  void Thread(int cpu) {
    if (cpu == 1) {
      vm_.InstallNewMemslots(&new_);
      return;
    }
    int hits = 0;
    switch (cfg_.race) {
      case Race::kA:
        if (vm_.FaultCreateMmioSpte()) hits += vm_.SpteHit();
        hits += vm_.SpteHit();
        break;
      case Race::kB:
        vm_.FaultCreateMmioSpte();
        hits += vm_.CacheHit();
        hits += vm_.CacheHit();
        break;
      case Race::kC:
        hits += vm_.SpteHit();
        break;
    }
    hits_.store(hits);
  }
  // G2: the caller of the update relies on the new memslots being in force.
  void Check() {
    if (vm_.active() != &new_ || (new_.generation.load(std::memory_order_relaxed) & kMemslotGenUpdateInProgress) != 0)
      sync::fail("memslot update incomplete: install_new_memslots returned with the update still in progress");
  }
  void Observe(Observations& o) const {
    o.Add(0, "mmio hits", static_cast<u64>(hits_.load()));
    o.Add(0, "residual-window hits", static_cast<u64>(vm_.ResidualHits()));
    o.Add(1, "final generation", new_.generation.load(std::memory_order_relaxed));
  }

 private:
  Config cfg_;
  Memslots old_;
  Memslots new_;
  MmioVm vm_;
  sync::Var<int> hits_;
};

}  // namespace mmu::scenarios
