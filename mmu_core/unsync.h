// mmu_core/unsync.h: unsync shadow pages, a message passed through an spte's W bit (brief §9.1).
//
// Kernel: mmu_try_to_unsync_pages / kvm_unsync_page (the writer, under
// mmu_lock, from make_spte) and kvm_mmu_sync_roots / is_unsync_root (the
// reader, a vCPU after the guest flushed its TLB), mmu.c [6.x].
//
// A guest page table G is shadowed by a level-1 indirect shadow page S; the
// sptes that map G are write-protected so that KVM sees the guest's writes
// to it. Instead of emulating them, KVM may let S go out of sync: it sets
// S->unsync and then makes the spte mapping G writable. The guest then
// writes G directly and, as the architecture requires, flushes its TLB before
// relying on the change; the flush exits to KVM, which syncs every unsync
// page. The sync is skipped when kvm_mmu_sync_roots sees no unsync page, so
// a vCPU that wrote G through the writable spte must see S->unsync == 1.
//
// Invariant: a vCPU that used a writable spte of G and then exited for a TLB
// flush never finds S in sync (W == 1 and unsync == 0 is forbidden).
//
// Ordering edges (message passing):
//   [U1] the writer: S->unsync = 1, smp_wmb (release fence), then the spte
//        becomes writable (a plain store); pairs with [U2].
//   [U2] the reader: the hardware read W == 1 in the spte, the guest wrote
//        G, flushed, the VM exited; smp_rmb (acquire fence), then S->unsync
//        (a plain read, READ_ONCE here); pairs with [U1].
//
// Mutations here: M9.1 (no [U1]), M9.2 (no [U2]).
#pragma once

#include "mmu_core/mutations.h"
#include "mmu_core/shadow_page.h"
#include "mmu_core/spte.h"
#include "mmu_core/spte64.h"
#include "mmu_core/spte_ops.h"
#include "mmu_core/steps.h"
#include "mmu_core/sync.h"

namespace mmu {

// sp->unsync of one shadow page (kept beside the page, not in ShadowPage:
// the flag is this protocol's alone).
class UnsyncFlag {
 public:
  UnsyncFlag() : unsync_(false) {}
  UnsyncFlag(const UnsyncFlag&) = delete;
  UnsyncFlag& operator=(const UnsyncFlag&) = delete;

  // kvm_unsync_page, under mmu_lock.
  void Set() {
    At(Step::SetUnsync, [&] {
      unsync_.store(true, std::memory_order_relaxed);
      return 1;
    });
  }
  // is_unsync_root's read, without mmu_lock.
  bool Read() const {
    return At(Step::ReadUnsync, [&] { return unsync_.load(std::memory_order_relaxed); });
  }

 private:
  sync::Atomic<bool> unsync_;
};

// make_spte -> mmu_try_to_unsync_pages for a write fault on a gfn shadowed by
// the page whose flag is `unsync`, then the spte update that makes it
// writable. Under mmu_lock (the caller's).
inline void MakeSpteWritableUnsync(Spte64& leaf, UnsyncFlag& unsync, const SpteOpsContext& ctx) {
  unsync.Set();
  if (!ctx.mut.Has(Mutation::M9_1)) sync::fence(std::memory_order_release);  // [U1] smp_wmb; pairs with [U2]
  const u64 old_spte = leaf.ReadLocked();
  MmuSpteUpdate(leaf, old_spte | spte::kMmuWritable | spte::kWritable, ctx);
}

// The vCPU: the hardware reads the spte; if writable, the guest writes its
// page table through it, flushes its TLB and exits; kvm_mmu_sync_roots then
// reads the unsync flag. Returns false when the invariant is broken.
inline bool GuestWriteThenSyncRoots(Spte64& leaf, const UnsyncFlag& unsync, Mutations mut) {
  const u64 s = leaf.HwLoad();
  if (!spte::IsShadowPresent(s) || !spte::IsWritable(s)) return true;  // a write fault instead: not this race
  if (!mut.Has(Mutation::M9_2)) sync::fence(std::memory_order_acquire);  // [U2] smp_rmb; pairs with [U1]
  return unsync.Read();
}

}  // namespace mmu
