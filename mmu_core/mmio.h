// mmu_core/mmio.h: MMIO sptes tagged with the memslots generation (brief §7).
//
// Kernel: install_new_memslots / kvm_swap_active_memslots (kvm_main.c),
// kvm_arch_memslots_updated -> kvm_mmu_invalidate_mmio_sptes (x86),
// mark_mmio_spte, check_mmio_spte, handle_mmio_page_fault,
// vcpu_cache_mmio_info / vcpu_match_mmio_gen (x86.h); seed 000 and
// commits ee3d1570b586 (race A), ddfd1730fd82 (race B), 152482580a1b (race C).
//
// A gfn with no memslot is MMIO: its spte caches that decision, with the
// memslots generation (its low `gen_bits`) in the spte. A memslot update:
//   1. new.gen = old.gen | IN_PROGRESS
//   2. publish the new memslots (rcu_assign_pointer)
//   3. synchronize_srcu: wait for every vCPU still using the old memslots
//   4. gen = (gen & ~IN_PROGRESS) + nr_as
//   5. kvm_arch_memslots_updated: if gen & mask wrapped to 0, zap all MMIO sptes
//   6. new.gen = gen
// A hit needs the spte's generation to equal the current one, with no update
// in progress; the per-vCPU MMIO cache is filled only when no update is in
// progress.
//
// Invariant: a hit (spte or cache) uses a decision made from the memslots
// the hitting vCPU sees now (ghost version V of the decision equals the
// version of the current memslots) while no update is in progress.
//
// A residual window, kept visible rather than hidden: a vCPU may read an
// ancient MMIO spte just before the wrap zap removes it and the new, wrapped
// generation just after it is published; check_mmio_spte then matches. The
// kernel has the same order (the spte is read by a lockless walk that ends
// before check_mmio_spte reads the generation, and the zap's flush does not
// wait for a vCPU outside guest mode), so the fix of race C (zap before
// publishing) narrows the window to that one; it needs a wrap (2^19 updates
// in 6.x) and a vCPU stalled across a whole zap. Such a hit is counted
// (ResidualHits), not failed; a hit on an spte that the zap had not yet
// removed when the generation was read is a violation.
//
// SRCU is modelled as a reader count: readers increment and decrement it
// (fully ordered), synchronize_srcu waits until it reads 0. That waits for
// more readers than real SRCU (new readers too), which cannot hide a missed
// wait; it only can delay the writer.
//
// Ordering edges (rcu_assign_pointer = release store, srcu_dereference =
// acquire load, brief §0; SRCU's barriers are full ones):
//   [P1] Publish: the new memslots are published with a release store
//        (rcu_assign_pointer); pairs with [A1].
//   [A1] active(): the vCPU loads the memslots with acquire
//        (srcu_dereference); a slot lookup then sees what [P1] published.
//   [P2] PublishGen: the generation is stored with release; pairs with [G1].
//   [G1] ReadGen: READ_ONCE of the generation of memslots loaded by [A1]
//        (relaxed: the address dependency on the memslots orders it).
//   [S1] srcu_read_lock: the reader count goes up, then a full barrier before
//        the section's loads; pairs with [S3] (store buffering: either the
//        writer sees the reader, or the reader sees the new memslots).
//   [S2] srcu_read_unlock: a full barrier, then the count goes down: the
//        section's loads happen before the writer sees 0; pairs with [S3].
//   [S3] synchronize_srcu: full barrier, wait (acquire) for no reader, full
//        barrier: the update's later steps happen after every old reader.
// The order of the update's steps (flag, publish, wait, bump, zap, publish)
// is the protocol; the mutations reorder or drop them.
//
// Mutations: M7.1 (no in-progress generation: race A), M7.2 (no flag test),
// M7.3 (one increment: race A again), M7.4 (zap after publishing: race C),
// M7.5 (cache while in progress: race B).
#pragma once

#include <cstdint>

#include "mmu_core/mutations.h"
#include "mmu_core/spte.h"
#include "mmu_core/spte64.h"
#include "mmu_core/steps.h"
#include "mmu_core/sync.h"

