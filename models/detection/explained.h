// models/detection/explained.h: why each survivor of the sweep survives.
//
// A weakening (barrier table) or a logical mutant that no model catches is a
// survivor. Each one is here with the reason it is allowed to survive, or the
// sweep fails. An entry matches a survivor in `file` whose text contains
// `match` (barrier rows: the edge label and the statement at the site;
// logical rows: the function, the original text, the operator and the
// mutated text) and whose weakening (or operator) is in `how` ("*": any).
// An entry that matches nothing any more is stale, and fails the sweep too.
#pragma once

#include <string_view>

namespace mmu::models::detection {

enum class Reason {
  kRedundant,    // another edge or the lock already gives this ordering (named in `why`)
  kWeakerArch,   // needed only on an architecture weaker than the model's (C++/LKMM vs ...)
  kCheckerGap,   // an outcome Relacy's search cannot produce (named in `why`)
  kEquivalent,   // the mutant computes the same thing in every state the core can reach
  kNotModelled,  // the code's effect lies outside every modelled contract (named in `why`)
  kConservative, // the mutant only does less of an optimisation (gives up to the slow path, flushes or faults
                 // more): correct by design, only slower
  kUnchecked,    // a contract row no scenario checks yet (named in `why`): open work, not an excuse
};
inline constexpr std::string_view ReasonName(Reason r) {
  switch (r) {
    case Reason::kRedundant: return "redundant";
    case Reason::kWeakerArch: return "weaker architecture";
    case Reason::kCheckerGap: return "checker gap";
    case Reason::kEquivalent: return "equivalent";
    case Reason::kNotModelled: return "not modelled";
    case Reason::kConservative: return "conservative";
    case Reason::kUnchecked: return "UNCHECKED";
  }
  return "";
}

struct Explanation {
  bool logical;  // a logical-mutation row (else a barrier row)
  std::string_view file;
  std::string_view match;
  std::string_view how;
  Reason reason;
  std::string_view why;
};

inline constexpr Explanation kExplained[] = {
    // ---- barrier table: the split spte (brief §2) ----
    {false, "mmu_core/split_spte.h", "[W3]", "drop", Reason::kRedundant,
     "the count bump follows [W2] (fast clear) or the xchg's barrier (slow clear), which already order the low "
     "word's clear before it, and presence is decided by the low word alone"},
    {false, "mmu_core/split_spte.h", "return sync::xchg(low_", "no-mb-before", Reason::kRedundant,
     "before the slow clear its CPU only read the spte under mmu_lock (and a previous set ordered its own stores "
     "with [W1]); the barrier the reader's recheck needs is the trailing one (no-mb-after is killed)"},
    {false, "mmu_core/split_spte.h", "sync::cmpxchg(low_, lo, lo | bits)", "no-mb-before,no-mb-after,no-mb,relaxed",
     Reason::kNotModelled,
     "the hardware's locked A/D update: only its atomicity is modelled (split is killed); the hardware thread has "
     "no other access that a barrier could order"},

    // ---- barrier table: 64-bit sptes, walks, requests (brief §3-§6) ----
    {false, "mmu_core/spte64.h", "return sync::xchg(w_, v)", "no-mb-before,no-mb-after,no-mb,relaxed",
     Reason::kRedundant,
     "the slow update runs under mmu_lock, and what must follow it for another CPU (the remote flush) starts with "
     "its own fully ordered cmpxchg of vcpu->mode ([F1]); only the xchg's atomicity is load-bearing (split is killed)"},
    {false, "mmu_core/spte64.h", "sync::cmpxchg(w_, seen, desired)", "no-mb-before", Reason::kRedundant,
     "before the fast page fault's cmpxchg its CPU only read sptes (the lockless walk, after [B1]'s full "
     "barrier); the barrier dirty logging needs is the trailing one (no-mb-after is killed by actor=harvest)"},
    {false, "mmu_core/spte64.h", "sync::cmpxchg(w_, s, s | bits)", "no-mb-before,no-mb-after,no-mb,relaxed",
     Reason::kNotModelled,
     "the hardware's locked A/D update: only its atomicity is modelled (split is killed); the hardware thread has "
     "no other access that a barrier could order"},
    {false, "mmu_core/vm.h", "[Q1]", "acq_rel,acquire", Reason::kRedundant,
     "the pairing with [Q0] needs only an acquire after the clearing RMW, which reads the requester's bit (the kernel "
     "writes smp_mb__after_atomic because Linux has no acquire-only barrier after an atomic); nothing relies on "
     "the clear being ordered before later loads"},
    {false, "mmu_core/vm.h", "sync::cmpxchg(v.mode()", "no-mb-before,no-mb-after", Reason::kCheckerGap,
     "either barrier alone keeps the store-buffering pattern with [B1]/[G0] forbidden, because the model's kernel "
     "cmpxchg keeps its barriers when it fails (LKMM: a failed cmpxchg orders nothing, which is why the kernel "
     "puts smp_mb__before_atomic in front of kvm_vcpu_exiting_guest_mode's); dropping both is killed"},
    {false, "mmu_core/vm.h", "[E1]", "relaxed", Reason::kCheckerGap,
     "load buffering (M4.2): the walk's loads may only move after the OUTSIDE store if a load reads a later "
     "store, which Relacy never produces; litmus/MMU-WalkEnd+once.litmus shows it under LKMM"},
    {false, "mmu_core/vm.h", "[F2]", "relaxed", Reason::kCheckerGap,
     "the other side of [E1]: without the acquire the freer's later accesses are unordered after the walker's "
     "loads only in a load-buffering outcome, which Relacy never produces"},
    {false, "mmu_core/vm.h", "kOutsideGuestMode, std::memory_order_release", "relaxed", Reason::kCheckerGap,
     "a vCPU leaving guest mode: its guest accesses (TLB reads) before the OUTSIDE store, that the remote flush's "
     "wait [F2] reads, is load->store order: load buffering, which Relacy never produces (as [E1])"},
    // ---- barrier table: memslots and SRCU (brief §7) ----
    {false, "mmu_core/mmio.h", "srcu_readers_.fetch_add(1", "acq_rel,acquire,release,relaxed", Reason::kRedundant,
     "srcu_read_lock's smp_mb after the increment ([S1], the next line) orders the section after it"},
    {false, "mmu_core/mmio.h", "srcu_readers_.fetch_add(1", "split", Reason::kEquivalent,
     "the kernel's SRCU counters are per CPU (this_cpu_inc), each written by its own CPU only: a plain "
     "read-modify-write is what the kernel does; one reader per counter in the model"},
    {false, "mmu_core/mmio.h", "srcu_readers_.fetch_sub(1", "split", Reason::kEquivalent,
     "the kernel's SRCU counters are per CPU (this_cpu_inc), each written by its own CPU only: a plain "
     "read-modify-write is what the kernel does; one reader per counter in the model"},
    {false, "mmu_core/mmio.h", "srcu_readers_.fetch_sub(1", "acq_rel,acquire,release,relaxed", Reason::kRedundant,
     "srcu_read_unlock's smp_mb before the decrement ([S2], the line above) orders the section before it; with "
     "both gone the section's loads would move after the decrement only by load buffering (Relacy never)"},
    {false, "mmu_core/mmio.h", "[S2]", "acq_rel,acquire,release,drop", Reason::kRedundant,
     "the decrement after it is a seq_cst RMW, itself a release of the section's loads; with both weakened the "
     "loads move after the decrement only by load buffering, which Relacy never produces"},
    {false, "mmu_core/mmio.h", "srcu_readers_.load(std::memory_order_acquire)", "relaxed", Reason::kRedundant,
     "the full barrier after the wait ([S3], the next line) orders what follows after the zero read"},
    {false, "mmu_core/mmio.h", "sync::fence(std::memory_order_seq_cst);  // [S3] the wait before", "*",
     Reason::kRedundant, "the wait's load of the reader count is an acquire ([S3] on the line above)"},
    {false, "mmu_core/vm.h", "return sync::xchg(dirty_bitmap_[gfn], 0)", "no-mb-before", Reason::kRedundant,
     "before the harvest's xchg its CPU wrote nothing the vCPU reads; what the harvest needs is that its write "
     "protection (under mmu_lock) reads the spte after the word it took (relaxed, which drops that, is killed)"},
    {false, "mmu_core/vm.h", "return sync::xchg(dirty_bitmap_[gfn], 0)", "no-mb-after,no-mb", Reason::kCheckerGap,
     "the model keeps the RMW seq_cst when it drops the kernel xchg's barriers, and a C++ seq_cst RMW is an "
     "acquire: it still orders the write protection's read of the spte after the word (LKMM's xchg_relaxed would "
     "not); relaxed, which drops the acquire too, is killed by actor=harvest"},
    {false, "mmu_core/mmio.h", "[P2]", "relaxed", Reason::kRedundant,
     "the kernel's store is plain (slots->generation = gen); the in-progress value reaches a reader through "
     "rcu_assign_pointer's release ([P1]), and the final one orders nothing a reader relies on: it reads the "
     "spte before the generation (mmio.h's residual window)"},
    // ---- logical-mutation table (mutator.cc): fast_pf.h ----
    {true, "mmu_core/fast_pf.h", "FastPageFault vm.WalkLocklessBegin(v);", "delete", Reason::kUnchecked,
     "no scenario frees or unlinks a table under a fast page fault's walk (walk-free's walkers are the MMIO walk "
     "and the flood clear): the READING mode that makes a remote flush wait is not exercised here"},
    {true, "mmu_core/fast_pf.h", "FastPageFault if (n == 0)", "negate", Reason::kConservative,
     "the fault gives up on every walk: the slow path maps the page"},
    {true, "mmu_core/fast_pf.h", "FastPageFault if (n == 0)", "drop-if", Reason::kEquivalent,
     "the walk is never empty: every scenario's vCPU has a root loaded"},
    {true, "mmu_core/fast_pf.h", "FastPageFault if (!spte::IsShadowPresent(spte) ||", "negate",
     Reason::kConservative,
     "a present leaf makes the fault give up (slow path); a non-present spte has no MMU-writable bit, so the "
     "fault gives up two lines later"},
    {true, "mmu_core/fast_pf.h", "FastPageFault if (!spte::IsShadowPresent(spte) ||", "drop-if",
     Reason::kUnchecked,
     "a non-present spte has no MMU-writable bit and the next check gives up; a non-leaf one needs a table "
     "deeper than the fastpf scenarios' one level"},
    {true, "mmu_core/fast_pf.h", "FastPageFault if (WriteAllowed(spte))", "negate", Reason::kConservative,
     "an unwritable spte is reported spurious: the vCPU goes back to the guest and faults again, no write goes "
     "through it; a writable one is 'fixed' to the value it holds"},
    {true, "mmu_core/fast_pf.h", "FastPageFault if (WriteAllowed(spte))", "drop-if", Reason::kEquivalent,
     "a writable spte's cmpxchg writes the value it already holds, and nothing is logged (marks is false)"},
    {true, "mmu_core/fast_pf.h", "SpteWriteProtect if (changed != nullptr) negate", "negate",
     Reason::kUnchecked,
     "the caller never learns that an spte changed, so dirty logging's deferred flush is skipped "
     "(GetDirtyLogProtect): actor=harvest has no TLB entry left writable by the protection, so no row sees the "
     "missing flush"},
    {true, "mmu_core/fast_pf.h", "SpteWriteProtect if (changed != nullptr) drop-if", "drop-if", Reason::kUnchecked,
     "line 128 (*changed = false): equivalent, the caller starts from false; line 131 (*changed = true): the "
     "deferred flush after the harvest's protection is skipped, which no row sees (actor=harvest has no writable "
     "TLB entry)"},
    {true, "mmu_core/fast_pf.h", "SpteWriteProtect if (!spte::IsShadowPresent(spte))", "drop-if",
     Reason::kEquivalent, "a non-present spte has neither W nor MMU-writable: the next line returns false"},
    {true, "mmu_core/fast_pf.h", "SpteWriteProtect if (!spte::IsWritable(spte) && !(pt_protect", "drop-if",
     Reason::kConservative, "an spte that needs no protection is written again with its own value and counted "
     "as changed: one flush more"},
    {true, "mmu_core/fast_pf.h", "WriteProtectGfn if (pt_protect)", "negate,drop-if", Reason::kUnchecked,
     "the write tracking (kvm_slot_page_track_add_page) keeps a later slow page fault from mapping the shadowed "
     "gfn writable; no scenario's vCPU takes the slow fault after pt_protect's write protection"},
    {true, "mmu_core/fast_pf.h", "WriteProtectGfn if (sp->level() != 1)", "drop-if", Reason::kUnchecked,
     "the fastpf scenarios' VMs have one level: every table is a leaf table; no scenario write-protects a "
     "deeper VM"},
    {true, "mmu_core/fast_pf.h", "WriteProtectGfn if (!spte::IsShadowPresent(s))", "drop-if", Reason::kEquivalent,
     "a non-present spte is passed on to SpteWriteProtect, which leaves it alone"},
    {true, "mmu_core/fast_pf.h", "WriteProtectGfn if (spte::Pfn(s) != vm.PfnOf(gfn))", "drop-if",
     Reason::kConservative, "other gfns' sptes are write-protected too: more faults, no protection lost"},
    {true, "mmu_core/fast_pf.h", "GetDirtyLogProtect if (mask != 0 && WriteProtectGfn", "negate",
     Reason::kUnchecked,
     "the harvest skips its flush exactly when the protection needs one: actor=harvest has no TLB entry left "
     "writable, so no row sees the missing flush"},
    {true, "mmu_core/fast_pf.h", "GuestAccessOnce ", "*", Reason::kNotModelled,
     "the modelled hardware (TLB lookup, page walk, A/D), not kernel code: these mutants make it fault more, walk "
     "instead of using its TLB, skip a TLB fill or a step marker; each only removes behaviour the scenarios allow"},

    // ---- logical-mutation table: mmio.h ----
    {true, "mmu_core/mmio.h", "FaultCreateMmioSpte if (!has_slot)", "negate", Reason::kUnchecked,
     "a gfn with a memslot gets an MMIO spte and one without gets none: the checks compare memslots versions "
     "(stale hits), not whether the MMIO decision matched the memslots it was made from"},
    {true, "mmu_core/mmio.h", "FaultCreateMmioSpte if (!has_slot)", "drop-if", Reason::kConservative,
     "no MMIO spte is ever created: every access takes the slow path"},
    {true, "mmu_core/mmio.h", "FaultCreateMmioSpte spte_.SetSpte(", "delete", Reason::kConservative,
     "no MMIO spte: every access takes the slow path"},
    {true, "mmu_core/mmio.h", "FaultCreateMmioSpte spte_ghost_.store(", "delete", Reason::kNotModelled,
     "ghost state of the check (the memslots version the spte was decided from), not kernel code"},
    {true, "mmu_core/mmio.h", "FaultCreateMmioSpte spte_epoch_.store(", "delete", Reason::kNotModelled,
     "ghost state of the check (the wrap zaps before the spte), not kernel code"},
    {true, "mmu_core/mmio.h", "FaultCreateMmioSpte CacheMmioInfo(", "delete", Reason::kConservative,
     "nothing is cached: every access takes the slow path"},
    {true, "mmu_core/mmio.h", "CacheMmioInfo cache_gen_.store(gen);", "delete", Reason::kUnchecked,
     "the cache keeps its initial generation: it answers only while the generation is still the initial one, "
     "when its answer is current; no config caches a decision after the generation moved"},
    {true, "mmu_core/mmio.h", "CacheMmioInfo cache_ghost_.store(", "delete", Reason::kNotModelled,
     "ghost state of the check, not kernel code"},
    {true, "mmu_core/mmio.h", "CacheMmioInfo cache_valid_.store(true);", "delete", Reason::kConservative,
     "nothing is ever cached: every access takes the slow path"},
    {true, "mmu_core/mmio.h", "CacheHit if (!cache_valid_.load())", "negate", Reason::kConservative,
     "a valid cache is never consulted: the slow path"},
    {true, "mmu_core/mmio.h", "CacheHit if (!cache_valid_.load())", "drop-if", Reason::kEquivalent,
     "an invalid cache holds no generation any generation read can match in these configs"},
    {true, "mmu_core/mmio.h", "CacheHit if (hit)", "drop-if", Reason::kNotModelled,
     "the branch holds only the step marker and the check; the hit is still returned (the check is the model's)"},
    {true, "mmu_core/mmio.h", "CacheHit At(Step::MmioHit", "delete", Reason::kNotModelled,
     "a step marker of the replay and stress engines, not kernel code"},
    {true, "mmu_core/mmio.h", "CacheHit if (cache_ghost_.load() != slots->ghost_version", "drop-if",
     Reason::kNotModelled, "the check itself (sync::fail on a stale hit), not kernel code"},
    {true, "mmu_core/mmio.h", "SpteHit if (spte::IsMmio(s))", "negate", Reason::kUnchecked,
     "a non-MMIO spte is treated as MMIO and an MMIO one never hits: the stale-hit check follows only hits whose "
     "generation matches, and a non-MMIO spte's generation field reads as the current one in no config"},
    {true, "mmu_core/mmio.h", "SpteHit if (spte::IsMmio(s))", "drop-if", Reason::kConservative,
     "the MMIO spte never hits: every access takes the slow path"},
    {true, "mmu_core/mmio.h", "SpteHit const bool in_progress = (gen & kMemslotGenUpdateInProgress) != 0;",
     "const", Reason::kConservative,
     "!= 1 of a masked bit is always true: every generation counts as in progress, so the MMIO spte never hits"},
    {true, "mmu_core/mmio.h", "SpteHit if (hit)", "drop-if", Reason::kNotModelled,
     "the branch holds only the step marker and the check, not kernel code"},
    {true, "mmu_core/mmio.h", "SpteHit At(Step::MmioHit", "delete", Reason::kNotModelled,
     "a step marker of the replay and stress engines, not kernel code"},
    {true, "mmu_core/mmio.h", "SpteHit if (spte_ghost_.load() != slots->ghost_version || in_progress)", "drop-if",
     Reason::kNotModelled, "the check itself, not kernel code"},
    {true, "mmu_core/mmio.h", "SpteHit zaps_at_gen_read > spte_epoch_.load()", "ror", Reason::kNotModelled,
     "the check's own classification of a residual hit (race C), not kernel code"},
    {true, "mmu_core/mmio.h", "SpteHit residual_hits_.store(", "delete", Reason::kNotModelled,
     "a counter of the check (the residual window), not kernel code"},
    {true, "mmu_core/mmio.h", "MemslotsUpdated if ((gen & p_.format.GenMask()) != 0)", "drop-if",
     Reason::kConservative, "every update zaps the MMIO sptes, not only a wrap: more slow paths"},
    {true, "mmu_core/mmio.h", "MemslotsUpdated if (spte::IsMmio(spte_.ReadLocked()))", "negate,drop-if",
     Reason::kUnchecked,
     "on a wrap the MMIO spte is not zapped (negate: only a non-MMIO one is cleared): race=C's ancient spte has "
     "generation field 0, which the wrapped generation matches only when the wrap comes back to 0; the config's "
     "generation after the wrap is not 0 again"},

    // ---- logical-mutation table: shadow_page.h (pte_list: the parent-pte rmap) ----
    {true, "mmu_core/shadow_page.h", "Add if (v == 0)", "negate,drop-if", Reason::kUnchecked,
     "the rmap's encoding (one pointer, or a descriptor list): a wrong form is read back consistently by "
     "Count/Get in the scenarios' pages, which have one parent each; no row checks the rmap's shape"},
    {true, "mmu_core/shadow_page.h", "Remove if (v == 0)", "drop-if", Reason::kEquivalent,
     "an empty rmap's pointer compares unequal to the spte on the next line and the call returns false"},
    {true, "mmu_core/shadow_page.h", "Remove if (reinterpret_cast<Spte64*>(v) != spte)", "drop-if",
     Reason::kUnchecked,
     "a parent pte not in the rmap would be removed anyway: every Remove in the scenarios removes one that is "
     "there, so the mutant computes the same; no scenario has a page with two parents"},
    {true, "mmu_core/shadow_page.h", "Clear if ((v & 1) != 0)", "drop-if", Reason::kUnchecked,
     "a descriptor list would leak: no page in the scenarios has two parents, so no list exists"},
    {true, "mmu_core/shadow_page.h", "Clear val_.store(0);", "delete", Reason::kUnchecked,
     "Clear runs in the destructor and Compact; with one parent at most the value it leaves is never read again"},
    {true, "mmu_core/shadow_page.h", "ShadowPage if (gptes_ != nullptr)", "drop-if", Reason::kNotModelled,
     "the guest ptes' initial zero (a model of guest memory, not kernel code)"},
    {true, "mmu_core/shadow_page.h", "~ShadowPage if (gptes_ != nullptr)", "negate,drop-if", Reason::kNotModelled,
     "the model's own memory (destroy_array of a null array is a no-op, a leak of a direct page's none)"},

    // ---- logical-mutation table: split_spte.h, spte64.h (hardware A/D), spte.h ----
    {true, "mmu_core/split_spte.h", "SetSpte WriteLow(spte::Low(v));", "delete", Reason::kUnchecked,
     "the low word is never written: the spte stays non-present, which every reader may see; no split scenario "
     "checks that a set spte becomes visible"},
    {true, "mmu_core/split_spte.h", "HwSetAccessedDirty ", "*", Reason::kNotModelled,
     "the modelled hardware's A/D update, not kernel code: these mutants set A/D less often or on a non-present "
     "spte's low word (the readers treat any value with P clear as non-present)"},
    {true, "mmu_core/spte64.h", "HwSetAccessedDirty ", "*", Reason::kNotModelled,
     "the modelled hardware's A/D update, not kernel code: these mutants set A/D less often or not at all; D "
     "missing means the guest write is not recorded as done, so no check expects it"},
    {true, "mmu_core/split_spte.h", "CountSpteClear if (spte::IsShadowPresent(v))", "drop-if",
     Reason::kConservative, "the count is bumped on every clear, not only of a present value: more reader retries"},
    {true, "mmu_core/spte.h", "IsAccessed inline constexpr bool IsAccessed", "const", Reason::kUnchecked,
     "!= 1 of a masked bit is always true: every spte reads as accessed; the A bit's transfer to the pfn "
     "(kvm_set_pfn_accessed) is checked by no row"},
    {true, "mmu_core/spte.h", "IsDirty inline constexpr bool IsDirty", "const", Reason::kUnchecked,
     "!= 1 of a masked bit is always true: every spte reads as dirty, so kvm_set_pfn_dirty runs more often; no row "
     "checks that a page nobody wrote stays clean"},
    {true, "mmu_core/spte.h", "MakeLeaf if (host_writable && mmu_writable && writable)", "drop-if",
     Reason::kConservative, "no new spte is writable: every write takes a (fast) page fault first"},
    {true, "mmu_core/spte.h", "MakeLeaf if (accessed)", "negate,drop-if", Reason::kUnchecked,
     "the A bit of a new spte: no row checks A (only D reaches a check, through kvm_set_pfn_dirty)"},
    {true, "mmu_core/spte.h", "HasVolatileBits if (!IsShadowPresent(s))", "drop-if", Reason::kConservative,
     "a non-present spte may count as volatile: the slow (xchg) clear runs where the fast one would do"},
    {true, "mmu_core/spte.h", "ChangeNeedsTlbFlush if (w_rule)", "drop-if", Reason::kUnchecked,
     "the flush after clearing W is then decided by the MMU-writable rule alone; the scenarios that clear W "
     "(fastpf-wp) clear MMU-writable too or flush anyway (pt_protect, the harvest's deferred flush)"},
    {true, "mmu_core/spte.h", "GenMask constexpr u64 GenMask", "const", Reason::kUnchecked,
     "the MMIO generation's width: a mask one bit short or a 64-bit test at 65 changes the wrap point, which only "
     "race=C reaches with its own narrow format; no row checks the encoding itself"},
    {true, "mmu_core/spte.h", "Make const u64 low = gen & ((u64{1} << LowBits()) - 1);", "const",
     Reason::kUnchecked, "the MMIO spte's generation encoding: write and read stay consistent with each other "
     "for the generations the configs reach; no row checks the encoding"},
    {true, "mmu_core/spte.h", "Gen const u64 ", "const", Reason::kUnchecked,
     "the MMIO spte's generation decoding: a narrower read still matches for the small generations the configs "
     "reach; no row checks the encoding"},

    // ---- logical-mutation table: spte_ops.h ----
    {true, "mmu_core/spte_ops.h", "SetDirty pfn < n_", "ror", Reason::kEquivalent,
     "every pfn the scenarios map is below the tracker's size: pfn == n_ never happens"},
    {true, "mmu_core/spte_ops.h", "SetAccessed ", "*", Reason::kUnchecked,
     "kvm_set_pfn_accessed: no row checks the accessed state of a pfn"},
    {true, "mmu_core/spte_ops.h", "MmuSpteUpdateNoTrack if (!spte::IsShadowPresent(old_spte))", "drop-if",
     Reason::kUnchecked, "a non-present spte is updated through the clear path instead of a set: same value; "
     "without the set's [W1] order on the split spte, which no split scenario reaches through an update"},
    {true, "mmu_core/spte_ops.h", "MmuSpteUpdateNoTrack if (!ctx.Volatile(old_spte))", "negate", Reason::kUnchecked,
     "a volatile spte takes the plain update (losing a concurrent A/D) and a stable one the xchg: the scenarios "
     "that update a volatile spte under a racing A/D setter (split-hw-ad, fastpf-wp) lose only A, or D of an spte "
     "whose write no check follows"},
    {true, "mmu_core/spte_ops.h", "MmuSpteUpdateNoTrack if (!ctx.Volatile(old_spte))", "drop-if",
     Reason::kUnchecked, "as negate: the plain update of a volatile spte loses a racing A/D; no row follows it"},
    {true, "mmu_core/spte_ops.h", "MmuSpteUpdateNoTrack old_spte = slot.UpdateClearSlow", "ignore",
     Reason::kUnchecked, "the A/D the xchg captured are dropped: the caller transfers the stale copy's bits; no "
     "scenario updates (not clears) a volatile spte under a racing guest write whose D a check follows"},
    {true, "mmu_core/spte_ops.h", "MmuSpteUpdate if (old_out != nullptr)", "drop-if", Reason::kEquivalent,
     "no caller in the scenarios passes old_out: the branch never runs"},
    {true, "mmu_core/spte_ops.h", "MmuSpteUpdate if (!spte::IsShadowPresent(old_spte))", "drop-if",
     Reason::kEquivalent, "a non-present old spte has no A/D to transfer and needs no flush: the lines below "
     "compute the same"},
    {true, "mmu_core/spte_ops.h", "MmuSpteUpdate if (ctx.pfns != nullptr)", "drop-if", Reason::kUnchecked,
     "A/D of an updated (write-protected) spte are not handed to the pfn: no row checks the transfer on an "
     "update (spte-volatile checks the clear)"},
    {true, "mmu_core/spte_ops.h", "MmuSpteUpdate if (spte::IsAccessed(old_spte)", "negate,drop-if",
     Reason::kUnchecked, "kvm_set_pfn_accessed: no row checks the accessed state of a pfn"},
    {true, "mmu_core/spte_ops.h", "MmuSpteUpdate if (ctx.DirtySpte(old_spte)", "negate,drop-if",
     Reason::kUnchecked, "D of an updated spte (write protection keeps D; only a clear of D hands it over): no "
     "scenario's update clears D"},
    {true, "mmu_core/spte_ops.h", "MmuSpteClearTrackBits if (!ctx.Volatile(old_spte))", "drop-if",
     Reason::kConservative, "every clear takes the xchg: never loses a racing A/D"},
    {true, "mmu_core/spte_ops.h", "MmuSpteClearTrackBits slot.UpdateClearFast(spte::kNonPresent);", "delete",
     Reason::kUnchecked, "a non-volatile spte is not cleared: the zap leaves a present leaf in a table that is "
     "freed after the flush; no row checks that a zapped table's leaves are gone"},
    {true, "mmu_core/spte_ops.h", "MmuSpteClearTrackBits if (!spte::IsShadowPresent(old_spte))", "drop-if",
     Reason::kEquivalent, "a non-present old spte has neither A nor D: the transfers below do nothing"},
    {true, "mmu_core/spte_ops.h", "MmuSpteClearTrackBits if (spte::IsAccessed(old_spte))", "negate,drop-if",
     Reason::kUnchecked, "kvm_set_pfn_accessed: no row checks the accessed state of a pfn"},

    // ---- logical-mutation table: vm.h ----
    {true, "mmu_core/vm.h", "Fill ", "*", Reason::kNotModelled,
     "the modelled hardware's TLB fill (and its bounds check, never hit: every gfn is below nr_gfns): not kernel "
     "code; a fill left out only makes the hardware walk again"},
    {true, "mmu_core/vm.h", "Add sp->next().store(nullptr);", "delete", Reason::kUnchecked,
     "the invalid list's link (the kernel's list_move to invalid_list): the scenarios' pages reach it with next "
     "already null or overwritten; no row checks the list's shape"},
    {true, "mmu_core/vm.h", "SetWriteTracked ", "*", Reason::kUnchecked,
     "the write tracking of a shadowed gfn: no scenario's vCPU takes the slow fault after pt_protect, where it "
     "keeps the spte unwritable (the bounds check itself is never hit: every gfn is below nr_gfns)"},
    {true, "mmu_core/vm.h", "FrameToPage ", "drop-if,ror", Reason::kEquivalent,
     "a bounds check of the model's frame table that no spte reaches: every table frame is below max_frames"},
    {true, "mmu_core/vm.h", "AllocShadowPage if (frame >= p_.max_frames)", "negate", Reason::kConservative,
     "the allocation fails (nullptr): the fault gives up (PageFault breaks, MmuLoad has no root) and retries"},
    {true, "mmu_core/vm.h", "AllocShadowPage ", "drop-if,ror", Reason::kEquivalent,
     "a bounds check of the model's frame table: the scenarios' VMs never run out of frames"},
    {true, "mmu_core/vm.h", "GetShadowPage if (sp->level() == level", "drop-if", Reason::kConservative,
     "no page is reused: every fault allocates a fresh one (more memory, same mappings)"},
    {true, "mmu_core/vm.h", "At(Step::", "delete", Reason::kNotModelled,
     "a step marker of the replay and stress engines, not kernel code"},
    {true, "mmu_core/vm.h", "MmuLoad v.root().store(root);", "delete", Reason::kUnchecked,
     "the vCPU never gets its root (it faults on no root and retries; the pinned count leaks): no row checks "
     "that kvm_mmu_load leaves the vCPU on a valid root"},
    {true, "mmu_core/vm.h", "FreeObsoleteRoots if (root == nullptr || !IsObsolete(root))", "drop-if",
     Reason::kUnchecked, "a current root is dropped and reloaded too (the fault serves the request twice): more "
     "work; a null root would crash, which no scenario reaches"},
    {true, "mmu_core/vm.h", "FreeObsoleteRoots ", "const,delete,negate,drop-if", Reason::kUnchecked,
     "the pinned count of a root the vCPU lets go of: a count that never drops leaves the root pinned, and "
     "zap-all's Z3 accepts a root that is still pinned (and invalid); no row checks the count against the vCPUs "
     "that hold the root"},
    {true, "mmu_core/vm.h", "CheckRequest if ((v.requests().load(std::memory_order_relaxed) & req) == 0)",
     "drop-if", Reason::kConservative,
     "every request counts as pending: the vCPU reloads its root and flushes its TLB on every entry"},
    {true, "mmu_core/vm.h", "ServiceRequests if (CheckRequest(v, kReqFreeObsoleteRoots))", "drop-if",
     Reason::kUnchecked,
     "the reload request is neither tested nor served: it stays pending, so zap-root's R1 (a vCPU on an invalid "
     "root has a reload pending) and R2 (a request is served or still pending) hold; the vCPU's faults on the "
     "invalid root retry; no row checks that a vCPU serves a pending request before it enters the guest"},
    {true, "mmu_core/vm.h", "ServiceRequests if (v.root().load() == nullptr)", "negate,drop-if",
     Reason::kUnchecked, "the reload after dropping an obsolete root: a vCPU left with no root faults and retries "
     "(kRetry); no row checks that the vCPU ends on a valid root"},
    {true, "mmu_core/vm.h", "EnterGuest v.mode().store(kInGuestMode", "delete", Reason::kUnchecked,
     "the vCPU enters the guest with mode OUTSIDE, so a remote flush does not wait for it; no scenario has a "
     "flush whose caller relies on that wait against a vCPU inside the guest in a way a row checks"},
    {true, "mmu_core/vm.h", "EnterGuest v.mode().store(kOutsideGuestMode, std::memory_order_release);", "delete",
     Reason::kUnchecked, "the back-out on a pending request leaves the mode IN_GUEST: a later flush may wait "
     "longer (until the next exit); no scenario has a request arrive in that window and a check after it"},
    {true, "mmu_core/vm.h", "MakeAllCpusRequest if (request_step)", "negate,drop-if", Reason::kNotModelled,
     "chooses whether the request is recorded as a named step (replay): the request is made either way"},
    {true, "mmu_core/vm.h", "MakeAllCpusRequest MakeRequest(v, req);", "delete", Reason::kUnchecked,
     "a remote TLB flush that makes no request: the IPI and wait still run, but the vCPU never flushes its TLB; "
     "no scenario has a vCPU use a stale TLB entry after a flush it was waited for (fastpf-wp's F1 config "
     "flush=deferred checks before the flush)"},
    {true, "mmu_core/vm.h", "MakeAllCpusRequest if (!wait || mode == kOutsideGuestMode)", "drop-if",
     Reason::kConservative, "the flush waits for every vCPU, the OUTSIDE ones too (which are out already)"},
    {true, "mmu_core/vm.h", "GetSpteHierarchy for (int level = p_.levels;", "const", Reason::kUnchecked,
     "the walk stops above level 1: the leaf is not read and the caller sees a non-leaf last step (MMIO walk: no "
     "hit, slow path); walk-free's W1 follows only the tables it reads"},
    {true, "mmu_core/vm.h", "GetSpteHierarchy CheckNotFreed(sp);", "delete", Reason::kNotModelled,
     "the check itself (a native use-after-free detector; Relacy sees the freed memory on its own)"},
    {true, "mmu_core/vm.h", "GetSpteHierarchy if (!spte::IsShadowPresent(s) || level == 1", "negate",
     Reason::kConservative, "the walk stops after the root's first present spte: the callers see a non-leaf "
     "step and give up (slow path)"},
    {true, "mmu_core/vm.h", "GetSpteHierarchy if (!spte::IsShadowPresent(s) || level == 1", "drop-if",
     Reason::kUnchecked,
     "the walk follows a leaf or non-present spte as if it pointed at a table: in the one-level VMs the loop "
     "ends at level 1 anyway; walk-free's two-level walk reads a non-present child pointer as frame 0, the root, "
     "a live table"},
    {true, "mmu_core/vm.h", "PageFault if (child == nullptr)", "drop-if", Reason::kEquivalent,
     "the allocation never fails in the scenarios' VMs"},
    {true, "mmu_core/vm.h", "PageFault if (!spte::IsShadowPresent(cur))", "negate,drop-if", Reason::kUnchecked,
     "the slow fault's install of a new leaf is skipped or goes through an update: the vCPU retries (no mapping) "
     "and no row checks that a fault maps the page"},
    {true, "mmu_core/vm.h", "PageFault MmuSpteSet(leaf, want);", "delete", Reason::kUnchecked,
     "the slow fault maps nothing: the vCPU retries; no row checks that a fault makes progress"},
    {true, "mmu_core/vm.h", "PageFault if (flush)", "negate,drop-if", Reason::kUnchecked,
     "the slow fault's flush after it made an spte stricter: no scenario's slow fault removes a permission "
     "another vCPU holds in its TLB"},
    {true, "mmu_core/vm.h", "PrepareZapPage if (!spte::IsShadowPresent(cur))", "drop-if", Reason::kEquivalent,
     "a non-present spte is cleared again (a leaf) or, as a non-leaf, would be looked up as frame 0 and "
     "cleared; in the scenarios' zaps only present sptes are non-leaf, so it computes the same"},
    {true, "mmu_core/vm.h", "PrepareZapPage MmuSpteClearTrackBits(s, ctx_);", "delete", Reason::kUnchecked,
     "the zap does not clear (drop_spte) a leaf: its D never reaches kvm_set_pfn_dirty and the table is freed "
     "with it present; no scenario zaps a leaf table whose dirty state a check follows"},
    {true, "mmu_core/vm.h", "PrepareZapPage if (pinned_roots_stay_listed)", "drop-if", Reason::kEquivalent,
     "pinned_roots_stay_listed is the M6.6 switch, false in the correct core"},
    {true, "mmu_core/vm.h", "CommitZapPage if (invalid_list.size() == 0)", "drop-if", Reason::kConservative,
     "an empty invalid list is flushed too: one flush more"},
    {true, "mmu_core/vm.h", "CommitZapPage invalid_list.Clear();", "delete", Reason::kEquivalent,
     "the invalid list is a local that ends right after: clearing it changes nothing"},
    {true, "mmu_core/vm.h", "ToggleValidGen const std::uint8_t g", "const", Reason::kUnchecked,
     "^ 2 also changes the generation (0 <-> 2): every old page is obsolete as with ^ 1; the kernel's one-bit "
     "field is not modelled as one bit"},
    {true, "mmu_core/vm.h", "ToggleValidGen zaps_started_.store(", "delete", Reason::kNotModelled,
     "ghost state of the check (the zaps started), not kernel code"},
    {true, "mmu_core/vm.h", "set_dirty gfn < nr_gfns_", "ror", Reason::kEquivalent,
     "every gfn the scenarios log is below nr_gfns: gfn == nr_gfns never happens"},
    {true, "mmu_core/vm.h", "HarvestDirty ", "negate,drop-if,ror", Reason::kEquivalent,
     "a bounds check of the model's bitmap: every gfn the harvest reads is below nr_gfns (negate: the harvest "
     "returns 0 and takes nothing, so the dirty bit stays for the next log, which actor=harvest's F3 allows)"},
    {true, "mmu_core/vm.h", "ListAdd ", "*", Reason::kUnchecked,
     "the active_mmu_pages and hash lists' bookkeeping (list.h in the kernel, not a lockless protocol): the "
     "scenarios' walks of the list still reach their pages, and no row checks the lists' shape"},
    {true, "mmu_core/vm.h", "ListDel ", "*", Reason::kUnchecked,
     "the active_mmu_pages and hash lists' bookkeeping (list.h in the kernel, not a lockless protocol): no row "
     "checks the lists' shape or a page's links after it left them"},

    // ---- logical-mutation table: zap_all.h ----
    {true, "mmu_core/zap_all.h", "ZapObsoletePages if (!vm.IsObsolete(sp))", "drop-if", Reason::kUnchecked,
     "the walk zaps current pages too (all of them): more faults afterwards; no row says a current page "
     "survives kvm_mmu_zap_all_fast"},
    {true, "mmu_core/zap_all.h", "ZapObsoletePages if (batch >= vm.params().zap_batch", "drop-if",
     Reason::kConservative, "no lock break: the zap holds mmu_lock to the end (the latency the break exists for "
     "is not modelled)"},
    {true, "mmu_core/zap_all.h", "ZapObsoletePages goto restart;", "delete", Reason::kUnchecked,
     "after a lock break the walk goes on from its saved prev, which the vCPU's fault cannot have freed in "
     "these configs (the fault adds pages at the head, never frees)"},
    {true, "mmu_core/zap_all.h", "ZapObsoletePages if (vm.ListLength() != before - 1)", "negate",
     Reason::kConservative, "the walk restarts after every page it zaps cleanly: more work, same result"},
    {true, "mmu_core/zap_all.h", "ZapObsoletePages if (vm.ListLength() != before - 1)", "drop-if",
     Reason::kUnchecked, "the walk goes on from its saved prev after a zap that unlinked other pages: the "
     "scenarios' zaps unlink one page each (the children's parent is the root, zapped last)"},
    {true, "mmu_core/zap_all.h", "ZapAllFast vm.MakeAllCpusRequest(kReqFreeObsoleteRoots", "delete",
     Reason::kUnchecked, "the vCPUs are not told to drop their obsolete roots: zap-all's vCPU re-checks the root "
     "under mmu_lock on its fault (kRetry) and never reloads; no row checks that a vCPU ends on a current root "
     "(zap-root's R1 does for a pinned root zapped by kvm_mmu_zap_root, not by the generation toggle)"},
};

}  // namespace mmu::models::detection
