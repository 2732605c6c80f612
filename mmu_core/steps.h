// mmu_core/steps.h: how the core runs its named steps (step_names.h).
//
// The core wraps each step in At(step, op): op runs the shared-memory access
// and returns the value it read or wrote. An engine may install a StepHook to
// order steps (replay), to record them (counterexample tables) or to widen
// race windows (stress). Without a hook a step costs one load and a branch.
#pragma once

#include <cstdint>
#include <type_traits>

#include "mmu_core/step_names.h"
#include "mmu_core/sync.h"

namespace mmu {

namespace detail {
inline StepHook* g_step_hook = nullptr;
// Steps do not nest: a step is one shared access (or one indivisible group),
// so that replay can order it and a recorder can list it where its access
// happened. The native engine checks it (replay runs every scenario there).
// (Under Relacy a fiber is not a thread, and a failing execution is
// abandoned inside its step, so only the native engine keeps the flag.)
inline thread_local bool tls_in_step = false;
struct StepScope {
  StepScope() {
    if constexpr (!sync::kRelacy) {
      sync::check(!tls_in_step, "a step inside a step (see At() in mmu_core/steps.h)");
      tls_in_step = true;
    }
  }
  ~StepScope() {
    if constexpr (!sync::kRelacy) tls_in_step = false;
  }
  StepScope(const StepScope&) = delete;
  StepScope& operator=(const StepScope&) = delete;
};
}  // namespace detail

// Installed before the threads of a run start, removed after they finish.
inline void SetStepHook(StepHook* h) { detail::g_step_hook = h; }
inline StepHook* GetStepHook() { return detail::g_step_hook; }

// At(step, op): run op as the named step. op returns the value it read or
// wrote (any integral or pointer type), or nothing.
template <class Op>
auto At(Step s, Op&& op) {
  StepHook* h = detail::g_step_hook;
  if (h == nullptr) return op();
  const int cpu = sync::this_cpu();
  h->before(cpu, s);
  if constexpr (std::is_void_v<decltype(op())>) {
    {
      [[maybe_unused]] detail::StepScope scope;
      op();
    }
    h->after(cpu, s, 0);
  } else {
    auto v = [&] {
      [[maybe_unused]] detail::StepScope scope;
      return op();
    }();
    if constexpr (std::is_pointer_v<decltype(v)>) {
      h->after(cpu, s, reinterpret_cast<std::uintptr_t>(v));
    } else {
      h->after(cpu, s, static_cast<std::uint64_t>(v));
    }
    return v;
  }
}

// Take a lock (mmu_lock, slots_lock) as the step "take lock", telling a hook
// that the CPU may block inside it and on which lock. The step lists who got
// the lock when, so a replayed table can give it to the CPU that got it in
// the model (after a lock break, say).
inline void LockNamed(sync::Mutex& m, const char* name, sync::Loc l = sync::Loc::current()) {
  At(Step::TakeLock, [&] {
    StepHook* h = detail::g_step_hook;
    if (h != nullptr) h->blocking(sync::this_cpu(), name);
    m.lock(l);
    if (h != nullptr) h->unblocked(sync::this_cpu());
  });
}
inline void LockMmu(sync::Mutex& m, sync::Loc l = sync::Loc::current()) { LockNamed(m, "mmu_lock", l); }

// Release a lock taken with LockNamed as the step "drop lock" (`step`: the
// lock break's "lock break"), telling a hook which lock the CPU released, so
// that a table can list who drops a lock when and replay knows who holds it
// (issue 14).
inline void UnlockNamed(sync::Mutex& m, const char* name, Step step = Step::DropLock,
                        sync::Loc l = sync::Loc::current()) {
  At(step, [&] {
    StepHook* h = detail::g_step_hook;
    if (h != nullptr) h->released(sync::this_cpu(), name);
    m.unlock(l);
  });
}

// A lock taken as the step "take lock" (LockNamed) and dropped as the step
// "drop lock" (UnlockNamed) when the scope ends: the core never unlocks
// mmu_lock or slots_lock by hand, except the lock break (CondReschedLock,
// zap_all.h), which is a step of its own.
class LockScope {
 public:
  explicit LockScope(sync::Mutex& m, const char* name = "mmu_lock", sync::Loc l = sync::Loc::current())
      : m_(m), name_(name), l_(l) {
    LockNamed(m_, name_, l_);
  }
  ~LockScope() { UnlockNamed(m_, name_, Step::DropLock, l_); }
  LockScope(const LockScope&) = delete;
  LockScope& operator=(const LockScope&) = delete;

 private:
  sync::Mutex& m_;
  const char* name_;
  sync::Loc l_;
};

// Inside a step, wait until done() holds, spinning with pause(): the wait
// of one CPU for another (the remote flush for a vCPU's lockless walk,
// synchronize_srcu for its readers). A hook is told what the CPU waits for
// (a static string), so that replay can name a table that makes the awaited
// CPU wait for its turn instead of hanging. done() is evaluated exactly as
// the loop would: the hook calls add no shared access.
template <class Done>
void WaitUntil(const char* what, Done&& done) {
  StepHook* h = detail::g_step_hook;
  if (h != nullptr) h->waiting(sync::this_cpu(), what);
  while (!done()) {
    if (h != nullptr) h->still_waiting(sync::this_cpu());
    sync::pause();
  }
  if (h != nullptr) h->done_waiting(sync::this_cpu());
}

}  // namespace mmu
