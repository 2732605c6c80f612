// stress/watchdog.h: what each CPU of a round is doing, for the stall watchdog.
//
// A round that never ends (a livelock or a deadlock in the core) must not
// hang the driver: the kernel's soft-lockup and RCU stall detectors are the
// model. Each worker publishes, in its own cache line:
//
//   progress     bumped when it finishes a round's Thread(), and when the
//                copy's coordinator has checked and set up a batch: the
//                watchdog's measure of progress;
//   phase        set-up, running the round, in the final check, at the barrier;
//   round        the round it runs (its number and configuration, its log);
//   last step    the last step it passed and its value, the steps it passed
//                in this round and in the run;
//   in step      a step it has begun and not finished (a wait inside a step:
//                the remote flush's kick, synchronize_srcu, ...);
//   waiting for  the lock it spins on (StepHook::blocking says which).
//
// Each copy also keeps the CPU that last took each lock (the `take lock`
// step): releases are not steps, but a CPU that waits for a lock for the
// whole stall limit waits for a lock that is held, and any later taker would
// have been recorded, so the last taker is the holder.
//
// The supervising thread (runner.h) samples the progress counters every few
// milliseconds. A copy whose counters have not moved for the stall limit has
// stalled: the watchdog reads the statuses and the round's step log (all
// atomics, so the reads race with nothing, under TSan too) and the run ends
// with a stall report. Threads stuck in the core cannot be cancelled or
// joined: the runner leaves them running and the driver exits with the stall
// code (README, "Stalls").
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>

namespace stress {

class StepLog;

// What a worker is doing.
enum class Phase : int {
  kStarting = 0,  // not yet in a round
  kSetUp,         // coordinator: checking the last batch, constructing the next
  kCheck,         // coordinator: inside S::Check() of `round`
  kRunning,       // inside S::Thread(cpu) of `round`
  kAtBarrier,     // finished its part of `round`; waits for the other CPUs
};

inline const char* PhaseName(Phase p) {
  switch (p) {
    case Phase::kStarting: return "starting";
    case Phase::kSetUp: return "set-up";
    case Phase::kCheck: return "final check";
    case Phase::kRunning: return "running";
    case Phase::kAtBarrier: return "at barrier";
  }
  return "?";
}

inline constexpr int kNoStep = -1;

// One worker's published state. Written by its worker (relaxed stores to its
// own cache line), read by the watchdog.
struct alignas(64) CpuStatus {
  std::atomic<std::uint64_t> progress{0};
  std::atomic<std::uint64_t> steps{0};        // steps passed in the run
  std::atomic<std::uint32_t> round_steps{0};  // steps passed in the current round
  std::atomic<int> phase{static_cast<int>(Phase::kStarting)};
  std::atomic<std::uint64_t> round{0};
  std::atomic<int> config{0};
  std::atomic<const StepLog*> log{nullptr};  // the current round's log
  std::atomic<int> last_step{kNoStep};
  std::atomic<std::uint64_t> last_value{0};
  std::atomic<int> in_step{kNoStep};
  std::atomic<const char*> waiting_for{nullptr};  // a lock name, while spinning on it

  void Enter(Phase p) { phase.store(static_cast<int>(p), std::memory_order_relaxed); }
  void Bump() { progress.fetch_add(1, std::memory_order_relaxed); }
};

// Per copy: the CPU that last took each named lock ("mmu_lock", "slots_lock").
class LockTable {
 public:
  static constexpr int kMax = 4;
  static constexpr int kNobody = -1;
  void Took(const char* lock, int cpu) {
    if (std::atomic<int>* h = Slot(lock, true)) h->store(cpu, std::memory_order_relaxed);
  }
  // A lock break (cond_resched) released it.
  void Released(const char* lock, int cpu) {
    std::atomic<int>* h = Slot(lock, false);
    int expected = cpu;
    if (h != nullptr) h->compare_exchange_strong(expected, kNobody, std::memory_order_relaxed);
  }
  int Holder(const char* lock) const {
    for (const Entry& e : entries_) {
      const char* n = e.name.load(std::memory_order_acquire);
      if (n != nullptr && std::strcmp(n, lock) == 0) return e.cpu.load(std::memory_order_relaxed);
    }
    return kNobody;
  }

 private:
  struct Entry {
    std::atomic<const char*> name{nullptr};
    std::atomic<int> cpu{kNobody};
  };
  std::atomic<int>* Slot(const char* lock, bool create) {
    for (Entry& e : entries_) {
      const char* n = e.name.load(std::memory_order_acquire);
      if (n == nullptr) {
        if (!create) return nullptr;
        const char* expected = nullptr;
        if (e.name.compare_exchange_strong(expected, lock, std::memory_order_acq_rel) ||
            std::strcmp(expected, lock) == 0) {
          return &e.cpu;
        }
        continue;
      }
      if (std::strcmp(n, lock) == 0) return &e.cpu;
    }
    return nullptr;
  }
  Entry entries_[kMax];
};

}  // namespace stress
