// mmu_core/scenarios/vm_races.h: the 64-bit, walk, fast page fault, zap-all
// and MMIO races (brief §3-§7), each on the smallest VM that shows it.
#pragma once

#include <string>

#include "mmu_core/fast_pf.h"
#include "mmu_core/mmio.h"
#include "mmu_core/mutations.h"
#include "mmu_core/scenario.h"
#include "mmu_core/spte.h"
#include "mmu_core/spte_ops.h"
#include "mmu_core/sync.h"
#include "mmu_core/vm.h"
#include "mmu_core/zap_all.h"

namespace mmu::scenarios {

// A one-level VM (the root table holds the leaves) with `entries` gfns, the
// vCPUs' roots loaded and gfn 0 mapped by a fault: the set-up most races need.
inline VmParams SmallVm(int levels, int entries, int nr_vcpus, int max_frames = 8) {
  VmParams p;
  p.levels = levels;
  p.entries = entries;
  p.nr_vcpus = nr_vcpus;
  p.max_frames = max_frames;
  p.zap_batch = 1;  // break the lock after every page: every window is open
  return p;
}

// ---------------------------------------------------------------------------
// spte-volatile (§3): CPU 0 holds mmu_lock and zaps a (1,1,0) leaf with
// mmu_spte_clear_track_bits; CPU 1 is a vCPU whose fast page fault makes it
// writable and whose guest write makes the hardware set D.
class SpteVolatile {
 public:
  static constexpr std::string_view kName = "spte-volatile";
  static constexpr std::string_view kSection = "§3";
  static constexpr std::string_view kInvariant =
      "a guest write through a present spte reaches kvm_set_pfn_dirty when the spte is dropped";
  static constexpr int kThreads = 2;
  static constexpr Mutation kMutations[] = {Mutation::M3_1};
  struct Config {};
  static int NumConfigs() { return 1; }
  static Config GetConfig(int) { return Config{}; }
  static std::string DescribeConfig(const Config&) { return "leaf=(1,1,0),A=1"; }

  SpteVolatile(const Config&, Mutations mut) : vm_(SmallVm(1, 1, 1), mut), wrote_(false) {
    vm_.MmuLoad(vm_.vcpu(0));
    vm_.PageFault(vm_.vcpu(0), 0, /*write=*/false);  // (1,1,0), A=1
  }

  void Thread(int cpu) {
    if (cpu == 0) {
      LockMmu(vm_.mmu_lock());
      MmuSpteClearTrackBits(leaf(), vm_.spte_ctx());
      vm_.mmu_lock().unlock();
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
    o.Add(0, "pfn dirty", const_cast<Vm&>(vm_).pfns().Dirty(0) ? 1 : 0);
  }

 private:
  Spte64& leaf() { return vm_.vcpu(0).root().load()->spt(0); }
  Vm vm_;
  sync::Var<bool> wrote_;
};

// ---------------------------------------------------------------------------
// walk-free (§4): CPU 0 walks locklessly root -> child -> leaf; CPU 1 zaps
// the child (unlinking it from the root) and frees it after the remote flush.
class WalkFree {
 public:
  static constexpr std::string_view kName = "walk-free";
  static constexpr std::string_view kSection = "§4";
  static constexpr std::string_view kInvariant = "no lockless walker dereferences a freed shadow page";
  static constexpr int kThreads = 2;
  static constexpr Mutation kMutations[] = {Mutation::M4_1, Mutation::M4_3, Mutation::M4_4};
  struct Config {};
  static int NumConfigs() { return 1; }
  static Config GetConfig(int) { return Config{}; }
  static std::string DescribeConfig(const Config&) { return "levels=2,entries=1"; }

  WalkFree(const Config&, Mutations mut) : vm_(SmallVm(2, 1, 1), mut), seen_(0) {
    vm_.MmuLoad(vm_.vcpu(0));
    vm_.PageFault(vm_.vcpu(0), 0, /*write=*/true);
    child_ = vm_.FrameToPage(spte::Pfn(vm_.vcpu(0).root().load()->spt(0).ReadLocked()));
    // Only the table matters: drop the leaf now so the zap is short.
    MmuSpteClearTrackBits(child_->spt(0), vm_.spte_ctx());
  }

