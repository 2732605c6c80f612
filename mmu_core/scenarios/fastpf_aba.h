// mmu_core/scenarios/fastpf_aba.h: fastpf-aba, the fast page fault's direct-only rule (brief §5 ABA)
//
// CPU 0's fast page fault races with
// CPU 1, which zaps the spte, lets the guest point its pte at another gfn
// backed by the same pfn, and maps it again: the spte's value is the same, its
// meaning is not. Config 0 uses an indirect page (shadow paging), config 1 a
// direct one. Invariant: every W 0 -> 1 transition marks the gfn the spte maps.
//
// Who races with the fast page fault's cmpxchg here: an mmu_lock holder that
// zaps the spte (drop_spte), lets the guest rewrite its pte and maps the same
// pfn again (mmu_set_spte), then flushes (CPU 1). The other actors of the fast
// page fault (write protection, dirty-log harvest, hardware A/D) are
// fastpf-wp's and spte-volatile's.
//
// Contract:
//   row                                                       checked by
//   A1 a W 0->1 fix marks the gfn the spte maps now           Check: "unlogged write" (M5.1)
//      (not the gfn it mapped when the fault read the gpte)
#pragma once

#include "mmu_core/scenarios/vm_common.h"

namespace mmu::scenarios {

class FastPfAba {
 public:
  static constexpr std::string_view kName = "fastpf-aba";
  static constexpr std::string_view kSection = "§5 ABA";
  static constexpr std::string_view kInvariant =
      "every W 0->1 transition of an spte marks the dirty bit of the gfn it maps";
  static constexpr int kThreads = 2;
  static constexpr std::string_view kConfigs[] = {"page=indirect", "page=direct"};
  static constexpr Role kRoles[] = {
      {0, "fast_page_fault"},
      {1, "mmu_spte_clear_track_bits|kvm_zap_rmap mmu_spte_set?"},
  };
  static constexpr Twin kTwins[] = {{Mutation::M5_1, "page=indirect"}};  // direct pages are immune
  static constexpr Window kWindows[] = {
      {"the zap and remap between the fast fault's read spte and its cmpxchg", 0, "read spte", "cmpxchg spte", 1,
       "write spte"},
  };
  static constexpr ModelSearch kSearch = {
      "full", "full search: 12k (page=indirect) and 246k (page=direct) executions, about 2 s", "dpor",
      "the reduced full search (models/dpor/): 12 (page=indirect) and 24 (page=direct) executions (18 and 38 run)"};

  struct Config {
    bool direct = false;
  };
  static Config MakeConfig(const ConfigPairs& p) { return Config{p.Choice("page", {"indirect", "direct"}) == 1}; }

  // Entry 1 of the root; the guest's pte points it at gfn 1, later gfn 2,
  // while the host keeps the same pfn behind it. A direct page's entry 1 is gfn 1.
  static constexpr int kIndex = 1;
  static constexpr u64 kGfnOld = 1;
  static constexpr u64 kGfnNew = 2;

  FastPfAba(const Config& c, Mutations mut) : cfg_(c), vm_(SmallVm(1, 4, 1), mut), maps_gfn_(kGfnOld) {
    Vcpu& v = vm_.vcpu(0);
    vm_.MmuLoad(v, /*direct=*/c.direct);
    LockScope lock(vm_.mmu_lock());
    ShadowPage* root = v.root().load();
    if (!c.direct) root->gpte(kIndex).store(kGfnOld, std::memory_order_relaxed);
    // Entry 1 maps the pfn of gfn 1, write-protected by dirty logging: (1,1,0).
    MmuSpteSet(root->spt(kIndex), Leaf());
  }

  void Thread(int cpu) {
    if (cpu == 0) {
      FastPageFault(vm_, vm_.vcpu(0), /*gfn or gva=*/kIndex);
      return;
    }
    // Zap, the guest rewrites its pte (gfn 1 -> gfn 2), then a fault maps the
    // same pfn again: the same spte value now stands for gfn 2.
    LockScope lock(vm_.mmu_lock());
    ShadowPage* root = vm_.vcpu(0).root().load();
    // The flush the zap owes is batched to the end of the locked region, as
    // the kernel batches it; it waits for CPU 0's lockless walk.
    MmuSpteClearTrackBits(root->spt(kIndex), vm_.spte_ctx());
    if (!cfg_.direct) root->gpte(kIndex).store(kGfnNew, std::memory_order_relaxed);
    maps_gfn_.store(cfg_.direct ? kGfnOld : kGfnNew);
    MmuSpteSet(root->spt(kIndex), Leaf());
    vm_.FlushRemoteTlbs();
  }
  void Check() {
    const u64 s = vm_.vcpu(0).root().load()->spt(kIndex).ReadLocked();
    if (spte::IsWritable(s) && !vm_.Dirty(maps_gfn_.load()))
      sync::fail("unlogged write: the spte became writable but the gfn it maps is not marked dirty");
  }
  void Observe(Observations& o) const {
    o.Add(0, "gfn 1 dirty", vm_.Dirty(kGfnOld) ? 1 : 0);
    o.Add(0, "gfn 2 dirty", vm_.Dirty(kGfnNew) ? 1 : 0);
    o.Add(1, "spte maps gfn", maps_gfn_.load());
  }

 private:
  u64 Leaf() const { return spte::MakeLeaf(vm_.PfnOf(kGfnOld), true, true, false, true); }
  Config cfg_;
  Vm vm_;
  sync::Ghost<u64> maps_gfn_;
};

}  // namespace mmu::scenarios
