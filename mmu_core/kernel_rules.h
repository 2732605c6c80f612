// mmu_core/kernel_rules.h: the spte rules that changed between kernel versions.
//
// A scenario that depends on one of these rules takes a `kernel=` key in its
// configuration (kernel=6.10) and checks the rules of that version; the main
// job runs it under every profile where its rules differ (the members of its
// family). Brief §1 (present test, cleared value, frozen value, MMIO
// generation layout), §3 (volatile bits / needs-atomic-update, TLB flush rule)
// and §9 (the TDP MMU's shared faults and lockless aging).
//
//   profile  cleared (NP)  frozen            present test              volatile rule      flush rule           TDP write
//   3.11     0             -                 P && !mmio                HostW && MMUW ...  W(old) && !W(new)    (no TDP MMU)
//   5.10     0             -                 spte != 0 && !mmio        HostW && MMUW ...  MMUW(old) && !W(new) volatile leaf
//   5.12     0             1<<59 (REMOVED)   ... && != REMOVED         HostW && MMUW ...  MMUW(old) && !W(new) volatile leaf
//   6.10     bit 63        bit 63 | 0x5a0    bit 11 (MMU-present)      !W && MMUW ...     MMUW(old) && !W(new) volatile leaf
//   6.13     bit 63        bit 63 | 0x5a0    bit 11                    !W && MMUW ...     MMUW(old) && !MMUW(new) volatile leaf
//   6.15     bit 63        bit 63 | 0x5a0    bit 11                    ... ignores A      MMUW(old) && !MMUW(new) every present leaf
//
// MMIO generation layout: [3.11] 19 bits, gen[0:8] in spte[3:11] and
// gen[9:18] in spte[52:61]; [5.10] and [5.12] 18 bits in spte[3:11] and
// spte[54:62]; [6.x] 19 bits, gen[0:7] in spte[3:10] and gen[8:18] in
// spte[52:62] (bit 11 became MMU-present, so the low part moved off it).
//
// What the profiles leave out, and why:
//  - "5.10" is the TDP MMU as first merged (faults under the write lock, no
//    REMOVED_SPTE) with the volatile-leaf write rule: 5.10 as released wrote
//    TDP sptes with WRITE_ONCE, the bug fixed in 2022 by "use atomic XCHG to
//    write TDP MMU SPTEs with volatile bits", which is mutation M3.2, not a
//    rule of the profile;
//  - FROZEN_SPTE was 0x5a0 with a cleared value of 0 between 5.12 and 6.10
//    (brief §1); no profile has that pair;
//  - access tracking (A/D disabled) is not modelled: every profile runs with
//    A/D bits enabled, so its clauses of the volatile rules are absent.
//
// Invariant (checked by the core's cases for every profile): the cleared and
// frozen values are neither present nor MMIO, an MMIO spte of any generation
// is MMIO and not present (the generation bits stay off the MMIO mask), and
// a leaf or a non-leaf spte is present. The [3.11] layout under the [6.x]
// mask breaks it (gen bit 8 lands on bit 11): why [6.x] moved the low part.
//
// This header is engine-free (it is part of //mmu_core:catalog).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "mmu_core/spte.h"

namespace mmu {

enum class Kernel : std::uint8_t { k3_11, k5_10, k5_12, k6_10, k6_13, k6_15 };

// Where the memslots generation sits in an MMIO spte: its low part at
// low_shift, its high part at high_shift.
struct MmioGenLayout {
  unsigned low_shift = spte::kMmioGenLowShift;
  unsigned low_bits = spte::kMmioGenLowBits;
  unsigned high_shift = spte::kMmioGenHighShift;
  unsigned high_bits = spte::kMmioGenMaxBits - spte::kMmioGenLowBits;

