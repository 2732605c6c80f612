// mmu_core/vm.h: a VM's shadow MMU: tables, vCPUs, TLBs, faults, zapping.
//
// Kernel: arch/x86/kvm/mmu/mmu.c (kvm_mmu_alloc_shadow_page,
// kvm_mmu_get_shadow_page, link_shadow_page, direct_map, mmu_alloc_direct_roots,
// kvm_mmu_free_obsolete_roots, kvm_mmu_prepare_zap_page,
// kvm_mmu_commit_zap_page, walk_shadow_page_lockless_{begin,end},
// kvm_mmu_get_spte_hierarchy, detect_write_flooding,
// shadow_page_table_clear_flood) and kvm_main.c (kvm_make_all_cpus_request,
// kvm_flush_remote_tlbs). Brief §4, §6, §8.
//
// The guest address space is gfn 0 .. entries^levels - 1, mapped directly
// (gfn -> pfn = gfn + pfn_base). A table at level L covering base gfn B maps
// entry i to gfns B + i * entries^(L-1). A non-leaf spte holds the child
// table's frame number; frames are never reused within a VM, so a freed
// table's frame still names the freed memory (as a stale physical address would).
//
// Invariants:
//  - a shadow page is freed only after every vCPU that could be walking it
//    locklessly has left (the remote flush waits for READING vCPUs) [§4];
//  - a vCPU's faults never link a page under an obsolete root
//    (is_page_fault_stale) [§6];
//  - a guest access uses a TLB entry only after the flush requests made
//    before its guest entry have been served.
//
// Ordering edges:
//   [B1] WalkLocklessBegin: smp_store_mb(mode, READING): store, then a full
//        barrier before the first spte load; pairs with [F1].
//   [E1] WalkLocklessEnd: smp_store_release(mode, OUTSIDE): the walk's loads
//        happen before the freer sees OUTSIDE; pairs with [F2].
//   [F1] MakeAllCpusRequest: kvm_vcpu_exiting_guest_mode is a fully ordered
//        cmpxchg on mode, after the spte clear: store buffering with [B1].
//   [F2] the wait reads mode with acquire until OUTSIDE.
//   [Q0] kvm_make_request: smp_wmb before setting the request bit; pairs
//        with [Q1], the full barrier after a vCPU clears a request bit.
//   [G0] vcpu entry: mode = IN_GUEST then a full barrier before rereading
//        requests (kvm_vcpu_exit_request); pairs with [F1].
// Mutations here: M4.1 (no [B1] barrier), M4.2 (relaxed [E1]), M4.3 (no
// wait for READING vCPUs), M4.4 (free in prepare_zap), M4.5 (the link
// without [S1]), M4.6 (kvm_clear_request non-atomic), M6.2 (list_add_tail),
// M6.3 (no obsolete-root check), M6.4 (role.invalid after the request), M6.6
// (with zap_all.h: a zapped pinned root stays on active_mmu_pages, as in 3.11),
// M8.1 (write_flooding_count reset after the lockless walk ended).
#pragma once

#include <cstdint>
#include <optional>

#include "mmu_core/mutations.h"
#include "mmu_core/shadow_page.h"
#include "mmu_core/spte.h"
#include "mmu_core/spte64.h"
#include "mmu_core/spte_ops.h"
#include "mmu_core/steps.h"
#include "mmu_core/sync.h"

