// mmu_core/tdp_mmu.h: the TDP MMU's lockless machinery (brief §4 TDP, §9.2-§9.6).
//
// Kernel: arch/x86/kvm/mmu/tdp_mmu.c ([5.10]..[6.15]): tdp_mmu_set_spte_atomic,
// kvm_tdp_mmu_write_spte(_atomic), tdp_mmu_set_spte, handle_changed_spte,
// handle_removed_pt, tdp_mmu_zap_spte_atomic (5.13-6.13), kvm_tdp_mmu_map,
// tdp_mmu_clear_spte_bits(_atomic), kvm_tdp_mmu_age_gfn_range,
// kvm_tdp_mmu_get_root / kvm_tdp_mmu_put_root / tdp_mmu_next_root,
// kvm_tdp_mmu_walk_lockless_begin/end; kvm_main.c's mmu_invalidate_seq
// protocol (kvm_mmu_invalidate_begin/end, mmu_invalidate_retry_gfn).
//
// The model: a VM with TDP page tables of `levels` levels and `entries`
// sptes per table (the scenarios use 1 or 2 of each), mmu_lock as an rwlock
// (rwlock.h), RCU (rcu.h), per-vCPU mode and TLB, the leaf page stats, and
// the host's page table (gfn -> pfn, which an invalidation may change).
// Spte values follow the kernel profile (kernel_rules.h): the cleared value,
// FROZEN_SPTE, the present test and the atomic-write rule are its.
//
// A table (TdpPage, struct kvm_mmu_page) is freed only through RCU once it
// was reachable (handle_removed_pt, kvm_tdp_mmu_put_root); a table a fault
// allocated and lost the race to link is freed at once (tdp_mmu_free_sp).
// Freed tables: under Relacy and TSan really freed, natively poisoned and
// kept (as the shadow MMU's, vm.h), so a use after free is reported by the
// engine or seen as a poisoned page.
//
// Invariants the scenarios check:
//  - the leaf page stats equal the number of present leaves reachable from
//    the roots (handle_changed_spte runs once per change, by its winner);
//  - after handle_removed_pt every entry of the detached table is frozen and
//    stays so; a present entry was counted out exactly once;
//  - a leaf's volatile bits (hardware A/D, aging's A clear) are never lost
//    by a write-lock holder (kvm_tdp_mmu_write_spte);
//  - no table is touched after its free (RCU, root references, the remote
//    flush before the free);
//  - a TLB entry gfn -> P coexists only with spte(gfn) = P, or a frozen or
//    cleared value whose flush is still due;
//  - no spte maps a pfn the host has replaced (mmu_invalidate_seq).
//
// Ordering edges (the sptes' own are spte64.h's: the lockless reads are
// acquire loads [G1], cmpxchg/xchg/fetch_and are fully ordered):
//   [T1] kvm_update_page_stats: a relaxed atomic add (atomic64_add): only
//        its total matters, read after every thread.
//   [T2] the root refcount: refcount_inc_not_zero is a cmpxchg loop with no
//        ordering of its own (the caller is inside rcu_read_lock, which keeps
//        the root's memory); refcount_dec_and_test releases the holder's
//        accesses and acquires the others' before the free (acq_rel).
//   [T3] list_del_rcu stores the new list head with release; the reader's
//        rcu_dereference is an acquire load (consume).
//   [T4] a vCPU's mode: the flush's cmpxchg IN_GUEST -> EXITING is fully
//        ordered and its wait is an acquire load; VM exit stores OUTSIDE with
//        release (as the shadow MMU's [F1]/[F2]/[E1], vm.h).
//   [T5] mmu_invalidate_seq: read locklessly by the fault ([T6] then
//        smp_rmb, an acquire fence), written under the write lock; the end
//        of an invalidation is seq++, smp_wmb (release fence), in_progress--.
//   [T6] the host page-table change is followed by a full barrier (the
//        host's own TLB flush), so a fault that reads the new seq and then
//        smp_rmb sees the new pfn.
//
// Mutations here: M3.2 (WRITE_ONCE instead of kvm_tdp_mmu_write_spte), M3.3
// (the volatile-only atomic-write rule with lockless aging), M4.7 (plain
// root increment), M4.8 (rcu_read_unlock before the remote flush,
// RecoverNxHugePage), M4.9 (free without a grace period), M9.3
// (WRITE_ONCE instead of cmpxchg), M9.4 (the loser handles the change),
// M9.5 (freeze with the cleared value), M9.6 (read + write instead of
// xchg), M9.7 (cleared value before the flush), M9.8 (retry check outside
// mmu_lock), M9.10 (no smp_rmb in kvm_faultin_pfn).
#pragma once

