// stress/hook.h: what a stress worker sees of the core's steps and failures.
//
// Each worker thread owns a WorkerContext (reached through a thread-local
// pointer, since the core's StepHook and ViolationSink are process-wide):
// its CPU number, its delay plan, the step log of the round it is running
// and the round's fault record.
//
//   StressHook   before():   the delay plan's step delay, or (--timing pct)
//                            waiting for the CPU's turn (stress/pct.h);
//                blocking(): the same delay before taking mmu_lock, so a
//                            lock break (unlock, relock) leaves a window in
//                            which a waiting CPU gets the lock (PCT: the
//                            CPU cannot run until unblocked());
//                after():    appends (tick, step, value) to the round's log.
//                All three publish what the CPU is doing for the stall
//                watchdog (stress/watchdog.h): the step it is in, the lock
//                it waits for, the last step it passed, who took which lock.
//                Steps outside a round (a scenario's constructor, Check())
//                are neither delayed nor recorded.
//   FaultSink    sync::fail(what) lands here: the first failure of a round
//                is recorded in the round (who, what, where); every call is
//                counted. Failures outside a round (none expected) are only
//                counted.
//
// Logs and fault records are written by the worker and read by the copy's
// coordinator after the round's closing barrier, which orders them.
#pragma once

#include <atomic>
#include <cstdint>

#include "mmu_core/steps.h"
#include "mmu_core/sync.h"
#include "stress/clock.h"
#include "stress/pct.h"
#include "stress/timing.h"
#include "stress/watchdog.h"

namespace stress {

// One CPU's steps in one round. Fixed size: recording never allocates. Its
// worker appends; the copy's coordinator reads it after the round's closing
// barrier, and the stall watchdog may read it while the round is stuck, so
// every field is an atomic (relaxed: plain moves on x86), published by the
// release store of the count.
class StepLog {
 public:
  static constexpr int kCapacity = 64;
  struct Event {
    std::uint64_t tick;
    std::uint64_t value;
    mmu::Step step;
  };
  void Clear() {
    n_.store(0, std::memory_order_relaxed);
    dropped_.store(0, std::memory_order_relaxed);
  }
  void Add(const Event& e) {
    const int n = n_.load(std::memory_order_relaxed);
    if (n < kCapacity) {
      Slot& s = events_[n];
      s.tick.store(e.tick, std::memory_order_relaxed);
      s.value.store(e.value, std::memory_order_relaxed);
      s.step.store(e.step, std::memory_order_relaxed);
      n_.store(n + 1, std::memory_order_release);
    } else {
      dropped_.store(dropped_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    }
  }
  int size() const { return n_.load(std::memory_order_acquire); }
  int dropped() const { return dropped_.load(std::memory_order_relaxed); }
  Event operator[](int i) const {
    const Slot& s = events_[i];
    return Event{s.tick.load(std::memory_order_relaxed), s.value.load(std::memory_order_relaxed),
                 s.step.load(std::memory_order_relaxed)};
  }

 private:
  struct Slot {
    std::atomic<std::uint64_t> tick{0};
    std::atomic<std::uint64_t> value{0};
    std::atomic<mmu::Step> step{mmu::Step::kCount};
  };
  Slot events_[kCapacity];
  std::atomic<int> n_{0};
  std::atomic<int> dropped_{0};
};

// The first invariant failure of a round.
class FaultRecord {
 public:
  static constexpr int kCheck = -1;  // seen by the final Check(), not by a CPU
  void Reset() { claimed_.store(false, std::memory_order_relaxed); }
  // Only the first caller records; later failures of the round are counted only.
  void Record(int cpu, const char* what, const char* file, unsigned line) {
    if (claimed_.exchange(true, std::memory_order_acq_rel)) return;
    cpu_ = cpu;
    what_ = what;
    file_ = file;
    line_ = line;
  }
  bool failed() const { return claimed_.load(std::memory_order_acquire); }
  int cpu() const { return cpu_; }
  const char* what() const { return what_; }
  const char* file() const { return file_; }
  unsigned line() const { return line_; }

 private:
  std::atomic<bool> claimed_{false};
  int cpu_ = 0;
  const char* what_ = "";
  const char* file_ = "";
  unsigned line_ = 0;
};

struct WorkerContext {
  WorkerContext(int cpu_in, int copy_in, DelayPlan plan_in, CpuStatus* status_in, LockTable* locks_in)
      : cpu(cpu_in), copy(copy_in), plan(plan_in), status(status_in), locks(locks_in) {}
  int cpu;
  int copy;
  DelayPlan plan;
  CpuStatus* status;             // what the watchdog sees of this worker
  LockTable* locks;              // the copy's lock holders
  StepLog* log = nullptr;        // the running round's log for this CPU
  FaultRecord* fault = nullptr;  // the running round's (or checked round's) record
  bool in_check = false;         // running S::Check() for the round
  const char* taking = nullptr;  // the lock named by blocking(), until its take lock step ends
  PctRound* pct = nullptr;       // the running round's PCT scheduler (--timing pct), else delays
};

inline thread_local WorkerContext* tls_worker = nullptr;

class StressHook final : public mmu::StepHook {
 public:
  void before(int, mmu::Step s) override {
    WorkerContext* w = tls_worker;
    if (w == nullptr || w->log == nullptr) return;
    if (w->pct != nullptr) {
      w->pct->Before(w->cpu);
    } else {
      w->plan.BeforeStep();
    }
    w->status->in_step.store(static_cast<int>(s), std::memory_order_relaxed);
  }
  void blocking(int, const char* what) override {
    WorkerContext* w = tls_worker;
    if (w == nullptr || w->log == nullptr) return;
    if (w->pct != nullptr) {
      w->pct->Blocking(w->cpu);
    } else {
      w->plan.BeforeStep();
    }
    w->taking = what;
    w->status->waiting_for.store(what, std::memory_order_relaxed);
  }
  void unblocked(int) override {
    WorkerContext* w = tls_worker;
    if (w == nullptr || w->log == nullptr) return;
    w->status->waiting_for.store(nullptr, std::memory_order_relaxed);
    if (w->pct != nullptr) w->pct->Unblocked(w->cpu);
  }
  void after(int, mmu::Step s, std::uint64_t value) override {
    WorkerContext* w = tls_worker;
    if (w == nullptr || w->log == nullptr) return;
    w->log->Add({StepStamp(), value, s});
    if (w->pct != nullptr) w->pct->After(w->cpu);
    CpuStatus& st = *w->status;
    st.last_step.store(static_cast<int>(s), std::memory_order_relaxed);
    st.last_value.store(value, std::memory_order_relaxed);
    st.in_step.store(kNoStep, std::memory_order_relaxed);
    st.round_steps.store(st.round_steps.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    st.steps.store(st.steps.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    if (s == mmu::Step::TakeLock && w->taking != nullptr) {
      w->locks->Took(w->taking, w->cpu);
      w->taking = nullptr;
    } else if (s == mmu::Step::LockBreak) {
      w->locks->Released("mmu_lock", w->cpu);  // cond_resched_lock drops mmu_lock
    }
  }
};

class FaultSink final : public mmu::sync::ViolationSink {
 public:
  void violation(int cpu, const char* what, const mmu::sync::Loc& where) override {
    calls_.fetch_add(1, std::memory_order_relaxed);
    WorkerContext* w = tls_worker;
    if (w == nullptr || w->fault == nullptr) return;
    w->fault->Record(w->in_check ? FaultRecord::kCheck : cpu, what, where.file_name(), where.line());
  }
  std::uint64_t calls() const { return calls_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> calls_{0};
};

}  // namespace stress
