// mmu_core/scenarios/unsync.h: unsync, mmu_try_to_unsync_pages against
// kvm_mmu_sync_roots (brief §9.1)
//
// gfn 0 is a guest page table shadowed by an indirect level-1 shadow page S,
// and the spte mapping gfn 0 is write-protected (1,0,0). CPU 0 handles a
// write fault on gfn 0 under mmu_lock: it lets S go unsync (S->unsync = 1,
// smp_wmb) and makes the spte writable. CPU 1 is the vCPU: its hardware reads
// the spte; if it is writable the guest writes its page table, flushes its
// TLB, the VM exits, and kvm_mmu_sync_roots reads S->unsync after smp_rmb.
#pragma once

#include "mmu_core/scenarios/vm_common.h"
#include "mmu_core/unsync.h"

namespace mmu::scenarios {

class Unsync {
 public:
  static constexpr std::string_view kName = "unsync";
  static constexpr std::string_view kSection = "§9.1";
  static constexpr std::string_view kInvariant =
      "a vCPU that wrote a guest page table through a writable spte and flushed finds its shadow page unsync";
  static constexpr int kThreads = 2;
  static constexpr std::string_view kConfigs[] = {"leaf=(1,0,0)"};
  static constexpr Role kRoles[] = {
      {0, "mmu_try_to_unsync_pages|kvm_unsync_page|make_spte mmu_spte_update?"},
      {1, "kvm_mmu_sync_roots|is_unsync_root hardware?"},
  };
  static constexpr Twin kTwins[] = {
      {Mutation::M9_1, "", InvariantFails("stale shadow page")},
      {Mutation::M9_2, "", InvariantFails("stale shadow page")},
  };
  static constexpr Window kWindows[] = {
      {"the vCPU reads the spte between unsync = 1 and the spte becoming writable", 0, "set unsync", "write spte", 1,
       "read spte"},
  };
  static constexpr ModelSearch kSearch = {"full", "full search: 58 executions"};

  struct Config {};
  static Config MakeConfig(const ConfigPairs& p) {
    p.Choice("leaf", {"(1,0,0)"});
    return Config{};
  }

  Unsync(const Config&, Mutations mut) : vm_(SmallVm(1, 1, 1), mut), ok_(true) {
    vm_.MmuLoad(vm_.vcpu(0));
    // gfn 0 holds a guest page table: its spte is write-protected (1,0,0).
    leaf().Init(spte::MakeLeaf(vm_.PfnOf(0), /*host_writable=*/true, /*mmu_writable=*/false, /*writable=*/false,
                               /*accessed=*/true));
  }

  void Thread(int cpu) {
    if (cpu == 0) {
      LockMmu(vm_.mmu_lock());
      MakeSpteWritableUnsync(leaf(), unsync_, vm_.spte_ctx());
      vm_.mmu_lock().unlock();
      return;
    }
    ok_.store(GuestWriteThenSyncRoots(leaf(), unsync_, vm_.mutations()));
  }
  void Check() {
    if (!ok_.load())
      sync::fail("stale shadow page: the guest wrote its page table through a writable spte but the sync saw the page in sync");
  }
  void Observe(Observations& o) const {
    o.Add(1, "found it unsync or did not write", ok_.load() ? 1 : 0);
    o.Add(0, "final spte", const_cast<Unsync*>(this)->leaf().ReadLocked());
  }

 private:
  Spte64& leaf() { return vm_.vcpu(0).root().load()->spt(0); }
  Vm vm_;
  UnsyncFlag unsync_;  // S->unsync, S the indirect page shadowing gfn 0
  sync::Var<bool> ok_;
};

}  // namespace mmu::scenarios