#include <cstdint>

#include "mmu_core/kernel_rules.h"
#include "mmu_core/mutations.h"
#include "mmu_core/rcu.h"
#include "mmu_core/rwlock.h"
#include "mmu_core/spte.h"
#include "mmu_core/spte64.h"
#include "mmu_core/spte_ops.h"
#include "mmu_core/steps.h"
#include "mmu_core/sync.h"

namespace mmu {

struct TdpParams {
  int levels = 1;         // table levels; the root is at this level
  int entries = 1;        // sptes per table
  int nr_vcpus = 1;
  int nr_cpus = 2;        // CPUs of the round (RCU's readers)
  int max_frames = 8;     // tables a VM may ever allocate
  u64 pfn_base = 0x100;   // gfn g is backed by pfn g + pfn_base, until an invalidation
  bool ad_enabled = true;
  Kernel kernel = Kernel::k6_10;
};

// A value no spte ever holds: a freed table's entries (native quarantine).
inline constexpr u64 kTdpPoisonSpte = 0xdead0000dead0001ull;

// struct kvm_mmu_page of the TDP MMU.
class TdpPage {
 public:
  TdpPage(u64 frame, int level, u64 gfn, int entries, u64 cleared)
      : frame_(frame), level_(level), gfn_(gfn), entries_(entries), root_count_(0), freed_(false),
        spt_(sync::make_array<Spte64>(static_cast<std::size_t>(entries))) {
    for (int i = 0; i < entries; ++i) spt_[i].Init(cleared);
  }
  ~TdpPage() { sync::destroy_array(spt_); }
  TdpPage(const TdpPage&) = delete;
  TdpPage& operator=(const TdpPage&) = delete;

  u64 frame() const { return frame_; }
  int level() const { return level_; }
  u64 gfn() const { return gfn_; }
  int entries() const { return entries_; }
  Spte64& spt(int i) { return spt_[i]; }
  // tdp_mmu_root_count (roots only).
  sync::Atomic<int>& root_count() { return root_count_; }
  sync::Ghost<bool>& ghost_freed() { return freed_; }

 private:
  const u64 frame_;
  const int level_;
  const u64 gfn_;
  const int entries_;
  sync::Atomic<int> root_count_;
  sync::Ghost<bool> freed_;
  Spte64* spt_;
};

// vcpu->mode, and the vCPU's TLB (one entry per gfn: pfn << 12 | valid).
class TdpVcpu {
 public:
  static constexpr int kOutsideGuestMode = 0;
  static constexpr int kInGuestMode = 1;
  static constexpr int kExitingGuestMode = 2;
  static constexpr u64 kTlbValid = 1;

  explicit TdpVcpu(u64 nr_gfns) : n_(nr_gfns), mode_(kOutsideGuestMode), tlb_(sync::make_array<sync::Atomic<u64>>(nr_gfns)) {
    for (u64 i = 0; i < n_; ++i) tlb_[i].store(0, std::memory_order_relaxed);
  }
  ~TdpVcpu() { sync::destroy_array(tlb_); }
  TdpVcpu(const TdpVcpu&) = delete;
  TdpVcpu& operator=(const TdpVcpu&) = delete;

  sync::Atomic<int>& mode() { return mode_; }
  sync::Atomic<u64>& tlb(u64 gfn) { return tlb_[gfn]; }
  u64 nr_gfns() const { return n_; }

 private:
  u64 n_;
  sync::Atomic<int> mode_;
  sync::Atomic<u64>* tlb_;
};

class TdpMmu {
 public:
  // A position of a walk (struct tdp_iter): the table, the entry, the gfn and
  // the value read there (old_spte).
  struct Iter {
    TdpPage* sp = nullptr;
    int index = 0;
    int level = 0;
    u64 gfn = 0;
    u64 old_spte = 0;
    Spte64& sptep() const { return sp->spt(index); }
  };

