// mmu_core/step_names.h: the named step points of every lockless protocol.
//
// A step is one shared-memory action of a protocol, named the way kernel
// developers name it in a reported interleaving ("read low", "write high",
// "update count"). Replay files, counterexample tables and stress reports all
// use these names, so this file is the one place the vocabulary lives
// (`bazel run //mmu_core:steps` prints it).
//
// This header is engine-free: tools that only parse or print tables (the
// interleaving format, reports) use it without linking a core backend. The
// core runs its steps through At() in steps.h.
//
// Invariant: each step names exactly one shared-memory access (or one
// indivisible group, such as "check low and count", whose parts the kernel
// performs back to back with no other shared access between them).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mmu {

#define MMU_STEP_LIST(X)                                                                              \
  /* split spte reader: __get_spte_lockless */                                                        \
  X(ReadCount, "read count", "split-spte", "sample sp->clear_spte_count (then rmb)")                 \
  X(ReadLow, "read low", "split-spte", "load the low word (then rmb)")                                \
  X(ReadHigh, "read high", "split-spte", "load the high word (then rmb); also the slow clear's old.high") \
  X(CheckLowAndCount, "check low and count", "split-spte",                                            \
    "reload low and count; retry if either changed")                                                  \
  /* split spte writers: __set_spte, __update_clear_spte_{fast,slow}, count_spte_clear */             \
  X(WriteLow, "write low", "split-spte", "store the low word (the slow clear's is an xchg)")          \
  X(WriteHigh, "write high", "split-spte", "store the high word")                                     \
  X(UpdateCount, "update count", "split-spte", "wmb, then clear_spte_count++ (spte became non-present)") \
  X(HwSetLowAD, "set low a/d", "split-spte", "hardware ORs Accessed/Dirty into a present low word")    \
  /* 64-bit spte */                                                                                   \
  X(ReadSpte, "read spte", "spte", "READ_ONCE of a whole 64-bit spte")                                \
  X(WriteSpte, "write spte", "spte", "WRITE_ONCE of a whole 64-bit spte")                             \
  X(XchgSpte, "xchg spte", "spte", "atomic exchange of a 64-bit spte (volatile bits rule)")           \
  X(CmpxchgSpte, "cmpxchg spte", "fast-pf", "try_cmpxchg64 of the fast page fault")                  \
  X(HwSetAD, "set a/d", "hardware", "hardware ORs Accessed, and Dirty if writable, into a present spte") \
  /* lockless walk: walk_shadow_page_lockless_{begin,end} and the freer */                            \
  X(BeginLockless, "begin lockless walk", "walk", "smp_store_mb(mode, READING_SHADOW_PAGE_TABLES)")   \
  X(EndLockless, "end lockless walk", "walk", "smp_store_release(mode, OUTSIDE_GUEST_MODE)")          \
  X(ReadMode, "read mode", "walk", "flush-and-wait reads a vCPU's mode (cmpxchg with a barrier)")     \
  X(KickVcpu, "kick vcpu", "walk", "IPI a vCPU that is not outside guest mode and wait for it")       \
  X(FreePage, "free page", "walk", "kvm_mmu_free_shadow_page: the table's memory is released")        \
  /* TLB and guest accesses */                                                                        \
  X(TlbFill, "tlb fill", "tlb", "the CPU caches the spte's translation and W bit")                    \
  X(TlbFlush, "tlb flush", "tlb", "a remote TLB flush empties every vCPU's TLB")                      \
  X(GuestWrite, "guest write", "tlb", "the guest writes through its TLB or the spte")                 \
  /* fast page fault */                                                                               \
  X(MarkDirty, "mark dirty", "fast-pf", "mark_page_dirty_in_slot: set the gfn's dirty bitmap bit")    \
  X(HarvestDirty, "harvest dirty log", "fast-pf", "KVM_GET_DIRTY_LOG: xchg the gfn's dirty bitmap word with 0") \
  X(ReadGpte, "read gpte", "fast-pf", "read the guest pte (indirect pages only: mutation M5.1)")      \
  /* fast zap all */                                                                                  \
  X(ToggleGen, "toggle gen", "zap-all", "mmu_valid_gen ^= 1 under mmu_lock")                           \
  X(ReloadRoots, "reload roots", "zap-all", "request every vCPU to free obsolete roots")               \
  X(ZapPage, "zap page", "zap-all", "prepare_zap one shadow page (unlink, mark invalid)")             \
  X(LockBreak, "lock break", "zap-all", "cond_resched_lock drops mmu_lock (a drop lock; take lock retakes it)") \
  X(TakeLock, "take lock", "lock", "acquire mmu_lock or slots_lock (the CPU may wait inside)")         \
  X(DropLock, "drop lock", "lock", "release mmu_lock or slots_lock (spin_unlock; a table may say unlock)") \
  X(LoadRoot, "load root", "zap-all", "a vCPU serves the reload request with a root of the current gen") \
  X(LinkPage, "link page", "zap-all", "the slow fault links a new child table under mmu_lock")        \
  X(ReadRequests, "read requests", "requests", "a plain read of vcpu->requests (mutation M4.6 only)")     \
  X(ClearRequest, "clear request", "requests", "a plain store of vcpu->requests without the bit (M4.6 only)") \
  /* MMIO generation */                                                                               \
  X(ReadGen, "read gen", "mmio", "read kvm_memslots(kvm)->generation")                                \
  X(PublishGen, "publish gen", "mmio", "store the memslots generation (with or without in-progress)") \
  X(LookupSlot, "lookup slot", "mmio", "search the memslots for the gfn")                             \
  X(PublishSlots, "publish slots", "mmio", "rcu_assign_pointer of the new memslots")                  \
  X(SyncSrcu, "synchronize srcu", "mmio", "wait for every reader of the old memslots")               \
  X(SrcuLock, "srcu read lock", "mmio", "srcu_read_lock: a vCPU enters a read-side section")          \
  X(SrcuUnlock, "srcu read unlock", "mmio", "srcu_read_unlock: the vCPU leaves it")                   \
  X(WriteMmioSpte, "write mmio spte", "mmio", "mark_mmio_spte stores an MMIO spte with a generation") \
  X(MmioHit, "mmio hit", "mmio", "handle_mmio_page_fault accepts a cached MMIO translation")            \
  /* mmu_lock as an rwlock, RCU (rwlock.h, rcu.h) */                                                  \
  X(TakeReadLock, "take read lock", "lock", "read_lock(&kvm->mmu_lock) (the CPU may wait inside)")     \
  X(RcuLock, "rcu read lock", "rcu", "rcu_read_lock: the CPU enters a read-side section")              \
  X(RcuUnlock, "rcu read unlock", "rcu", "rcu_read_unlock: the CPU leaves it (its callbacks may run)") \
  X(SyncRcu, "synchronize rcu", "rcu", "wait for every read-side section that has begun")             \
  /* TDP MMU (tdp_mmu.h) */                                                                           \
  X(ClearSpteBits, "clear spte bits", "tdp", "atomic64_fetch_and: clear A (aging) or D (clear dirty log)") \
  X(UpdateStats, "update stats", "tdp", "kvm_update_page_stats: count a leaf in or out")             \
  X(ReadRoots, "read roots", "tdp", "rcu_dereference of the first root on tdp_mmu_roots")            \
  X(GetRoot, "get root", "tdp", "kvm_tdp_mmu_get_root: refcount_inc_not_zero(root->tdp_mmu_root_count)") \
  X(PutRoot, "put root", "tdp", "kvm_tdp_mmu_put_root: refcount_dec_and_test")                       \
  X(UnlinkRoot, "unlink root", "tdp", "list_del_rcu of a root whose count reached zero")             \
  X(ExitGuest, "exit guest", "tdp", "VM exit: vcpu->mode = OUTSIDE_GUEST_MODE (release)")            \
  /* mmu_invalidate_seq vs kvm_faultin_pfn */                                                         \
  X(ReadSeq, "read seq", "invalidate", "snapshot kvm->mmu_invalidate_seq (then smp_rmb)")             \
  X(LookupPfn, "lookup pfn", "invalidate", "gfn_to_pfn: read the host page table")                   \
  X(CheckRetry, "check retry", "invalidate", "mmu_invalidate_retry_gfn: in progress, or seq moved")  \
  X(StartInvalidate, "start invalidate", "invalidate", "kvm_mmu_invalidate_begin: in_progress++")    \
  X(ChangeHostPte, "change host pte", "invalidate", "the host page table maps the gfn's page elsewhere") \
  X(EndInvalidate, "end invalidate", "invalidate", "kvm_mmu_invalidate_end: seq++, wmb, in_progress--") \
  /* shadow MMU leftovers: unsync, write flooding */                                                  \
  X(SetUnsync, "set unsync", "unsync", "kvm_unsync_page: sp->unsync = 1 (then smp_wmb)")             \
  X(ReadUnsync, "read unsync", "unsync", "kvm_mmu_sync_roots: smp_rmb, then read sp->unsync")         \
  X(ResetFlood, "reset flooding count", "flood", "clear_sp_write_flooding_count on a page of the walk")

