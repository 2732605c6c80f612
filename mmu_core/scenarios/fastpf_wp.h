// mmu_core/scenarios/fastpf_wp.h: fastpf-wp, the fast page fault against write protection (brief §5)
//
// CPU 0 is a vCPU writing gfn 0 (guest write; on a fault,
// the fast page fault, then the write again); CPU 1 write-protects gfn 0 for
// shadowing a guest page table (pt_protect) and flushes. Config 1 starts
// from dirty logging's write protection whose flush is still deferred, with
// the vCPU's TLB holding a writable entry (the M5.4 window).
#pragma once

#include "mmu_core/scenarios/vm_common.h"

namespace mmu::scenarios {

class FastPfWriteProtect {
 public:
  static constexpr std::string_view kName = "fastpf-wp";
  static constexpr std::string_view kSection = "§5";
  static constexpr std::string_view kInvariant =
      "after write protection and its flush, no spte and no usable TLB entry is writable";
  static constexpr int kThreads = 2;
  static constexpr std::string_view kConfigs[] = {"start=(1,1,0)", "start=dirty-log-wp,flush=deferred"};
  static constexpr Role kRoles[] = {
      {0, "fast_page_fault hardware?"},
      {1, "spte_write_protect|rmap_write_protect|kvm_mmu_slot_gfn_write_protect kvm_flush_remote_tlbs?"},
  };
  static constexpr Twin kTwins[] = {
      {Mutation::M5_2},
      {Mutation::M5_3},
      {Mutation::M5_4, "flush=deferred"},  // it needs the deferred flush of dirty logging
  };
  static constexpr Window kWindows[] = {
      {"the fast page fault's cmpxchg between write protection's read spte and its xchg", 1, "read spte",
       "xchg spte", 0, "cmpxchg spte"},
      {"a guest write between write protection's xchg and its flush", 1, "xchg spte", "read mode", 0,
       "guest write"},
  };
  static constexpr ModelSearch kSearch = {
      "bound:3",
      "context bound 3 (33k executions, 0.3 s): bound 5 is 1.5M (17 s), and the full search did not end in 90 s",
      "bound:5", "1.5M executions, about 17 s; the full search did not end in 90 s"};

  struct Config {
    bool deferred_dirty_log_flush = false;
  };
  static Config MakeConfig(const ConfigPairs& p) {
    const bool deferred = p.Choice("start", {"(1,1,0)", "dirty-log-wp"}) == 1;
    if (deferred) p.Choice("flush", {"deferred"});
    return Config{deferred};
  }

  FastPfWriteProtect(const Config& c, Mutations mut) : vm_(SmallVm(1, 1, 1), mut), wp_done_(false) {
    Vcpu& v = vm_.vcpu(0);
    vm_.MmuLoad(v);
    if (c.deferred_dirty_log_flush) {
      vm_.PageFault(v, 0, /*write=*/true);          // (1,1,1)
      GuestAccessOnce(vm_, v, 0, /*write=*/true);   // TLB caches W
      WriteProtectGfn(vm_, 0, /*pt_protect=*/false, /*defer_flush=*/true);  // (1,1,0), flush owed
    } else {
      vm_.PageFault(v, 0, /*write=*/false);         // (1,1,0)
    }
  }

  void Thread(int cpu) {
    if (cpu == 1) {
      WriteProtectGfn(vm_, 0, /*pt_protect=*/true);
      wp_done_.store(true);
      return;
    }
    Vcpu& v = vm_.vcpu(0);
    for (int attempt = 0; attempt < 2; ++attempt) {
      const bool after_wp = wp_done_.load();
      const GuestAccess a = GuestAccessOnce(vm_, v, 0, /*write=*/true);
      if (a.done && after_wp) sync::fail("stale writable translation: a guest write succeeded after write protection and its flush");
      if (a.done) return;
      if (FastPageFault(vm_, v, 0).result != PfResult::kFixed) return;
    }
  }
  void Check() {
    const u64 s = vm_.vcpu(0).root().load()->spt(0).ReadLocked();
    if (spte::IsWritable(s) || spte::IsMmuWritable(s)) sync::fail("writable spte after write protection and its flush");
    Vcpu& v = vm_.vcpu(0);
    const bool flush_pending = (v.requests().load(std::memory_order_relaxed) & kReqTlbFlush) != 0;
    if ((v.tlb().Lookup(0) & Tlb::kWritable) != 0 && !flush_pending)
      sync::fail("stale writable TLB entry after write protection and its flush");
  }
  void Observe(Observations& o) const {
    const Vm& vm = vm_;
    o.Add(0, "tlb entry", vm.vcpu(0).tlb().Lookup(0));
    o.Add(1, "final spte", vm.vcpu(0).root().load()->spt(0).ReadLocked());
  }

 private:
  Vm vm_;
  sync::Ghost<bool> wp_done_;
};

}  // namespace mmu::scenarios