  TdpMmu(const TdpParams& p, Mutations mut)
      : p_(p), rules_(RulesOf(p.kernel)), mut_(mut), rcu_(p.nr_cpus), nr_gfns_(Pow(p.entries, p.levels)),
        next_frame_(0), nr_quarantined_(0), roots_(nullptr), invalidate_seq_(0), invalidate_in_progress_(0),
        frames_(sync::make_array<sync::Var<TdpPage*>>(static_cast<std::size_t>(p.max_frames))),
        frame_freed_(sync::make_array<sync::Ghost<bool>>(static_cast<std::size_t>(p.max_frames))),
        quarantine_(sync::make_array<TdpPage*>(static_cast<std::size_t>(p.max_frames))),
        stats_(sync::make_array<sync::Atomic<int>>(static_cast<std::size_t>(p.levels + 1))),
        host_pfn_(sync::make_array<sync::Atomic<u64>>(nr_gfns_)),
        vcpus_(sync::make_array<TdpVcpu*>(static_cast<std::size_t>(p.nr_vcpus))),
        pfns_(nr_gfns_ + p.pfn_base + 16) {
    for (int i = 0; i < p.max_frames; ++i) {
      frames_[i].store(nullptr);
      frame_freed_[i].store(false);
    }
    for (int l = 0; l <= p.levels; ++l) stats_[l].store(0, std::memory_order_relaxed);
    for (u64 g = 0; g < nr_gfns_; ++g) host_pfn_[g].store(g + p.pfn_base, std::memory_order_relaxed);
    for (int i = 0; i < p.nr_vcpus; ++i) vcpus_[i] = sync::make<TdpVcpu>(nr_gfns_);
  }
  ~TdpMmu() {
    for (int f = 0; f < next_frame_.load(std::memory_order_relaxed); ++f) {
      TdpPage* sp = frames_[f].load();
      if (sp != nullptr && !frame_freed_[f].load()) sync::destroy(sp);
    }
    for (int i = 0; i < nr_quarantined_.load(std::memory_order_relaxed); ++i) sync::destroy(quarantine_[i]);
    for (int i = 0; i < p_.nr_vcpus; ++i) sync::destroy(vcpus_[i]);
    sync::destroy_array(vcpus_);
    sync::destroy_array(host_pfn_);
    sync::destroy_array(stats_);
    sync::destroy_array(quarantine_);
    sync::destroy_array(frame_freed_);
    sync::destroy_array(frames_);
  }
  TdpMmu(const TdpMmu&) = delete;
  TdpMmu& operator=(const TdpMmu&) = delete;

  const TdpParams& params() const { return p_; }
  const KernelRules& rules() const { return rules_; }
  Mutations mutations() const { return mut_; }
  RwLock& mmu_lock() { return mmu_lock_; }
  Rcu& rcu() { return rcu_; }
  TdpVcpu& vcpu(int i) { return *vcpus_[i]; }
  PfnTracker& pfns() { return pfns_; }
  u64 nr_gfns() const { return nr_gfns_; }
  int Index(u64 gfn, int level) const { return static_cast<int>((gfn / Span(level)) % static_cast<u64>(p_.entries)); }
  u64 Span(int level) const { return Pow(p_.entries, level - 1); }