  constexpr unsigned Bits() const { return low_bits + high_bits; }
  constexpr u64 GenMask() const { return (u64{1} << Bits()) - 1; }
  // The spte bits that hold the generation.
  constexpr u64 SpteMask() const {
    return (((u64{1} << low_bits) - 1) << low_shift) | (((u64{1} << high_bits) - 1) << high_shift);
  }
  constexpr u64 Encode(u64 gen) const {
    gen &= GenMask();
    return ((gen & ((u64{1} << low_bits) - 1)) << low_shift) | ((gen >> low_bits) << high_shift);
  }
  constexpr u64 Decode(u64 s) const {
    return ((s >> low_shift) & ((u64{1} << low_bits) - 1)) | (((s >> high_shift) & ((u64{1} << high_bits) - 1)) << low_bits);
  }
};

struct KernelRules {
  enum class Present : std::uint8_t {
    kPNotMmio,                 // [3.11] P && !mmio
    kNonZeroNotMmio,           // [5.10] spte != 0 && !mmio
    kNonZeroNotMmioNotFrozen,  // [5.12] ... && spte != REMOVED_SPTE
    kMmuPresentBit,            // [6.x] bit 11, SPTE_MMU_PRESENT_MASK
  };
  enum class Volatile : std::uint8_t {
    k3_11,  // spte_has_volatile_bits [3.11]..[5.12]: HostW && MMUW, or A/D and !(A && (!W || D))
    k6,     // spte_has_volatile_bits [6.x]: (!W && MMUW), or A/D and (!A || (W && !D))
    k6_15,  // spte_needs_atomic_update [6.15]: (!W && MMUW), or A/D and W && !D (A ignored)
  };
  enum class Flush : std::uint8_t {
    kW,               // [3.11] W(old) && !W(new)
    kMmuwOldNotWNew,  // [5.10]..[6.10] MMUW(old) && !W(new)
    kMmuw,            // [6.13] leaf_spte_change_needs_tlb_flush: MMUW(old) && !MMUW(new)
  };
  enum class TdpWrite : std::uint8_t {
    kNoTdpMmu,      // [3.11]
    kVolatileLeaf,  // kvm_tdp_mmu_spte_need_atomic_write until [6.15]: present && leaf && volatile
    kPresentLeaf,   // [6.15]: present && leaf (lockless aging may clear A at any time)
  };

  Kernel kernel;
  std::string_view name;
  u64 nonpresent;  // SHADOW_NONPRESENT_VALUE: what a cleared spte holds
  u64 frozen;      // REMOVED_SPTE / FROZEN_SPTE; 0 where the TDP MMU has none
  Present present;
  Volatile volatile_rule;
  Flush flush;
  TdpWrite tdp_write;
  MmioGenLayout mmio;
  u64 mmio_mask;   // shadow_mmio_mask: an MMIO spte is (s & mmio_mask) == mmio_value
  u64 mmio_value;
  bool tdp_shared_faults;  // TDP faults under the read lock, with cmpxchg and frozen sptes
  bool lockless_aging;     // the TDP MMU ages sptes under RCU alone

  // is_mmio_spte.
  constexpr bool IsMmio(u64 s) const { return (s & mmio_mask) == mmio_value; }
  // is_shadow_present_pte.
  constexpr bool IsPresent(u64 s) const {
    switch (present) {
      case Present::kPNotMmio: return (s & spte::kPresent) != 0 && !IsMmio(s);
      case Present::kNonZeroNotMmio: return s != 0 && !IsMmio(s);
      case Present::kNonZeroNotMmioNotFrozen: return s != 0 && !IsMmio(s) && s != frozen;
      case Present::kMmuPresentBit: return (s & spte::kMmuPresent) != 0;
    }
    return false;
  }
  // is_frozen_spte (is_removed_spte before 6.10).
  constexpr bool IsFrozen(u64 s) const { return frozen != 0 && s == frozen; }
  // is_last_spte: a leaf at level 1, or a huge page.
  static constexpr bool IsLast(u64 s, int level) { return level == 1 || spte::IsLarge(s); }