  void Thread(int cpu) {
    if (cpu == 0) {
      Vcpu& v = vm_.vcpu(0);
      Vm::WalkStep steps[4];
      vm_.WalkLocklessBegin(v);
      const int n = vm_.GetSpteHierarchy(v, 0, steps);
      vm_.WalkLocklessEnd(v);
      seen_.store(n > 0 ? steps[n - 1].spte : 0);
      return;
    }
    InvalidList invalid;
    LockMmu(vm_.mmu_lock());
    vm_.PrepareZapPage(child_, invalid);
    vm_.CommitZapPage(invalid);
    vm_.mmu_lock().unlock();
  }
  void Check() {}
  void Observe(Observations& o) const { o.Add(0, "last spte read", seen_.load()); }

 private:
  Vm vm_;
  ShadowPage* child_ = nullptr;
  sync::Var<u64> seen_;
};

// ---------------------------------------------------------------------------
// fastpf-wp (§5): CPU 0 is a vCPU writing gfn 0 (guest write; on a fault,
// the fast page fault, then the write again); CPU 1 write-protects gfn 0 for
// shadowing a guest page table (pt_protect) and flushes. Config 1 starts
// from dirty logging's write protection whose flush is still deferred, with
// the vCPU's TLB holding a writable entry (the M5.4 window).
class FastPfWriteProtect {
 public:
  static constexpr std::string_view kName = "fastpf-wp";
  static constexpr std::string_view kSection = "§5";
  static constexpr std::string_view kInvariant =
      "after write protection and its flush, no spte and no usable TLB entry is writable";
  static constexpr int kThreads = 2;
  static constexpr Mutation kMutations[] = {Mutation::M5_2, Mutation::M5_3, Mutation::M5_4};
  struct Config {
    bool deferred_dirty_log_flush = false;
  };
  static int NumConfigs() { return 2; }
  static Config GetConfig(int i) { return Config{i == 1}; }
  static std::string DescribeConfig(const Config& c) {
    return c.deferred_dirty_log_flush ? "start=dirty-log-wp,flush-deferred" : "start=(1,1,0)";
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
    Vm& vm = const_cast<Vm&>(vm_);
    o.Add(0, "tlb entry", vm.vcpu(0).tlb().Lookup(0));
    o.Add(1, "final spte", vm.vcpu(0).root().load()->spt(0).ReadLocked());
  }

 private:
  Vm vm_;
  sync::Ghost<bool> wp_done_;
};

// ---------------------------------------------------------------------------
// fastpf-aba (§5, the direct-only rule): CPU 0's fast page fault races with
// CPU 1, which zaps the spte, lets the guest point its pte at another gfn
// backed by the same pfn, and maps it again: the spte's value is the same, its
// meaning is not. Config 0 uses an indirect page (shadow paging), config 1 a
// direct one. Invariant: every W 0 -> 1 transition marks the gfn the spte maps.
class FastPfAba {
 public:
  static constexpr std::string_view kName = "fastpf-aba";
  static constexpr std::string_view kSection = "§5 ABA";
  static constexpr std::string_view kInvariant =
      "every W 0->1 transition of an spte marks the dirty bit of the gfn it maps";
  static constexpr int kThreads = 2;
  static constexpr Mutation kMutations[] = {Mutation::M5_1};
  struct Config {
    bool direct = false;
  };
  static int NumConfigs() { return 2; }
  static Config GetConfig(int i) { return Config{i == 1}; }
  static std::string DescribeConfig(const Config& c) { return c.direct ? "page=direct" : "page=indirect"; }

  // Entry 1 of the root; the guest's pte points it at gfn 1, later gfn 2,
  // while the host keeps the same pfn behind it. A direct page's entry 1 is gfn 1.
  static constexpr int kIndex = 1;
  static constexpr u64 kGfnOld = 1;
  static constexpr u64 kGfnNew = 2;

  FastPfAba(const Config& c, Mutations mut) : cfg_(c), vm_(SmallVm(1, 4, 1), mut), maps_gfn_(kGfnOld) {
    Vcpu& v = vm_.vcpu(0);
    vm_.MmuLoad(v, /*direct=*/c.direct);
    LockMmu(vm_.mmu_lock());
    ShadowPage* root = v.root().load();
    if (!c.direct) root->gpte(kIndex).store(kGfnOld, std::memory_order_relaxed);
    // Entry 1 maps the pfn of gfn 1, write-protected by dirty logging: (1,1,0).
    MmuSpteSet(root->spt(kIndex), Leaf());
    vm_.mmu_lock().unlock();
  }

