// mmu_core/scenarios/split_common.h: what the 32-bit split-spte scenarios
// (brief §2: split-tear, split-pnp, split-hw-ad, split-slow-clear-d) share.
//
// Values are self-checking: the k-th value a writer stores has
//   pfn = ((k + 1) << 20) | (0x100 + k / 2)
// so its low word carries k/2 and its high word carries k+1. Values 2j and
// 2j+1 share a low word (the present -> non-present -> present race with the
// same low word), and a present value is genuine iff its high part is 2j+1 or
// 2j+2 where j is read from its low part. A torn present read is recognised on
// the spot, without a lock and without a record of what was stored.
//
// Who races with the 32-bit split spte (__set_spte, __update_clear_spte_fast
// and _slow, __get_spte_lockless; locking.rst, the brief §2):
//   - the lockless reader (fast page fault,     split-tear, split-pnp, split-hw-ad (CPU 0)
//     MMIO walk)
//   - one mmu_lock writer: set, fast clear,     split-pnp (clear then set), split-tear (clear),
//     slow clear, update                        split-hw-ad (update), split-slow-clear-d (slow clear)
//   - hardware setting A/D in the low word      split-hw-ad, split-slow-clear-d
//   - a second mmu_lock writer                  left out: mmu_lock serialises writers
//
// Contract:
//   row                                                       checked by
//   S1 a present value __get_spte_lockless returns was        Genuine(): "torn present spte"
//      stored by a writer (up to A/D and W)                     (split-tear, split-pnp: M2.1-M2.6)
//   S2 a clear leaves the spte non-present                    split-tear's Check
//   S3 clear_spte_count counts the clears                     split-pnp's Check
//   S4 a present->present update keeps the high word          split-hw-ad (M2.7)
//   S5 the slow clear hands a hardware D to kvm_set_pfn_dirty  split-slow-clear-d (M2.8)
//   S6 a set spte becomes visible to readers                  not checked (the sweep lists SetSpte's
//                                                               low-word write as UNCHECKED)
#pragma once

#include "mmu_core/catalog/config.h"
#include "mmu_core/mutations.h"
#include "mmu_core/scenario.h"
#include "mmu_core/split_spte.h"
#include "mmu_core/spte.h"
#include "mmu_core/spte_ops.h"
#include "mmu_core/sync.h"

namespace mmu::scenarios {

// The k-th self-checking value (writable, accessed, not dirty).
inline constexpr u64 SplitValue(unsigned k) {
  return spte::MakeLeaf((u64{k + 1} << 20) | (0x100 + k / 2), true, true, true, true);
}

// Is a present value one that some writer stored? A/D and W may differ
// (hardware and write protection change them); pfn and NX may not.
inline constexpr bool SplitValueGenuine(u64 v) {
  if (!spte::IsShadowPresent(v)) return true;
  if ((v & spte::kNx) != 0) return false;
  const u64 pfn = spte::Pfn(v);
  const u64 lowpart = pfn & 0xfffff;
  const u64 highpart = pfn >> 20;
  if (lowpart < 0x100) return false;
  const u64 j = lowpart - 0x100;
  return highpart == 2 * j + 1 || highpart == 2 * j + 2;
}

inline constexpr u64 kAdMask = spte::kAccessed | spte::kDirty;

// Values a replay file may give instead of the self-checking ones (a posted
// table's "spte = 0xa11110001"; scenario.h's Posted). 0 means "use SplitValue(k)".
struct SplitValues {
  u64 initial = 0;
  u64 next = 0;  // what the writer sets after its clear (split-pnp)

  u64 Initial() const { return initial != 0 ? initial : SplitValue(0); }
  u64 Next(int cycle) const { return next != 0 ? next : SplitValue(static_cast<unsigned>(2 * cycle + 1)); }
  // Genuine: not present, or one of the values written (A/D aside).
  bool Genuine(u64 v) const {
    if (initial == 0 && next == 0) return SplitValueGenuine(v);
    if (!spte::IsShadowPresent(v)) return true;
    const u64 got = v & ~kAdMask;
    return got == (Initial() & ~kAdMask) || (next != 0 && got == (next & ~kAdMask));
  }
};

enum class ClearKind { kFast, kSlow };
// The `clear` key of a configuration: "clear=fast" or "clear=slow".
inline ClearKind ClearOf(const ConfigPairs& p) { return p.Choice("clear", {"fast", "slow"}) == 0 ? ClearKind::kFast : ClearKind::kSlow; }

// A split spte inside a minimal shadow page: the entry and the page's count.
class SplitSptePage {
 public:
  SplitSptePage(u64 initial, Mutations mut) : clear_spte_count_(0) {
    spte_.Bind(&clear_spte_count_, mut);
    spte_.Init(initial);
  }
  SplitSpte& spte() { return spte_; }
  const SplitSpte& spte() const { return spte_; }
  int clear_spte_count() const { return clear_spte_count_.load(std::memory_order_relaxed); }

  // The reader CPU: one __get_spte_lockless, checked on the spot.
  u64 ReadChecked(const SplitValues& values) {
    const u64 v = spte_.GetLockless();
    if (!values.Genuine(v)) sync::fail("torn present spte: __get_spte_lockless returned a value never stored");
    return v;
  }
  // The writer's clear to non-present, fast or slow.
  void Clear(ClearKind kind) {
    if (kind == ClearKind::kFast) {
      spte_.UpdateClearFast(spte::kNonPresent);
    } else {
      spte_.UpdateClearSlow(spte::kNonPresent);
    }
  }

 private:
  sync::Atomic<int> clear_spte_count_;
  SplitSpte spte_;
};

// What split-tear and split-pnp share: CPU 0 reads the spte locklessly and
// keeps what __get_spte_lockless returned; CPU 1 clears it (split-pnp then
// sets it again).
class SplitReadRace {
 public:
  void Observe(Observations& o) const {
    o.Add(0, "returned", seen_.load());
    o.Add(1, "clear_spte_count", static_cast<u64>(page_.clear_spte_count()));
  }

 protected:
  SplitReadRace(const SplitValues& values, Mutations mut) : page_(values.Initial(), mut), seen_(0) {}
  void Read(const SplitValues& values) { seen_.store(page_.ReadChecked(values)); }

  SplitSptePage page_;
  sync::Var<u64> seen_;
};

}  // namespace mmu::scenarios