namespace mmu {

struct VmParams {
  int levels = 2;          // table levels; the root is at this level
  int entries = 2;         // sptes per table
  int nr_vcpus = 1;
  int max_frames = 16;     // tables a VM may ever allocate
  u64 pfn_base = 0;        // gfn g is backed by pfn g + pfn_base
  bool ad_enabled = true;  // hardware A/D bits
  int zap_batch = 10;      // BATCH_ZAP_PAGES
  // Guest frames with per-gfn state (dirty bitmap, write tracking, one TLB
  // entry per vCPU, pfn A/D records): gfns 0..nr_gfns-1. 0 means the whole
  // address space, entries^levels, as the models have it. Kernel scale cannot
  // afford that (512^4 gfns): there a gfn at or beyond nr_gfns is guest
  // memory that is neither write-tracked nor dirty-logged, and that no TLB
  // entry caches (a guest access to it always walks the tables).
  u64 nr_gfns = 0;
  // mmu_page_hash buckets, a power of two. 1 keeps a single chain in the
  // order of active_mmu_pages (the models); the kernel has 4096.
  int hash_buckets = 1;
};

// vcpu->mode
enum VcpuMode : int { kOutsideGuestMode = 0, kInGuestMode = 1, kExitingGuestMode = 2, kReadingShadowPageTables = 3 };

// vcpu->requests bits
inline constexpr std::uint32_t kReqTlbFlush = 1u << 0;            // KVM_REQ_TLB_FLUSH (WAIT)
inline constexpr std::uint32_t kReqFreeObsoleteRoots = 1u << 1;   // KVM_REQ_MMU_FREE_OBSOLETE_ROOTS

// The result of a page fault handler (RET_PF_*).
enum class PfResult { kFixed, kSpurious, kRetry, kSlowPath };

class Vm;

// A per-vCPU TLB: one entry per gfn, (pfn << 12) | kTlbValid | kTlbWritable.
// Only its vCPU fills or flushes it (a remote flush is a request it serves).
class Tlb {
 public:
  static constexpr u64 kValid = 1;
  static constexpr u64 kWritable = 2;
  explicit Tlb(u64 nr_gfns) : n_(nr_gfns), e_(sync::make_array<sync::Var<u64>>(nr_gfns)) {
    for (u64 i = 0; i < n_; ++i) e_[i].store(0);
  }
  ~Tlb() { sync::destroy_array(e_); }
  Tlb(const Tlb&) = delete;
  Tlb& operator=(const Tlb&) = delete;
  // Only gfns below VmParams::nr_gfns are cached; others always miss.
  u64 Lookup(u64 gfn) const { return gfn < n_ ? e_[gfn].load() : 0; }
  void Fill(u64 gfn, u64 pfn, bool writable) {
    if (gfn >= n_) return;
    At(Step::TlbFill, [&] {
      const u64 e = (pfn << spte::kPfnShift) | kValid | (writable ? kWritable : 0);
      e_[gfn].store(e);
      return e;
    });
  }
  void FlushAll() {
    for (u64 i = 0; i < n_; ++i) e_[i].store(0);
  }
  u64 size() const { return n_; }

 private:
  u64 n_;
  sync::Var<u64>* e_;
};

class Vcpu {
 public:
  Vcpu(int id, u64 nr_gfns)
      : id_(id), mode_(kOutsideGuestMode), requests_(0), root_(nullptr), tlb_(nr_gfns), served_(0) {}
  int id() const { return id_; }
  sync::Atomic<int>& mode() { return mode_; }
  sync::Atomic<std::uint32_t>& requests() { return requests_; }
  const sync::Atomic<std::uint32_t>& requests() const { return requests_; }
  // Ghost: the requests this vCPU took off its word (kvm_check_request said
  // yes), for the contract "a request made is served or still pending".
  sync::Ghost<std::uint32_t>& served_requests() { return served_; }
  const sync::Ghost<std::uint32_t>& served_requests() const { return served_; }
  sync::Var<ShadowPage*>& root() { return root_; }
  const sync::Var<ShadowPage*>& root() const { return root_; }
  Tlb& tlb() { return tlb_; }
  const Tlb& tlb() const { return tlb_; }

 private:
  int id_;
  sync::Atomic<int> mode_;
  sync::Atomic<std::uint32_t> requests_;
  sync::Var<ShadowPage*> root_;  // vcpu->arch.mmu->root: the vCPU's own
  Tlb tlb_;
  sync::Ghost<std::uint32_t> served_;
};

// Shadow pages zapped but not yet freed (kvm_mmu_commit_zap_page's list),
// in the order they were queued. As the kernel moves sp->link onto the list,
// the pages are chained through their next() link (they are off
// active_mmu_pages by then), so the list holds any number of pages without
// allocating: a zap-all at kernel scale queues 10^6. Under mmu_lock.
class InvalidList {
 public:
  void Add(ShadowPage* sp) {
    sp->next().store(nullptr);
    if (tail_ != nullptr) {
      tail_->next().store(sp);
    } else {
      head_ = sp;
    }
    tail_ = sp;
    ++n_;
  }
  int size() const { return n_; }
  ShadowPage* first() const { return head_; }  // then sp->next()
  void Clear() {
    head_ = tail_ = nullptr;
    n_ = 0;
  }

