// stress/pct.h: probabilistic concurrency testing (PCT) on real threads.
//
// Burckhardt, Kothari, Musuvathi, Nagarakatte, "A Randomized Scheduler with
// Probabilistic Guarantees of Finding Bugs", ASPLOS 2010. A round's n CPUs
// get distinct random priorities d, d+1, ..., d+n-1; d-1 priority change
// points are drawn at random among the round's k steps; only the
// highest-priority CPU that can run takes its next step, and when the
// execution reaches change point i, the CPU taking that step drops to
// priority i (below every initial one). A bug of depth d (d ordering
// constraints between steps) is then found with probability at least
// 1 / (n k^(d-1)) per round, whatever the timing of the machine.
//
// Here the scheduler runs at the core's step points (StepHook): before each
// step a CPU waits until it is the highest-priority CPU that can run. A CPU
// cannot run when it has finished its part of the round, when it spins on a
// lock (StepHook::blocking, until unblocked), or when it has not come back
// to a step point for kStaleNs: it waits inside a step (the remote flush's
// kick, synchronize_srcu) or in a loop between steps for another CPU, or the
// host descheduled it. The last rule keeps the round going where exact PCT
// would need to see every spin; it is where this scheduler departs from the
// paper (a CPU skipped that way may run beside the next one), so the bound
// above is a claim about the steps the scheduler orders, not a guarantee
// for every round. k is not known in advance: the runner keeps the largest
// step count of a round seen so far in the run (starting at kInitialK).
//
// Steps are serialised, so PCT rounds show no store-buffer reordering (the
// random delays of timing.h, with CPUs really side by side, can): the two
// modes are complementary, and --timing chooses one per run.
#pragma once

#include <atomic>
#include <cstdint>

#include "mmu_core/sync.h"
#include "stress/clock.h"
#include "stress/timing.h"

namespace stress {

class PctRound {
 public:
  static constexpr int kMaxCpus = 8;
  static constexpr int kMaxDepth = 8;
  static constexpr int kInitialK = 16;
  static constexpr std::uint64_t kStaleNs = 20000;

  // The coordinator, before the round (single-threaded).
  void Reset(Rng& rng, int cpus, int depth, int k) {
    n_ = cpus;
    int prio[kMaxCpus];
    for (int i = 0; i < cpus; ++i) prio[i] = depth + i;
    for (int i = cpus - 1; i > 0; --i) {  // Fisher-Yates
      const int j = static_cast<int>(rng.UpTo(static_cast<std::uint64_t>(i)));
      const int t = prio[i];
      prio[i] = prio[j];
      prio[j] = t;
    }
    for (int i = 0; i < cpus; ++i) {
      prio_[i].store(prio[i], std::memory_order_relaxed);
      state_[i].store(kFresh, std::memory_order_relaxed);
      beat_[i].store(0, std::memory_order_relaxed);
    }
    changes_ = depth - 1;
    for (int j = 0; j < changes_; ++j) change_at_[j] = 1 + static_cast<int>(rng.UpTo(static_cast<std::uint64_t>(k - 1)));
    steps_.store(0, std::memory_order_relaxed);
  }

  // Each CPU, as it enters the round.
  void Start(int cpu) {
    start_tick_ = Ticks();
    beat_[cpu].store(start_tick_, std::memory_order_relaxed);
    state_[cpu].store(kRunning, std::memory_order_relaxed);
  }
  // Before a step: count it, apply a change point, wait for the turn.
  void Before(int cpu) {
    const int n = steps_.fetch_add(1, std::memory_order_relaxed) + 1;
    for (int j = 0; j < changes_; ++j) {
      if (change_at_[j] == n) prio_[cpu].store(j + 1, std::memory_order_relaxed);
    }
    WaitTurn(cpu);
  }
  void After(int cpu) { beat_[cpu].store(Ticks(), std::memory_order_relaxed); }
  // Spinning on a lock: another CPU must be able to run (and release it).
  void Blocking(int cpu) { state_[cpu].store(kBlocked, std::memory_order_relaxed); }
  void Unblocked(int cpu) { WaitTurn(cpu); }
  void Done(int cpu) { state_[cpu].store(kDone, std::memory_order_relaxed); }

 private:
  enum State : int { kFresh, kWaiting, kRunning, kBlocked, kDone };

  void WaitTurn(int cpu) {
    state_[cpu].store(kWaiting, std::memory_order_relaxed);
    const std::uint64_t stale = static_cast<std::uint64_t>(static_cast<double>(kStaleNs) * TicksPerNs());
    for (;;) {
      const std::uint64_t now = Ticks();
      const int mine = prio_[cpu].load(std::memory_order_relaxed);
      bool turn = true;
      for (int c = 0; c < n_ && turn; ++c) {
        if (c == cpu || prio_[c].load(std::memory_order_relaxed) < mine) continue;
        switch (state_[c].load(std::memory_order_relaxed)) {
          case kWaiting:
            turn = false;
            break;
          case kRunning:
            turn = now - beat_[c].load(std::memory_order_relaxed) > stale;
            break;
          case kFresh:
            turn = now - start_tick_ > stale;
            break;
          default:  // blocked on a lock, or done
            break;
        }
      }
      if (turn) break;
      mmu::sync::pause();
    }
    beat_[cpu].store(Ticks(), std::memory_order_relaxed);
    state_[cpu].store(kRunning, std::memory_order_relaxed);
  }

  int n_ = 0;
  int changes_ = 0;
  int change_at_[kMaxDepth] = {};
  std::atomic<int> steps_{0};
  std::atomic<int> prio_[kMaxCpus] = {};
  std::atomic<int> state_[kMaxCpus] = {};
  std::atomic<std::uint64_t> beat_[kMaxCpus] = {};
  // Per CPU, not shared: each CPU's copy of its own round start. (Written
  // by each CPU in Start and read only by it: a per-CPU slot would do; the
  // value only bounds how long a CPU waits for one that has not arrived.)
  static inline thread_local std::uint64_t start_tick_ = 0;
};

}  // namespace stress