namespace mmu {

inline constexpr u64 kMemslotGenUpdateInProgress = u64{1} << 63;

// One memslots array; the model only asks "does gfn G have a slot?".
struct Memslots {
  Memslots(u64 gen, bool g_has_slot, u64 version) : generation(gen), has_slot(g_has_slot), ghost_version(version) {}
  sync::Atomic<u64> generation;  // kvm_memslots(kvm)->generation
  const bool has_slot;           // immutable once published
  const u64 ghost_version;       // ghost: which memslots these are
};

struct MmioParams {
  spte::MmioFormat format{2};  // a tiny generation so that it wraps
  u64 nr_as = 2;               // KVM_ADDRESS_SPACE_NUM: the generation step
  u64 gfn = 1;                 // the gfn whose slot changes
};

class MmioVm {
 public:
  MmioVm(const MmioParams& p, Mutations mut, Memslots* initial)
      : p_(p), mut_(mut), active_(initial), srcu_readers_(0), cache_gen_(0), cache_valid_(false),
        cache_ghost_(0), spte_ghost_(0), spte_epoch_(0), wrap_zaps_(0), residual_hits_(0) {
    spte_.Init(spte::kNonPresent);
  }
  MmioVm(const MmioVm&) = delete;
  MmioVm& operator=(const MmioVm&) = delete;

  const MmioParams& params() const { return p_; }
  Spte64& spte() { return spte_; }
  sync::Mutex& mmu_lock() { return mmu_lock_; }
  Memslots* active() { return active_.load(std::memory_order_acquire); }  // [A1] pairs with [P1]

  // Before threads start: an MMIO spte left over from an older generation.
  void PlantMmioSpte(u64 gen, u64 ghost_version) {
    spte_.Init(p_.format.Make(p_.gfn, spte::kWritable, gen));
    spte_ghost_.store(ghost_version);
    spte_epoch_.store(wrap_zaps_.load());
  }
  // Hits in the residual window described above.
  int ResidualHits() const { return residual_hits_.load(); }

  // ---- SRCU ---------------------------------------------------------------
  // Steps, so that a replayed table orders them: a reader inside its section
  // holds up synchronize_srcu.
  void SrcuReadLock() {
    At(Step::SrcuLock, [&] { return srcu_readers_.fetch_add(1, std::memory_order_seq_cst) + 1; });
    sync::fence(std::memory_order_seq_cst);  // [S1] count before the section; pairs with [S3]
  }
  void SrcuReadUnlock() {
    sync::fence(std::memory_order_seq_cst);  // [S2] the section before the count; pairs with [S3]
    At(Step::SrcuUnlock, [&] { return srcu_readers_.fetch_sub(1, std::memory_order_seq_cst) - 1; });
  }
  void SynchronizeSrcu() {
    At(Step::SyncSrcu, [&] {
      sync::fence(std::memory_order_seq_cst);  // [S3] the update before the wait
      WaitUntil("the vCPUs' SRCU read-side sections to end (synchronize_srcu waits for its readers)",
                [&] { return srcu_readers_.load(std::memory_order_acquire) == 0; });  // [S3] pairs with [S2]
      sync::fence(std::memory_order_seq_cst);  // [S3] the wait before the rest of the update
    });
  }

  // kvm_memslots(kvm)->generation
  u64 ReadGen(Memslots* slots) {
    return At(Step::ReadGen, [&] { return slots->generation.load(std::memory_order_relaxed); });  // [G1]
  }

  // ---- the vCPU side -------------------------------------------------------
  // The slow path of a fault on gfn inside SRCU: look the gfn up; without a
  // slot, mark_mmio_spte with the current generation. Returns whether it is MMIO.
  bool FaultCreateMmioSpte() {
    SrcuReadLock();
    Memslots* slots = active();
    const bool has_slot = At(Step::LookupSlot, [&] { return slots->has_slot; });
    if (!has_slot) {
      // mark_mmio_spte: the generation of the memslots *now* (re-read).
      const u64 gen = ReadGen(active());
      const u64 stored = p_.format.Make(p_.gfn, spte::kWritable, gen & ~kMemslotGenUpdateInProgress);
      spte_.SetSpte(stored, Step::WriteMmioSpte);  // one step, not a step inside a step
      spte_ghost_.store(slots->ghost_version);
      spte_epoch_.store(wrap_zaps_.load());
      CacheMmioInfo(slots, gen);
    }
    SrcuReadUnlock();
    return !has_slot;
  }

  // vcpu_cache_mmio_info: remember gfn is MMIO, tagged with gen.
  void CacheMmioInfo(Memslots* decided_from, u64 gen) {
    if ((gen & kMemslotGenUpdateInProgress) != 0 && !mut_.Has(Mutation::M7_5)) return;
    cache_gen_.store(gen);
    cache_ghost_.store(decided_from->ghost_version);
    cache_valid_.store(true);
  }