  // ---- set-up (single-threaded) -------------------------------------------
  // kvm_tdp_mmu_get_vcpu_root_hpa: a root with one reference, on tdp_mmu_roots.
  TdpPage* MakeRoot() {
    TdpPage* root = AllocPage(p_.levels, 0);
    if (root == nullptr) return nullptr;  // out of frames (AllocPage said so); g++ -O2 warns on the null path otherwise
    root->root_count().store(1, std::memory_order_relaxed);
    roots_.store(root, std::memory_order_relaxed);
    return root;
  }
  // Link `child` under parent's entry for gfn, or map gfn by a leaf there.
  void InitLink(TdpPage* parent, u64 gfn, TdpPage* child) {
    parent->spt(Index(gfn, parent->level())).Init(spte::MakeNonLeaf(child->frame()));
  }
  void InitLeaf(TdpPage* table, u64 gfn, u64 leaf) {
    table->spt(Index(gfn, table->level())).Init(leaf);
    stats_[table->level()].store(stats_[table->level()].load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
  // make_spte: A set, D left to the hardware.
  u64 MakeLeaf(u64 pfn, bool write) const {
    return spte::MakeLeaf(pfn, /*host_writable=*/true, /*mmu_writable=*/true, /*writable=*/write, /*accessed=*/true);
  }

  // ---- tables -------------------------------------------------------------
  // tdp_mmu_alloc_sp: a fresh table of cleared entries (not yet reachable).
  TdpPage* AllocPage(int level, u64 gfn) {
    const int frame = next_frame_.fetch_add(1, std::memory_order_relaxed);
    sync::check(frame < p_.max_frames, "out of TDP page frames (raise TdpParams::max_frames)");
    if (frame >= p_.max_frames) return nullptr;
    TdpPage* sp = sync::make<TdpPage>(static_cast<u64>(frame), level, gfn, p_.entries, rules_.nonpresent);
    frames_[frame].store(sp);
    return sp;
  }
  TdpPage* FrameToPage(u64 frame) const {
    if (frame >= static_cast<u64>(p_.max_frames)) return nullptr;
    return frames_[frame].load();
  }
  // spte_to_child_pt.
  TdpPage* Child(u64 nonleaf) const { return FrameToPage(spte::Pfn(nonleaf)); }

  // tdp_mmu_free_sp: the table's memory is released. Freeing it twice is a
  // use after free (free_page reads the page's own state first), reported
  // as such by every engine.
  void FreePage(TdpPage* sp) {
    CheckNotFreed(sp);
    At(Step::FreePage, [&] {
      (void)sp->root_count().load(std::memory_order_relaxed);
      return sp->frame();
    });
    if (frame_freed_[sp->frame()].load()) {
      sync::fail("double free of a TDP page table");
      return;
    }
    frame_freed_[sp->frame()].store(true);
    if constexpr (sync::kFreeForReal) {
      sync::destroy(sp);
    } else {
      for (int i = 0; i < sp->entries(); ++i) sp->spt(i).Init(kTdpPoisonSpte);
      sp->ghost_freed().store(true);
      const int n = nr_quarantined_.fetch_add(1, std::memory_order_relaxed);
      if (n < p_.max_frames) quarantine_[n] = sp;
    }
  }
  // call_rcu(&sp->rcu_head, tdp_mmu_free_sp_rcu_callback); M4.9 frees at once.
  void FreePageRcu(TdpPage* sp) {
    if (mut_.Has(Mutation::M4_9)) {
      FreePage(sp);
      return;
    }
    rcu_.CallRcu(&FreeCallback, this, sp);
  }

  // Read the entry of `sp` for gfn (READ_ONCE of *sptep; rcu_dereference).
  Iter Read(TdpPage* sp, u64 gfn) {
    CheckNotFreed(sp);
    Iter it;
    it.sp = sp;
    it.level = sp->level();
    it.index = Index(gfn, it.level);
    it.gfn = gfn - gfn % Span(it.level);
    it.old_spte = sp->spt(it.index).GetLockless();
    if (it.old_spte == kTdpPoisonSpte) sync::fail("use after free: a TDP walk read a freed page table");
    return it;
  }
  // Walk from `root` toward gfn, down to `target_level` or to the first entry
  // that is not a present non-leaf. Returns the last position read.
  Iter Walk(TdpPage* root, u64 gfn, int target_level = 1) {
    Iter it = Read(root, gfn);
    while (it.level > target_level && rules_.IsPresent(it.old_spte) && !KernelRules::IsLast(it.old_spte, it.level)) {
      TdpPage* child = Child(it.old_spte);
      if (child == nullptr) break;
      it = Read(child, gfn);
    }
    return it;
  }

  // ---- spte updates -------------------------------------------------------
  // tdp_mmu_set_spte_atomic, mmu_lock held for read (and RCU): cmpxchg the
  // entry from it.old_spte; on failure -EBUSY with it.old_spte refreshed.
  // Only the winner runs handle_changed_spte.
  bool SetSpteAtomic(Iter& it, u64 new_spte) {
    sync::check(!rules_.IsFrozen(it.old_spte), "tdp_mmu_set_spte_atomic on a frozen spte");
    const u64 old_spte = it.old_spte;
    bool won;
    if (mut_.Has(Mutation::M9_3)) {
      it.sptep().PlainStore(new_spte);  // WRITE_ONCE: no check that the entry still holds old_spte
      won = true;
    } else {
      won = it.sptep().Cmpxchg(it.old_spte, new_spte);  // try_cmpxchg64 refreshes it.old_spte
    }
    if (!won) {
      if (mut_.Has(Mutation::M9_4)) HandleChangedSpte(it.gfn, old_spte, new_spte, it.level, /*shared=*/true);
      return false;
    }
    HandleChangedSpte(it.gfn, old_spte, new_spte, it.level, /*shared=*/true);
    return true;
  }

  // kvm_tdp_mmu_write_spte, mmu_lock held for write: an xchg when someone
  // without the lock may change the entry (the profile's rule), else
  // WRITE_ONCE. Returns the old value (the real one when atomic).
  u64 WriteSpte(Spte64& s, u64 old_spte, u64 new_spte, int level) {
    if (!mut_.Has(Mutation::M3_2) &&
        rules_.TdpNeedsAtomicWrite(old_spte, level, p_.ad_enabled, mut_.Has(Mutation::M3_3))) {
      return s.UpdateClearSlow(new_spte);  // kvm_tdp_mmu_write_spte_atomic: xchg
    }
    s.UpdateClearFast(new_spte);  // __kvm_tdp_mmu_write_spte: WRITE_ONCE
    return old_spte;
  }
  // tdp_mmu_set_spte / tdp_mmu_iter_set_spte, mmu_lock held for write.
  void SetSpte(Iter& it, u64 new_spte) {
    it.old_spte = WriteSpte(it.sptep(), it.old_spte, new_spte, it.level);
    HandleChangedSpte(it.gfn, it.old_spte, new_spte, it.level, /*shared=*/false);
  }
  // tdp_mmu_clear_spte_bits: clear `mask` (D for the dirty log) under the
  // write lock; atomically when the rule says so (kvm_tdp_mmu_write_spte's
  // rule again). Returns the old value.
  u64 ClearSpteBits(Iter& it, u64 mask) {
    if (!mut_.Has(Mutation::M3_2) &&
        rules_.TdpNeedsAtomicWrite(it.old_spte, it.level, p_.ad_enabled, mut_.Has(Mutation::M3_3))) {
      return it.sptep().ClearBitsAtomic(mask);  // tdp_mmu_clear_spte_bits_atomic
    }
    it.sptep().UpdateClearFast(it.old_spte & ~mask);
    return it.old_spte;
  }

  // handle_changed_spte: the bookkeeping of one change, by whoever made it.
  void HandleChangedSpte(u64 gfn, u64 old_spte, u64 new_spte, int level, bool shared) {
    if (old_spte == new_spte) return;
    const bool was_present = rules_.IsPresent(old_spte);
    const bool is_present = rules_.IsPresent(new_spte);
    const bool was_leaf = was_present && KernelRules::IsLast(old_spte, level);
    const bool is_leaf = is_present && KernelRules::IsLast(new_spte, level);
    const bool pfn_changed = spte::Pfn(old_spte) != spte::Pfn(new_spte);
    if (!was_present && !is_present) return;  // MMIO or frozen <-> cleared: nothing to do
    if (is_leaf != was_leaf) {
      At(Step::UpdateStats, [&] { return stats_[level].fetch_add(is_leaf ? 1 : -1, std::memory_order_relaxed); });  // [T1]
    }
    if (was_leaf && spte::IsDirty(old_spte) && (!is_present || !spte::IsDirty(new_spte) || pfn_changed))
      pfns_.SetDirty(spte::Pfn(old_spte));  // kvm_set_pfn_dirty (before 6.13)
    if (was_present && !was_leaf && (is_leaf || !is_present || pfn_changed)) {
      TdpPage* child = Child(old_spte);
      if (child != nullptr) HandleRemovedPt(child, shared);
    }
    (void)gfn;
  }

  // handle_removed_pt: a table just unlinked from its parent. Each entry is
  // frozen and its old value handed to handle_changed_spte; the table is
  // freed after a grace period.
  void HandleRemovedPt(TdpPage* pt, bool shared) {
    const int level = pt->level();
    const u64 frozen = mut_.Has(Mutation::M9_5) ? rules_.nonpresent : rules_.frozen;
    for (int i = 0; i < pt->entries(); ++i) {
      Spte64& s = pt->spt(i);
      const u64 gfn = pt->gfn() + static_cast<u64>(i) * Span(level);
      u64 old_spte;
      if (shared) {
        if (mut_.Has(Mutation::M9_6)) {
          old_spte = s.GetLockless();  // read, then write: a cmpxchg in between is lost
          s.UpdateClearFast(frozen);
        } else {
          // Until the value replaced is not frozen: a frozen entry belongs to
          // another thread, which will overwrite it.
          for (;;) {
            old_spte = s.UpdateClearSlow(frozen);  // kvm_tdp_mmu_write_spte_atomic: xchg
            if (!rules_.IsFrozen(old_spte)) break;
            sync::pause();
          }
        }
      } else {
        old_spte = s.ReadLocked();
        if (!rules_.IsPresent(old_spte)) continue;
        old_spte = WriteSpte(s, old_spte, frozen, level);
      }
      HandleChangedSpte(gfn, old_spte, frozen, level, shared);
    }
    FreePageRcu(pt);
  }

  // kvm_tdp_mmu_map for a fault on gfn mapping `pfn`, mmu_lock held for read
  // and RCU: walk down, linking a missing table by cmpxchg (the loser frees
  // its unused table), then install the leaf. kRetry on a frozen entry or a
  // lost cmpxchg (RET_PF_RETRY: the vCPU faults again). A new table comes
  // from `cache`, the vCPU's memory cache topped up before the lock was
  // taken (mmu_topup_memory_caches; AllocPage in the scenario's set-up).
  enum class MapResult { kFixed, kSpurious, kRetry };
  MapResult Map(TdpPage* root, u64 gfn, u64 pfn, bool write, TdpPage** cache = nullptr) {
    Iter it = Read(root, gfn);
    for (;;) {
      if (rules_.IsFrozen(it.old_spte)) return MapResult::kRetry;
      if (it.level == 1) break;
      if (rules_.IsPresent(it.old_spte) && !KernelRules::IsLast(it.old_spte, it.level)) {
        TdpPage* child = Child(it.old_spte);
        if (child == nullptr) return MapResult::kRetry;
        it = Read(child, gfn);
        continue;
      }
      // tdp_mmu_alloc_sp from the vCPU's cache, then tdp_mmu_link_sp.
      // Without a cache the model stops here (the vCPU would top it up and
      // fault again: a plain fault on a missing table, tdp-set-spte-atomic's).
      TdpPage* sp = cache != nullptr ? *cache : nullptr;
      if (sp == nullptr) return MapResult::kRetry;
      sync::check(sp->level() == it.level - 1, "kvm_tdp_mmu_map: a table of the wrong level in the memory cache");
      *cache = nullptr;
      if (!SetSpteAtomic(it, spte::MakeNonLeaf(sp->frame()))) {
        FreePage(sp);  // never reachable: no grace period needed
        return MapResult::kRetry;
      }
      it = Read(sp, gfn);
    }
    // tdp_mmu_map_handle_target_level. A present leaf that allows the access
    // is spurious (fast_page_fault's is_access_allowed, which runs first).
    const u64 new_spte = MakeLeaf(pfn, write);
    if (rules_.IsPresent(it.old_spte) && (!write || spte::IsWritable(it.old_spte))) return MapResult::kSpurious;
    if (!SetSpteAtomic(it, new_spte)) return MapResult::kRetry;
    return MapResult::kFixed;
  }

  // tdp_mmu_zap_spte_atomic (5.13-6.13), mmu_lock held for read: freeze,
  // flush the gfn, then the cleared value; M9.7 clears before the flush.
  bool ZapSpteAtomic(Iter& it) {
    sync::check(!rules_.IsFrozen(it.old_spte), "tdp_mmu_zap_spte_atomic on a frozen spte");
    const u64 old_spte = it.old_spte;
    if (!it.sptep().Cmpxchg(it.old_spte, rules_.frozen)) return false;  // -EBUSY, old_spte refreshed
    if (mut_.Has(Mutation::M9_7)) {
      it.sptep().UpdateClearFast(rules_.nonpresent);
      FlushRemoteTlbs();
    } else {
      FlushRemoteTlbs();  // kvm_flush_remote_tlbs_gfn
      it.sptep().UpdateClearFast(rules_.nonpresent);  // __kvm_tdp_mmu_write_spte: nobody else writes a frozen entry
    }
    HandleChangedSpte(it.gfn, old_spte, rules_.nonpresent, it.level, /*shared=*/true);
    return true;
  }

  // kvm_recover_nx_huge_pages for the table under root's entry for gfn at
  // `table_level` + 1: under the write lock and RCU, kvm_tdp_mmu_zap_sp
  // clears the entry (handle_removed_pt queues the table's free), and the
  // remote flush comes before rcu_read_unlock, so the free, a grace period
  // later, comes after the flush; M4.8 leaves RCU first.
  void RecoverNxHugePage(TdpPage* root, u64 gfn, int table_level) {
    WriteLockMmu(mmu_lock_);
    rcu_.ReadLock();
    Iter it = Walk(root, gfn, table_level + 1);
    const bool zapped = rules_.IsPresent(it.old_spte) && !KernelRules::IsLast(it.old_spte, it.level);
    if (zapped) SetSpte(it, rules_.nonpresent);
    if (mut_.Has(Mutation::M4_8)) {
      rcu_.ReadUnlock();
      if (zapped) FlushRemoteTlbs();
    } else {
      if (zapped) FlushRemoteTlbs();
      rcu_.ReadUnlock();
    }
    mmu_lock_.WriteUnlock();
  }

  // ---- TLBs and vCPUs -----------------------------------------------------
  // kvm_flush_remote_tlbs: every vCPU's TLB is emptied; a vCPU in guest mode
  // is kicked out and waited for ([T4]).
  void FlushRemoteTlbs() {
    for (int i = 0; i < p_.nr_vcpus; ++i) {
      TdpVcpu& v = *vcpus_[i];
      At(Step::TlbFlush, [&] {
        for (u64 g = 0; g < v.nr_gfns(); ++g) v.tlb(g).store(0, std::memory_order_relaxed);
      });
      int mode = TdpVcpu::kInGuestMode;
      At(Step::ReadMode, [&] {
        sync::cmpxchg(v.mode(), mode, static_cast<int>(TdpVcpu::kExitingGuestMode));  // [T4]
        return mode;
      });
      if (mode == TdpVcpu::kOutsideGuestMode) continue;
      At(Step::KickVcpu, [&] {
        StepHook* h = GetStepHook();
        if (h != nullptr) h->blocking(sync::this_cpu(), "a vcpu to exit guest mode");
        while (v.mode().load(std::memory_order_acquire) != TdpVcpu::kOutsideGuestMode) sync::pause();  // [T4]
        if (h != nullptr) h->unblocked(sync::this_cpu());
        return i;
      });
    }
  }
  // VM exit ([T4]).
  void ExitGuest(TdpVcpu& v) {
    At(Step::ExitGuest, [&] { v.mode().store(TdpVcpu::kOutsideGuestMode, std::memory_order_release); });
  }

  // ---- roots --------------------------------------------------------------
  // The first root on tdp_mmu_roots (list_first_or_null_rcu), under RCU ([T3]).
  TdpPage* FirstRoot() {
    return At(Step::ReadRoots, [&] { return roots_.load(std::memory_order_acquire); });
  }
  // kvm_tdp_mmu_get_root: refcount_inc_not_zero ([T2]); M4.7: a plain increment.
  bool GetRoot(TdpPage* root) {
    CheckNotFreed(root);
    return At(Step::GetRoot, [&] {
      sync::Atomic<int>& rc = root->root_count();
      if (mut_.Has(Mutation::M4_7)) {
        rc.fetch_add(1, std::memory_order_relaxed);
        return true;
      }
      int c = rc.load(std::memory_order_relaxed);
      while (c != 0) {
        if (rc.compare_exchange_strong(c, c + 1, std::memory_order_relaxed)) return true;
        sync::pause();
      }
      return false;
    });
  }
  // kvm_tdp_mmu_put_root: the last reference unlinks the root and frees it
  // after a grace period.
  void PutRoot(TdpPage* root) {
    CheckNotFreed(root);
    const int left = At(Step::PutRoot, [&] { return root->root_count().fetch_sub(1, std::memory_order_acq_rel) - 1; });  // [T2]
    if (left != 0) return;
    At(Step::UnlinkRoot, [&] {
      TdpPage* expected = root;
      roots_.compare_exchange_strong(expected, nullptr, std::memory_order_release);  // list_del_rcu [T3]
      return root->frame();
    });
    FreePageRcu(root);
  }

  // ---- mmu_invalidate_seq -------------------------------------------------
  u64 ReadInvalidateSeq() {
    return At(Step::ReadSeq, [&] { return invalidate_seq_.load(std::memory_order_relaxed); });  // [T5]
  }
  // gfn_to_pfn: the host's page table.
  u64 LookupPfn(u64 gfn) {
    return At(Step::LookupPfn, [&] { return host_pfn_[gfn].load(std::memory_order_relaxed); });
  }
  // kvm_faultin_pfn's snapshot: seq, smp_rmb ([T5]; M9.10 drops it), then the pfn.
  u64 FaultinPfn(u64 gfn, u64* seq) {
    *seq = ReadInvalidateSeq();
    if (!mut_.Has(Mutation::M9_10)) sync::fence(std::memory_order_acquire);  // [T5] smp_rmb
    return LookupPfn(gfn);
  }
  // mmu_invalidate_retry_gfn, mmu_lock held (read or write).
  bool InvalidateRetry(u64 seq) {
    return At(Step::CheckRetry, [&] {
      if (invalidate_in_progress_.load(std::memory_order_relaxed) != 0) return true;
      return invalidate_seq_.load(std::memory_order_relaxed) != seq;
    });
  }
  // kvm_mmu_invalidate_begin, mmu_lock held for write.
  void InvalidateBegin() {
    At(Step::StartInvalidate, [&] {
      const int n = invalidate_in_progress_.load(std::memory_order_relaxed) + 1;
      invalidate_in_progress_.store(n, std::memory_order_relaxed);
      return n;
    });
  }
  // The host remaps gfn to pfn, then flushes its own TLBs ([T6]).
  void ChangeHostPte(u64 gfn, u64 pfn) {
    At(Step::ChangeHostPte, [&] {
      host_pfn_[gfn].store(pfn, std::memory_order_relaxed);
      return pfn;
    });
    sync::fence(std::memory_order_seq_cst);  // [T6]
  }
  // kvm_mmu_invalidate_end, mmu_lock held for write.
  void InvalidateEnd() {
    At(Step::EndInvalidate, [&] {
      const u64 s = invalidate_seq_.load(std::memory_order_relaxed) + 1;
      invalidate_seq_.store(s, std::memory_order_relaxed);
      sync::fence(std::memory_order_release);  // [T5] smp_wmb
      invalidate_in_progress_.store(invalidate_in_progress_.load(std::memory_order_relaxed) - 1,
                                    std::memory_order_relaxed);
      return s;
    });
  }
  u64 HostPfn(u64 gfn) const { return host_pfn_[gfn].load(std::memory_order_relaxed); }
  // Set-up: the host maps gfn to pfn.
  void InitHostPfn(u64 gfn, u64 pfn) { host_pfn_[gfn].store(pfn, std::memory_order_relaxed); }

  // ---- checks (after every thread) ----------------------------------------
  int Stats(int level) const { return stats_[level].load(std::memory_order_relaxed); }
  // The value of root's entry 0, read by a check (no walk).
  u64 root_spte(TdpPage* root) { return root->spt(0).ReadLocked(); }
  // Present leaves at `level` reachable from `root`.
  int CountLeaves(TdpPage* root, int level) {
    int n = 0;
    for (int i = 0; i < root->entries(); ++i) {
      const u64 s = root->spt(i).ReadLocked();
      if (!rules_.IsPresent(s)) continue;
      if (KernelRules::IsLast(s, root->level())) {
        n += root->level() == level;
      } else {
        TdpPage* const c = Child(s);  // not a declaration in the condition: the schemata mutator rewrites conditions
        if (c != nullptr) n += CountLeaves(c, level);
      }
    }
    return n;
  }
  // By frame, not by page: a freed page may not be read (TdpPage::frame() of
  // a freed page is a use after free).
  bool FrameFreed(u64 frame) const { return frame_freed_[frame].load(); }

  // Natively a freed table is poisoned, not unmapped: say so at once.
  void CheckNotFreed(TdpPage* sp) {
    if constexpr (!sync::kFreeForReal) {
      if (sp->ghost_freed().load()) sync::fail("use after free: the TDP MMU touched a freed page table");
    }
  }

 private:
  // tdp_mmu_free_sp_rcu_callback.
  static void FreeCallback(void* mmu, void* sp) { static_cast<TdpMmu*>(mmu)->FreePage(static_cast<TdpPage*>(sp)); }
  static u64 Pow(int b, int e) {
    u64 r = 1;
    for (int i = 0; i < e; ++i) r *= static_cast<u64>(b);
    return r;
  }

  TdpParams p_;
  KernelRules rules_;
  Mutations mut_;
  RwLock mmu_lock_;
  Rcu rcu_;
  u64 nr_gfns_;
  sync::Atomic<int> next_frame_;
  sync::Atomic<int> nr_quarantined_;
  sync::Atomic<TdpPage*> roots_;  // tdp_mmu_roots (at most one root here)
  sync::Atomic<u64> invalidate_seq_;
  // Written under the write lock, read under mmu_lock (and, by M9.8, without it).
  sync::Atomic<int> invalidate_in_progress_;
  sync::Var<TdpPage*>* frames_;            // written before the table is linked
  sync::Ghost<bool>* frame_freed_;         // ownership record for ~TdpMmu
  TdpPage** quarantine_;
  sync::Atomic<int>* stats_;  // kvm->stat.pages[level]: present leaves
  sync::Atomic<u64>* host_pfn_;
  TdpVcpu** vcpus_;
  PfnTracker pfns_;
};

}  // namespace mmu
