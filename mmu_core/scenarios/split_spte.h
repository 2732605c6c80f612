// mmu_core/scenarios/split_spte.h: the 32-bit split-spte races (brief §2).
//
// Values are self-checking: the k-th value a writer stores has
//   pfn = ((k + 1) << 20) | (0x100 + k / 2)
// so its low word carries k/2 and its high word carries k+1. Values 2j and
// 2j+1 share a low word (the present -> non-present -> present race with the
// same low word), and a present value is genuine iff its high part is 2j+1 or
// 2j+2 where j is read from its low part. A torn present read is recognised on
// the spot, without a lock and without a record of what was stored.
#pragma once

#include <string>

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
// table's "spte = 0xa11110001"). 0 means "use SplitValue(k)".
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
inline const char* ClearKindName(ClearKind k) { return k == ClearKind::kFast ? "fast" : "slow"; }

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

// ---------------------------------------------------------------------------
// split-tear: CPU 0 reads locklessly while CPU 1 clears a present spte (§2a).
// Paolo's table: the reader may see the new low word and the old high word;
// that torn value is benign because it is not present.
class SplitTear : public SplitReadRace {
 public:
  static constexpr std::string_view kName = "split-tear";
  static constexpr std::string_view kSection = "§2a";
  static constexpr std::string_view kInvariant =
      "a present value returned by __get_spte_lockless was stored by a writer";
  static constexpr int kThreads = 2;
  static constexpr Mutation kMutations[] = {Mutation::M2_2, Mutation::M2_5};
  struct Config {
    ClearKind clear = ClearKind::kFast;
    SplitValues values;
  };
  static int NumConfigs() { return 2; }
  static Config GetConfig(int i) { return Config{i == 0 ? ClearKind::kFast : ClearKind::kSlow, {}}; }
  static std::string DescribeConfig(const Config& c) { return std::string("clear=") + ClearKindName(c.clear); }

  SplitTear(const Config& c, Mutations mut) : SplitReadRace(c.values, mut), cfg_(c) {}

  void Thread(int cpu) {
    if (cpu == 0) {
      Read(cfg_.values);
    } else {
      page_.Clear(cfg_.clear);
    }
  }
  void Check() {
    if (page_.spte().ReadLocked() != spte::kNonPresent) sync::fail("the clear did not leave the spte non-present");
  }
 private:
  Config cfg_;
};

// ---------------------------------------------------------------------------
// split-pnp: present -> non-present -> present with the same low word (§2b).
// Xiao's scenario: CPU 1 clears value 0 and sets value 1 (same low word, new
// high word) while CPU 0 reads. Only clear_spte_count tells the reader.
class SplitPnp : public SplitReadRace {
 public:
  static constexpr std::string_view kName = "split-pnp";
  static constexpr std::string_view kSection = "§2b";
  static constexpr std::string_view kInvariant =
      "a present value returned by __get_spte_lockless was stored by a writer";
  static constexpr int kThreads = 2;
  static constexpr Mutation kMutations[] = {Mutation::M2_1, Mutation::M2_2, Mutation::M2_3,
                                            Mutation::M2_4, Mutation::M2_5, Mutation::M2_6};
  struct Config {
    ClearKind clear = ClearKind::kFast;
    int cycles = 1;  // clear+set pairs by the writer
    SplitValues values;
  };
  static int NumConfigs() { return 2; }
  static Config GetConfig(int i) { return Config{i == 0 ? ClearKind::kFast : ClearKind::kSlow, 1, {}}; }
  static std::string DescribeConfig(const Config& c) {
    return std::string("clear=") + ClearKindName(c.clear) + " cycles=" + std::to_string(c.cycles);
  }

  SplitPnp(const Config& c, Mutations mut) : SplitReadRace(c.values, mut), cfg_(c) {}

  void Thread(int cpu) {
    if (cpu == 0) {
      Read(cfg_.values);
      return;
    }
    for (int i = 0; i < cfg_.cycles; ++i) {
      page_.Clear(cfg_.clear);
      page_.spte().SetSpte(cfg_.values.Next(i));
    }
  }
  void Check() {
    if (page_.clear_spte_count() != cfg_.cycles) sync::fail("clear_spte_count does not count the clears");
  }
 private:
  Config cfg_;
};

