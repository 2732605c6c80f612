// mmu_core/mutations.h: the catalogue of known bugs, each a named switch.
//
// A mutation reproduces exactly one bug from ../shared/design/kvm-mmu.md (the
// section is in its name: M2.x is §2, the split spte). Models run the correct
// core and, as negative twins, the core with one mutation; the twin must fail
// for the reason the mutation names.
//
// Mutations cannot be left on by accident:
//  - there is no global switch: a Mutations value is handed to the object it
//    mutates (Vm, SplitSptePage, ...) at construction and is empty by default;
//  - the only way to make a non-empty one is Mutations::Inject(...), so every
//    mutated run is visible in the code or on a command line (--mutation);
//  - every engine prints the active mutations in its report header.
//
// There is no M9.9: the suite's bad-input tests use that name as the example
// of an unknown mutation.
//
// `bazel run //mmu_core:mutations` prints this catalogue.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mmu {

#define MMU_MUTATION_LIST(X)                                                                          \
  X(M2_1, "M2.1", "split-spte", "__set_spte writes the low word first: P appears with the old high word") \
  X(M2_2, "M2.2", "split-spte", "the fast clear writes the high word first: the reader returns {0, low}") \
  X(M2_3, "M2.3", "split-spte", "clear_spte_count is bumped before the clear instead of after it")   \
  X(M2_4, "M2.4", "split-spte", "__get_spte_lockless does not recheck clear_spte_count")              \
  X(M2_5, "M2.5", "split-spte", "__get_spte_lockless does not recheck the low word")                 \
  X(M2_6, "M2.6", "split-spte", "no rmb between the low and high loads (relaxed loads)")             \
  X(M2_7, "M2.7", "split-spte", "mmu_spte_update changes the high word (toggles NX) present->present") \
  X(M2_8, "M2.8", "split-spte", "the slow clear reads then writes the low word instead of xchg: a hardware D bit is lost") \
  X(M3_1, "M3.1", "spte", "spte_has_volatile_bits treats !W && MMU-writable as not volatile")         \
  X(M3_2, "M3.2", "tdp", "the TDP MMU writes a leaf with WRITE_ONCE under the write lock instead of kvm_tdp_mmu_write_spte (the 2022 fix \"use atomic XCHG to write TDP MMU SPTEs with volatile bits\"): a hardware D bit or an aging A clear is lost") \
  X(M3_3, "M3.3", "tdp", "kvm_tdp_mmu_spte_need_atomic_write keeps the volatile-bits test though aging clears A without mmu_lock ([6.15] needs every present leaf): clear_dirty_pt_masked loses an A clear") \
  X(M4_1, "M4.1", "walk", "lockless begin stores READING relaxed, with no full barrier")             \
  X(M4_2, "M4.2", "walk", "lockless end stores OUTSIDE relaxed instead of release (load buffering)") \
  X(M4_3, "M4.3", "walk", "the remote flush does not wait for READING_SHADOW_PAGE_TABLES vCPUs")     \
  X(M4_4, "M4.4", "walk", "zapped pages are freed in prepare_zap, before the remote flush")          \
  X(M4_5, "M4.5", "walk", "link_shadow_page publishes the child table with a relaxed __set_spte (no [S1] release): a lockless walker may follow the link before the table is initialised") \
  X(M4_6, "M4.6", "walk", "kvm_clear_request clears the bit with a plain read and store (__clear_bit for clear_bit): a request another CPU sets meanwhile is lost") \
  X(M4_7, "M4.7", "tdp-rcu", "kvm_tdp_mmu_get_root takes a root with a plain increment instead of refcount_inc_not_zero: a dying root is resurrected and used after its free") \
  X(M4_8, "M4.8", "tdp-rcu", "kvm_recover_nx_huge_pages / kvm_tdp_mmu_zap_sp: rcu_read_unlock before the remote TLB flush: the page table is freed while a vCPU's hardware walker still uses it") \
  X(M4_9, "M4.9", "tdp-rcu", "handle_removed_pt frees the page table at once instead of call_rcu(tdp_mmu_free_sp_rcu_callback): no grace period for lockless walkers") \
  X(M5_1, "M5.1", "fast-pf", "fast page fault also fixes indirect pages, taking the gfn from the gpte") \
  X(M5_2, "M5.2", "fast-pf", "fast page fault stores old|W with a plain write instead of cmpxchg")   \
  X(M5_3, "M5.3", "fast-pf", "write protection writes without xchg and flushes on the stale W(old)") \
  X(M5_4, "M5.4", "fast-pf", "the flush rule tests W(old) instead of MMU-writable(old) ([3.11] rule)") \
  X(M5_5, "M5.5", "fast-pf", "fast_page_fault marks the gfn dirty before fast_pf_fix_direct_spte's cmpxchg instead of after it: a dirty-log harvest in between loses the guest's write") \
  X(M6_1, "M6.1", "zap-all", "kvm_mmu_zap_all_fast runs without slots_lock (two zappers)")           \
  X(M6_2, "M6.2", "zap-all", "new shadow pages go to the tail of active_mmu_pages")                  \
  X(M6_3, "M6.3", "zap-all", "the page fault does not check for an obsolete root under mmu_lock")   \
  X(M6_4, "M6.4", "zap-all", "a pinned root is marked invalid after the reload request")            \
  X(M6_7, "M6.7", "zap-all", "kvm_zap_obsolete_pages leaves out kvm_mmu_commit_zap_page: the zapped pages are never flushed or freed (a leak)") \
  X(M6_6, "M6.6", "zap-all", "kvm_zap_obsolete_pages does not skip role.invalid pages (3.11, 5304b8d37c2a): a pinned root, put back on active_mmu_pages, is zapped again for ever (livelock)") \
  X(M7_1, "M7.1", "mmio", "no update-in-progress generation: the new gen is published with the new slots (race A)") \
  X(M7_2, "M7.2", "mmio", "check_mmio_spte does not test the update-in-progress flag")              \
  X(M7_3, "M7.3", "mmio", "the memslot update increments the generation only once (race A again)")   \
  X(M7_4, "M7.4", "mmio", "on a wrap the MMIO sptes are zapped after the new gen is published (race C)") \
  X(M7_6, "M7.6", "mmio", "install_new_memslots never publishes the final generation: the update-in-progress flag stays set, every MMIO spte misses for ever") \
  X(M7_5, "M7.5", "mmio", "vcpu_cache_mmio_info caches while an update is in progress (race B)") \
  X(M8_1, "M8.1", "flood", "shadow_page_table_clear_flood resets write_flooding_count after walk_shadow_page_lockless_end: it may touch a freed page") \
  X(M9_1, "M9.1", "unsync", "mmu_try_to_unsync_pages: no smp_wmb between sp->unsync = 1 and making the spte writable") \
  X(M9_2, "M9.2", "unsync", "kvm_mmu_sync_roots: no smp_rmb between the guest's use of a writable spte and reading sp->unsync") \
  X(M9_3, "M9.3", "tdp-atomic", "tdp_mmu_set_spte_atomic writes with WRITE_ONCE instead of try_cmpxchg64: two faults under the read lock both win") \
  X(M9_4, "M9.4", "tdp-atomic", "on -EBUSY the losing tdp_mmu_set_spte_atomic still runs handle_changed_spte: the leaf is counted twice") \
  X(M9_5, "M9.5", "tdp-frozen", "handle_removed_pt (shared) freezes entries with the cleared value instead of FROZEN_SPTE: a fault installs a leaf into the detached table") \
  X(M9_6, "M9.6", "tdp-frozen", "handle_removed_pt (shared) reads an entry and then writes FROZEN_SPTE instead of xchg: a fault's leaf is overwritten unaccounted") \
  X(M9_7, "M9.7", "tdp-zap", "tdp_mmu_zap_spte_atomic (5.13-6.13) writes the cleared value before kvm_flush_remote_tlbs_gfn: a new pfn is mapped while a TLB still holds the old one") \
  X(M9_8, "M9.8", "invalidate", "the fault checks mmu_invalidate_retry_gfn before taking mmu_lock: an invalidation between the check and the install is missed") \
  X(M9_10, "M9.10", "invalidate", "kvm_faultin_pfn: no smp_rmb between reading mmu_invalidate_seq and looking up the pfn")