 private:
  ShadowPage* head_ = nullptr;
  ShadowPage* tail_ = nullptr;
  int n_ = 0;
};

// A value no spte ever holds: a freed table's entries (native quarantine).
inline constexpr u64 kPoisonSpte = 0xdead0000dead0000ull;

class Vm {
 public:
  Vm(const VmParams& p, Mutations mut)
      : p_(p), mut_(mut), nr_gfns_(p.nr_gfns != 0 ? p.nr_gfns : Pow(p.entries, p.levels)), mmu_valid_gen_(0),
        head_(nullptr), tail_(nullptr), nr_active_(0), next_frame_(0), nr_quarantined_(0), zaps_started_(0),
        frames_(sync::make_array<sync::Var<ShadowPage*>>(static_cast<std::size_t>(p.max_frames))),
        frame_freed_(sync::make_array<sync::Var<bool>>(static_cast<std::size_t>(p.max_frames))),
        quarantine_(sync::make_array<ShadowPage*>(static_cast<std::size_t>(p.max_frames))),
        dirty_bitmap_(sync::make_array<sync::Atomic<int>>(nr_gfns_)),
        write_tracked_(sync::make_array<sync::Var<bool>>(nr_gfns_)),
        pfns_(nr_gfns_ + p.pfn_base),
        hash_head_(sync::make_array<sync::Var<ShadowPage*>>(static_cast<std::size_t>(p.hash_buckets))),
        hash_tail_(sync::make_array<sync::Var<ShadowPage*>>(static_cast<std::size_t>(p.hash_buckets))) {
    sync::check(p.hash_buckets > 0 && (p.hash_buckets & (p.hash_buckets - 1)) == 0,
                "VmParams::hash_buckets must be a power of two");
    while ((1 << hash_shift_) < p.hash_buckets) ++hash_shift_;
    for (int b = 0; b < p.hash_buckets; ++b) {
      hash_head_[b].store(nullptr);
      hash_tail_[b].store(nullptr);
    }
    for (int i = 0; i < p.max_frames; ++i) {
      frames_[i].store(nullptr);
      frame_freed_[i].store(false);
    }
    for (u64 g = 0; g < nr_gfns_; ++g) {
      dirty_bitmap_[g].store(0, std::memory_order_relaxed);
      write_tracked_[g].store(false);
    }
    vcpus_ = static_cast<Vcpu**>(sync::make_array<Vcpu*>(static_cast<std::size_t>(p.nr_vcpus)));
    for (int i = 0; i < p.nr_vcpus; ++i) vcpus_[i] = sync::make<Vcpu>(i, nr_gfns_);
    ctx_.ad_enabled = p.ad_enabled;
    ctx_.mut = mut;
    ctx_.pfns = &pfns_;
  }

  ~Vm() {
    // Everything still allocated: pages on the active list, pinned invalid
    // roots (reachable from frames_), and the quarantine.
    for (int f = 0; f < next_frame_.load(); ++f) {
      ShadowPage* sp = frames_[f].load();
      if (sp == nullptr || frame_freed_[f].load()) continue;
      sync::destroy(sp);
    }
    for (int i = 0; i < nr_quarantined_.load(); ++i) sync::destroy(quarantine_[i]);
    for (int i = 0; i < p_.nr_vcpus; ++i) sync::destroy(vcpus_[i]);
    sync::destroy_array(vcpus_);
    sync::destroy_array(frames_);
    sync::destroy_array(frame_freed_);
    sync::destroy_array(quarantine_);
    sync::destroy_array(dirty_bitmap_);
    sync::destroy_array(write_tracked_);
    sync::destroy_array(hash_head_);
    sync::destroy_array(hash_tail_);
  }
  Vm(const Vm&) = delete;
  Vm& operator=(const Vm&) = delete;

  // ---- accessors --------------------------------------------------------
  const VmParams& params() const { return p_; }
  Mutations mutations() const { return mut_; }
  const SpteOpsContext& spte_ctx() const { return ctx_; }
  u64 nr_gfns() const { return nr_gfns_; }  // gfns with per-gfn state (VmParams::nr_gfns)
  Vcpu& vcpu(int i) { return *vcpus_[i]; }
  const Vcpu& vcpu(int i) const { return *vcpus_[i]; }
  sync::Mutex& mmu_lock() { return mmu_lock_; }
  sync::Mutex& slots_lock() { return slots_lock_; }
  PfnTracker& pfns() { return pfns_; }
  const PfnTracker& pfns() const { return pfns_; }
  u64 PfnOf(u64 gfn) const { return gfn + p_.pfn_base; }
  // The dirty bitmap covers gfns below VmParams::nr_gfns (the rest is not logged).
  bool Dirty(u64 gfn) const { return gfn < nr_gfns_ && dirty_bitmap_[gfn].load(std::memory_order_relaxed) != 0; }
  u64 zaps_started() const { return zaps_started_.load(); }
  // kvm->arch.mmu_valid_gen: written under mmu_lock, read by is_obsolete_root without it.
  std::uint8_t mmu_valid_gen() const { return mmu_valid_gen_.load(std::memory_order_relaxed); }

  // kvm_slot_page_track_add_page: the gfn shadows a guest page table; its
  // sptes lose MMU-writable. Under mmu_lock (or before threads start).
  void SetWriteTracked(u64 gfn, bool tracked) {
    sync::check(gfn < nr_gfns_, "write tracking beyond VmParams::nr_gfns");
    if (gfn < nr_gfns_) write_tracked_[gfn].store(tracked);
  }

  // Span of one entry at `level`, and the entry index of gfn in a table.
  u64 Span(int level) const { return Pow(p_.entries, level - 1); }
  int Index(u64 gfn, int level) const { return static_cast<int>((gfn / Span(level)) % static_cast<u64>(p_.entries)); }

