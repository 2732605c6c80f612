// mmu_core/scenarios/fastpf_wp.h: fastpf-wp, the fast page fault against write protection (brief §5)
//
// CPU 0 is a vCPU writing gfn 0 (guest write; on a fault,
// the fast page fault, then the write again); CPU 1 write-protects gfn 0 for
// shadowing a guest page table (pt_protect) and flushes. Config 1 starts
// from dirty logging's write protection whose flush is still deferred, with
// the vCPU's TLB holding a writable entry (the M5.4 window). actor=harvest:
// CPU 1 is dirty logging's harvest instead (KVM_GET_DIRTY_LOG: xchg the
// bitmap word, write-protect the dirty gfns, flush), racing with the vCPU's
// fast page fault on a (1,1,0) spte that an earlier harvest protected.
//
// Who races with the fast page fault (fast_page_fault, locking.rst "Fast page
// fault"): write protection under mmu_lock for a shadowed guest page table
// (pt_protect, actor=wp) and for dirty logging (flush=deferred); dirty log
// harvest (actor=harvest); zap and rmap changes (fastpf-aba, spte-volatile);
// hardware A/D (spte-volatile); other vCPUs' fast page faults on the same
// spte (left out: two cmpxchgs of one value, the second fails and retries,
// which fastpf-wp's retry already covers).
//
// Contract:
//   row                                                   checked by
//   F1 after write protection and its flush, no spte and   Check, the vCPU's ghost wp_done (M5.2, M5.3,
//      no usable TLB entry is writable                       M5.4)
//   F2 a W 0->1 fix marks the gfn it maps                   fastpf-aba (M5.1)
//   F3 no guest write is lost to dirty logging: a write    Check (actor=harvest), ghost harvest_done and
//      after a harvest completed is in the next log, a       the word the harvest took (M5.5)
//      write before it in this log or the next
//   F4 at most 5 cmpxchg attempts per fault                 sync::check in fast_pf.h
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
  static constexpr std::string_view kConfigs[] = {"start=(1,1,0),actor=wp", "start=dirty-log-wp,flush=deferred,actor=wp",
                                                  "start=(1,1,0),actor=harvest"};
  static constexpr Role kRoles[] = {
      {0, "fast_page_fault hardware?"},
      {1, "spte_write_protect|rmap_write_protect|kvm_mmu_slot_gfn_write_protect kvm_flush_remote_tlbs?", "actor=wp"},
      {1, "kvm_get_dirty_log_protect|kvm_arch_mmu_enable_log_dirty_pt_masked kvm_flush_remote_tlbs?",
       "actor=harvest"},
  };
  static constexpr Twin kTwins[] = {
      {Mutation::M5_2, "actor=wp"},
      {Mutation::M5_3, "actor=wp"},
      {Mutation::M5_4, "flush=deferred"},  // it needs the deferred flush of dirty logging
      {Mutation::M5_5, "actor=harvest"},
  };
  static constexpr Window kWindows[] = {
      {"the fast page fault's cmpxchg between write protection's read spte and its xchg", 1, "read spte",
       "xchg spte", 0, "cmpxchg spte"},
      {"a guest write between write protection's xchg and its flush", 1, "xchg spte", "read mode", 0,
       "guest write"},
      {"the fast page fault's cmpxchg between the harvest's xchg of the bitmap and the end of the round", 1,
       "harvest dirty log", "", 0, "cmpxchg spte"},
  };
  static constexpr ModelSearch kSearch = {
      "bound:3",
      "context bound 3 (31k, 1.7k and 4.3k (actor=harvest) executions, 0.3 s): bound 5 is 1.5M (17 s), and the full "
      "search did not end in 90 s",
      "dpor",
      "the reduced full search (models/dpor/): 514 (start=(1,1,0)), 79 and 161 (actor=harvest) executions (898, 136 "
      "and 277 run), under 0.2 s; Relacy's full search did not end in 90 s"};

  struct Config {
    bool deferred_dirty_log_flush = false;
    bool harvest = false;  // actor=harvest: CPU 1 harvests the dirty log
  };
  static Config MakeConfig(const ConfigPairs& p) {
    const bool deferred = p.Choice("start", {"(1,1,0)", "dirty-log-wp"}) == 1;
    if (deferred) p.Choice("flush", {"deferred"});
    return Config{deferred, p.Choice("actor", {"wp", "harvest"}) == 1};
  }

  FastPfWriteProtect(const Config& c, Mutations mut)
      : cfg_(c), vm_(SmallVm(1, 1, 1), mut), wp_done_(false), wrote_before_(false), wrote_after_(false),
        harvested_(0) {
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
      if (cfg_.harvest) {
        harvested_.store(GetDirtyLogProtect(vm_, 0));
      } else {
        WriteProtectGfn(vm_, 0, /*pt_protect=*/true);
      }
      wp_done_.store(true);
      return;
    }
    Vcpu& v = vm_.vcpu(0);
    for (int attempt = 0; attempt < 2; ++attempt) {
      const bool after_wp = wp_done_.load();
      const GuestAccess a = GuestAccessOnce(vm_, v, 0, /*write=*/true);
      if (cfg_.harvest) {
        if (a.done) (after_wp ? wrote_after_ : wrote_before_).store(true);
      } else if (a.done && after_wp) {
        sync::fail("stale writable translation: a guest write succeeded after write protection and its flush");
      }
      if (a.done) return;
      if (FastPageFault(vm_, v, 0).result != PfResult::kFixed) return;
    }
  }
  void Check() {
    if (cfg_.harvest) {
      // F3: the write is in the log the harvest took or in the bitmap for the next one.
      const bool next = vm_.Dirty(0);
      if (wrote_after_.load() && !next)
        sync::fail("lost dirty page: a guest write after the dirty-log harvest is not in the dirty bitmap");
      if (wrote_before_.load() && !next && harvested_.load() == 0)
        sync::fail("lost dirty page: a guest write is in neither the harvested log nor the dirty bitmap");
      return;
    }
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
    if (cfg_.harvest) o.Add(1, "harvested", static_cast<u64>(harvested_.load()));
  }

 private:
  Config cfg_;
  Vm vm_;
  sync::Ghost<bool> wp_done_;  // CPU 1 is done (write protection and flush, or the whole harvest)
  sync::Ghost<bool> wrote_before_;
  sync::Ghost<bool> wrote_after_;
  sync::Ghost<int> harvested_;  // the bitmap word the harvest took
};

}  // namespace mmu::scenarios