enum class Mutation : std::uint8_t {
#define MMU_MUTATION_ENUM(id, name, component, what) id,
  MMU_MUTATION_LIST(MMU_MUTATION_ENUM)
#undef MMU_MUTATION_ENUM
      kCount
};

struct MutationInfo {
  Mutation id;
  std::string_view name;
  std::string_view component;
  std::string_view what;
};

inline constexpr MutationInfo kMutations[] = {
#define MMU_MUTATION_INFO(id, name, component, what) {Mutation::id, name, component, what},
    MMU_MUTATION_LIST(MMU_MUTATION_INFO)
#undef MMU_MUTATION_INFO
};
static_assert(sizeof(kMutations) / sizeof(kMutations[0]) == static_cast<std::size_t>(Mutation::kCount));
static_assert(static_cast<std::size_t>(Mutation::kCount) <= 64);

inline constexpr const MutationInfo& Describe(Mutation m) { return kMutations[static_cast<std::size_t>(m)]; }

// "M2.4", "m2.4", "M2_4" all name M2.4.
inline std::optional<Mutation> MutationFromName(std::string_view name) {
  std::string n(name);
  for (char& c : n) {
    if (c == '_') c = '.';
    if (c == 'm') c = 'M';
  }
  for (const MutationInfo& i : kMutations) {
    if (i.name == n) return i.id;
  }
  return std::nullopt;
}

// A set of active mutations; empty unless built with Inject().
class Mutations {
 public:
  constexpr Mutations() = default;
  static constexpr Mutations Inject(Mutation m) { return Mutations(Bit(m)); }
  constexpr Mutations Plus(Mutation m) const { return Mutations(bits_ | Bit(m)); }
  constexpr bool Has(Mutation m) const { return (bits_ & Bit(m)) != 0; }
  constexpr bool Empty() const { return bits_ == 0; }
  // "none", or the names joined by '+'.
  std::string ToString() const {
    if (bits_ == 0) return "none";
    std::string s;
    for (const MutationInfo& i : kMutations) {
      if (!Has(i.id)) continue;
      if (!s.empty()) s += '+';
      s += i.name;
    }
    return s;
  }
  friend constexpr bool operator==(Mutations a, Mutations b) { return a.bits_ == b.bits_; }

 private:
  constexpr explicit Mutations(std::uint64_t bits) : bits_(bits) {}
  static constexpr std::uint64_t Bit(Mutation m) { return std::uint64_t{1} << static_cast<unsigned>(m); }
  std::uint64_t bits_ = 0;
};

}  // namespace mmu