// ---------------------------------------------------------------------------
// split-hw-ad: hardware sets A/D in the low word while CPU 1 write-protects
// the spte (a present -> present update, which must keep the high word: R1)
// and CPU 0 reads locklessly.
class SplitHwAd {
 public:
  static constexpr std::string_view kName = "split-hw-ad";
  static constexpr std::string_view kSection = "§2 R1";
  static constexpr std::string_view kInvariant =
      "a present value returned by __get_spte_lockless was stored (up to hardware A/D bits)";
  static constexpr int kThreads = 3;
  static constexpr Mutation kMutations[] = {Mutation::M2_7};
  struct Config {
    bool hw_write = true;  // hardware sets D as well as A
  };
  static int NumConfigs() { return 1; }
  static Config GetConfig(int) { return Config{}; }
  static std::string DescribeConfig(const Config& c) { return c.hw_write ? "hw=write" : "hw=read"; }

  SplitHwAd(const Config& c, Mutations mut)
      : cfg_(c), page_(SplitValue(0) & ~spte::kAccessed, mut), seen_(0) {
    ctx_.mut = mut;
  }

  void Thread(int cpu) {
    switch (cpu) {
      case 0:
        seen_.store(page_.spte().GetLockless());
        break;
      case 1:
        // spte_write_protect for dirty logging: W cleared, MMU-writable kept.
        MmuSpteUpdate(page_.spte(), SplitValue(0) & ~(spte::kAccessed | spte::kWritable), ctx_);
        break;
      default:
        page_.spte().HwSetAccessedDirty(cfg_.hw_write);
        break;
    }
  }
  void Check() {
    const u64 v = seen_.load();
    if (!spte::IsShadowPresent(v)) return;
    const u64 initial = SplitValue(0) & ~kAdMask;
    const u64 updated = page_.spte().ReadLocked() & ~kAdMask;
    const u64 got = v & ~kAdMask;
    if (got != initial && got != updated) sync::fail("torn present spte: a present->present update moved the high word");
  }
  void Observe(Observations& o) const {
    o.Add(0, "returned", seen_.load());
    o.Add(1, "final spte", page_.spte().ReadLocked());
  }

 private:
  Config cfg_;
  SplitSptePage page_;
  SpteOpsContext ctx_;
  sync::Var<u64> seen_;
};

// ---------------------------------------------------------------------------
// split-slow-clear-d: CPU 0 (mmu_lock) zaps a writable spte with
// mmu_spte_clear_track_bits while hardware (CPU 1, a guest write) sets D.
// The spte is volatile (W && !D), so the clear is the slow one: its xchg of
// the low word must capture D and hand it to kvm_set_pfn_dirty.
class SplitSlowClearD {
 public:
  static constexpr std::string_view kName = "split-slow-clear-d";
  static constexpr std::string_view kSection = "§2 slow clear";
  static constexpr std::string_view kInvariant =
      "a guest write through a present spte reaches kvm_set_pfn_dirty when the spte is cleared";
  static constexpr int kThreads = 2;
  static constexpr Mutation kMutations[] = {Mutation::M2_8};
  struct Config {};
  static int NumConfigs() { return 1; }
  static Config GetConfig(int) { return Config{}; }
  static std::string DescribeConfig(const Config&) { return "ad=on"; }

  // The spte maps pfn 0, the only page the tracker knows.
  SplitSlowClearD(const Config&, Mutations mut)
      : page_(spte::MakeLeaf(0, true, true, true, true), mut), pfns_(1), hw_saw_(0) {
    ctx_.mut = mut;
    ctx_.pfns = &pfns_;
  }

  void Thread(int cpu) {
    if (cpu == 0) {
      MmuSpteClearTrackBits(page_.spte(), ctx_);
    } else {
      hw_saw_.store(page_.spte().HwSetAccessedDirty(/*write=*/true));
    }
  }
  void Check() {
    const u64 hw = hw_saw_.load();
    const bool wrote = spte::IsShadowPresent(hw) && spte::IsDirty(hw);
    if (wrote && !pfns_.Dirty(0)) sync::fail("lost dirty bit: the guest wrote but kvm_set_pfn_dirty never ran");
  }
  void Observe(Observations& o) const {
    o.Add(1, "hardware saw", hw_saw_.load());
    o.Add(0, "pfn dirty", pfns_.Dirty(0) ? 1 : 0);
  }

 private:
  SplitSptePage page_;
  PfnTracker pfns_;
  SpteOpsContext ctx_;
  sync::Var<u64> hw_saw_;
};

}  // namespace mmu::scenarios