  // ---- the active_mmu_pages list (under mmu_lock) -----------------------
  // Newest at the head; kvm_zap_obsolete_pages walks from the tail.
  ShadowPage* ListHead() const { return head_.load(); }
  ShadowPage* ListTail() const { return tail_.load(); }
  // The number of pages on the list (n_used_mmu_pages), kept as they come and go.
  int ListLength() const { return nr_active_.load(); }

  // The table frames handed out so far, and whether frame f's page was freed
  // (a ghost view for the scenarios' checks; under mmu_lock).
  int FramesUsed() const { return next_frame_.load(); }
  bool FrameFreed(int f) const { return frame_freed_[f].load(); }
  ShadowPage* FramePage(int f) const { return frames_[f].load(); }

  // is_obsolete_sp: invalid, or created under another mmu_valid_gen.
  bool IsObsolete(const ShadowPage* sp) const { return sp->invalid() || sp->mmu_valid_gen() != mmu_valid_gen(); }

  // The table in frame f (__va of a non-leaf spte's address).
  ShadowPage* FrameToPage(u64 frame) const {
    if (frame >= static_cast<u64>(p_.max_frames)) {
      sync::fail("spte points outside the table frames");
      return nullptr;
    }
    return frames_[frame].load();
  }

  // sptep_to_sp: the live table holding spte s (nullptr if none). Under mmu_lock.
  ShadowPage* SpteToPage(const Spte64* s) const {
    for (int f = 0; f < next_frame_.load(); ++f) {
      if (frame_freed_[f].load()) continue;
      ShadowPage* sp = frames_[f].load();
      const int i = sp->IndexOf(s);
      if (i >= 0 && i < sp->entries()) return sp;
    }
    return nullptr;
  }

  // ---- allocation -------------------------------------------------------
  // kvm_mmu_alloc_shadow_page: under mmu_lock.
  ShadowPage* AllocShadowPage(int level, bool direct, u64 gfn) {
    const int frame = next_frame_.load();
    sync::check(frame < p_.max_frames, "out of shadow page frames (raise VmParams::max_frames)");
    if (frame >= p_.max_frames) return nullptr;
    next_frame_.store(frame + 1);
    ShadowPage* sp = sync::make<ShadowPage>(static_cast<u64>(frame), level, direct, gfn, mmu_valid_gen(), p_.entries,
                                            zaps_started_.load());
    frames_[frame].store(sp);
    if (mut_.Has(Mutation::M6_2)) {
      ListAddTail(sp);
    } else {
      ListAdd(sp);
    }
    return sp;
  }

  // kvm_mmu_get_shadow_page: reuse a valid page for (level, gfn, direct),
  // resetting its write-flooding count, or allocate one. Under mmu_lock.
  // The search walks gfn's mmu_page_hash bucket, which keeps the pages in
  // the order of active_mmu_pages: the first match is the one a walk of the
  // whole list would find.
  ShadowPage* GetShadowPage(int level, bool direct, u64 gfn) {
    for (ShadowPage* sp = hash_head_[HashOf(gfn)].load(); sp != nullptr; sp = sp->hash_next().load()) {
      if (sp->level() == level && sp->gfn() == gfn && sp->direct() == direct && !IsObsolete(sp)) {
        sp->write_flooding_count().store(0, std::memory_order_relaxed);
        return sp;
      }
    }
    return AllocShadowPage(level, direct, gfn);
  }

  // link_shadow_page: point parent_spte at child. Under mmu_lock.
  void LinkShadowPage(Spte64& parent_spte, ShadowPage* child) {
    At(Step::LinkPage, [&] { return child->frame(); });
    if (mut_.Has(Mutation::M4_5)) {
      parent_spte.PlainStore(spte::MakeNonLeaf(child->frame()));  // no [S1] release
    } else {
      MmuSpteSet(parent_spte, spte::MakeNonLeaf(child->frame()));
    }
    child->parent_ptes().Add(&parent_spte);
  }

  // ---- roots ------------------------------------------------------------
  // kvm_mmu_load / mmu_alloc_direct_roots: pin a root of the current gen.
  void MmuLoad(Vcpu& v, bool direct = true) {
    LockScope lock(mmu_lock_);
    ShadowPage* root = GetShadowPage(p_.levels, direct, 0);
    if (root != nullptr) {
      root->root_count().store(root->root_count().load() + 1);
      At(Step::LoadRoot, [&] { return root->frame(); });
    }
    v.root().store(root);
  }

