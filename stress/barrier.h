// stress/barrier.h: the spin barrier that releases a round's CPUs together.
//
// A centralised, generation-counting barrier (litmus7's "user" barrier): the
// last thread to arrive resets the count and publishes the next generation;
// the others spin on the generation. Every access is an acquire/release
// atomic, so ThreadSanitizer sees the hand-over of each round's objects.
//
// Spinning keeps the release of a round within a few hundred nanoseconds,
// which is what lets two CPUs' steps overlap. When there are more threads
// than cores (split-hw-ad's three CPUs on a 2-core machine, or other tests
// running beside this one) a spinner would hold the core its peer needs, so
// after `spins_before_yield` pauses the waiter yields on every turn.
#pragma once

#include <atomic>
#include <cstdint>
#include <thread>

#include "mmu_core/sync.h"

namespace stress {

class SpinBarrier {
 public:
  SpinBarrier(int threads, int spins_before_yield)
      : threads_(static_cast<std::uint32_t>(threads)), spins_before_yield_(spins_before_yield) {}
  SpinBarrier(const SpinBarrier&) = delete;
  SpinBarrier& operator=(const SpinBarrier&) = delete;

  void Wait() {
    // Every thread reads the current generation before it arrives: the next
    // one cannot be published until this thread has arrived.
    const std::uint32_t gen = generation_.load(std::memory_order_acquire);
    if (arrived_.fetch_add(1, std::memory_order_acq_rel) + 1 == threads_) {
      arrived_.store(0, std::memory_order_relaxed);
      generation_.store(gen + 1, std::memory_order_release);
      return;
    }
    for (int spins = 0; generation_.load(std::memory_order_acquire) == gen; ++spins) {
      if (spins < spins_before_yield_) {
        mmu::sync::pause();
      } else {
        std::this_thread::yield();
      }
    }
  }

 private:
  const std::uint32_t threads_;
  const int spins_before_yield_;
  alignas(64) std::atomic<std::uint32_t> arrived_{0};
  alignas(64) std::atomic<std::uint32_t> generation_{0};
};

}  // namespace stress
