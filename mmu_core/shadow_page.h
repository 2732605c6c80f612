// mmu_core/shadow_page.h: struct kvm_mmu_page and its parent_ptes list.
//
// Kernel: struct kvm_mmu_page (mmu_internal.h), pte_list_add/pte_list_remove
// on sp->parent_ptes (mmu.c; brief §8 and the seed thread's "parent_ptes").
//
// A shadow page is one table of `entries` sptes at some level. Immutable
// after creation (before it is linked): frame, level, direct, gfn,
// mmu_valid_gen. Changed only under mmu_lock: role.invalid, root_count,
// parent_ptes, the active_mmu_pages links (prev/next; once prepare_zap has
// moved the page to an invalid_list, next links that list, as the kernel
// reuses sp->link) and the mmu_page_hash links. Changed locklessly:
// clear_spte_count (32-bit hosts; unused by the 64-bit table here) and
// write_flooding_count (reset by shadow_page_table_clear_flood).
//
// parent_ptes encoding (bit 0):
//   val == 0             no parent
//   val & 1 == 0         val is the single parent spte's address
//   val & 1 == 1         val & ~1 points at a PteListDesc chain
// Invariant: Count() equals the number of sptes that point at this page.
//
// role.invalid is read without mmu_lock by a vCPU serving a "free obsolete
// roots" request (is_obsolete_root), so it is a relaxed atomic (the kernel's
// plain bitfield read is a data race that the request's barriers order):
// [I1] the zapper sets it before making the request; pairs with [Q1] in vm.h.
#pragma once

#include <cstdint>

#include "mmu_core/spte.h"
#include "mmu_core/spte64.h"
#include "mmu_core/sync.h"

namespace mmu {

// [3.11] struct pte_list_desc: three sptes and a link.
struct PteListDesc {
  static constexpr int kSlots = 3;
  Spte64* sptes[kSlots] = {};
  PteListDesc* more = nullptr;
};

class ParentPtes {
 public:
  ParentPtes() : val_(0) {}
  ~ParentPtes() { Clear(); }
  ParentPtes(const ParentPtes&) = delete;
  ParentPtes& operator=(const ParentPtes&) = delete;

  // pte_list_add
  void Add(Spte64* spte) {
    const std::uintptr_t v = val_.load();
    if (v == 0) {
      val_.store(reinterpret_cast<std::uintptr_t>(spte));
      return;
    }
    if ((v & 1) == 0) {
      PteListDesc* d = sync::make<PteListDesc>();
      d->sptes[0] = reinterpret_cast<Spte64*>(v);
      d->sptes[1] = spte;
      val_.store(reinterpret_cast<std::uintptr_t>(d) | 1);
      return;
    }
    PteListDesc* d = Desc(v);
    for (;;) {
      for (Spte64*& s : d->sptes) {
        if (s == nullptr) {
          s = spte;
          return;
        }
      }
      if (d->more == nullptr) d->more = sync::make<PteListDesc>();
      d = d->more;
    }
  }

  // pte_list_remove; returns false when spte was not in the list.
  bool Remove(Spte64* spte) {
    const std::uintptr_t v = val_.load();
    if (v == 0) return false;
    if ((v & 1) == 0) {
      if (reinterpret_cast<Spte64*>(v) != spte) return false;
      val_.store(0);
      return true;
    }
    bool found = false;
    for (PteListDesc* d = Desc(v); d != nullptr && !found; d = d->more) {
      for (Spte64*& s : d->sptes) {
        if (s == spte) {
          s = nullptr;
          found = true;
          break;
        }
      }
    }
    if (found) Compact();
    return found;
  }

  int Count() const {
    const std::uintptr_t v = val_.load();
    if (v == 0) return 0;
    if ((v & 1) == 0) return 1;
    int n = 0;
    for (const PteListDesc* d = Desc(v); d != nullptr; d = d->more) {
      for (const Spte64* s : d->sptes) n += s != nullptr;
    }
    return n;
  }

  // The i-th parent spte (0 <= i < Count()).
  Spte64* Get(int i) const {
    const std::uintptr_t v = val_.load();
    if ((v & 1) == 0) return i == 0 ? reinterpret_cast<Spte64*>(v) : nullptr;
    for (const PteListDesc* d = Desc(v); d != nullptr; d = d->more) {
      for (Spte64* s : d->sptes) {
        if (s != nullptr && i-- == 0) return s;
      }
    }
    return nullptr;
  }

  bool IsList() const { return (val_.load() & 1) != 0; }

 private:
  static PteListDesc* Desc(std::uintptr_t v) { return reinterpret_cast<PteListDesc*>(v & ~std::uintptr_t{1}); }

