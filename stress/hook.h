// stress/hook.h: what a stress worker sees of the core's steps and failures.
//
// Each worker thread owns a WorkerContext (reached through a thread-local
// pointer, since the core's StepHook and ViolationSink are process-wide):
// its CPU number, its delay plan, the step log of the round it is running
// and the round's fault record.
//
//   StressHook   before():   the delay plan's step delay;
//                blocking(): the same delay before taking mmu_lock, so a
//                            lock break (unlock, relock) leaves a window in
//                            which a waiting CPU gets the lock;
//                after():    appends (tick, step, value) to the round's log.
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
#include "stress/timing.h"

namespace stress {

// One CPU's steps in one round. Fixed size: recording never allocates.
class StepLog {
 public:
  static constexpr int kCapacity = 64;
  struct Event {
    std::uint64_t tick;
    std::uint64_t value;
    mmu::Step step;
  };
  void Clear() {
    n_ = 0;
    dropped_ = 0;
  }
  void Add(const Event& e) {
    if (n_ < kCapacity) {
      events_[n_++] = e;
    } else {
      ++dropped_;
    }
  }
  int size() const { return n_; }
  int dropped() const { return dropped_; }
  const Event& operator[](int i) const { return events_[i]; }

 private:
  Event events_[kCapacity];
  int n_ = 0;
  int dropped_ = 0;
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
  WorkerContext(int cpu_in, int copy_in, DelayPlan plan_in) : cpu(cpu_in), copy(copy_in), plan(plan_in) {}
  int cpu;
  int copy;
  DelayPlan plan;
  StepLog* log = nullptr;        // the running round's log for this CPU
  FaultRecord* fault = nullptr;  // the running round's (or checked round's) record
  bool in_check = false;         // running S::Check() for the round
};

inline thread_local WorkerContext* tls_worker = nullptr;

class StressHook final : public mmu::StepHook {
 public:
  void before(int, mmu::Step) override {
    WorkerContext* w = tls_worker;
    if (w != nullptr && w->log != nullptr) w->plan.BeforeStep();
  }
  void blocking(int, const char*) override {
    WorkerContext* w = tls_worker;
    if (w != nullptr && w->log != nullptr) w->plan.BeforeStep();
  }
  void after(int, mmu::Step s, std::uint64_t value) override {
    WorkerContext* w = tls_worker;
    if (w != nullptr && w->log != nullptr) w->log->Add({StepStamp(), value, s});
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
