// stress/timing.h: seeded random delays that open rare race windows.
//
// Two CPUs released by a barrier run a round in well under a microsecond, so
// on their own they meet in the same few orders every time. The stress hook
// shifts them against each other with busy-wait delays drawn from a per-CPU
// generator seeded from (--seed, copy, cpu). At the start of every round each
// CPU draws one of four modes, so one run mixes them:
//
//   tight    no delay at all: the CPUs race at full speed (store-buffer
//            windows of a few nanoseconds stay open);
//   jitter   before each step, with probability 1/4, a delay uniform in
//            [0, max/16];
//   wide     a start skew (probability 1/2) and, before each step with
//            probability 1/4, a delay uniform in [0, max];
//   stall    one delay uniform in [0, 4 max] before step k, k uniform in
//            [0, 12): one CPU stops at one point long enough for the other
//            to run a whole operation through the window.
//
// A delay before step k of one CPU widens the window between its steps k-1
// and k, so a sequence such as "the writer clears and sets the spte between
// the reader's `read low` and `read high`" happens many times a second
// instead of never. The seed fixes the delays, not the run: the scheduler and
// the caches still differ from run to run.
#pragma once

#include <cstdint>

#include "stress/clock.h"

namespace stress {

// splitmix64: turns (seed, copy, cpu) into independent generator states.
inline std::uint64_t Mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// xorshift64*: small and fast; quality is ample for choosing delays.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : s_(Mix(seed) | 1) {}
  std::uint64_t Next() {
    s_ ^= s_ >> 12;
    s_ ^= s_ << 25;
    s_ ^= s_ >> 27;
    return s_ * 0x2545f4914f6cdd1dULL;
  }
  // Uniform in [0, n] (n + 1 values); 0 when n is 0.
  std::uint64_t UpTo(std::uint64_t n) { return n == 0 ? 0 : Next() % (n + 1); }

 private:
  std::uint64_t s_;
};

class DelayPlan {
 public:
  DelayPlan(std::uint64_t seed, int copy, int cpu, std::uint64_t max_delay_ticks)
      : rng_(seed ^ Mix(static_cast<std::uint64_t>(copy) << 16 | static_cast<std::uint64_t>(cpu))),
        max_(max_delay_ticks) {}

  void BeforeRound() {
    step_ = 0;
    mode_ = max_ == 0 ? Mode::kTight : static_cast<Mode>(rng_.Next() & 3);
    if (mode_ == Mode::kStall) stall_at_ = static_cast<int>(rng_.UpTo(11));
    if (mode_ == Mode::kWide && (rng_.Next() & 1) == 0) SpinFor(rng_.UpTo(max_));
  }
  void BeforeStep() {
    switch (mode_) {
      case Mode::kTight:
        break;
      case Mode::kJitter:
        if ((rng_.Next() & 3) == 0) SpinFor(rng_.UpTo(max_ / 16));
        break;
      case Mode::kWide:
        if ((rng_.Next() & 3) == 0) SpinFor(rng_.UpTo(max_));
        break;
      case Mode::kStall:
        if (step_ == stall_at_) SpinFor(rng_.UpTo(4 * max_));
        break;
    }
    ++step_;
  }

 private:
  enum class Mode { kTight, kJitter, kWide, kStall };
  Rng rng_;
  std::uint64_t max_;
  Mode mode_ = Mode::kTight;
  int step_ = 0;
  int stall_at_ = 0;
};

}  // namespace stress
