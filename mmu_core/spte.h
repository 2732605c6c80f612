// mmu_core/spte.h: the x86 shadow-pte bits that the lockless paths use.
//
// Bit layout of a 64-bit spte (non-EPT, [6.x] software bits; brief §1):
//
//   63   62..52       51    50..12          11        10     9      7   6   5   2   1   0
//  +----+------------+-----+---------------+---------+------+------+---+---+---+---+---+---+
//  | NX | mmio gen   |mmio | pfn / gfn     | MMU-    | MMU- | Host-| PS| D | A | U | W | P |
//  |    | (high part)|mask |               | present | writ.| writ.|   |   |   |   |   |   |
//  +----+------------+-----+---------------+---------+------+------+---+---+---+---+---+---+
//
//  - A shadow-present spte has P and is not MMIO ([3.11] is_shadow_present_pte;
//    [6.x] tests only the software bit 11, which our leaves also carry).
//    Presence is decided by the low word alone, which the split reader relies on.
//  - A non-leaf spte's pfn field holds the frame number of the child table.
//  - An MMIO spte is (spte & kMmioMask) == kMmioValue: P and bit 51 set, bit 11
//    clear, so it is not shadow-present and a guest access takes a RSVD fault.
//    It stores the gfn in the pfn field, the guest's W/U access in bits 1-2,
//    and the memslots generation split in two fields: gen[0..7] in bits 3..10
//    and gen[8..] in bits 52..62 ([6.x]). The width is a parameter of
//    MmioFormat so that models can use a tiny generation that wraps.
//  - A cleared spte is kNonPresent (0; SHADOW_NONPRESENT_VALUE without #VE).
//
// Invariant (check_spte_writable_invariants): W => MMU-writable => Host-writable.
// Writable states (HostW, MMUW, W): (1,1,1) writable; (1,1,0) write-protected
// for dirty logging, which a fast page fault may undo without mmu_lock;
// (1,0,0) shadows a guest page table, changed only under mmu_lock; (0,0,0).
#pragma once

#include <cstdint>