  // kvm_mmu_free_obsolete_roots: drop the root if it is obsolete. The check
  // runs without mmu_lock (is_obsolete_root), as in the kernel.
  void FreeObsoleteRoots(Vcpu& v) {
    ShadowPage* root = v.root().load();
    if (root == nullptr || !IsObsolete(root)) return;
    InvalidList invalid;
    LockScope lock(mmu_lock_);
    const int rc = root->root_count().load() - 1;
    root->root_count().store(rc);
    if (rc == 0 && root->invalid()) PrepareZapPage(root, invalid);
    v.root().store(nullptr);
    CommitZapPage(invalid);
  }

  // ---- requests, vCPU entry, remote flush -------------------------------
  // kvm_make_request.
  void MakeRequest(Vcpu& v, std::uint32_t req) {
    sync::fence(std::memory_order_release);  // [Q0] data before the request bit; pairs with [Q1]
    v.requests().fetch_or(req, std::memory_order_relaxed);
  }

  // kvm_check_request: test, clear, then a full barrier.
  bool CheckRequest(Vcpu& v, std::uint32_t req) {
    if ((v.requests().load(std::memory_order_relaxed) & req) == 0) return false;
    if (mut_.Has(Mutation::M4_6)) {
      // __clear_bit: a plain read-modify-write of the whole word.
      const std::uint32_t r = At(Step::ReadRequests, [&] { return v.requests().load(std::memory_order_relaxed); });
      At(Step::ClearRequest, [&] {
        v.requests().store(r & ~req, std::memory_order_relaxed);
        return r & ~req;
      });
    } else {
      v.requests().fetch_and(~req, std::memory_order_relaxed);  // kvm_clear_request: clear_bit
    }
    v.served_requests().store(v.served_requests().load() | req);  // ghost, in the same event as the clear
    sync::fence(std::memory_order_seq_cst);  // [Q1] smp_mb__after_atomic; pairs with [Q0]
    return true;
  }

  // The requests a vCPU serves before entering the guest.
  void ServiceRequests(Vcpu& v) {
    if (CheckRequest(v, kReqFreeObsoleteRoots)) {
      FreeObsoleteRoots(v);
      if (v.root().load() == nullptr) MmuLoad(v);
    }
    if (CheckRequest(v, kReqTlbFlush)) {
      At(Step::TlbFlush, [&] { v.tlb().FlushAll(); });
    }
  }

  // vcpu_enter_guest up to VM entry: serve requests, IN_GUEST_MODE, a full
  // barrier, and back out if a request arrived meanwhile.
  void EnterGuest(Vcpu& v) {
    for (;;) {
      ServiceRequests(v);
      v.mode().store(kInGuestMode, std::memory_order_relaxed);
      sync::fence(std::memory_order_seq_cst);  // [G0] pairs with [F1]
      const bool exit = v.requests().load(std::memory_order_relaxed) != 0 ||
                        v.mode().load(std::memory_order_relaxed) == kExitingGuestMode;
      if (!exit) return;
      v.mode().store(kOutsideGuestMode, std::memory_order_release);
      sync::pause();
    }
  }
  // VM exit.
  void ExitGuest(Vcpu& v) { v.mode().store(kOutsideGuestMode, std::memory_order_release); }

  // kvm_make_all_cpus_request; with wait, IPI every vCPU not outside guest
  // mode (READING included) and wait until it is outside. `request_step`
  // names the setting of each vCPU's request bit, where a caller lists it
  // (zap-all: "reload roots").
  void MakeAllCpusRequest(std::uint32_t req, bool wait, std::optional<Step> request_step = std::nullopt) {
    for (int i = 0; i < p_.nr_vcpus; ++i) {
      Vcpu& v = *vcpus_[i];
      if (request_step) {
        At(*request_step, [&] {
          MakeRequest(v, req);
          return v.id();
        });
      } else {
        MakeRequest(v, req);
      }
    }
    for (int i = 0; i < p_.nr_vcpus; ++i) {
      Vcpu& v = *vcpus_[i];
      // kvm_vcpu_exiting_guest_mode: [F1] fully ordered cmpxchg IN_GUEST -> EXITING.
      int mode = kInGuestMode;
      At(Step::ReadMode, [&] {
        sync::cmpxchg(v.mode(), mode, static_cast<int>(kExitingGuestMode));
        return mode;
      });
      if (!wait || mode == kOutsideGuestMode) continue;
      if (mode == kReadingShadowPageTables && mut_.Has(Mutation::M4_3)) continue;  // only IN_GUEST gets the IPI
      At(Step::KickVcpu, [&] {
        WaitUntil("the vCPU to leave guest mode or its lockless walk (kvm_flush_remote_tlbs waits for it)",
                  [&] { return v.mode().load(std::memory_order_acquire) == kOutsideGuestMode; });  // [F2]
        return v.id();
      });
    }
  }

  // kvm_flush_remote_tlbs.
  void FlushRemoteTlbs() { MakeAllCpusRequest(kReqTlbFlush, /*wait=*/true); }

