// mmu_core/scenarios/zap_root.h: zap-root, a pinned root zapped under a vCPU (brief §6, M6.4)
//
// CPU 0 zaps the vCPU's current root (a pinned root:
// list_del, role.invalid, then the request); CPU 1 is the vCPU serving
// requests and faulting. A vCPU must never be left on an invalid root with
// no request telling it to drop it. requests=2: CPU 2 makes another request
// of the same vCPU meanwhile (a remote TLB flush: kvm_flush_remote_tlbs from
// another mmu_lock holder or from dirty logging), so two CPUs update the
// vCPU's request word while the vCPU clears bits of it.
//
// Who races with a vCPU's requests (kvm_make_request, kvm_check_request;
// kvm_main.c, Documentation/virt/kvm/vcpu-requests.rst): every CPU that
// makes one (zap: KVM_REQ_MMU_FREE_OBSOLETE_ROOTS; flushes: KVM_REQ_TLB_FLUSH;
// here requests=2), and the vCPU itself, which clears them. The vCPU's
// entry to guest mode is fastpf-wp's.
//
// Contract:
//   row                                                  checked by
//   R1 a vCPU on an invalid root has a reload pending     Check (M6.4)
//   R2 a request made is served by the vCPU (kvm_check_   Check, with the ghost served_requests
//      request said yes) or still pending at the end     (requests=2, M4.6)
//   R3 what a request hands over is seen by the vCPU      [Q0]/[Q1]: R1's root (role.invalid
//      that serves it                                       before the request)
#pragma once

#include "mmu_core/scenarios/vm_common.h"

namespace mmu::scenarios {

class ZapRoot {
 public:
  static constexpr std::string_view kName = "zap-root";
  static constexpr std::string_view kSection = "§6 roots";
  static constexpr std::string_view kInvariant =
      "a vCPU is never left on an invalid root with no reload request pending";
  static constexpr int kThreads = 3;
  static constexpr std::string_view kConfigs[] = {"levels=1,requests=1", "levels=1,requests=2"};
  static constexpr Role kRoles[] = {
      {0, "kvm_mmu_prepare_zap_page|kvm_mmu_commit_zap_page kvm_mmu_commit_zap_page?"},
      {1, "kvm_mmu_free_obsolete_roots|kvm_mmu_reload|kvm_check_request"},
      {2, "idle", "requests=1"},
      {2, "kvm_flush_remote_tlbs|kvm_make_all_cpus_request", "requests=2"},
  };
  static constexpr Twin kTwins[] = {{Mutation::M6_4, "requests=1"}, {Mutation::M4_6, "requests=2"}};
  static constexpr Window kWindows[] = {
      {"the vCPU serves the reload request (takes mmu_lock) after the zap's request", 0, "read mode", "", 1,
       "take lock"},
      {"CPU 2's flush request after the zap started", 0, "zap page", "", 2, "read mode"},
  };
  static constexpr ModelSearch kSearch = {
      "dpor",
      "the reduced full search (models/dpor/): 6 (requests=1) and 156 (requests=2) executions; Relacy's full search "
      "ends too (12k and 3.8M executions, 99 s), too long for the default tests"};

  struct Config {
    bool flush = false;  // requests=2: CPU 2 requests a TLB flush
  };
  static Config MakeConfig(const ConfigPairs& p) {
    p.Choice("levels", {"1"});
    return Config{p.Choice("requests", {"1", "2"}) == 1};
  }

  ZapRoot(const Config& c, Mutations mut)
      : cfg_(c), vm_(SmallVm(1, 1, 1), mut), made_zap_(false), made_flush_(false) {
    vm_.MmuLoad(vm_.vcpu(0));
  }

  void Thread(int cpu) {
    if (cpu == 0) {
      InvalidList invalid;
      LockScope lock(vm_.mmu_lock());
      ShadowPage* root = vm_.ListHead();
      if (root != nullptr) vm_.PrepareZapPage(root, invalid);  // a pinned current root: the reload request
      vm_.CommitZapPage(invalid);
      made_zap_.store(root != nullptr);
      return;
    }
    if (cpu == 2) {
      if (!cfg_.flush) return;
      vm_.FlushRemoteTlbs();
      made_flush_.store(true);
      return;
    }
    vm_.ServiceRequests(vm_.vcpu(0));
  }
  void Check() {
    Vcpu& v = vm_.vcpu(0);
    ShadowPage* root = v.root().load();
    const std::uint32_t pending = v.requests().load(std::memory_order_relaxed);
    if (root != nullptr && root->invalid() && (pending & kReqFreeObsoleteRoots) == 0)
      sync::fail("vCPU left on an invalid root with no reload request pending (it would retry its faults forever)");
    // R2: no request is lost.
    const std::uint32_t made = (made_zap_.load() ? kReqFreeObsoleteRoots : 0) | (made_flush_.load() ? kReqTlbFlush : 0);
    if ((made & ~(v.served_requests().load() | pending)) != 0)
      sync::fail("lost request: a request was made but the vCPU neither served it nor has it pending");
  }
  void Observe(Observations& o) const {
    const Vm& vm = vm_;
    o.Add(1, "requests", vm.vcpu(0).requests().load(std::memory_order_relaxed));
    o.Add(1, "served", vm.vcpu(0).served_requests().load());
  }

 private:
  Config cfg_;
  Vm vm_;
  sync::Ghost<bool> made_zap_;    // CPU 0 made the reload request
  sync::Ghost<bool> made_flush_;  // CPU 2 made the flush request
};

}  // namespace mmu::scenarios