  // An access that hits the per-vCPU cache: vcpu_match_mmio_gen. Returns
  // whether it hit (and checked the invariant).
  bool CacheHit() {
    if (!cache_valid_.load()) return false;
    SrcuReadLock();
    Memslots* slots = active();
    const u64 gen = ReadGen(slots);
    const bool hit = cache_gen_.load() == gen;
    if (hit) {
      At(Step::MmioHit, [&] { return gen; });
      if (cache_ghost_.load() != slots->ghost_version || (gen & kMemslotGenUpdateInProgress) != 0) {
        sync::fail("stale MMIO hit: the MMIO cache answered from memslots that are no longer current");
      }
    }
    SrcuReadUnlock();
    return hit;
  }

  // handle_mmio_page_fault: a lockless read of the spte, check_mmio_spte.
  // Returns whether the cached MMIO translation was used.
  bool SpteHit() {
    SrcuReadLock();
    const u64 s = spte_.GetLockless();
    bool hit = false;
    if (spte::IsMmio(s)) {
      Memslots* slots = active();
      const u64 gen = ReadGen(slots);
      const u64 zaps_at_gen_read = wrap_zaps_.load();
      const bool in_progress = (gen & kMemslotGenUpdateInProgress) != 0;
      hit = (!in_progress || mut_.Has(Mutation::M7_2)) && p_.format.Gen(s) == (gen & p_.format.GenMask());
      if (hit) {
        At(Step::MmioHit, [&] { return s; });
        if (spte_ghost_.load() != slots->ghost_version || in_progress) {
          if (zaps_at_gen_read > spte_epoch_.load()) {
            residual_hits_.store(residual_hits_.load() + 1);  // read before the wrap zap removed it
          } else {
            sync::fail("stale MMIO hit: an MMIO spte answered from memslots that are no longer current");
          }
        }
      }
    }
    SrcuReadUnlock();
    return hit;
  }

  // ---- the memslot writer (holds slots_lock) -----------------------------
  // install_new_memslots: replace the active memslots by `next`, whose
  // generation field is overwritten here.
  void InstallNewMemslots(Memslots* next) {
    Memslots* old = active();
    const u64 old_gen = old->generation.load(std::memory_order_relaxed);
    const u64 final_gen = mut_.Has(Mutation::M7_3) ? old_gen : old_gen + p_.nr_as;
    if (mut_.Has(Mutation::M7_1)) {
      // Before ee3d1570b586: the new generation goes out with the new slots.
      PublishGen(next, final_gen);
      Publish(next);
      SynchronizeSrcu();
      MemslotsUpdated(final_gen);
      return;
    }
    PublishGen(next, old_gen | kMemslotGenUpdateInProgress);
    Publish(next);
    SynchronizeSrcu();
    if (mut_.Has(Mutation::M7_4)) {
      PublishGen(next, final_gen);
      MemslotsUpdated(final_gen);
      return;
    }
    MemslotsUpdated(final_gen);
    if (!mut_.Has(Mutation::M7_6)) PublishGen(next, final_gen);
  }

 private:
  void PublishGen(Memslots* slots, u64 gen) {
    At(Step::PublishGen, [&] {
      slots->generation.store(gen, std::memory_order_release);  // [P2] pairs with [G1]
      return gen;
    });
  }
  void Publish(Memslots* next) {
    At(Step::PublishSlots, [&] {
      active_.store(next, std::memory_order_release);  // [P1] rcu_assign_pointer; pairs with [A1]
      return next->ghost_version;
    });
  }
  // kvm_arch_memslots_updated -> kvm_mmu_invalidate_mmio_sptes: when the
  // generation stored in sptes wraps to 0, zap every MMIO spte.
  void MemslotsUpdated(u64 gen) {
    if ((gen & p_.format.GenMask()) != 0) return;
    LockScope lock(mmu_lock_);
    if (spte::IsMmio(spte_.ReadLocked())) spte_.UpdateClearFast(spte::kNonPresent);
    wrap_zaps_.store(wrap_zaps_.load() + 1);
  }

  MmioParams p_;
  Mutations mut_;
  sync::Atomic<Memslots*> active_;
  sync::Atomic<int> srcu_readers_;
  sync::Mutex mmu_lock_;
  Spte64 spte_;
  // The per-vCPU MMIO cache (vcpu->arch.mmio_gen etc.): the vCPU's own.
  sync::Var<u64> cache_gen_;
  sync::Var<bool> cache_valid_;
  sync::Var<u64> cache_ghost_;
  // Ghost: the memslots version the MMIO spte's decision used, the number of
  // wrap zaps when it was written, wrap zaps so far, residual-window hits.
  sync::Ghost<u64> spte_ghost_;
  sync::Ghost<u64> spte_epoch_;
  sync::Ghost<u64> wrap_zaps_;
  sync::Ghost<int> residual_hits_;
};

}  // namespace mmu