  // ---- lockless walks ---------------------------------------------------
  void WalkLocklessBegin(Vcpu& v) {
    At(Step::BeginLockless, [&] {
      v.mode().store(kReadingShadowPageTables, std::memory_order_relaxed);
      if (!mut_.Has(Mutation::M4_1)) sync::fence(std::memory_order_seq_cst);  // [B1] pairs with [F1]
    });
  }
  void WalkLocklessEnd(Vcpu& v) {
    At(Step::EndLockless, [&] {
      v.mode().store(kOutsideGuestMode,
                     mut_.Has(Mutation::M4_2) ? std::memory_order_relaxed : std::memory_order_release);  // [E1]
    });
  }

  // One level of a lockless walk: the spte, and the table it sits in.
  struct WalkStep {
    ShadowPage* sp = nullptr;
    int index = 0;
    u64 spte = 0;
  };
  // kvm_mmu_get_spte_hierarchy: walk from v's root towards gfn, between
  // WalkLocklessBegin/End. Returns the number of levels read; steps[0] is
  // the root level. Stops at a non-present spte or a leaf.
  int GetSpteHierarchy(Vcpu& v, u64 gfn, WalkStep* steps) {
    ShadowPage* sp = v.root().load();
    int n = 0;
    for (int level = p_.levels; sp != nullptr && level >= 1; --level) {
      const int idx = Index(gfn, level);
      CheckNotFreed(sp);
      const u64 s = sp->spt(idx).GetLockless();
      if (s == kPoisonSpte) sync::fail("use after free: a lockless walk read a freed shadow page");
      steps[n++] = WalkStep{sp, idx, s};
      if (!spte::IsShadowPresent(s) || level == 1 || spte::IsLarge(s)) break;
      sp = FrameToPage(spte::Pfn(s));
    }
    return n;
  }

  // ---- the slow page fault (direct_map), under mmu_lock ------------------
  PfResult PageFault(Vcpu& v, u64 gfn, bool write) {
    LockScope lock(mmu_lock_);
    ShadowPage* sp = v.root().load();
    // is_page_fault_stale: a fault under an obsolete root must retry (M6.3 drops it).
    if (sp == nullptr || (!mut_.Has(Mutation::M6_3) && IsObsolete(sp))) return PfResult::kRetry;
    for (int level = p_.levels; level > 1; --level) {
      Spte64& s = sp->spt(Index(gfn, level));
      const u64 cur = s.ReadLocked();
      if (spte::IsShadowPresent(cur)) {
        sp = FrameToPage(spte::Pfn(cur));
        continue;
      }
      const u64 base = gfn - gfn % Span(level);
      ShadowPage* child = GetShadowPage(level - 1, sp->direct(), base);
      if (child == nullptr) break;
      LinkShadowPage(s, child);
      sp = child;
    }
    Spte64& leaf = sp->spt(Index(gfn, 1));
    const bool tracked = gfn < nr_gfns_ && write_tracked_[gfn].load();
    const u64 want = spte::MakeLeaf(PfnOf(gfn), /*host_writable=*/true, /*mmu_writable=*/!tracked,
                                    /*writable=*/write && !tracked, /*accessed=*/true);
    const u64 cur = leaf.ReadLocked();
    bool flush = false;
    if (!spte::IsShadowPresent(cur)) {
      MmuSpteSet(leaf, want);
    } else if ((cur & ~(spte::kAccessed | spte::kDirty)) != want) {
      flush = MmuSpteUpdate(leaf, want | (cur & spte::kDirty), ctx_);
    }
    if (flush) FlushRemoteTlbs();
    return PfResult::kFixed;
  }