  // After a removal: back to the single encoding when one parent is left,
  // to 0 when none is.
  void Compact() {
    const int n = Count();
    if (n > 1) return;
    Spte64* only = n == 1 ? Get(0) : nullptr;
    Clear();
    val_.store(reinterpret_cast<std::uintptr_t>(only));
  }
  void Clear() {
    const std::uintptr_t v = val_.load();
    if ((v & 1) != 0) {
      PteListDesc* d = Desc(v);
      while (d != nullptr) {
        PteListDesc* next = d->more;
        sync::destroy(d);
        d = next;
      }
    }
    val_.store(0);
  }

  sync::Var<std::uintptr_t> val_;
};

class ShadowPage {
 public:
  ShadowPage(u64 frame, int level, bool direct, u64 gfn, std::uint8_t mmu_valid_gen, int entries, u64 ghost_epoch)
      : frame_(frame), level_(level), direct_(direct), gfn_(gfn), mmu_valid_gen_(mmu_valid_gen), entries_(entries),
        invalid_(false), root_count_(0), clear_spte_count_(0), write_flooding_count_(0),
        prev_(nullptr), next_(nullptr), hash_prev_(nullptr), hash_next_(nullptr), ghost_epoch_(ghost_epoch), freed_(false),
        spt_(sync::make_array<Spte64>(static_cast<std::size_t>(entries))),
        gptes_(direct ? nullptr : sync::make_array<sync::Atomic<u64>>(static_cast<std::size_t>(entries))) {
    for (int i = 0; i < entries; ++i) {
      spt_[i].Init(spte::kNonPresent);
      if (gptes_ != nullptr) gptes_[i].store(0, std::memory_order_relaxed);
    }
  }
  ~ShadowPage() {
    sync::destroy_array(spt_);
    if (gptes_ != nullptr) sync::destroy_array(gptes_);
  }
  ShadowPage(const ShadowPage&) = delete;
  ShadowPage& operator=(const ShadowPage&) = delete;

  // Immutable.
  u64 frame() const { return frame_; }
  int level() const { return level_; }
  bool direct() const { return direct_; }
  u64 gfn() const { return gfn_; }
  std::uint8_t mmu_valid_gen() const { return mmu_valid_gen_; }
  int entries() const { return entries_; }
  Spte64& spt(int i) { return spt_[i]; }
  const Spte64& spt(int i) const { return spt_[i]; }
  // Position of an spte in this table, or -1 when it lies elsewhere.
  int IndexOf(const Spte64* s) const {
    const auto a = reinterpret_cast<std::uintptr_t>(s);
    const auto b = reinterpret_cast<std::uintptr_t>(spt_);
    if (a < b || a >= b + sizeof(Spte64) * static_cast<std::size_t>(entries_)) return -1;
    return static_cast<int>((a - b) / sizeof(Spte64));
  }

  // role.invalid: written under mmu_lock, read by is_obsolete_root without it.
  bool invalid() const { return invalid_.load(std::memory_order_relaxed); }
  void set_invalid() { invalid_.store(true, std::memory_order_relaxed); }

  // Under mmu_lock.
  sync::Var<int>& root_count() { return root_count_; }
  ParentPtes& parent_ptes() { return parent_ptes_; }
  sync::Var<ShadowPage*>& prev() { return prev_; }
  sync::Var<ShadowPage*>& next() { return next_; }
  // The page's chain in its mmu_page_hash bucket (sp->hash_link).
  sync::Var<ShadowPage*>& hash_prev() { return hash_prev_; }
  sync::Var<ShadowPage*>& hash_next() { return hash_next_; }

  sync::Atomic<int>& clear_spte_count() { return clear_spte_count_; }
  sync::Atomic<int>& write_flooding_count() { return write_flooding_count_; }

  // Indirect pages shadow a guest page table: gpte(i) is the gfn the guest's
  // i-th entry maps (guest memory, written by the guest without any lock).
  sync::Atomic<u64>& gpte(int i) { return gptes_[i]; }

  // Ghost: the number of zap-alls started when this page was created.
  u64 ghost_epoch() const { return ghost_epoch_; }
  // Ghost: set when the page is freed natively (poisoned, kept in quarantine).
  sync::Ghost<bool>& ghost_freed() { return freed_; }

 private:
  const u64 frame_;
  const int level_;
  const bool direct_;
  const u64 gfn_;
  const std::uint8_t mmu_valid_gen_;
  const int entries_;
  sync::Atomic<bool> invalid_;
  sync::Var<int> root_count_;
  sync::Atomic<int> clear_spte_count_;
  sync::Atomic<int> write_flooding_count_;
  ParentPtes parent_ptes_;
  sync::Var<ShadowPage*> prev_;
  sync::Var<ShadowPage*> next_;
  sync::Var<ShadowPage*> hash_prev_;
  sync::Var<ShadowPage*> hash_next_;
  const u64 ghost_epoch_;
  sync::Ghost<bool> freed_;
  Spte64* spt_;
  sync::Atomic<u64>* gptes_;
};

}  // namespace mmu