namespace mmu {

using u32 = std::uint32_t;
using u64 = std::uint64_t;

namespace spte {

inline constexpr u64 Bit(unsigned n) { return u64{1} << n; }

inline constexpr u64 kPresent = Bit(0);
inline constexpr u64 kWritable = Bit(1);
inline constexpr u64 kUser = Bit(2);
inline constexpr u64 kAccessed = Bit(5);
inline constexpr u64 kDirty = Bit(6);
inline constexpr u64 kPageSize = Bit(7);
inline constexpr u64 kHostWritable = Bit(9);
inline constexpr u64 kMmuWritable = Bit(10);
inline constexpr u64 kMmuPresent = Bit(11);
inline constexpr unsigned kPfnShift = 12;
inline constexpr u64 kPfnMask = ((u64{1} << 40) - 1) << kPfnShift;  // bits 12..51
inline constexpr u64 kNx = Bit(63);
inline constexpr u64 kNonPresent = 0;

inline constexpr u64 kMmioGfnMask = ((u64{1} << 39) - 1) << kPfnShift;  // bits 12..50
inline constexpr u64 kMmioAccessMask = kWritable | kUser;
inline constexpr unsigned kMmioGenLowShift = 3;   // gen[0..7]  -> spte[3..10]
inline constexpr unsigned kMmioGenLowBits = 8;
inline constexpr unsigned kMmioGenHighShift = 52;  // gen[8..18] -> spte[52..62]
inline constexpr unsigned kMmioGenMaxBits = 19;

inline constexpr u64 kMmioMask = Bit(51) | kMmuPresent | kPresent;
inline constexpr u64 kMmioValue = Bit(51) | kPresent;
inline constexpr bool IsMmio(u64 s) { return (s & kMmioMask) == kMmioValue; }
// is_shadow_present_pte, [3.11] form: P and not MMIO. A low word alone has P
// and no MMIO mask bit, so presence is decided by the low word.
inline constexpr bool IsShadowPresent(u64 s) { return (s & kPresent) != 0 && !IsMmio(s); }
inline constexpr bool IsWritable(u64 s) { return (s & kWritable) != 0; }
inline constexpr bool IsMmuWritable(u64 s) { return (s & kMmuWritable) != 0; }
inline constexpr bool IsHostWritable(u64 s) { return (s & kHostWritable) != 0; }
inline constexpr bool IsAccessed(u64 s) { return (s & kAccessed) != 0; }
inline constexpr bool IsDirty(u64 s) { return (s & kDirty) != 0; }
inline constexpr bool IsLarge(u64 s) { return (s & kPageSize) != 0; }
inline constexpr u64 Pfn(u64 s) { return (s & kPfnMask) >> kPfnShift; }
inline constexpr u32 Low(u64 s) { return static_cast<u32>(s); }
inline constexpr u32 High(u64 s) { return static_cast<u32>(s >> 32); }
inline constexpr u64 Join(u32 high, u32 low) { return (u64{high} << 32) | low; }

// check_spte_writable_invariants: W => MMUW => HostW.
inline constexpr bool WritableInvariantHolds(u64 s) {
  if (!IsShadowPresent(s)) return true;
  if (IsWritable(s) && !IsMmuWritable(s)) return false;
  if (IsMmuWritable(s) && !IsHostWritable(s)) return false;
  return true;
}

// A leaf spte mapping pfn. Host-writable pages are MMU-writable unless the
// gfn is write-tracked (it shadows a guest page table).
inline constexpr u64 MakeLeaf(u64 pfn, bool host_writable, bool mmu_writable, bool writable, bool accessed) {
  u64 s = kPresent | kUser | kMmuPresent | ((pfn << kPfnShift) & kPfnMask);
  if (host_writable) s |= kHostWritable;
  if (host_writable && mmu_writable) s |= kMmuWritable;
  if (host_writable && mmu_writable && writable) s |= kWritable;
  if (accessed) s |= kAccessed;
  return s;
}

// A non-leaf spte pointing at the child table in frame `frame`.
inline constexpr u64 MakeNonLeaf(u64 frame) {
  return kPresent | kWritable | kUser | kAccessed | kMmuPresent | ((frame << kPfnShift) & kPfnMask);
}

// spte_has_volatile_bits ([6.x], spte.c): may someone without mmu_lock change
// this spte? A fast page fault may set W on a (1,1,0) spte; hardware may set A,
// and D on a writable spte, when A/D bits are enabled.
// `ignore_fast_pf_writable` is mutation M3.1 (the !W && MMUW clause dropped).
inline constexpr bool HasVolatileBits(u64 s, bool ad_enabled, bool ignore_fast_pf_writable = false) {
  if (!IsShadowPresent(s)) return false;
  if (!ignore_fast_pf_writable && !IsWritable(s) && IsMmuWritable(s)) return true;
  if (ad_enabled && (!IsAccessed(s) || (IsWritable(s) && !IsDirty(s)))) return true;
  return false;
}

// leaf_spte_change_needs_tlb_flush ([6.13]): only losing MMU-writable needs an
// immediate flush; dirty logging clears just W and flushes later, which is why
// the rule tests MMU-writable and not W ([3.11] tested W: mutation M5.4).
inline constexpr bool ChangeNeedsTlbFlush(u64 old_spte, u64 new_spte, bool w_rule = false) {
  if (w_rule) return IsWritable(old_spte) && !IsWritable(new_spte);
  return IsMmuWritable(old_spte) && !IsMmuWritable(new_spte);
}

// ---- MMIO sptes -----------------------------------------------------------

// The generation stored in MMIO sptes, `bits` wide (19 in [6.x]).
struct MmioFormat {
  unsigned gen_bits = kMmioGenMaxBits;

  constexpr u64 GenMask() const { return gen_bits >= 64 ? ~u64{0} : (u64{1} << gen_bits) - 1; }
  constexpr unsigned LowBits() const { return gen_bits < kMmioGenLowBits ? gen_bits : kMmioGenLowBits; }
  constexpr unsigned HighBits() const { return gen_bits - LowBits(); }
  constexpr bool Valid() const { return gen_bits >= 1 && gen_bits <= kMmioGenMaxBits; }

  // make_mmio_spte: gfn, the guest's access bits and gen & GenMask().
  constexpr u64 Make(u64 gfn, u64 access, u64 gen) const {
    gen &= GenMask();
    const u64 low = gen & ((u64{1} << LowBits()) - 1);
    const u64 high = gen >> LowBits();
    return kMmioValue | (access & kMmioAccessMask) | ((gfn << kPfnShift) & kMmioGfnMask) |
           (low << kMmioGenLowShift) | (high << kMmioGenHighShift);
  }
  constexpr u64 Gen(u64 s) const {
    const u64 low = (s >> kMmioGenLowShift) & ((u64{1} << LowBits()) - 1);
    const u64 high = (s >> kMmioGenHighShift) & ((u64{1} << HighBits()) - 1);
    return low | (high << LowBits());
  }
  static constexpr bool IsMmio(u64 s) { return spte::IsMmio(s); }
  static constexpr u64 Gfn(u64 s) { return (s & kMmioGfnMask) >> kPfnShift; }
  static constexpr u64 Access(u64 s) { return s & kMmioAccessMask; }
};

}  // namespace spte
}  // namespace mmu