  // ---- zapping ----------------------------------------------------------
  // kvm_mmu_prepare_zap_page: unlink children and parents, mark invalid,
  // queue for freeing. Under mmu_lock. Returns the number of pages queued.
  int PrepareZapPage(ShadowPage* sp, InvalidList& invalid_list) {
    At(Step::ZapPage, [&] { return sp->frame(); });
    // kvm_mmu_page_unlink_children
    for (int i = 0; i < sp->entries(); ++i) {
      Spte64& s = sp->spt(i);
      const u64 cur = s.ReadLocked();
      if (!spte::IsShadowPresent(cur)) continue;
      if (sp->level() == 1 || spte::IsLarge(cur)) {
        MmuSpteClearTrackBits(s, ctx_);  // drop_spte
      } else {
        FrameToPage(spte::Pfn(cur))->parent_ptes().Remove(&s);  // drop_parent_pte
        MmuSpteClearNoTrack(s);
      }
    }
    // kvm_mmu_unlink_parents
    while (sp->parent_ptes().Count() > 0) {
      Spte64* parent = sp->parent_ptes().Get(0);
      sp->parent_ptes().Remove(parent);
      MmuSpteClearNoTrack(*parent);
    }
    int nr_zapped = 0;
    bool zapped_root = false;
    // M6.6 reproduces 3.11, where a zapped pinned root went back to the head
    // of active_mmu_pages (list_move) and stayed there, invalid, until its
    // last user dropped it; today it leaves the list (list_del, below).
    const bool pinned_roots_stay_listed = mut_.Has(Mutation::M6_6);
    if (sp->root_count().load() == 0) {
      ++nr_zapped;
      // An invalid page is already off the list (unless M6.6 kept it there).
      if (!sp->invalid() || pinned_roots_stay_listed) ListDel(sp);
      if (mut_.Has(Mutation::M4_4)) {
        sp->set_invalid();
        FreeShadowPage(sp);  // freed before any remote flush
        return nr_zapped;
      }
      invalid_list.Add(sp);
    } else if (pinned_roots_stay_listed) {
      ListDel(sp);  // list_move(&sp->link, &kvm->arch.active_mmu_pages)
      ListAdd(sp);
      zapped_root = !IsObsolete(sp);
    } else {
      if (!sp->invalid()) ListDel(sp);
      zapped_root = !IsObsolete(sp);
    }
    if (zapped_root && mut_.Has(Mutation::M6_4)) {
      MakeAllCpusRequest(kReqFreeObsoleteRoots, /*wait=*/false);
      sp->set_invalid();
      return nr_zapped;
    }
    sp->set_invalid();  // [I1] before the request
    if (zapped_root) MakeAllCpusRequest(kReqFreeObsoleteRoots, /*wait=*/false);
    return nr_zapped;
  }

  // kvm_mmu_commit_zap_page: flush (and wait for lockless walkers), then free.
  void CommitZapPage(InvalidList& invalid_list) {
    if (invalid_list.size() == 0) return;
    FlushRemoteTlbs();
    for (ShadowPage* sp = invalid_list.first(); sp != nullptr;) {
      ShadowPage* next = sp->next().load();
      FreeShadowPage(sp);
      sp = next;
    }
    invalid_list.Clear();
  }

  // kvm_mmu_free_shadow_page.
  void FreeShadowPage(ShadowPage* sp) {
    At(Step::FreePage, [&] { return sp->frame(); });
    frame_freed_[sp->frame()].store(true);
    if constexpr (sync::kFreeForReal) {
      sync::destroy(sp);
    } else {
      for (int i = 0; i < sp->entries(); ++i) sp->spt(i).Init(kPoisonSpte);
      sp->ghost_freed().store(true);
      const int n = nr_quarantined_.load();
      sync::check(n < p_.max_frames, "quarantine overflow");
      if (n < p_.max_frames) {
        quarantine_[n] = sp;
        nr_quarantined_.store(n + 1);
      }
    }
  }

  // ---- write flooding (brief §8) ------------------------------------------
  // detect_write_flooding, under mmu_lock: true means "zap this page".
  bool DetectWriteFlooding(ShadowPage* sp) {
    if (sp->level() == 1) return false;  // 4K pages may go unsync instead
    return sp->write_flooding_count().fetch_add(1, std::memory_order_relaxed) + 1 >= 3;
  }
  // shadow_page_table_clear_flood: a lockless walk resetting every page on
  // the path, inside the walk, so no page it touches can have been freed
  // (§8); M8.1 resets after walk_shadow_page_lockless_end.
  void ShadowPageTableClearFlood(Vcpu& v, u64 gfn) {
    WalkStep steps[8];
    WalkLocklessBegin(v);
    const int n = GetSpteHierarchy(v, gfn, steps);
    const bool after_end = mut_.Has(Mutation::M8_1);
    if (after_end) WalkLocklessEnd(v);
    for (int i = 0; i < n; ++i) {
      ShadowPage* sp = steps[i].sp;
      CheckNotFreed(sp);
      At(Step::ResetFlood, [&] {
        sp->write_flooding_count().store(0, std::memory_order_relaxed);  // clear_sp_write_flooding_count
        return sp->frame();
      });
    }
    if (!after_end) WalkLocklessEnd(v);
  }

  // ---- kvm_mmu_zap_all_fast and kvm_zap_obsolete_pages: zap_all.h ----------
  void ToggleValidGen() {
    At(Step::ToggleGen, [&] {
      const std::uint8_t g = static_cast<std::uint8_t>(mmu_valid_gen() ^ 1);
      mmu_valid_gen_.store(g, std::memory_order_relaxed);
      zaps_started_.store(zaps_started_.load() + 1);
      return g;
    });
  }
  void set_dirty(u64 gfn) {
    if (gfn < nr_gfns_) dirty_bitmap_[gfn].store(1, std::memory_order_relaxed);
  }
  // KVM_GET_DIRTY_LOG's read of a bitmap word: xchg it with 0 (fully ordered).
  int HarvestDirty(u64 gfn) {
    if (gfn >= nr_gfns_) return 0;
    return At(Step::HarvestDirty, [&] { return sync::xchg(dirty_bitmap_[gfn], 0); });
  }

