// mmu_core/scenarios/spte_volatile.h: spte-volatile, the volatile-bits rule (brief §3)
//
// CPU 0 holds mmu_lock and zaps a (1,1,0) leaf with
// mmu_spte_clear_track_bits; CPU 1 is a vCPU whose fast page fault makes it
// writable and whose guest write makes the hardware set D.
//
// Who races with mmu_spte_clear_track_bits on a leaf (drop_spte; locking.rst
// "volatile bits", the brief §3):
//   - the fast page fault making the spte writable (cmpxchg)   CPU 1
//   - hardware setting A/D on the guest's access                CPU 1, after the fault
//   - other mmu_lock holders                                    left out: mmu_lock serialises them
//   - lockless readers                                          left out: they write nothing (the
//                                                               32-bit reader is split-tear's)
//
// Contract:
//   row                                                       checked by
//   V1 a guest write through a present spte reaches           Check: "lost dirty bit" (M3.1)
//      kvm_set_pfn_dirty when the spte is dropped
//   V2 an A bit the hardware set reaches kvm_set_pfn_accessed  not checked (the sweep lists the A
//                                                               transfers as UNCHECKED)
#pragma once

#include "mmu_core/scenarios/vm_common.h"

namespace mmu::scenarios {

class SpteVolatile {
 public:
  static constexpr std::string_view kName = "spte-volatile";
  static constexpr std::string_view kSection = "§3";
  static constexpr std::string_view kInvariant =
      "a guest write through a present spte reaches kvm_set_pfn_dirty when the spte is dropped";
  static constexpr int kThreads = 2;
  static constexpr std::string_view kConfigs[] = {"leaf=(1,1,0),A=1"};
  static constexpr Role kRoles[] = {
      {0, "mmu_spte_clear_track_bits"},
      {1, "fast_page_fault hardware?"},
  };
  static constexpr Twin kTwins[] = {{Mutation::M3_1}};
  static constexpr Window kWindows[] = {
      {"the fast page fault's cmpxchg between the zap's read spte and its xchg", 0, "read spte", "xchg spte", 1,
       "cmpxchg spte"},
      {"hardware sets A/D between the zap's read spte and its xchg", 0, "read spte", "xchg spte", 1, "set a/d"},
  };
  static constexpr ModelSearch kSearch = {"full", "full search: 200k executions, about 1 s", "dpor",
                                          "the reduced full search (models/dpor/): 14 executions"};

  struct Config {};
  static Config MakeConfig(const ConfigPairs& p) {
    p.Choice("leaf", {"(1,1,0)"});
    p.Choice("A", {"1"});
    return Config{};
  }

  SpteVolatile(const Config&, Mutations mut) : vm_(SmallVm(1, 1, 1), mut), wrote_(false) {
    vm_.MmuLoad(vm_.vcpu(0));
    vm_.PageFault(vm_.vcpu(0), 0, /*write=*/false);  // (1,1,0), A=1
  }

  void Thread(int cpu) {
    if (cpu == 0) {
      LockScope lock(vm_.mmu_lock());
      MmuSpteClearTrackBits(leaf(), vm_.spte_ctx());
      return;
    }
    Vcpu& v = vm_.vcpu(0);
    if (FastPageFault(vm_, v, 0).result != PfResult::kFixed) return;
    const GuestAccess a = GuestAccessOnce(vm_, v, 0, /*write=*/true);
    wrote_.store(a.done && !a.via_tlb && spte::IsDirty(a.spte));
  }
  void Check() {
    if (wrote_.load() && !vm_.pfns().Dirty(vm_.PfnOf(0)))
      sync::fail("lost dirty bit: the guest wrote but kvm_set_pfn_dirty never ran");
  }
  void Observe(Observations& o) const {
    o.Add(1, "hardware set D", wrote_.load() ? 1 : 0);
    o.Add(0, "pfn dirty", vm_.pfns().Dirty(0) ? 1 : 0);
  }

 private:
  Spte64& leaf() { return vm_.vcpu(0).root().load()->spt(0); }
  Vm vm_;
  sync::Var<bool> wrote_;
};

}  // namespace mmu::scenarios