enum class Step : std::uint8_t {
#define MMU_STEP_ENUM(id, name, component, what) id,
  MMU_STEP_LIST(MMU_STEP_ENUM)
#undef MMU_STEP_ENUM
      kCount
};

struct StepInfo {
  Step id;
  std::string_view name;
  std::string_view component;
  std::string_view what;
};

inline constexpr StepInfo kSteps[] = {
#define MMU_STEP_INFO(id, name, component, what) {Step::id, name, component, what},
    MMU_STEP_LIST(MMU_STEP_INFO)
#undef MMU_STEP_INFO
};
static_assert(sizeof(kSteps) / sizeof(kSteps[0]) == static_cast<std::size_t>(Step::kCount));

inline constexpr std::string_view StepName(Step s) { return kSteps[static_cast<std::size_t>(s)].name; }

// Does a table row that lists `listed` name a step that ran as `ran`? The
// same step, or a "drop lock" row for the lock break (cond_resched_lock
// drops mmu_lock: a table may write the break as "drop lock" or "unlock").
inline constexpr bool StepMatches(Step listed, Step ran) {
  return listed == ran || (listed == Step::DropLock && ran == Step::LockBreak);
}

// An engine's view of the steps. before() may block (replay orders steps);
// after() gets the value read or written (0 for steps without one).
class StepHook {
 public:
  virtual ~StepHook() = default;
  virtual void before(int cpu, Step s) = 0;
  virtual void after(int cpu, Step s, std::uint64_t value) = 0;
  // The CPU is about to spin on a lock (replay uses this to explain a hang);
  // unblocked(): it has the lock.
  virtual void blocking(int /*cpu*/, const char* /*what*/) {}
  virtual void unblocked(int /*cpu*/) {}
  // The CPU releases the lock (inside its "drop lock" or "lock break" step).
  virtual void released(int /*cpu*/, const char* /*what*/) {}
  // Inside a step, the CPU is about to wait for another CPU (`what` says
  // for what: the remote flush waits for a vCPU to leave its lockless walk,
  // synchronize_srcu for the readers); done_waiting(): the wait is over.
  // The wait may be over at once: the hook is told before the first check.
  virtual void waiting(int /*cpu*/, const char* /*what*/) {}
  virtual void still_waiting(int /*cpu*/) {}  // each failed check, before pause()
  virtual void done_waiting(int /*cpu*/) {}
};

// Case-insensitive, whitespace-tolerant look-up ("Read  Low" == "read low").
// "xchg low" is accepted for "write low" (the slow clear's xchg).
inline std::optional<Step> StepFromName(std::string_view name) {
  auto norm = [](std::string_view in) {
    std::string out;
    bool space = false;
    for (char c : in) {
      if (c == ' ' || c == '\t' || c == '_' || c == '-') {
        space = !out.empty();
        continue;
      }
      if (space) out.push_back(' ');
      space = false;
      out.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
    }
    return out;
  };
  const std::string want = norm(name);
  if (want == "xchg low") return Step::WriteLow;
  for (const StepInfo& i : kSteps) {
    if (norm(i.name) == want) return i.id;
  }
  return std::nullopt;
}

}  // namespace mmu