  void Thread(int cpu) {
    if (cpu == 0) {
      FastPageFault(vm_, vm_.vcpu(0), /*gfn or gva=*/kIndex);
      return;
    }
    // Zap, the guest rewrites its pte (gfn 1 -> gfn 2), then a fault maps the
    // same pfn again: the same spte value now stands for gfn 2.
    LockMmu(vm_.mmu_lock());
    ShadowPage* root = vm_.vcpu(0).root().load();
    // The flush the zap owes is batched to the end of the locked region, as
    // the kernel batches it; it waits for CPU 0's lockless walk.
    MmuSpteClearTrackBits(root->spt(kIndex), vm_.spte_ctx());
    if (!cfg_.direct) root->gpte(kIndex).store(kGfnNew, std::memory_order_relaxed);
    maps_gfn_.store(cfg_.direct ? kGfnOld : kGfnNew);
    MmuSpteSet(root->spt(kIndex), Leaf());
    vm_.FlushRemoteTlbs();
    vm_.mmu_lock().unlock();
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

// ---------------------------------------------------------------------------
// zap-all (§6): CPU 0 runs kvm_mmu_zap_all_fast, breaking mmu_lock after
// every page; CPU 1 is a vCPU that keeps faulting (serving the reload
// request when it sees it). Config 1 adds a second zapper (CPU 2) for M6.1.
class ZapAll {
 public:
  static constexpr std::string_view kName = "zap-all";
  static constexpr std::string_view kSection = "§6";
  static constexpr std::string_view kInvariant =
      "after kvm_mmu_zap_all_fast no obsolete page survives and no page hangs off an obsolete root";
  static constexpr int kThreads = 3;
  static constexpr Mutation kMutations[] = {Mutation::M6_1, Mutation::M6_2, Mutation::M6_3, Mutation::M6_6};
  struct Config {
    bool two_zappers = false;
  };
  static int NumConfigs() { return 2; }
  static Config GetConfig(int i) { return Config{i == 1}; }
  static std::string DescribeConfig(const Config& c) { return c.two_zappers ? "zappers=2,vcpu=idle" : "zappers=1,vcpu=faulting"; }

  ZapAll(const Config& c, Mutations mut) : cfg_(c), vm_(SmallVm(2, 2, 1, 16), mut) {
    Vcpu& v = vm_.vcpu(0);
    vm_.MmuLoad(v);
    vm_.PageFault(v, 0, /*write=*/true);  // root + a child for gfns 0-1
    vm_.PageFault(v, 2, /*write=*/true);  // + a child for gfns 2-3: a lock break
                                          // falls between the two children
  }

  void Thread(int cpu) {
    if (cpu == 0 || (cpu == 2 && cfg_.two_zappers)) {
      ZapAllFast(vm_);
      CheckNoStalePage();
      return;
    }
    if (cpu != 1 || cfg_.two_zappers) return;
    // The vCPU: fault on gfn 3, serving requests first.
    Vcpu& v = vm_.vcpu(0);
    for (int i = 0; i < 2; ++i) {
      vm_.ServiceRequests(v);
      if (vm_.PageFault(v, 3, /*write=*/true) == PfResult::kFixed) break;
    }
  }
  void Check() {
    CheckNoStalePage();
    // No page of the current generation may hang off an obsolete or freed
    // parent: a fault under an obsolete root leaves it orphaned for good.
    LockMmu(vm_.mmu_lock());
    for (ShadowPage* sp = vm_.ListHead(); sp != nullptr; sp = sp->next().load()) {
      if (vm_.IsObsolete(sp) || sp->level() == vm_.params().levels) continue;
      bool hangs_off_obsolete = sp->parent_ptes().Count() == 0;
      for (int i = 0; i < sp->parent_ptes().Count(); ++i) {
        const ShadowPage* parent = vm_.SpteToPage(sp->parent_ptes().Get(i));
        if (parent == nullptr || vm_.IsObsolete(parent)) hangs_off_obsolete = true;
      }
      if (hangs_off_obsolete) sync::fail("a page of the current generation hangs off an obsolete root");
    }
    vm_.mmu_lock().unlock();
  }
  void Observe(Observations& o) const {
    Vm& vm = const_cast<Vm&>(vm_);
    o.Add(0, "mmu_valid_gen", vm.mmu_valid_gen());
    o.Add(0, "zaps started", vm.zaps_started());
  }

 private:
  // Under mmu_lock: every page on the list is current and was created after
  // the last toggle (ghost epoch), unless it is an invalid pinned root.
  void CheckNoStalePage() {
    LockMmu(vm_.mmu_lock());
    const u64 epoch = vm_.zaps_started();
    for (ShadowPage* sp = vm_.ListHead(); sp != nullptr; sp = sp->next().load()) {
      if (sp->invalid()) continue;
      if (vm_.IsObsolete(sp) || sp->ghost_epoch() < epoch) sync::fail("an obsolete shadow page survived kvm_mmu_zap_all_fast");
    }
    vm_.mmu_lock().unlock();
  }
  Config cfg_;
  Vm vm_;
};

// ---------------------------------------------------------------------------
// zap-root (§6, M6.4): CPU 0 zaps the vCPU's current root (a pinned root:
// list_del, role.invalid, then the request); CPU 1 is the vCPU serving
// requests and faulting. A vCPU must never be left on an invalid root with
// no request telling it to drop it.
class ZapRoot {
 public:
  static constexpr std::string_view kName = "zap-root";
  static constexpr std::string_view kSection = "§6 roots";
  static constexpr std::string_view kInvariant =
      "a vCPU is never left on an invalid root with no reload request pending";
  static constexpr int kThreads = 2;
  static constexpr Mutation kMutations[] = {Mutation::M6_4};
  struct Config {};
  static int NumConfigs() { return 1; }
  static Config GetConfig(int) { return Config{}; }
  static std::string DescribeConfig(const Config&) { return "levels=1"; }

  ZapRoot(const Config&, Mutations mut) : vm_(SmallVm(1, 1, 1), mut) { vm_.MmuLoad(vm_.vcpu(0)); }

  void Thread(int cpu) {
    if (cpu == 0) {
      InvalidList invalid;
      LockMmu(vm_.mmu_lock());
      ShadowPage* root = vm_.ListHead();
      if (root != nullptr) vm_.PrepareZapPage(root, invalid);
      vm_.CommitZapPage(invalid);
      vm_.mmu_lock().unlock();
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
    Vm& vm = const_cast<Vm&>(vm_);
    o.Add(1, "requests", vm.vcpu(0).requests().load(std::memory_order_relaxed));
  }

 private:
  Vm vm_;
};

// ---------------------------------------------------------------------------
// mmio-gen (§7): CPU 1 installs new memslots in which gfn 1 is RAM; CPU 0 is a
// vCPU. Config race=A: it faults (deciding "MMIO" from the old memslots) and
// then accesses gfn 1 again through the MMIO spte. race=B: the same, through
// the per-vCPU MMIO cache. race=C: the generation wraps; the vCPU hits an
// ancient MMIO spte whose generation field is 0.
class MmioGen {
 public:
  static constexpr std::string_view kName = "mmio-gen";
  static constexpr std::string_view kSection = "§7";
  static constexpr std::string_view kInvariant =
      "an MMIO hit uses a decision made from the memslots the vCPU sees, with no update in progress";
  static constexpr int kThreads = 2;
  static constexpr Mutation kMutations[] = {Mutation::M7_1, Mutation::M7_2, Mutation::M7_3, Mutation::M7_4,
                                            Mutation::M7_5};
  enum class Race { kA, kB, kC };
  struct Config {
    Race race = Race::kA;
  };
  static int NumConfigs() { return 3; }
  static Config GetConfig(int i) { return Config{static_cast<Race>(i)}; }
  static std::string DescribeConfig(const Config& c) {
    return c.race == Race::kA ? "race=A" : c.race == Race::kB ? "race=B" : "race=C";
  }

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
  void Check() {}
  void Observe(Observations& o) const {
    o.Add(0, "mmio hits", static_cast<u64>(hits_.load()));
    o.Add(0, "residual-window hits", static_cast<u64>(vm_.ResidualHits()));
    o.Add(1, "final generation", const_cast<Memslots&>(new_).generation.load(std::memory_order_relaxed));
  }

 private:
  Config cfg_;
  Memslots old_;
  Memslots new_;
  MmioVm vm_;
  sync::Var<int> hits_;
};

}  // namespace mmu::scenarios