 private:
  static u64 Pow(int b, int e) {
    u64 r = 1;
    for (int i = 0; i < e; ++i) r *= static_cast<u64>(b);
    return r;
  }
  // Natively a freed page is poisoned, not unmapped: say so at once.
  void CheckNotFreed(ShadowPage* sp) {
    if constexpr (!sync::kFreeForReal) {
      if (sp->ghost_freed().load()) sync::fail("use after free: a lockless walk reached a freed shadow page");
    }
  }
  // kvm_page_table_hashfn: hash_64(gfn) into hash_buckets.
  std::size_t HashOf(u64 gfn) const {
    if (hash_shift_ == 0) return 0;
    return static_cast<std::size_t>((gfn * 0x61c8864680b583ebull) >> (64 - hash_shift_));
  }
  // The list and the page's hash bucket change together, at the same end.
  void ListAdd(ShadowPage* sp) {
    ShadowPage* h = head_.load();
    sp->prev().store(nullptr);
    sp->next().store(h);
    if (h != nullptr) h->prev().store(sp);
    else tail_.store(sp);
    head_.store(sp);
    sync::Var<ShadowPage*>& bh = hash_head_[HashOf(sp->gfn())];
    ShadowPage* hh = bh.load();
    sp->hash_prev().store(nullptr);
    sp->hash_next().store(hh);
    if (hh != nullptr) hh->hash_prev().store(sp);
    else hash_tail_[HashOf(sp->gfn())].store(sp);
    bh.store(sp);
    nr_active_.store(nr_active_.load() + 1);
  }
  void ListAddTail(ShadowPage* sp) {
    ShadowPage* t = tail_.load();
    sp->next().store(nullptr);
    sp->prev().store(t);
    if (t != nullptr) t->next().store(sp);
    else head_.store(sp);
    tail_.store(sp);
    sync::Var<ShadowPage*>& bt = hash_tail_[HashOf(sp->gfn())];
    ShadowPage* ht = bt.load();
    sp->hash_next().store(nullptr);
    sp->hash_prev().store(ht);
    if (ht != nullptr) ht->hash_next().store(sp);
    else hash_head_[HashOf(sp->gfn())].store(sp);
    bt.store(sp);
    nr_active_.store(nr_active_.load() + 1);
  }
  void ListDel(ShadowPage* sp) {
    ShadowPage* p = sp->prev().load();
    ShadowPage* n = sp->next().load();
    if (p != nullptr) p->next().store(n);
    else head_.store(n);
    if (n != nullptr) n->prev().store(p);
    else tail_.store(p);
    sp->prev().store(nullptr);
    sp->next().store(nullptr);
    ShadowPage* hp = sp->hash_prev().load();
    ShadowPage* hn = sp->hash_next().load();
    if (hp != nullptr) hp->hash_next().store(hn);
    else hash_head_[HashOf(sp->gfn())].store(hn);
    if (hn != nullptr) hn->hash_prev().store(hp);
    else hash_tail_[HashOf(sp->gfn())].store(hp);
    sp->hash_prev().store(nullptr);
    sp->hash_next().store(nullptr);
    nr_active_.store(nr_active_.load() - 1);
  }

  VmParams p_;
  Mutations mut_;
  u64 nr_gfns_;
  sync::Mutex mmu_lock_;
  sync::Mutex slots_lock_;
  sync::Atomic<std::uint8_t> mmu_valid_gen_;
  sync::Var<ShadowPage*> head_;
  sync::Var<ShadowPage*> tail_;
  sync::Var<int> nr_active_;  // the length of active_mmu_pages
  sync::Var<int> next_frame_;
  sync::Var<int> nr_quarantined_;
  sync::Ghost<u64> zaps_started_;
  sync::Var<ShadowPage*>* frames_;
  sync::Var<bool>* frame_freed_;  // under mmu_lock; ownership record for ~Vm
  ShadowPage** quarantine_;
  sync::Atomic<int>* dirty_bitmap_;
  sync::Var<bool>* write_tracked_;
  Vcpu** vcpus_ = nullptr;
  PfnTracker pfns_;
  SpteOpsContext ctx_;
  // mmu_page_hash: each bucket's first and last page (under mmu_lock).
  sync::Var<ShadowPage*>* hash_head_;
  sync::Var<ShadowPage*>* hash_tail_;
  unsigned hash_shift_ = 0;  // log2(hash_buckets)
};

}  // namespace mmu