  // spte_has_volatile_bits / spte_needs_atomic_update (A/D enabled or not).
  constexpr bool HasVolatileBits(u64 s, bool ad_enabled) const {
    if (!IsPresent(s)) return false;
    const bool w = spte::IsWritable(s), mmuw = spte::IsMmuWritable(s), hostw = spte::IsHostWritable(s);
    const bool a = spte::IsAccessed(s), d = spte::IsDirty(s);
    switch (volatile_rule) {
      case Volatile::k3_11: return (hostw && mmuw) || (ad_enabled && !(a && (!w || d)));
      case Volatile::k6: return (!w && mmuw) || (ad_enabled && (!a || (w && !d)));
      case Volatile::k6_15: return (!w && mmuw) || (ad_enabled && w && !d);
    }
    return true;
  }
  // Does changing a present leaf from old to new need a TLB flush before mmu_lock is dropped?
  constexpr bool NeedsTlbFlush(u64 old_spte, u64 new_spte) const {
    switch (flush) {
      case Flush::kW: return spte::IsWritable(old_spte) && !spte::IsWritable(new_spte);
      case Flush::kMmuwOldNotWNew: return spte::IsMmuWritable(old_spte) && !spte::IsWritable(new_spte);
      case Flush::kMmuw: return spte::IsMmuWritable(old_spte) && !spte::IsMmuWritable(new_spte);
    }
    return true;
  }
  // kvm_tdp_mmu_spte_need_atomic_write: may someone without mmu_lock change
  // this spte while the write-lock holder replaces it? `volatile_only` is the
  // rule before [6.15] applied in a [6.15] world (mutation M3.3).
  constexpr bool TdpNeedsAtomicWrite(u64 old_spte, int level, bool ad_enabled, bool volatile_only = false) const {
    if (!IsPresent(old_spte) || !IsLast(old_spte, level)) return false;
    if (tdp_write == TdpWrite::kPresentLeaf && !volatile_only) return true;
    KernelRules before = *this;
    if (volatile_rule == Volatile::k6_15) before.volatile_rule = Volatile::k6;
    return before.HasVolatileBits(old_spte, ad_enabled);
  }
  // make_mmio_spte for this layout: gfn, the guest's access bits, gen.
  constexpr u64 MakeMmio(u64 gfn, u64 access, u64 gen) const {
    return mmio_value | (access & spte::kMmioAccessMask) | ((gfn << spte::kPfnShift) & spte::kMmioGfnMask) |
           mmio.Encode(gen);
  }
};

inline constexpr u64 kShadowNonPresentValue = spte::Bit(63);

inline constexpr MmioGenLayout kMmioLayout3_11{3, 9, 52, 10};
inline constexpr MmioGenLayout kMmioLayout5_10{3, 9, 54, 9};
inline constexpr MmioGenLayout kMmioLayout6{3, 8, 52, 11};
// The MMIO mask: [3.11] reserved physical-address bits (bit 51 stands for
// MAXPHYADDR..51) plus bits 62-63 plus P; [5.x] bit 51 plus P; [6.x] bit 51
// plus P with MMU-present clear (spte.h's kMmioMask / kMmioValue).
inline constexpr u64 kMmioMask3_11 = spte::Bit(51) | spte::Bit(62) | spte::Bit(63) | spte::kPresent;
inline constexpr u64 kMmioMask5_10 = spte::Bit(51) | spte::kPresent;

inline constexpr KernelRules kKernelRules[] = {
    {Kernel::k3_11, "3.11", 0, 0, KernelRules::Present::kPNotMmio, KernelRules::Volatile::k3_11,
     KernelRules::Flush::kW, KernelRules::TdpWrite::kNoTdpMmu, kMmioLayout3_11, kMmioMask3_11, kMmioMask3_11, false, false},
    {Kernel::k5_10, "5.10", 0, 0, KernelRules::Present::kNonZeroNotMmio, KernelRules::Volatile::k3_11,
     KernelRules::Flush::kMmuwOldNotWNew, KernelRules::TdpWrite::kVolatileLeaf, kMmioLayout5_10, kMmioMask5_10, kMmioMask5_10, false, false},
    {Kernel::k5_12, "5.12", 0, spte::Bit(59), KernelRules::Present::kNonZeroNotMmioNotFrozen,
     KernelRules::Volatile::k3_11, KernelRules::Flush::kMmuwOldNotWNew, KernelRules::TdpWrite::kVolatileLeaf,
     kMmioLayout5_10, kMmioMask5_10, kMmioMask5_10, true, false},
    {Kernel::k6_10, "6.10", kShadowNonPresentValue, kShadowNonPresentValue | 0x5a0,
     KernelRules::Present::kMmuPresentBit, KernelRules::Volatile::k6, KernelRules::Flush::kMmuwOldNotWNew,
     KernelRules::TdpWrite::kVolatileLeaf, kMmioLayout6, spte::kMmioMask, spte::kMmioValue, true, false},
    {Kernel::k6_13, "6.13", kShadowNonPresentValue, kShadowNonPresentValue | 0x5a0,
     KernelRules::Present::kMmuPresentBit, KernelRules::Volatile::k6, KernelRules::Flush::kMmuw,
     KernelRules::TdpWrite::kVolatileLeaf, kMmioLayout6, spte::kMmioMask, spte::kMmioValue, true, false},
    {Kernel::k6_15, "6.15", kShadowNonPresentValue, kShadowNonPresentValue | 0x5a0,
     KernelRules::Present::kMmuPresentBit, KernelRules::Volatile::k6_15, KernelRules::Flush::kMmuw,
     KernelRules::TdpWrite::kPresentLeaf, kMmioLayout6, spte::kMmioMask, spte::kMmioValue, true, true},
};

inline constexpr const KernelRules& RulesOf(Kernel k) { return kKernelRules[static_cast<std::size_t>(k)]; }

// "6.10" -> its rules; nullopt for a version with no profile.
inline std::optional<Kernel> KernelFromName(std::string_view name) {
  for (const KernelRules& r : kKernelRules) {
    if (r.name == name) return r.kernel;
  }
  return std::nullopt;
}

}  // namespace mmu
