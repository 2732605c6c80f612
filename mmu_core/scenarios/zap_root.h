// mmu_core/scenarios/zap_root.h: zap-root, a pinned root zapped under a vCPU (brief §6, M6.4)
//
// CPU 0 zaps the vCPU's current root (a pinned root:
// list_del, role.invalid, then the request); CPU 1 is the vCPU serving
// requests and faulting. A vCPU must never be left on an invalid root with
// no request telling it to drop it.
#pragma once

#include "mmu_core/scenarios/vm_common.h"

namespace mmu::scenarios {

class ZapRoot {
 public:
  static constexpr std::string_view kName = "zap-root";
  static constexpr std::string_view kSection = "§6 roots";
  static constexpr std::string_view kInvariant =
      "a vCPU is never left on an invalid root with no reload request pending";
  static constexpr int kThreads = 2;
  static constexpr std::string_view kConfigs[] = {"levels=1"};
  static constexpr Role kRoles[] = {
      {0, "kvm_mmu_prepare_zap_page|kvm_mmu_commit_zap_page kvm_mmu_commit_zap_page?"},
      {1, "kvm_mmu_free_obsolete_roots|kvm_mmu_reload|kvm_check_request"},
  };
  static constexpr Twin kTwins[] = {{Mutation::M6_4}};
  static constexpr Window kWindows[] = {
      {"the vCPU serves the reload request (takes mmu_lock) after the zap's request", 0, "read mode", "", 1,
       "take lock"},
  };
  static constexpr ModelSearch kSearch = {"full", "full search: 648 executions"};

  struct Config {};
  static Config MakeConfig(const ConfigPairs& p) {
    p.Choice("levels", {"1"});
    return Config{};
  }

  ZapRoot(const Config&, Mutations mut) : vm_(SmallVm(1, 1, 1), mut) { vm_.MmuLoad(vm_.vcpu(0)); }

  void Thread(int cpu) {
    if (cpu == 0) {
      InvalidList invalid;
      LockScope lock(vm_.mmu_lock());
      ShadowPage* root = vm_.ListHead();
      if (root != nullptr) vm_.PrepareZapPage(root, invalid);
      vm_.CommitZapPage(invalid);
      return;
    }
    vm_.ServiceRequests(vm_.vcpu(0));
  }
  void Check() {
    Vcpu& v = vm_.vcpu(0);
    ShadowPage* root = v.root().load();
    const bool pending = (v.requests().load(std::memory_order_relaxed) & kReqFreeObsoleteRoots) != 0;
    if (root != nullptr && root->invalid() && !pending)
      sync::fail("vCPU left on an invalid root with no reload request pending (it would retry its faults forever)");
  }
  void Observe(Observations& o) const {
    const Vm& vm = vm_;
    o.Add(1, "requests", vm.vcpu(0).requests().load(std::memory_order_relaxed));
  }

 private:
  Vm vm_;
};

}  // namespace mmu::scenarios
