// models/bench/raw_split_pnp.h: split-pnp written directly against Relacy.
//
// The same round as mmu::scenarios::SplitPnp with one clear+set cycle and
// the correct core, but with rl::atomic and rl::var used directly: no
// facade (sync.h), no step points, no mutation switches, no source
// locations. It performs the same Relacy operations in the same order (the
// loads, stores, fences and yields of split_common.h), so both explore the
// same number of executions; the bench checks that and compares their speed.
#pragma once

#include "mmu_core/scenarios/split_common.h"  // relacy.hpp first; SplitValue/SplitValueGenuine

#include <cstdint>

namespace mmu::models::bench {

struct RawSplitPnp : rl::test_suite<RawSplitPnp, 2> {
  static inline bool slow_clear = false;

  rl::atomic<int> count;
  rl::atomic<std::uint32_t> high;
  rl::atomic<std::uint32_t> low;
  rl::var<std::uint64_t> seen;

  // A rl::var access is not a scheduling point in the facade either.
  template <class F>
  static auto Unpreempted(F f) {
    rl::ctx().disable_preemption();
    auto v = f();
    rl::ctx().enable_preemption();
    return v;
  }

  void before() {
    const std::uint64_t v = scenarios::SplitValue(0);
    count.store(0, rl::mo_relaxed, $);
    high.store(static_cast<std::uint32_t>(v >> 32), rl::mo_relaxed, $);
    low.store(static_cast<std::uint32_t>(v), rl::mo_relaxed, $);
    Unpreempted([&] { return seen($).store(0), 0; });
  }

  std::uint64_t GetLockless() {
    for (;;) {
      const int c = count.load(rl::mo_relaxed, $);
      rl::atomic_thread_fence(rl::mo_acquire, $);
      const std::uint32_t lo = low.load(rl::mo_relaxed, $);
      rl::atomic_thread_fence(rl::mo_acquire, $);
      const std::uint32_t hi = high.load(rl::mo_relaxed, $);
      rl::atomic_thread_fence(rl::mo_acquire, $);
      const bool low_same = lo == low.load(rl::mo_acquire, $);
      const bool count_same = c == count.load(rl::mo_relaxed, $);
      if (low_same && count_same) return (std::uint64_t{hi} << 32) | lo;
      rl::yield(1, $);
    }
  }

  void CountClear() {
    rl::atomic_thread_fence(rl::mo_release, $);
    count.store(count.load(rl::mo_relaxed, $) + 1, rl::mo_relaxed, $);
  }

  void thread(unsigned cpu) {
    if (cpu == 0) {
      const std::uint64_t v = GetLockless();
      Unpreempted([&] { return seen($).store(v), 0; });
      RL_ASSERT(scenarios::SplitValueGenuine(v));
      return;
    }
    if (slow_clear) {
      // The kernel's xchg: full barrier, then the exchange and a full
      // barrier as one event (no CPU runs between them), as sync::xchg.
      rl::atomic_thread_fence(rl::mo_seq_cst, $);
      Unpreempted([&] {
        low.exchange(0, rl::mo_seq_cst, $);
        rl::atomic_thread_fence(rl::mo_seq_cst, $);
        return 0;
      });
      high.load(rl::mo_relaxed, $);
      high.store(0, rl::mo_relaxed, $);
    } else {
      low.store(0, rl::mo_relaxed, $);
      rl::atomic_thread_fence(rl::mo_release, $);
      high.store(0, rl::mo_relaxed, $);
    }
    CountClear();
    const std::uint64_t next = scenarios::SplitValue(1);
    high.store(static_cast<std::uint32_t>(next >> 32), rl::mo_relaxed, $);
    rl::atomic_thread_fence(rl::mo_release, $);
    low.store(static_cast<std::uint32_t>(next), rl::mo_relaxed, $);
  }

  void after() {
    Unpreempted([&] { return seen($).load(); });
    count.load(rl::mo_relaxed, $);
    RL_ASSERT(count.load(rl::mo_relaxed, $) == 1);
  }
};

}  // namespace mmu::models::bench
