// mmu_core/zap_all.h: fast invalidation of all shadow pages (brief §6).
//
// Kernel: kvm_mmu_zap_all_fast and kvm_zap_obsolete_pages (mmu.c, since the
// 2019 reintroduction with a 0/1 mmu_valid_gen; 3.11's 5304b8d37c2a before).
//
// With slots_lock held for the whole operation, under mmu_lock:
//   1. mmu_valid_gen ^= 1: every existing page becomes obsolete;
//   2. request every vCPU to free its obsolete root (they reload new ones and
//      keep faulting while the zap goes on);
//   3. kvm_zap_obsolete_pages: walk active_mmu_pages from the oldest page
//      (the tail; new pages go to the head), stop at the first page that is
//      not obsolete, skip invalid (pinned) roots, and every `zap_batch` pages
//      break the lock if someone waits for it, restarting from the tail;
//   4. commit: flush (waiting for lockless walkers), then free.
//
// Invariant: when ZapAllFast returns, no page that is neither invalid nor of
// the current generation is on active_mmu_pages, and no page created before
// the toggle survives. The 0/1 generation is sound only because slots_lock
// serialises zappers: with two in flight the second toggle makes the first
// zapper's stale pages look current again (M6.1).
//
// Ordering edges: the zap runs under mmu_lock (and slots_lock), so its own
// accesses are ordered by the locks; what crosses them locklessly is in vm.h:
//   [Z1] the generation toggle and the request are made under mmu_lock; a
//        vCPU's fault rechecks is_obsolete_sp under mmu_lock, so it sees the
//        toggle or faults before it ([I1] in shadow_page.h orders role.invalid
//        before the request for pinned roots).
//   [Z2] kvm_make_all_cpus_request: [Q0]/[Q1] in vm.h (data before the
//        request bit; the vCPU's barrier after clearing it).
//   [Z3] the commit's remote flush waits for lockless walkers ([F1]/[F2] in
//        vm.h) before the zapped pages are freed.
// Mutations: M6.1 (no slots_lock), M6.2 (new pages at the tail, in vm.h),
// M6.3 (no obsolete-root check in the fault, vm.h), M6.4 (vm.h), M6.6 (the
// walk does not skip invalid pages, with pinned roots kept on the list as in
// 3.11: the zapped root is the tail again after every restart, zapping it
// changes nothing, the walk restarts, and the loop holds mmu_lock for ever;
// its only symptom is lack of progress: a livelock).
#pragma once

#include <optional>

#include "mmu_core/mutations.h"
#include "mmu_core/steps.h"
#include "mmu_core/sync.h"
#include "mmu_core/vm.h"

namespace mmu {

// cond_resched_rwlock_write: drop and retake the lock when someone waits for
// it or when the scheduler wants the CPU (need_resched), which may be at any
// time. The core always drops it, on every engine: every lock break the kernel
// may take is a possible one here, and Relacy, native stress and replay agree
// on where the breaks are (a replayed table lists them like the model did).
inline bool CondReschedLock(sync::Mutex& lock) {
  UnlockNamed(lock, "mmu_lock", Step::LockBreak);
  sync::pause();
  LockMmu(lock);
  return true;
}

// kvm_zap_obsolete_pages, under mmu_lock.
inline void ZapObsoletePages(Vm& vm) {
  InvalidList zapped;
  int batch = 0;
restart:
  for (ShadowPage* sp = vm.ListTail(); sp != nullptr;) {
    ShadowPage* prev = sp->prev().load();  // list_for_each_entry_safe_reverse
    if (!vm.IsObsolete(sp)) break;         // every page from here on is newer
    // A pinned root zapped earlier. Skipping it is what ends the walk when
    // such a root is on the list (3.11; today it is not, and the kernel
    // WARNs); M6.6 zaps it again, and the walk restarts for ever.
    if (sp->invalid() && !vm.mutations().Has(Mutation::M6_6)) {
      sp = prev;
      continue;
    }
    if (batch >= vm.params().zap_batch && CondReschedLock(vm.mmu_lock())) {
      batch = 0;
      goto restart;
    }
    const int before = vm.ListLength();
    batch += vm.PrepareZapPage(sp, zapped);
    // Zapping may unlink or free other pages: the walk restarts, as the
    // kernel does when __kvm_mmu_prepare_zap_page reports an unstable list.
    if (vm.ListLength() != before - 1) goto restart;
    sp = prev;
  }
  if (!vm.mutations().Has(Mutation::M6_7)) vm.CommitZapPage(zapped);
}

// kvm_mmu_zap_all_fast. The caller's slots_lock is taken here (memslot
// updates hold it around this call); M6.1 runs without it.
inline void ZapAllFast(Vm& vm) {
  std::optional<LockScope> slots;
  if (!vm.mutations().Has(Mutation::M6_1)) slots.emplace(vm.slots_lock(), "slots_lock", sync::Loc::current());
  LockScope mmu(vm.mmu_lock());
  vm.ToggleValidGen();  // [Z1] under mmu_lock
  vm.MakeAllCpusRequest(kReqFreeObsoleteRoots, /*wait=*/false, Step::ReloadRoots);  // [Z2]
  ZapObsoletePages(vm);  // ends with the commit: [Z3]
}

}  // namespace mmu
